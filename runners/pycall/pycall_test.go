package pycall

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseListAsBFCL decodes replies as BFCL's prompting mode does
// (default_decode_execute_prompting, whose outputs these are, recorded with CPython 3.11): the
// calls, written back as BFCL writes them, keyword arguments only; a reply that is not a list
// of calls is an error.
func TestParseListAsBFCL(t *testing.T) {
	for _, c := range []struct {
		reply string
		want  []string // nil: BFCL's decoder raises
	}{
		{"[cd(folder='document'), mkdir(dir_name='temp')]", []string{"cd(folder='document')", "mkdir(dir_name='temp')"}},
		{`cd(folder="doc's")`, []string{`cd(folder="doc's")`}},
		{"```\n[mean(numbers=[1, 2.5, -3]), ls(a=True)]\n```", []string{"mean(numbers=[1, 2.5, -3])", "ls(a=True)"}},
		{"[post_tweet(content='Hi!', tags=['#a', '#b'], mentions=[])]", []string{"post_tweet(content='Hi!', tags=['#a', '#b'], mentions=[])"}},
		{"[sort('final_report.pdf'), tail(file_name='log.txt', lines=20)]", []string{"sort()", "tail(file_name='log.txt', lines=20)"}},
		{"[f(x=None, y={'k': 1, 'j': [1, 2]}, w=1e-05, v=10.0)]", []string{"f(x=None, y={'k': 1, 'j': [1, 2]}, w=1e-05, v=10.0)"}},
		{"[math.factorial(n=5)]", []string{"math.factorial(n=5)"}},
		{`[echo(content='line1\nline2', file_name='a.txt')]`, []string{`echo(content='line1\nline2', file_name='a.txt')`}},
		{"[g(a=name)]", []string{"g(a='name')"}},
		{"I cannot do that.", nil},
		{"[]", nil},
	} {
		calls, err := ParseList(c.reply)
		if c.want == nil {
			assert.Error(t, err, c.reply)
			continue
		}
		require.NoError(t, err, c.reply)
		var got []string
		for _, call := range calls {
			got = append(got, FormatCall(call.Name, JSON(call.Keywords)))
		}
		assert.Equal(t, c.want, got, c.reply)
	}
}

// TestParseGold reads gold calls: positional and keyword arguments, Python's literals.
func TestParseGold(t *testing.T) {
	c, err := Parse(`post_tweet('Tires checked!', tags=['#RoadTrip'], mentions=["@Auto"], n=-2, f=1.5e3, ok=False, d={'a': (1, 2)})`)
	require.NoError(t, err)
	assert.Equal(t, "post_tweet", c.Name)
	assert.Equal(t, []any{"Tires checked!"}, c.Positional)
	assert.Equal(t, []Arg{{"tags", []any{"#RoadTrip"}}, {"mentions", []any{"@Auto"}}, {"n", -2}, {"f", 1500.0}, {"ok", false},
		{"d", map[string]any{"a": []any{1, 2}}}}, c.Keywords)
	for _, bad := range []string{"f(", "f(a=)", "f(a=1, 2)", "f(x=y)", "f() g()", "(1)"} {
		_, err := Parse(bad)
		assert.Error(t, err, bad)
	}
}

// TestRepr writes values as Python's repr does.
func TestRepr(t *testing.T) {
	assert.Equal(t, `["it's", 'a"b', 'x\ny', None, True, 1, 1.0, 1e-05, 1e+16, (1,), {'b': 1, 'a': 2}]`,
		Repr([]any{"it's", `a"b`, "x\ny", nil, true, 1, 1.0, 1e-05, 1e16, Tuple{1}, Ordered{{"b", 1}, {"a", 2}}}))
	assert.Equal(t, `'it\'s "q"'`, Repr(`it's "q"`))
	assert.Equal(t, `{"a":1.0,"b":[1,"x"],"c":{"d":null}}`, JSON([]Arg{{"a", 1.0}, {"b", Tuple{1, "x"}}, {"c", Ordered{{"d", nil}}}}))
}

// TestDumps writes values as Python's json.dumps does by default, and refuses what it cannot
// write.
func TestDumps(t *testing.T) {
	got, err := Dumps(Ordered{{"a", []any{1, 2.0, math.NaN(), math.Inf(-1)}}, {"é", Tuple{"x"}}, {"s", "😀\n\"q\""}, {"n", nil}})
	require.NoError(t, err)
	assert.Equal(t, `{"a": [1, 2.0, NaN, -Infinity], "\u00e9": ["x"], "s": "\ud83d\ude00\n\"q\"", "n": null}`, got)
	got, err = Dumps(map[string]any{"b": true, "a": []int{3}})
	require.NoError(t, err)
	assert.Equal(t, `{"a": [3], "b": true}`, got)
	_, err = Dumps([]any{struct{}{}})
	assert.Error(t, err)
}
