package judges

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// extractChains are the extractor chains the fuzz target puts model output through: every
// kind's default chain, each extractor alone, and all of them.
func extractChains() [][]string {
	chains := [][]string{ExtractorNames()}
	for _, kind := range Kinds() {
		chains = append(chains, DefaultExtract(kind))
	}
	for _, name := range ExtractorNames() {
		chains = append(chains, []string{name})
	}
	return chains
}

// numberForm undoes what last_number rewrites in the number it takes (thousands separators
// dropped, a Unicode minus made "-"), so that its answer can be found in the output too.
var numberForm = strings.NewReplacer(",", "", " ", "", "−", "-")

// pieces splits an answer into what was read out of the output: the elements of a set that
// joined boxes or math spans make (\{a, b\}), or the answer itself.
func pieces(answer string) []string {
	if inner, ok := strings.CutPrefix(answer, `\{`); ok && strings.HasSuffix(inner, `\}`) {
		return strings.Split(strings.TrimSuffix(inner, `\}`), ", ")
	}
	return []string{answer}
}

// FuzzExtract puts arbitrary model output through every extractor chain. Whatever the output,
// nothing panics, the answer is valid UTF-8 where the output is, and it is made of pieces of
// the text the extractors saw (the output, or the output without its reasoning), never longer
// than the output: an answer is read out of the output, never made up or grown. (Boxes or
// math spans joined into one answer are written as the set of their contents.)
func FuzzExtract(f *testing.F) {
	for _, seed := range []string{
		"<think>Let me see: 2+2.</think>\nThe answer is $\\boxed{\\frac{1}{2}}$.",
		"<answer> (B) 3 cm </answer>",
		"So x = −1,234.50e3/7, final answer: **42**.",
		"\\boxed{\\boxed{\\fbox{7}",
		"\\boxed 12 apples\nanswer:\n\n  $5$.",
		"a</think>b<think>c</think>d<think>",
		"<answer>1</answer> then <answer>2",
		"答案 answer：三。",
		"\xff\xfe<answer>\xc3</answer>",
		"so $x = \\boxed{-2}$ and $x = \\boxed{1}$, or $a$, $b$ and $c$ then 1 000",
		"Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $ \\[ 9 \\] \\( 3 \\)",
	} {
		f.Add(seed)
	}
	chains := extractChains()
	f.Fuzz(func(t *testing.T, output string) {
		stripped, _ := StripThink(output)
		require.LessOrEqual(t, len(stripped), len(output))
		for _, chain := range chains {
			got := Extract(output, chain)
			require.LessOrEqual(t, len(got), len(output), "chain %v", chain)
			require.True(t, !utf8.ValidString(output) || utf8.ValidString(got), "chain %v", chain)
			for _, p := range pieces(got) {
				piece := numberForm.Replace(p)
				require.True(t, strings.Contains(numberForm.Replace(output), piece) || strings.Contains(numberForm.Replace(stripped), piece),
					"chain %v: %q is not a piece of %q", chain, got, output)
			}
		}
	})
}

// BenchmarkExtractAdversarial extracts from outputs built to make a careless extractor
// quadratic: thousands of unclosed boxes, thinking blocks and announced answers with nothing
// after them.
func BenchmarkExtractAdversarial(b *testing.B) {
	outputs := map[string]string{
		"unclosed boxes":  strings.Repeat(`\boxed{`, 20000),
		"think blocks":    strings.Repeat("<think>x</think>y", 20000),
		"empty answers":   strings.Repeat("answer:\n***\n", 20000),
		"unclosed answer": strings.Repeat("<answer>", 20000),
		"numbers":         strings.Repeat("1,234 ", 20000),
		"math spans":      strings.Repeat(`$\unknown{$ and `, 20000),
		"joined boxes":    strings.Repeat(`\boxed{1}, `, 20000),
	}
	chain := ExtractorNames()
	for name, out := range outputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(out)))
			for b.Loop() {
				Extract(out, chain)
				Extract(out, DefaultExtract(KindMath))
			}
		})
	}
}
