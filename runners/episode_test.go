package runners_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// counterTool is an environment for tests: a counter that starts at the sample's state
// ({"n": …}), with the functions add, get and (in the hidden list of some tests) reset.
type counterTool struct{ opens, closes atomic.Int32 }

func (c *counterTool) Def() runners.ToolDef { return runners.ToolDef{Name: "counter"} }

func (c *counterTool) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	c.opens.Add(1)
	var st struct{ N int }
	if len(env.State) > 0 {
		if err := json.Unmarshal(env.State, &st); err != nil {
			return nil, err
		}
	}
	return &counter{n: st.N, t: c}, nil
}

type counter struct {
	n int
	t *counterTool
}

var counterFunctions = []runners.ToolDef{
	{Name: "add", Description: "Add to the counter.", Parameters: []byte(`{"type":"object","properties":{"by":{"type":"integer"}},"required":["by"]}`)},
	{Name: "get", Description: "Read the counter.", Parameters: []byte(`{"type":"object","properties":{}}`)},
	{Name: "reset", Description: "Set the counter to 0.", Parameters: []byte(`{"type":"object","properties":{}}`)},
}

func (c *counter) Functions() []runners.ToolDef { return counterFunctions }

func (c *counter) CallFunction(_ context.Context, name string, args json.RawMessage) (*runners.Observation, error) {
	switch name {
	case "add":
		var a struct{ By int }
		if err := json.Unmarshal(args, &a); err != nil {
			return &runners.Observation{Text: "Error: " + err.Error(), Error: err.Error()}, nil
		}
		c.n += a.By
	case "reset":
		c.n = 0
	}
	return &runners.Observation{Text: fmt.Sprint(c.n)}, nil
}

func (c *counter) Call(context.Context, json.RawMessage) (*runners.Observation, error) {
	return nil, fmt.Errorf("call a function")
}

func (c *counter) State() (json.RawMessage, error) { return json.Marshal(map[string]int{"n": c.n}) }

func (c *counter) Close() error { c.t.closes.Add(1); return nil }

// hermesCall writes a hermes call to name with args.
func hermesCall(name, args string) string {
	return fmt.Sprintf("<tool_call>\n{\"name\": %q, \"arguments\": %s}\n</tool_call>", name, args)
}

// TestEnvironmentEpisode runs a sample against an environment: its functions are declared to
// the model under native and hermes, each sample opens it afresh from its state, and the
// trajectory's Episode holds the states and the calls that ran, with their results.
func TestEnvironmentEpisode(t *testing.T) {
	t.Parallel()
	for _, pname := range []string{"native", "hermes"} {
		t.Run(pname, func(t *testing.T) {
			t.Parallel()
			srv := runnertest.NewServer(t)
			call := func(name, args string) runnertest.Reply {
				if pname == "native" {
					return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: "c", Name: name, Arguments: args}}}
				}
				return runnertest.Reply{Content: hermesCall(name, args)}
			}
			srv.Script(call("add", `{"by": 2}`), call("add", `{"by": "x"}`), call("get", `{}`), runnertest.Reply{Content: "It is 7."})
			p, _ := runners.ProtocolByName(pname)
			tool := &counterTool{}
			prompts, err := runners.NewPrompts(p, "", "")
			require.NoError(t, err)
			a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p, Tools: []runners.Tool{tool}, Prompts: prompts}
			tr, err := a.Run(context.Background(), &runners.Input{SampleID: "s", User: []runners.Part{{Text: "count"}}, State: json.RawMessage(`{"n": 5}`)})
			require.NoError(t, err)
			assert.Equal(t, runners.StopAnswer, tr.Stop)
			assert.EqualValues(t, 1, tool.opens.Load())
			assert.EqualValues(t, 1, tool.closes.Load())

			ep := tr.Episode
			require.NotNil(t, ep)
			assert.Equal(t, "counter", ep.Environment)
			assert.JSONEq(t, `{"n":5}`, string(ep.Initial))
			assert.JSONEq(t, `{"n":7}`, string(ep.Final))
			assert.Equal(t, runners.StateHash(ep.Final), ep.FinalSHA256)
			require.Len(t, ep.Calls, 3)
			assert.Equal(t, "add", ep.Calls[0].Name)
			assert.JSONEq(t, `{"by":2}`, string(ep.Calls[0].Arguments))
			assert.Equal(t, "7", ep.Calls[0].Output)
			assert.NotEmpty(t, ep.Calls[1].Error, "the environment's own error is in the episode")
			assert.Equal(t, "7", ep.Calls[2].Output)

			// The functions reached the model: in the tools field, or in the hermes tool block.
			first := srv.Requests()[0]
			if pname == "native" {
				tools, _ := first.JSON["tools"].([]any)
				assert.Len(t, tools, 3)
			} else {
				assert.Contains(t, first.Messages[0].Text, `"name": "reset"`)
			}
			// The record keeps the hashes and the calls, not the states nor the results.
			b, err := json.Marshal(tr)
			require.NoError(t, err)
			assert.Contains(t, string(b), ep.FinalSHA256)
			assert.NotContains(t, string(b), `"n":5`)
		})
	}
}

// TestUserTurnsAndReveal plays a sample of three user turns from a script: each answer brings
// the next user message, recorded in the trajectory; a function hidden until the third turn
// is refused before it and declared (native) and callable after; the episode's calls carry
// their user turn.
func TestUserTurnsAndReveal(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	call := func(name, args string) runnertest.Reply {
		return runnertest.Reply{ToolCalls: []runners.ToolCall{{ID: "c", Name: name, Arguments: args}}}
	}
	srv.Script(
		call("add", `{"by": 1}`), runnertest.Reply{Content: "added"},
		call("reset", `{}`), runnertest.Reply{Content: "I cannot reset"},
		call("reset", `{}`), runnertest.Reply{Content: "reset done"},
	)
	p, _ := runners.ProtocolByName("native")
	users := runners.NewScriptedUser([]runners.UserTurn{
		{Parts: []runners.Part{{Text: "now reset it"}}},
		{Parts: []runners.Part{{Text: "I have updated some more functions you can choose from. What about now?"}}, Reveal: []string{"reset"}},
	})
	assert.Equal(t, []string{"reset"}, users.Hidden())
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p, Tools: []runners.Tool{&counterTool{}}}
	tr, err := a.Run(context.Background(), &runners.Input{SampleID: "s", User: []runners.Part{{Text: "add one"}},
		State: json.RawMessage(`{"n": 0}`), Users: users, Hidden: users.Hidden()})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, "reset done", tr.Final)

	var users3 []string
	for _, turn := range tr.Turns {
		if turn.Role == runners.RoleUser {
			users3 = append(users3, turn.Text)
		}
	}
	assert.Equal(t, []string{"add one", "now reset it", "I have updated some more functions you can choose from. What about now?"}, users3)

	reqs := srv.Requests()
	require.Len(t, reqs, 6)
	toolNames := func(r *runnertest.Request) []string {
		var out []string
		tools, _ := r.JSON["tools"].([]any)
		for _, t := range tools {
			fn := t.(map[string]any)["function"].(map[string]any)
			out = append(out, fn["name"].(string))
		}
		return out
	}
	assert.Equal(t, []string{"add", "get"}, toolNames(reqs[0]))
	assert.Equal(t, []string{"add", "get", "reset"}, toolNames(reqs[4]))
	assert.Contains(t, reqs[3].Messages[len(reqs[3].Messages)-1].Text, `unknown tool "reset"`, "a hidden function is refused")

	ep := tr.Episode
	require.Len(t, ep.Calls, 2, "the refused call did not run")
	assert.Equal(t, 0, ep.Calls[0].Turn)
	assert.Equal(t, 2, ep.Calls[1].Turn)
	assert.JSONEq(t, `{"n":0}`, string(ep.Final))
	turns := ep.Turns()
	require.Len(t, turns, 3)
	assert.Len(t, turns[1], 0)
}

// TestUserTurnsEndWithTheBudget ends a multi-turn sample with the budget, not as answered,
// when no model turn is left for a user who may have more to say.
func TestUserTurnsEndWithTheBudget(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Handle(func(*runnertest.Request) runnertest.Reply { return runnertest.Reply{Content: "ok"} })
	p, _ := runners.ProtocolByName("hermes")
	script := []runners.UserTurn{{Parts: []runners.Part{{Text: "two"}}}, {Parts: []runners.Part{{Text: "three"}}}}
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p, Budget: runners.Budget{MaxTurns: 2}}
	tr, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "one"}}, Users: runners.NewScriptedUser(script)})
	require.NoError(t, err)
	assert.Equal(t, runners.StopMaxTurns, tr.Stop)

	a.Budget.MaxTurns = 3
	tr, err = a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "one"}}, Users: runners.NewScriptedUser(script)})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop, "the script was said in full")
}

// failingUser is a UserSource whose endpoint fails.
type failingUser struct{}

func (failingUser) Next(context.Context, []runners.Message) (*runners.UserTurn, error) {
	return nil, fmt.Errorf("the simulator's endpoint is down")
}

// TestUserSourceFailureIsInfrastructure ends the sample with a ToolError when the user source
// fails, and hands the source the conversation with the model's reply last.
func TestUserSourceFailureIsInfrastructure(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "hello"})
	p, _ := runners.ProtocolByName("native")
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p}
	_, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "hi"}}, Users: failingUser{}})
	var te *runners.ToolError
	require.ErrorAs(t, err, &te)
	assert.True(t, strings.Contains(err.Error(), "simulator"))
}

// TestFunctionNamesMustBeDistinct refuses a sample whose tools bring one function twice.
func TestFunctionNamesMustBeDistinct(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	p, _ := runners.ProtocolByName("native")
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p,
		Tools: []runners.Tool{&runners.StatelessTool{Definition: runners.ToolDef{Name: "get"}}, &counterTool{}}}
	_, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "hi"}}})
	require.ErrorContains(t, err, `function "get" is also another tool's`)
	assert.Empty(t, srv.Requests())
}

// TestReplyWithoutCallEndsTheTurn moves on to the user's next turn after a reply with neither a
// call nor an answer (an empty one), as BFCL ends a turn on a reply without a call; the last
// such reply ends the sample as no_action.
func TestReplyWithoutCallEndsTheTurn(t *testing.T) {
	t.Parallel()
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: ""}, runnertest.Reply{Content: "done"}, runnertest.Reply{Content: ""})
	p, _ := runners.ProtocolByName("hermes")
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"}), Protocol: p}
	script := []runners.UserTurn{{Parts: []runners.Part{{Text: "two"}}}, {Parts: []runners.Part{{Text: "three"}}}}
	tr, err := a.Run(context.Background(), &runners.Input{User: []runners.Part{{Text: "one"}}, Users: runners.NewScriptedUser(script)})
	require.NoError(t, err)
	assert.Equal(t, runners.StopNoAction, tr.Stop)
	assert.Equal(t, []runners.Role{"user", "assistant", "user", "assistant", "user", "assistant"}, turnRoles(tr))
}
