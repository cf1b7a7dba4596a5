package judges

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// extractCase is one extractor input and its expected answer; ok=false means "none found".
type extractCase struct {
	name, in, want string
	ok             bool
}

func runExtractCases(t *testing.T, fn Extractor, cases []extractCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fn(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestAnswerTag(t *testing.T) {
	t.Parallel()
	runExtractCases(t, AnswerTag, []extractCase{
		{"plain", "<answer>42</answer>", "42", true},
		{"trimmed", "<think>x</think>\n<answer>\n  B. cat \n</answer>", "B. cat", true},
		{"across lines", "<answer>line one\nline two</answer>", "line one\nline two", true},
		{"first of two", "<answer>1</answer> wait <answer>2</answer>", "1", true},
		{"unclosed at the end", "reasoning <answer> Paris", "Paris", true},
		{"unclosed after a closed one takes the closed one", "<answer>1</answer> then <answer>2", "1", true},
		{"empty", "<answer></answer>", "", true},
		{"none", "The answer is 4.", "", false},
		{"closing tag only", "4</answer>", "", false},
	})
}

func TestStripThink(t *testing.T) {
	t.Parallel()
	runExtractCases(t, StripThink, []extractCase{
		{"block", "<think>A? no.</think>The answer is B", "The answer is B", true},
		{"two blocks", "<think>a</think>x<think>b</think>y", "xy", true},
		{"unclosed drops the rest", "Start <think>still thinking", "Start ", true},
		{"orphan close drops what precedes", "thinking in the prompt's block</think> final 7", " final 7", true},
		{"nothing to strip", "just an answer", "just an answer", false},
		{"orphan close then a block", "a</think>b<think>c</think>d", "bd", true},
	})
}

func TestBoxed(t *testing.T) {
	t.Parallel()
	runExtractCases(t, Boxed, []extractCase{
		{"simple", `so $\boxed{5}$.`, "5", true},
		{"nested braces", `\boxed{\frac{1}{2}}`, `\frac{1}{2}`, true},
		{"last of two", `\boxed{1} then \boxed{2}`, "2", true},
		{"fbox", `\fbox{7}`, "7", true},
		{"fbox after boxed", `\boxed{1} then \fbox{3}`, "3", true},
		{"boxes joined by and", `so $x = \boxed{-2}$ and $x = \boxed{1}$.`, `\{-2, 1\}`, true},
		{"boxes joined by a comma", `\boxed{2}, \boxed{3}, \boxed{5}`, `\{2, 3, 5\}`, true},
		{"boxes side by side", `$\boxed{1}\boxed{2}$`, `\{1, 2\}`, true},
		{"boxes in one span", `\[ \boxed{(3, 3)} \text{ for part (a) and } \boxed{(1, 1)} \]`, `\{(3, 3), (1, 1)\}`, true},
		{"spans joined by and", `\( y_1 = \boxed{a} \) and \( y_2 = \boxed{b} \)`, `\{a, b\}`, true},
		{"a repeated box counts once", `\boxed{5}, \boxed{5}`, "5", true},
		{"boxes on separate lines are not joined", "\\boxed{4}\n\\boxed{5}", "5", true},
		{"words between boxes part them", `\boxed{200} So then \boxed{255}`, "255", true},
		{"a box inside a box", `\boxed{\boxed{1}}`, "1", true},
		{"space form", `$\boxed 5$`, "5", true},
		{"space form to line end", "\\boxed 12 apples\nmore", "12 apples", true},
		{"space before brace", `\boxed {x+1}`, "x+1", true},
		{"truncated last box falls back to an earlier one", `\boxed{3} … \boxed{\frac{1`, "3", true},
		{"only truncated", `\boxed{\frac{1`, "", false},
		{"boxed text", `\boxed{\text{B}}`, `\text{B}`, true},
		{"empty box", `\boxed{}`, "", true},
		{"none", "x = 5", "", false},
		{"bare command", `\boxed`, "", false},
	})
}

func TestAnswerIs(t *testing.T) {
	t.Parallel()
	runExtractCases(t, AnswerIs, []extractCase{
		{"the answer is", "So the answer is 42.", "42", true},
		{"case insensitive", "THE ANSWER IS b", "b", true},
		{"answer colon", "Answer: C", "C", true},
		{"final answer colon", "Final answer: $\\frac{3}{4}$", `\frac{3}{4}`, true},
		{"markdown bold", "**Answer:** 12", "12", true},
		{"bold around", "**Final Answer: 12**", "12", true},
		{"decimal kept whole", "The answer is 3.5.", "3.5", true},
		{"sentence ends", "The answer is B. Because the rest is wrong.", "B", true},
		{"last of several", "Answer: 1\nLet me recheck.\nThe final answer is 2", "2", true},
		{"minerva style", "Final Answer: The final answer is $5$. I hope it is correct.", "5", true},
		{"what the answer names", "Final Answer: The largest $n$ is 34.", "34", true},
		{"a later box is the answer", `The answer is 4. Wait: \boxed{5}`, "", false},
		{"a box in the announcement", `The answer is \boxed{5}.`, `\boxed{5}`, true},
		{"several spans keep their dollars", "The answer is $a$ and $b$.", "$a$ and $b$", true},
		{"next line", "Final answer:\n\n  **17**\n", "17", true},
		{"answer is with colon", "The correct answer is: (D)", "(D)", true},
		{"full-width colon", "Answer：C", "C", true},
		{"answer word alone is no announcement", "I cannot answer this question.", "", false},
		{"answers word", "Both answers are fine", "", false},
		{"nothing after", "Answer:", "", false},
	})
}

func TestLastNumber(t *testing.T) {
	t.Parallel()
	runExtractCases(t, LastNumber, []extractCase{
		{"integer", "there are 12 apples", "12", true},
		{"last", "3 then 4 then 5 cm", "5", true},
		{"negative", "x = -3", "-3", true},
		{"unicode minus", "x = −3", "-3", true},
		{"subtraction is not a sign", "7-5", "5", true},
		{"decimal", "costs 3.75 dollars.", "3.75", true},
		{"leading point", "about .5 of it", ".5", true},
		{"thousands separators removed", "$1,234,567.50 in total", "1234567.50", true},
		{"list is not thousands", "1, 2, 3", "3", true},
		{"after a comma is no number", "1,2", "1", true},
		{"space thousands", "it costs 1 000 dollars", "1000", true},
		{"glued to a letter", "AZYUK2A", "", false},
		{"inside an interval", "$-[0,1)$", "", false},
		{"frac", `so \frac{1}{2} of it`, `\frac{1}{2}`, true},
		{"malformed frac is not cut", `$\frac13$`, "", false},
		{"fraction", "ratio 3/4", "3/4", true},
		{"negative fraction", "slope (-1/2)", "-1/2", true},
		{"scientific", "c = 3e8 m/s", "3e8", true},
		{"scientific negative exponent", "1.5E-3", "1.5E-3", true},
		{"plus sign dropped", "+7", "7", true},
		{"percent", "50% of it", "50", true},
		{"none", "no digits here", "", false},
	})
}

func TestExtractChains(t *testing.T) {
	t.Parallel()
	math := DefaultExtract(KindMath)
	tests := []struct {
		name  string
		in    string
		names []string
		want  string
	}{
		{"answer tag first", `<answer>\boxed{2}</answer> \boxed{3}`, math, "2"},
		{"answer tag then its announcement then its span", `<answer>The answer is $\frac12$.</answer>`, math, `\frac12`},
		{"a later box beats an announcement", `The answer is 4. \boxed{5}`, math, "5"},
		{"a later announcement beats a box", `$\boxed{255}$ so \$10,455. Final Answer: The final answer is $10,455$. I hope it is correct.`, math, "10,455"},
		{"answer_is before last number", "The answer is x. Then 9", math, "x"},
		{"the first number of an announcement", "Final Answer: Jane started 3 hours ago, at 5.", math, "3"},
		{"the first span of an announcement", "The answer is $5$ (to 2 places).", math, "5"},
		{"last span", `We get $x = 2$, so $y = \frac{1}{3}$.`, math, `y = \frac{1}{3}`},
		{"a span that does not parse is passed over", `so $y = 3$ and then $\unknowncmd{$ ok`, math, "y = 3"},
		{"spans joined by and", `the roots are $-2$ and $1$.`, math, `\{-2, 1\}`},
		{"a later number beats a span", `so $d = \frac{90}{n}$. There are 12 sequences.`, math, "12"},
		{"inline spans stay on a line", "Answer $ \n 9 \n $", []string{"latex", "expression"}, "Answer $ \n 9 \n $"},
		{"display spans may cross lines", "Answer $$ \n 9 \n $$", math, "9"},
		{"an escaped dollar is no delimiter", `Answer $ \frac{1}{2} \$ = \frac{10}{9} $`, math, `\frac{1}{2} \$ = \frac{10}{9}`},
		{"the whole answer when it is an expression", `x \geq 5`, math, `x \geq 5`},
		{"a tuple", `\left(3, \frac{\pi}{2}\right)`, math, `\left(3, \frac{\pi}{2}\right)`},
		{"prose is no expression", "It is 1/3 of 9 apples", math, "9"},
		{"last number as last resort", "I get 12 and then 13", math, "13"},
		{"fallback is the trimmed output", "  no answer here \n", math, "no answer here"},
		{"think is stripped before extractors", `<think>\boxed{1}</think> so \boxed{2}`, math, "2"},
		{"think is stripped for the fallback", "<think>A</think> B ", []string{"strip_think"}, "B"},
		{"a filter later in the chain applies only after it", "<think><answer>1</answer></think><answer>2</answer>", []string{"answer_tag", "strip_think"}, "1"},
		{"without strip_think the think block counts", `<think>\boxed{1}</think>`, []string{"boxed"}, "1"},
		{"unknown names are skipped", "The answer is 3", []string{"nope", "answer_is"}, "3"},
		{"no extractors", " raw ", nil, "raw"},
		{"mathvista keeps an extracted option", "(B) 3 cm", DefaultExtract(KindMathVista), "(B) 3 cm"},
		{"mathvista keeps a list", "[1, 2, 3]", DefaultExtract(KindMathVista), "[1, 2, 3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Extract(tt.in, tt.names))
		})
	}
}

func TestExtractorNamesAreSortedAndKnown(t *testing.T) {
	t.Parallel()
	names := ExtractorNames()
	assert.IsNonDecreasing(t, names)
	assert.Equal(t, []string{"answer_is", "answer_tag", "boxed", "expression", "last_number", "latex", "llm", "strip_think"}, names)
	for _, k := range Kinds() {
		for _, n := range DefaultExtract(k) {
			assert.Contains(t, names, n, "default of %s", k)
		}
		assert.NotEmpty(t, DefaultExtract(k), k)
	}
	assert.NotContains(t, DefaultExtract(KindMathVista), "last_number")
}
