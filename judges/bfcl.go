package judges

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env/bfcl"
	"github.com/realx-bench/realx/tasks"
)

// KindBFCLMultiTurn is BFCL v3's multi-turn checker (bfcl.Check) as the leaderboard runs it, an
// episode judge: it reads the sample's entry state from its metadata field "state" and the
// gold calls per turn from "ground_truth", and grades the calls the Episode recorded, turn by
// turn. KindBFCLMultiTurnStrict also fails calls in a turn whose gold has none (BFCL's
// irrelevance check, which the leaderboard leaves out).
const (
	KindBFCLMultiTurn       = "bfcl-multi-turn"
	KindBFCLMultiTurnStrict = "bfcl-multi-turn-strict"
)

// BFCLMultiTurn grades a sample of BFCL's multi-turn categories by what its calls did, not by
// its answer (root package realx hands it the Episode: it is an EpisodeJudge).
type BFCLMultiTurn struct {
	// Strict adds BFCL's irrelevance check (KindBFCLMultiTurnStrict).
	Strict bool
}

// ID returns the judge's identity: its kind.
func (j BFCLMultiTurn) ID() string {
	if j.Strict {
		return KindBFCLMultiTurnStrict
	}
	return KindBFCLMultiTurn
}

// Judge refuses: the checker grades episodes.
func (j BFCLMultiTurn) Judge(context.Context, *tasks.Sample, string) (Verdict, error) {
	return Verdict{}, fmt.Errorf("the %s judge grades the calls of an environment's episode, not an answer", j.ID())
}

// JudgeEpisode runs BFCL's multi-turn checker on the Episode's calls per user turn: a pass
// when every turn passes, the first failure's kind and message as the reason otherwise.
func (j BFCLMultiTurn) JudgeEpisode(_ context.Context, s *tasks.Sample, _ string, ep *runners.Episode) (Verdict, error) {
	state, err := json.Marshal(s.Metadata["state"])
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: state: %w", s.ID, err)
	}
	var gold [][]string
	b, err := json.Marshal(s.Metadata["ground_truth"])
	if err == nil {
		err = json.Unmarshal(b, &gold)
	}
	if err != nil || len(gold) == 0 {
		return Verdict{}, fmt.Errorf("sample %s: ground_truth is not a list of turns of calls", s.ID)
	}
	var model [][]bfcl.Call
	if ep != nil {
		if ep.Truncated {
			return Verdict{}, fmt.Errorf("sample %s: the episode's calls were cut to the record's cap and cannot be replayed", s.ID)
		}
		for _, turn := range ep.Turns() {
			var calls []bfcl.Call
			for _, c := range turn {
				calls = append(calls, bfcl.Call{Name: c.Name, Arguments: c.Arguments})
			}
			model = append(model, calls)
		}
	}
	res, err := bfcl.Check(state, gold, model, bfcl.Rules{Irrelevance: j.Strict})
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	v := Verdict{JudgeID: j.ID(), Pass: res.Valid, Confident: true}
	if res.Valid {
		v.Score = 1
	} else {
		v.Reason = fmt.Sprintf("turn %d: %s: %s", res.Turn, res.ErrorType, res.Message)
	}
	return v, nil
}
