package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

// TestCategoryOf sorts calls into DeepEyesV2's categories: searches by the function called,
// code and image operations by what their tool said they did.
func TestCategoryOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		call runners.Call
		want string
	}{
		{runners.Call{Name: "code", Kind: "crop"}, CategoryCrop},
		{runners.Call{Name: "code", Kind: "mark"}, CategoryMark},
		{runners.Call{Name: "code", Kind: "numeric"}, CategoryNumeric},
		{runners.Call{Name: "code", Kind: "other"}, CategoryOther},
		{runners.Call{Name: "code"}, CategoryOther},
		{runners.Call{Name: "image_zoom_in_tool", Kind: "crop"}, CategoryCrop},
		{runners.Call{Name: "rotate", Kind: "other"}, CategoryOther},
		{runners.Call{Name: "image_search"}, CategoryImageSearch},
		{runners.Call{Name: "search"}, CategoryTextSearch},
		{runners.Call{Name: "text_search"}, CategoryTextSearch},
		{runners.Call{Name: "web_visit"}, CategoryWebVisit},
		{runners.Call{Name: "made_up", Kind: "crop"}, CategoryCrop},
		{runners.Call{Error: "malformed"}, CategoryOther},
	} {
		assert.Equal(t, tc.want, CategoryOf(&tc.call), "%+v", tc.call)
	}
}

// timedResult is a record of a sample that made calls, its turns and calls timed.
func timedResult(id string, pass bool, wall int64, calls ...runners.Call) *Result {
	r := sampleResult(id, pass)
	r.LatencyMS = 300
	r.Trajectory = &runners.Trajectory{WallMS: wall, ToolOpenMS: 50, Turns: []runners.Turn{
		{Role: runners.RoleUser}, {Role: runners.RoleAssistant, LatencyMS: 100, Calls: calls}, {Role: runners.RoleUser},
		{Role: runners.RoleAssistant, LatencyMS: 200},
	}}
	return r
}

// TestUseOf sums up a trajectory: calls, errors, turns, tools and categories once each, the
// sequence with runs of one call folded and long ones cut, the times.
func TestUseOf(t *testing.T) {
	t.Parallel()
	crop := runners.Call{Name: "code", Kind: "crop", DurationMS: 40}
	search := runners.Call{Name: "search", DurationMS: 10, Error: "no results"}
	r := timedResult("1", true, 1000, crop, crop, search, crop)
	u := UseOf(r)
	assert.Equal(t, SampleUse{Calls: 4, CallErrors: 1, Turns: 2, Tools: []string{"code", "search"},
		Categories: []string{CategoryCrop, CategoryTextSearch}, Sequence: "code:crop ×2 → search → code:crop",
		ModelMS: 300, ToolMS: 130, OpenMS: 50, WallMS: 1000}, u)

	var many []runners.Call
	for i := range 12 {
		many = append(many, runners.Call{Name: string(rune('a' + i))})
	}
	assert.Equal(t, "a → b → c → d → e → f → g → h → …", UseOf(timedResult("2", true, 0, many...)).Sequence)
	assert.Empty(t, UseOf(timedResult("3", true, 0)).Sequence)

	hostile := runners.Call{Name: "\x1b[2J\x1b]0;owned\x07" + strings.Repeat("x", 60)}
	label := CallLabel(&hostile)
	assert.NotContains(t, label, "\x1b")
	assert.True(t, strings.HasPrefix(label, `\x1b[2J\x1b]0;owned\x07`), label)
	assert.Equal(t, 40, len([]rune(label)), "cut to 40 characters")
	assert.Equal(t, "(none)", CallLabel(&runners.Call{Error: "malformed"}))
	assert.Equal(t, label, ToolName(&hostile), "the name of a tool is cut alike")
}

// TestPrintable escapes what could drive a terminal or reorder text, and keeps the rest.
func TestPrintable(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text\nwith\ttabs, ünïcödé, 中文, emoji 👩‍💻": "plain text\nwith\ttabs, ünïcödé, 中文, emoji 👩‍💻",
		"\x1b[31mred\x1b[0m":                        `\x1b[31mred\x1b[0m`,
		"over\rwrite\b":                             `over\x0dwrite\x08`,
		"c1 \u009b control":                         `c1 \x9b control`,
		"bidi \u202eevil\u202c and \u2066iso\u2069": `bidi \u202eevil\u202c and \u2066iso\u2069`,
		"bad \xff utf-8":                            `bad \xff utf-8`,
		"del \x7f":                                  `del \x7f`,
	} {
		assert.Equal(t, want, Printable(in), "%q", in)
	}
}

// TestToolUsageSections checks the categories, each tool's calls, the samples by number of
// calls, the frequent sequences and the time split, and pins their rendering.
func TestToolUsageSections(t *testing.T) {
	t.Parallel()
	u, err := NewToolUsage("capability")
	require.NoError(t, err)
	crop := runners.Call{Name: "code", Kind: "crop", DurationMS: 100}
	num := runners.Call{Name: "code", Kind: "numeric", DurationMS: 200}
	search := runners.Call{Name: "search", DurationMS: 50}
	lens := runners.Call{Name: "image_search", DurationMS: 150, Error: "HTTP 500"}
	records := []*Result{
		timedResult("1", true, 1000, crop),
		timedResult("2", true, 1000, crop),
		timedResult("3", false, 1000, crop, num),
		timedResult("4", true, 2000, lens, search, search),
		timedResult("5", false, 0), // written before realx recorded wall time
	}
	for i := range 11 {
		records = append(records, timedResult("x"+string(rune('a'+i)), i%2 == 0, 1000, slices.Repeat([]runners.Call{search}, 10+i)...))
	}
	for _, r := range records {
		u.Add("m", r)
	}
	tab := u.Table()
	all, ok := tab.Row("m", OverallKey)
	require.True(t, ok)
	assert.Equal(t, 16, all.Samples)
	assert.Equal(t, map[string]int{CategoryCrop: 3, CategoryNumeric: 1, CategoryImageSearch: 1, CategoryTextSearch: 2 + 11*10 + 55}, all.Categories)
	assert.Equal(t, TimeSplit{ModelMS: 16 * 300, ToolMS: 100*3 + 200 + 150 + 100 + 50*(11*10+55), OpenMS: 16 * 50,
		Timed: 15, WallMS: 16000, TimedModel: 15 * 300, TimedTools: 100*3 + 200 + 150 + 100 + 50*(11*10+55), TimedOpenMS: 15 * 50}, all.Time)

	assert.Equal(t, []CallCount{
		{Run: "m", Calls: 0, Samples: 1, Graded: 1},
		{Run: "m", Calls: 1, Samples: 2, Graded: 2, Pass: 2},
		{Run: "m", Calls: 2, Samples: 1, Graded: 1},
		{Run: "m", Calls: 3, Samples: 1, Graded: 1, Pass: 1},
		{Run: "m", Calls: 4}, {Run: "m", Calls: 5}, {Run: "m", Calls: 6}, {Run: "m", Calls: 7}, {Run: "m", Calls: 8}, {Run: "m", Calls: 9},
		{Run: "m", Calls: 10, AtLeast: true, Samples: 11, Graded: 11, Pass: 6},
	}, tab.CallCounts)
	require.Len(t, tab.Sequences, TopSequences, "the most frequent of 14")
	assert.Equal(t, Sequence{Run: "m", Sequence: "search ×10", Samples: 1, Graded: 1, Pass: 1}, tab.Sequences[3])
	assert.Equal(t, Sequence{Run: "m", Sequence: "code:crop", Samples: 2, Graded: 2, Pass: 2}, tab.Sequences[0], "the most frequent first")
	assert.Equal(t, []ToolCalls{
		{Run: "m", Tool: "code", Calls: 4, Samples: 3, DurationMS: 500},
		{Run: "m", Tool: "image_search", Calls: 1, Samples: 1, Errors: 1, DurationMS: 150},
		{Run: "m", Tool: "search", Calls: 167, Samples: 12, DurationMS: 50 * 167},
	}, tab.PerTool)

	for _, format := range []string{"text", "md", "json"} {
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, tab, format, 1))
		golden(t, "tools-sections."+format, buf.Bytes())
	}
	for _, s := range ToolSections {
		u.Section = s
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, u.Layout(), "csv", 1))
		golden(t, "tools-"+s+".csv", buf.Bytes())
		grids := u.Layout().Grids(1)
		require.Len(t, grids, 1, s)
	}
}

// TestToolUsageBySuite names each suite's row by the suite alone, over several suites.
func TestToolUsageBySuite(t *testing.T) {
	t.Parallel()
	u, err := NewToolUsage("suite")
	require.NoError(t, err)
	a, b := timedResult("1", true, 0, runners.Call{Name: "search"}), timedResult("1", true, 0)
	b.Suite = "vstar"
	u.Add("m", a)
	u.Add("m", b)
	var keys []string
	for _, r := range u.Table().Rows {
		keys = append(keys, r.Key)
	}
	assert.Equal(t, []string{"s", "vstar", OverallKey}, keys)
}
