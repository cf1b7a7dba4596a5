package reports

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
)

// searched returns a record of sample id whose trajectory made calls (tool name → output) and
// whose searches showed urls and docs, with metadata md.
func searched(id string, pass bool, md map[string]any, use *runners.SearchUse, calls ...runners.Call) *Result {
	score := 0.0
	if pass {
		score = 1
	}
	return &Result{Suite: "s", ID: id, Capability: "search", Metadata: md, Verdict: judges.Verdict{Pass: pass, Score: score},
		Trajectory: &runners.Trajectory{Turns: []runners.Turn{{Role: runners.RoleAssistant, Calls: calls}}, Search: use}}
}

func TestSearchRecall(t *testing.T) {
	t.Parallel()
	use := &runners.SearchUse{URLs: []string{"https://encyclopedia.example/eiffel", "https://travel.example/"}, Docs: []string{"flag-jp"}}
	visit := runners.Call{Name: "web_visit", Output: `[{"content": "The  Eiffel\nTower is in PARIS."}]`}
	code := runners.Call{Name: "code", Output: "Rome"}
	r := searched("a", true, map[string]any{
		GoldURLs:     []any{"HTTPS://Encyclopedia.example/eiffel#top", "https://travel.example"}, // both retrieved, as normalised
		GoldDocs:     "flag-se",                                                                  // not retrieved
		GoldEntities: []any{"Eiffel Tower", "Rome"},                                              // Rome only in code's output
	}, use, visit, code)
	got, ok := SearchRecall(r)
	require.True(t, ok)
	assert.InDelta(t, 3.0/5, got, 1e-9)

	_, ok = SearchRecall(searched("b", true, map[string]any{"topic": "x"}, use))
	assert.False(t, ok, "no gold evidence, no recall")
	got, ok = SearchRecall(searched("c", false, map[string]any{GoldDocs: []any{"flag-jp"}}, nil))
	assert.True(t, ok)
	assert.Zero(t, got, "a sample that never searched retrieved nothing")
}

func TestSearchTable(t *testing.T) {
	t.Parallel()
	u, err := NewSearchUsage("")
	require.NoError(t, err)
	replayed := &runners.SearchUse{Requests: map[string]runners.SearchCount{"text": {Requests: 2, StoreHits: 2}, "thumb": {Requests: 3, StoreHits: 2, StoreMisses: 1}},
		URLs: []string{"https://encyclopedia.example/eiffel"}}
	u.Add("m", searched("a", true, map[string]any{GoldURLs: "https://encyclopedia.example/eiffel"}, replayed,
		runners.Call{Name: "search"}, runners.Call{Name: "image_search"}, runners.Call{Name: "code"}))
	u.Add("m", searched("b", false, map[string]any{GoldURLs: "https://elsewhere.example/"}, nil))
	u.Add("m", &Result{Suite: "s", ID: "c", Capability: "search", Error: &Failure{Class: ErrInput}}) // never reached the model
	u.AddRun("empty")
	tab := u.Table()
	require.Len(t, tab.Rows, 3)
	all := tab.Rows[1]
	assert.Equal(t, "overall", all.Key)
	assert.Equal(t, 2, all.Samples)
	assert.Equal(t, 1, all.Searched)
	assert.Equal(t, map[string]int{"text": 1, "image": 1}, all.Calls)
	assert.Equal(t, []int64{5, 4, 1, 0}, []int64{all.Requests, all.StoreHits, all.StoreMisses, all.Live})
	assert.Equal(t, 2, all.WithGold)
	assert.InDelta(t, 1.0, all.Recall, 1e-9)

	var out bytes.Buffer
	require.NoError(t, Write(&out, u.Layout(), "csv", 1))
	assert.Equal(t, "capability,run,n,searched %,text/sample,image/sample,visit/sample,requests,store hits,store misses,live,recall %,n gold,expected\n"+
		"search,m,2,50.0,0.50,0.50,0.00,5,4,1,0,50.0,2,\n"+
		"overall,m,2,50.0,0.50,0.50,0.00,5,4,1,0,50.0,2,\n"+
		"overall,empty,0,,,,,0,0,0,0,,0,\n", out.String())
	rep, err := NewReport("search", "id", nil)
	require.NoError(t, err)
	assert.IsType(t, &SearchUsage{}, rep)
}
