package runners_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// searchingTool is a tool whose instances report a search each call made.
type searchingTool struct {
	name string
	url  string
}

func (t *searchingTool) Def() runners.ToolDef {
	return runners.ToolDef{Name: t.name, Parameters: []byte(`{"type":"object"}`)}
}

func (t *searchingTool) Open(context.Context, *runners.ToolEnv) (runners.ToolInstance, error) {
	return &searchingInstance{t: t}, nil
}

type searchingInstance struct {
	t     *searchingTool
	calls int64
}

func (i *searchingInstance) Call(context.Context, json.RawMessage) (*runners.Observation, error) {
	i.calls++
	return &runners.Observation{Text: "found " + i.t.url}, nil
}

func (i *searchingInstance) Close() error { return nil }

func (i *searchingInstance) SearchUse() *runners.SearchUse {
	if i.calls == 0 {
		return nil
	}
	return &runners.SearchUse{Requests: map[string]runners.SearchCount{"text": {Requests: i.calls, StoreHits: i.calls}},
		URLs: []string{i.t.url}, Docs: []string{i.t.name}}
}

// TestTrajectoryKeepsWhatTheSearchesDid merges the reports of a sample's search tools into
// its trajectory when the sample ends; a sample that searched nothing has none.
func TestTrajectoryKeepsWhatTheSearchesDid(t *testing.T) {
	a, srv := agentFor(t, "hermes", &searchingTool{name: "search", url: "https://b.example/"},
		&searchingTool{name: "text_search", url: "https://a.example/"})
	srv.Script(
		runnertest.Reply{Content: "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>"},
		runnertest.Reply{Content: "<tool_call>\n{\"name\": \"text_search\", \"arguments\": {}}\n</tool_call>"},
		runnertest.Reply{Content: "<tool_call>\n{\"name\": \"search\", \"arguments\": {}}\n</tool_call>"},
		runnertest.Reply{Content: "<answer>done</answer>"},
		runnertest.Reply{Content: "<answer>nothing searched</answer>"},
	)
	tr, err := a.Run(context.Background(), question("Look it up."))
	require.NoError(t, err)
	require.NotNil(t, tr.Search)
	assert.Equal(t, &runners.SearchUse{
		Requests: map[string]runners.SearchCount{"text": {Requests: 3, StoreHits: 3}},
		URLs:     []string{"https://a.example/", "https://b.example/"},
		Docs:     []string{"search", "text_search"},
	}, tr.Search)
	assert.Equal(t, runners.SearchCount{Requests: 3, StoreHits: 3}, tr.Search.Total())

	tr, err = a.Run(context.Background(), question("Answer at once."))
	require.NoError(t, err)
	assert.Nil(t, tr.Search)
}
