package runners

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// Episode is what a sample did to its environment (a Stateful tool instance), handed to the
// judge when the sample ends: the state it started from and the state it left, and the calls
// that ran on the environment, in order, each with the user turn it answered and its result.
// A judge grades the final state directly (BFCL's state check at the last turn), rebuilds the
// state of each turn by replaying the calls on a fresh environment (BFCL's per-turn checks,
// τ2's predicted database), or reads the results (BFCL's response check).
//
// The record keeps the hashes of the states and the calls without their results; the states
// and results are the judge's, in memory (an airline's database runs to megabytes).
type Episode struct {
	// Environment names the environment (its suite name).
	Environment string `json:"environment"`
	// Initial and Final are the states the sample started from and ended with, as the
	// environment writes them (Stateful.State).
	Initial json.RawMessage `json:"-"`
	Final   json.RawMessage `json:"-"`
	// InitialSHA256 and FinalSHA256 are the hex SHA-256 of Initial and Final.
	InitialSHA256 string `json:"initial_sha256,omitempty"`
	FinalSHA256   string `json:"final_sha256,omitempty"`
	// StateError says why a state could not be read; the judge cannot grade the state then.
	StateError string `json:"state_error,omitempty"`
	// Calls are the calls that ran on the environment, in the order they ran.
	Calls []EpisodeCall `json:"calls,omitempty"`
	// Truncated is set when the calls' arguments passed the record's cap
	// (Limits.MaxTrajectoryRecord) and those past it were left out: the calls can no longer
	// be replayed.
	Truncated bool `json:"truncated,omitempty"`
	// Replies are the texts of the model's messages, in order, and Stop is why the sample
	// ended: the judge's only, set when the sample is graded (τ2 checks that the model told
	// the user what it had to, and scores a conversation cut short by a budget 0).
	Replies []string   `json:"-"`
	Stop    StopReason `json:"-"`
	// Conversation is the sample's conversation as its trajectory records it (tool outputs capped
	// in a rejudge): the judge's only, set when the sample is graded (τ2's NL assertions are
	// graded on it).
	Conversation []Turn `json:"-"`
}

// EpisodeCall is one call that ran on an environment.
type EpisodeCall struct {
	// Turn is the user turn the call answered: 0 for the first user message, 1 after the
	// second, and so on.
	Turn int `json:"turn"`
	// Name is the function called; Arguments its arguments as the model wrote them (a JSON
	// object), whole.
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	// Output is the result's text, whole, as the model was sent it (the judge's only: the
	// trajectory records it capped).
	Output string `json:"-"`
	// Error is set when the function reported an error (it is also in Output).
	Error string `json:"error,omitempty"`
}

// StateHash returns the hex SHA-256 of a state, "" for none.
func StateHash(state json.RawMessage) string {
	if state == nil {
		return ""
	}
	sum := sha256.Sum256(state)
	return hex.EncodeToString(sum[:])
}

// Turns returns the calls of each user turn, from turn 0 to the last turn that made one:
// BFCL executes and checks them turn by turn.
func (e *Episode) Turns() [][]EpisodeCall {
	var out [][]EpisodeCall
	for _, c := range e.Calls {
		for len(out) <= c.Turn {
			out = append(out, nil)
		}
		out[c.Turn] = append(out[c.Turn], c)
	}
	return out
}

// UserSource gives the agent the user's next message when the model ends its turn — it
// answers, or replies without a call under OnNoAction stop — for samples of several user turns: BFCL's scripted turns (ScriptedUser), τ2's user
// simulated by a model. Each sample (and repeat) has its own.
type UserSource interface {
	// Next returns the user's next message, given the conversation so far (the model's last
	// reply included), or nil when the user has nothing more to say: the sample then ends
	// with that reply as its answer. An error is an infrastructure failure (the simulator's
	// endpoint); it ends the sample as a tool's failure does.
	Next(ctx context.Context, conversation []Message) (*UserTurn, error)
}

// Opener is a UserSource that says the first user message too, in place of the sample's
// rendered prompt: τ2's simulated user, who answers the agent's greeting. Open returns the
// greeting, which the conversation opens with as the model's own message ("" for none), and
// the user's first message.
type Opener interface {
	UserSource
	Open(ctx context.Context) (greeting string, first *UserTurn, err error)
}

// UserTurn is one user message of a multi-turn sample.
type UserTurn struct {
	// Parts are the message's text and images.
	Parts []Part
	// Reveal names functions of the sample's tools that the model may call from this turn on,
	// hidden until then (Input.Hidden): BFCL's missing-function category adds them back at
	// the turn its data says. Under native function calling they join the request's tools;
	// the text protocols declare the tools once, in the system prompt, so the message itself
	// should describe them (as BFCL's prompting mode does).
	Reveal []string
}

// ScriptedUser is a UserSource that says the turns it holds, in order, whatever the model
// replied.
type ScriptedUser struct {
	turns []UserTurn
	next  int
}

// NewScriptedUser returns a ScriptedUser saying turns.
func NewScriptedUser(turns []UserTurn) *ScriptedUser {
	return &ScriptedUser{turns: slices.Clone(turns)}
}

// Next returns the next scripted turn, or nil after the last.
func (u *ScriptedUser) Next(context.Context, []Message) (*UserTurn, error) {
	if u.next >= len(u.turns) {
		return nil, nil
	}
	t := u.turns[u.next]
	u.next++
	return &t, nil
}

// Done reports whether every turn has been said.
func (u *ScriptedUser) Done() bool { return u.next >= len(u.turns) }

// Hidden returns the functions that the script reveals, which are hidden until then.
func (u *ScriptedUser) Hidden() []string {
	var out []string
	for _, t := range u.turns {
		for _, name := range t.Reveal {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
