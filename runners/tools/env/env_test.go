package env_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
)

// TestKV calls every function of the shipped kv environment, its errors included, through the
// tool the agent opens.
func TestKV(t *testing.T) {
	t.Parallel()
	k, ok := env.Lookup("kv")
	require.True(t, ok)
	tool := env.NewTool(k)
	assert.Equal(t, "kv", tool.Def().Name)
	inst, err := tool.Open(context.Background(), &runners.ToolEnv{SampleID: "s", State: json.RawMessage(`{"items": {"a": "1"}}`)})
	require.NoError(t, err)
	defer inst.Close()
	box := inst.(runners.Toolbox)
	var names []string
	for _, d := range box.Functions() {
		names = append(names, d.Name)
		assert.True(t, json.Valid(d.Parameters), d.Name)
	}
	assert.Equal(t, []string{"set", "get", "delete", "list"}, names)

	call := func(name, args string) *runners.Observation {
		obs, err := box.CallFunction(context.Background(), name, json.RawMessage(args))
		require.NoError(t, err)
		return obs
	}
	assert.Equal(t, `{"value":"1"}`, call("get", `{"key":"a"}`).Text)
	assert.Equal(t, `{"status":"ok"}`, call("set", `{"key":"b","value":"<2>"}`).Text)
	assert.Equal(t, `{"keys":["a","b"]}`, call("list", `{}`).Text)
	assert.Equal(t, `no key "c"`, call("get", `{"key":"c"}`).Error)
	assert.Contains(t, call("set", `{"key":"c","value":"3","extra":1}`).Error, "unknown field", "an unexpected argument is refused")
	assert.Contains(t, call("nope", `{}`).Text, `unknown function "nope": the functions are set, get, delete, list`)
	assert.Equal(t, `{"status":"ok"}`, call("delete", `{"key":"a"}`).Text)
	state, err := inst.(runners.Stateful).State()
	require.NoError(t, err)
	assert.Equal(t, `{"items":{"b":"<2>"}}`, string(state))

	_, err = tool.Open(context.Background(), &runners.ToolEnv{SampleID: "bad", State: json.RawMessage(`{"things": 1}`)})
	assert.ErrorContains(t, err, `environment kv: initial state of sample "bad"`)
}

// TestReplay rebuilds states from recorded calls, as graders do: the same calls make the same
// state (hash), a different write a different one, and an unrecorded call cannot be replayed.
func TestReplay(t *testing.T) {
	t.Parallel()
	k, _ := env.Lookup("kv")
	initial := json.RawMessage(`{"items": {"a": "1"}}`)
	gold := []runners.EpisodeCall{{Name: "set", Arguments: json.RawMessage(`{"key":"b","value":"2"}`)}, {Name: "get", Arguments: json.RawMessage(`{"key":"b"}`)}}
	final, obs, err := env.Replay(context.Background(), k, initial, gold)
	require.NoError(t, err)
	assert.Equal(t, `{"items":{"a":"1","b":"2"}}`, string(final))
	require.Len(t, obs, 2)
	assert.Equal(t, `{"value":"2"}`, obs[1].Text)

	same, _, err := env.Replay(context.Background(), k, initial, []runners.EpisodeCall{
		{Name: "get", Arguments: json.RawMessage(`{"key":"zzz"}`)}, // a failed read changes nothing
		{Name: "set", Arguments: json.RawMessage(`{"value":"2","key":"b"}`)},
	})
	require.NoError(t, err)
	assert.Equal(t, runners.StateHash(final), runners.StateHash(same))

	wrong, _, err := env.Replay(context.Background(), k, initial, []runners.EpisodeCall{{Name: "set", Arguments: json.RawMessage(`{"key":"b","value":"3"}`)}})
	require.NoError(t, err)
	assert.NotEqual(t, runners.StateHash(final), runners.StateHash(wrong))

	_, _, err = env.Replay(context.Background(), k, initial, []runners.EpisodeCall{{Name: "set"}})
	assert.ErrorContains(t, err, "its arguments were not recorded")
}

// TestRegister refuses a kind that is malformed or taken.
func TestRegister(t *testing.T) {
	t.Parallel()
	assert.Contains(t, env.Names(), "kv")
	assert.Panics(t, func() {
		env.Register(env.Kind{Name: "kv", New: func(json.RawMessage) (env.Environment, error) { return nil, nil }})
	})
	assert.Panics(t, func() {
		env.Register(env.Kind{Name: "Bad Name", New: func(json.RawMessage) (env.Environment, error) { return nil, nil }})
	})
	assert.Panics(t, func() { env.Register(env.Kind{Name: "nonew"}) })
}

// TestTableFailure tells a function's error, which goes to the model, from the environment's
// failure, which ends the sample; results are written as JSON.
func TestTableFailure(t *testing.T) {
	t.Parallel()
	tab := env.Table{
		{Def: runners.ToolDef{Name: "broken"}, Run: func(context.Context, json.RawMessage) (any, error) {
			return nil, &env.Failure{Err: assert.AnError}
		}},
		{Def: runners.ToolDef{Name: "list"}, Run: func(context.Context, json.RawMessage) (any, error) { return []int{1, 2}, nil }},
	}
	_, err := tab.Call(context.Background(), "broken", nil)
	assert.ErrorIs(t, err, assert.AnError)
	obs, err := tab.Call(context.Background(), "list", nil)
	require.NoError(t, err)
	assert.Equal(t, "[1,2]", obs.Text)
}
