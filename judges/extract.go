package judges

import (
	"math"
	"regexp"
	"slices"
	"strings"
)

// Extractor reads a final answer out of a model's output. It reports false when the output
// holds no answer of its kind, so that Extract can try the next one.
type Extractor func(output string) (string, bool)

// extractor is a named Extractor. A filter rewrites the output for the extractors after it
// instead of producing an answer (strip_think).
type extractor struct {
	name   string
	fn     Extractor
	filter bool
}

// extractors are the named extractors, in the order ExtractorNames lists them.
var extractors = []extractor{
	{"answer_is", AnswerIs, false},
	{"answer_tag", AnswerTag, false},
	{"boxed", Boxed, false},
	{"last_number", LastNumber, false},
	{"strip_think", StripThink, true},
}

// ExtractorNames returns the names Extract knows, sorted.
func ExtractorNames() []string {
	names := make([]string, len(extractors))
	for i, e := range extractors {
		names[i] = e.name
	}
	return names
}

// lookupExtractor returns the extractor called name.
func lookupExtractor(name string) (extractor, bool) {
	i := slices.IndexFunc(extractors, func(e extractor) bool { return e.name == name })
	if i < 0 {
		return extractor{}, false
	}
	return extractors[i], true
}

// Extract returns the answer in output: the result of the first of the named extractors that
// finds one, or else the whole output, trimmed. strip_think is a filter rather than an
// extractor: where it stands in names, it removes the reasoning from the output that the
// extractors after it (and the fallback) see. Unknown names are skipped; New and Check reject
// them before a run starts.
func Extract(output string, names []string) string {
	text := output
	for _, name := range names {
		e, ok := lookupExtractor(name)
		if !ok {
			continue
		}
		got, found := e.fn(text)
		if e.filter {
			text = got
			continue
		}
		if found {
			return got
		}
	}
	return strings.TrimSpace(text)
}

var (
	answerTagRe  = regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)
	openThinkTag = "<think>"
	endThinkTag  = "</think>"
)

// AnswerTag returns the trimmed text of the first <answer>…</answer> in output (across lines).
// It takes the first, as DeepEyesV2's evaluation (and MMSearch-R1's reward) do: their agent
// loops stop at the first answer tag, and a later one can only come from text the model went
// on writing after it had answered. Reasoning that merely mentions the tags is removed first by
// strip_think in the default chains. When no tag is closed, the text after the last <answer>
// is taken: the output was cut off by a "</answer>" stop sequence or by the token budget.
func AnswerTag(output string) (string, bool) {
	if m := answerTagRe.FindStringSubmatch(output); m != nil {
		return strings.TrimSpace(m[1]), true
	}
	if i := strings.LastIndex(output, "<answer>"); i >= 0 {
		return strings.TrimSpace(output[i+len("<answer>"):]), true
	}
	return "", false
}

// StripThink returns output without its reasoning: every <think>…</think> block is dropped,
// an unclosed <think> drops the rest of the output (the model ran out of tokens while still
// thinking), and a </think> without its opening tag (chat templates that put <think> in the
// prompt) drops everything before it. It reports whether anything was removed.
func StripThink(output string) (string, bool) {
	text, changed := output, false
	if i := strings.Index(text, endThinkTag); i >= 0 && !strings.Contains(text[:i], openThinkTag) {
		text, changed = text[i+len(endThinkTag):], true
	}
	// The kept pieces are copied once, so that an output of many blocks costs its length.
	var kept strings.Builder
	for {
		start := strings.Index(text, openThinkTag)
		if start < 0 {
			break
		}
		changed = true
		kept.WriteString(text[:start])
		end := strings.Index(text[start:], endThinkTag)
		if end < 0 {
			text = ""
			break
		}
		text = text[start+end+len(endThinkTag):]
	}
	if kept.Len() == 0 {
		return text, changed
	}
	kept.WriteString(text)
	return kept.String(), changed
}

// Boxed returns the content of the last \boxed{…} or \fbox{…} in output, braces balanced, so
// that \boxed{\frac{1}{2}} gives \frac{1}{2}. The brace-less form "\boxed 5" gives the text
// after the space up to the next "$" or line end, as the MATH benchmark's
// last_boxed_only_string does. A box whose braces never close (a truncated output) is
// skipped in favour of an earlier, complete one.
func Boxed(output string) (string, bool) {
	// Each command is searched for backwards from where it was last found, so that the
	// searches cover the output once however many boxes are tried.
	boxed, fbox := strings.LastIndex(output, `\boxed`), strings.LastIndex(output, `\fbox`)
	var closing []int32
	for boxed >= 0 || fbox >= 0 {
		var at int
		if fbox > boxed {
			at = fbox + len(`\fbox`)
			fbox = strings.LastIndex(output[:fbox], `\fbox`)
		} else {
			at = boxed + len(`\boxed`)
			boxed = strings.LastIndex(output[:boxed], `\boxed`)
		}
		if closing == nil {
			closing = matchBraces(output)
		}
		if content, ok := boxContent(output, at, closing); ok {
			return content, true
		}
	}
	return "", false
}

// matchBraces returns, for each byte of s, the index of the "}" that closes the "{" there, or
// -1 (for every other byte, and for a "{" that is never closed). One pass over s serves every
// box Boxed tries, so that an output of many unclosed boxes costs its length, not its square.
func matchBraces(s string) []int32 {
	s = s[:min(len(s), math.MaxInt32)] // a box beyond 2 GiB is not read
	closing := make([]int32, len(s))
	var open []int32
	for k := range int32(len(s)) {
		closing[k] = -1
		switch s[k] {
		case '{':
			open = append(open, k)
		case '}':
			if n := len(open); n > 0 {
				closing[open[n-1]] = k
				open = open[:n-1]
			}
		}
	}
	return closing
}

// boxContent reads what follows a \boxed command at output[at:]: a braced group (spaces
// before it allowed), its closing brace found in closing (matchBraces), or a space and the
// text up to "$" or the end of the line.
func boxContent(output string, at int, closing []int32) (string, bool) {
	rest := output[at:]
	body := strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(body, "{"):
		open := len(output) - len(body)
		if open < len(closing) && closing[open] >= 0 {
			return strings.TrimSpace(output[open+1 : closing[open]]), true
		}
		return "", false
	case len(body) < len(rest):
		if k := strings.IndexAny(body, "$\n"); k >= 0 {
			body = body[:k]
		}
		body = strings.TrimSpace(body)
		return body, body != ""
	}
	return "", false
}

// answerIsRe finds an announced answer: "the answer is", "the final answer is", "the correct
// answer is", "final answer:", "answer:" (any case, full-width colon too), in Markdown bold
// or not.
var answerIsRe = regexp.MustCompile(`(?i)\banswer(?:\*\*)?\s*(?:is\b\s*:?|[:：])`)

// AnswerIs returns the answer announced by the last "the answer is …", "final answer: …" or
// "Answer: …" in output (any case): the rest of that line up to the end of its sentence, or
// the next non-empty line when the phrase ends its line. Markdown bold, "$" and a final "."
// are trimmed, so "**Answer:** $42$." gives 42.
func AnswerIs(output string) (string, bool) {
	locs := answerIsRe.FindAllStringIndex(output, -1)
	for k := len(locs) - 1; k >= 0; k-- {
		rest := output[locs[k][1]:]
		line, after, _ := strings.Cut(rest, "\n")
		if strings.TrimSpace(trimAnswer(line)) == "" {
			line = firstNonEmptyLine(after)
		}
		if ans := trimAnswer(sentence(line)); ans != "" {
			return ans, true
		}
	}
	return "", false
}

// sentence returns s up to the end of its first sentence: a "." followed by a space (so that
// 3.5 stays whole), or a "。".
func sentence(s string) string {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.' && i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\t'):
			return s[:i]
		case strings.HasPrefix(s[i:], "。"):
			return s[:i]
		}
	}
	return s
}

// trimAnswer trims whitespace, Markdown bold, "$" and trailing periods from an announced
// answer.
func trimAnswer(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.Trim(t, "*$")
		t = strings.TrimRight(t, ".")
		if t == s {
			return t
		}
		s = t
	}
}

// firstNonEmptyLine returns the first line of s with more than whitespace in it.
func firstNonEmptyLine(s string) string {
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) != "" {
			return strings.TrimRight(line, "\r\n")
		}
	}
	return ""
}

// numberRe matches a number: digits with optional thousands separators, an optional decimal
// part, an optional exponent, and an optional "/denominator". A leading sign is kept when it
// does not follow a digit, a letter or a closing bracket (so "3-5" ends in 5, not -5).
var numberRe = regexp.MustCompile(`[-+−]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?:/\d+(?:\.\d+)?)?`)

// LastNumber returns the last number in output: sign, decimals, thousands separators (which
// it removes), scientific notation and fractions a/b included, so "costs $1,234.50." gives
// 1234.50 and "x = -3/4" gives -3/4. A Unicode minus sign becomes "-".
func LastNumber(output string) (string, bool) {
	locs := numberRe.FindAllStringIndex(output, -1)
	if len(locs) == 0 {
		return "", false
	}
	start, end := locs[len(locs)-1][0], locs[len(locs)-1][1]
	m := output[start:end]
	if strings.IndexAny(m, "+-−") == 0 && start > 0 && signBound(output[:start]) {
		m = strings.TrimLeft(m, "+-−")
	}
	m = strings.ReplaceAll(m, "−", "-")
	m = strings.ReplaceAll(m, ",", "")
	m = strings.TrimPrefix(m, "+")
	return m, true
}

// signBound reports whether the text before a sign makes it a binary operator rather than a
// sign: it ends in a letter, a digit or a closing bracket.
func signBound(before string) bool {
	last := before[len(before)-1]
	return last >= '0' && last <= '9' || last >= 'a' && last <= 'z' || last >= 'A' && last <= 'Z' ||
		last == ')' || last == ']' || last == '}'
}
