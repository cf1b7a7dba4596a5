package runners

import "context"

// ForRepeat returns m as repeat i (from 0) of a sample calls it: every request carries i
// (ChatRequest.Repeat, which keys the response cache), and a request that sets a seed is sent
// with the seed plus i, so that the repeats of a sample sample differently but reproducibly.
// Repeat 0 is m's requests as they are.
func ForRepeat(m Model, i int) Model {
	if i == 0 {
		return m
	}
	return repeated{m: m, i: i}
}

type repeated struct {
	m Model
	i int
}

// Chat sends a copy of req marked as repeat r.i, its seed moved on by r.i.
func (r repeated) Chat(ctx context.Context, req *ChatRequest) (*ChatResponse, error) {
	cp := *req
	cp.Repeat = r.i
	if req.Generation.Seed != nil {
		seed := *req.Generation.Seed + r.i
		cp.Generation.Seed = &seed
	}
	return r.m.Chat(ctx, &cp)
}
