package env

import (
	"context"

	"github.com/realx-bench/realx/runners"
)

// Asker is the LLM judge an environment's Grade may ask about what it cannot check itself
// (τ2's natural-language assertions). The judge kind "environment" gives one, built from its
// model and endpoint, through the context it grades in (WithAsker).
type Asker interface {
	// Ask puts messages to the judge's model at temperature 0 and reads the verdict out of its
	// reply with read (ok false: no verdict in it, so the model is asked again, up to the
	// judge's retries). The verdict is cached by the messages and the judge's identity. An
	// error is a failure of the judge (no endpoint, an endpoint that keeps failing, replies
	// with no verdict), never a wrong answer.
	Ask(ctx context.Context, messages []runners.Message, read func(reply string) (g Grade, ok bool)) (Grade, error)
}

type askerKey struct{}

// WithAsker returns ctx carrying a, for the Grade of an environment kind to ask.
func WithAsker(ctx context.Context, a Asker) context.Context {
	return context.WithValue(ctx, askerKey{}, a)
}

// AskerFrom returns the Asker ctx carries, nil when none.
func AskerFrom(ctx context.Context) Asker {
	a, _ := ctx.Value(askerKey{}).(Asker)
	return a
}
