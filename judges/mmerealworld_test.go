package judges

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestMMERealWorldRule grades answers as VLMEvalKit's extract_characters_regex reads them,
// quirks included; the expected letters are what the Python function returns (run on each
// input with CPython 3).
func TestMMERealWorldRule(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"B", "B"},
		{"(C) a red car", "C"},
		{"The best answer is D", "D"},
		{"The answer: B", "B"}, // "The answer" is removed, ": B" is left
		{"Exactly. B", "E"},    // the first capital A to E anywhere
		{`so \boxed{(B)}`, "(B)"},
		{`\boxed{B}`, "B"},
		{"", "A"}, // every choice contains the empty string
		{"one two three four five six seven eight nine ten eleven", ""},
		{"one two three four five six seven eight nine ten Eleven", "E"},
		{"no option here", ""},
		{"(b)", "B"},
	} {
		assert.Equal(t, c.want, mmeExtract(c.in), "%q", c.in)
	}
	s := &tasks.Sample{ID: "1", Answer: "B", Choices: []string{"red", "blue", "green", "white", "black"}}
	for _, c := range []struct {
		answer string
		pass   bool
	}{
		{"B", true},
		{"<answer>b</answer>", true},      // an answer tag's text is upper-cased
		{"b", true},                       // no capital letter, but "b" is in the lower case of "(B)"
		{"<answer>a bus</answer>", false}, // upper-cased, "A BUS" reads as A
		{`\boxed{(B)}`, false},
		{"The correct answer is B", true},
	} {
		v, err := gradeMMERealWorld(s, c.answer)
		require.NoError(t, err)
		assert.Equal(t, c.pass, v.Pass, "%q", c.answer)
		assert.True(t, v.Confident)
	}
}
