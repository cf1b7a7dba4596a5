package judges

import (
	"slices"
	"strings"

	"github.com/realx-bench/realx/judges/mathequiv"
)

// This file holds the extractors that read a mathematical answer the way Math-Verify
// (huggingface/Math-Verify, parser.py) does once no box or announcement names it: the last
// LaTeX math span that parses, or the whole answer when it is an expression.

// mathSpan is a math span of a text: $…$, $$…$$, \(…\) or \[…\], at text[start:end], its
// content at text[open:close].
type mathSpan struct{ start, end, open, close int }

// maxSpanTries bounds the spans LatexSpan asks mathequiv about, from the last: an output of
// thousands of spans that do not parse costs a bounded time.
const maxSpanTries = 12

// mathSpans returns the math spans of text, left to right. A "$" escaped by a backslash
// delimits nothing; an inline span ($…$, \(…\)) stays on one line and a "$" right after a
// digit opens none ("costs 5$"), as in Math-Verify; display spans ($$…$$, \[…\]) may cross
// lines. An opening delimiter that is never closed is skipped.
func mathSpans(text string) []mathSpan {
	var spans []mathSpan
	for i := 0; i < len(text); {
		var open, closer string
		inline := false
		switch {
		case strings.HasPrefix(text[i:], `\$`):
			i += 2
			continue
		case strings.HasPrefix(text[i:], `$$`):
			open, closer = `$$`, `$$`
		case text[i] == '$':
			if i > 0 && text[i-1] >= '0' && text[i-1] <= '9' {
				i++
				continue
			}
			open, closer, inline = `$`, `$`, true
		case strings.HasPrefix(text[i:], `\[`):
			open, closer = `\[`, `\]`
		case strings.HasPrefix(text[i:], `\(`):
			open, closer, inline = `\(`, `\)`, true
		case text[i] == '\\':
			i += 2 // an escaped character: \\, \{ …
			continue
		default:
			i++
			continue
		}
		from := i + len(open)
		end := closingDelimiter(text, from, closer, inline)
		if end < 0 {
			i += len(open)
			continue
		}
		if end > from {
			spans = append(spans, mathSpan{start: i, end: end + len(closer), open: from, close: end})
		}
		i = end + len(closer)
	}
	return spans
}

// closingDelimiter returns the index of closer in text from from on, skipping escaped
// characters, or -1; an inline span stops at a line break.
func closingDelimiter(text string, from int, closer string, inline bool) int {
	for j := from; j < len(text); j++ {
		switch {
		case inline && text[j] == '\n':
			return -1
		case strings.HasPrefix(text[j:], closer) && (closer[0] != '$' || text[j-1] != '\\'):
			return j
		case text[j] == '\\' && closer[0] == '$':
			j++ // \$ and \\ inside a dollar span
		}
	}
	return -1
}

// LatexSpan returns the content of the last LaTeX math span of output ($…$, $$…$$, \(…\) or
// \[…\]) that reads as mathematics (mathequiv.Parses); earlier spans are tried when a later
// one does not, as Math-Verify tries its matches from the last. Spans in a row joined by a
// comma, "and" or "or" are one answer, the set of their contents: "$x = 1$ and $x = 2$" gives
// \{x = 1, x = 2\}. A number in the prose after the span (LastNumber's) is the later answer,
// as Math-Verify takes whichever comes last: LatexSpan then finds nothing, and last_number
// reads it ("… so $d = \frac{90}{n}$. There are 12 sequences." gives 12).
func LatexSpan(output string) (string, bool) {
	spans := mathSpans(output)
	for k, tries := len(spans)-1, 0; k >= 0 && tries < maxSpanTries; k, tries = k-1, tries+1 {
		sp := spans[k]
		content := strings.TrimSpace(output[sp.open:sp.close])
		if !mathequiv.Parses(content) {
			continue
		}
		if _, later := LastNumber(output[sp.end:]); later {
			return "", false
		}
		parts := []string{content}
		for j := k - 1; j >= 0 && len(parts) < maxJoined; j-- {
			prev, ok := joinedSpan(output, spans[j], spans[j+1])
			if !ok {
				break
			}
			parts = append(parts, prev)
		}
		return joinParts(parts), true
	}
	return "", false
}

// FirstLatexSpan is LatexSpan's rule for the first span of output, with the spans joined after
// it: what latex reads in an announced answer ("$5$ (to 2 places)" gives 5).
func FirstLatexSpan(output string) (string, bool) {
	spans := mathSpans(output)
	for k := 0; k < len(spans) && k < maxSpanTries; k++ {
		sp := spans[k]
		content := strings.TrimSpace(output[sp.open:sp.close])
		if !mathequiv.Parses(content) {
			continue
		}
		parts := []string{content}
		for j := k + 1; j < len(spans) && len(parts) < maxJoined; j++ {
			next, ok := joinedSpan(output, spans[j], spans[j-1])
			if !ok {
				break
			}
			parts = append(parts, next)
		}
		slices.Reverse(parts) // joinParts takes them last to first
		return joinParts(parts), true
	}
	return "", false
}

// joinedSpan returns the content of span sp when it joins the answer of span next, its
// neighbour (before or after it): a connective between them and nothing else, and a content
// that parses.
func joinedSpan(output string, sp, next mathSpan) (string, bool) {
	lo, hi := sp, next
	if lo.start > hi.start {
		lo, hi = hi, lo
	}
	gap := output[lo.end:hi.start]
	content := strings.TrimSpace(output[sp.open:sp.close])
	if !connectiveRe.MatchString(gap) || !joinerRe.MatchString(gap) || !mathequiv.Parses(content) {
		return "", false
	}
	return content, true
}

// maxExpressionLen bounds the answers Expression reads whole: a long output is prose.
const maxExpressionLen = 2000

// Expression returns the whole of output, trimmed, when it reads as mathematics
// (mathequiv.Parses): "x \geq 5", "\frac{1}{2}", "(3, \frac{\pi}{2})", "1/3". Prose does not
// ("The answer is 5"), so that the last number is read out of it instead.
func Expression(output string) (string, bool) {
	s := strings.TrimSpace(output)
	if s == "" || len(s) > maxExpressionLen || !mathequiv.Parses(s) {
		return "", false
	}
	return s, true
}
