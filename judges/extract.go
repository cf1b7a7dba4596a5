package judges

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Extractor reads a final answer out of a model's output. It reports false when the output
// holds no answer of its kind, so that Extract can try the next one.
type Extractor func(output string) (string, bool)

// extractor is a named Extractor. A filter rewrites the output for the extractors after it
// instead of producing an answer (strip_think); a locator narrows it to the answer it found,
// which the extractors after it then read (answer_tag, answer_is), with inAnswer where they
// have one: in an announced answer the first math span or number is the answer, in prose the
// last.
type extractor struct {
	name     string
	fn       Extractor
	inAnswer Extractor
	filter   bool
	locate   bool
}

// extractors are the named extractors, in the order ExtractorNames lists them.
var extractors = []extractor{
	{name: "answer_is", fn: AnswerIs, locate: true},
	{name: "answer_tag", fn: AnswerTag, locate: true},
	{name: "boxed", fn: Boxed},
	{name: "expression", fn: Expression},
	{name: "last_number", fn: LastNumber, inAnswer: FirstNumber},
	{name: "latex", fn: LatexSpan, inAnswer: FirstLatexSpan},
	// llm is the LLM extraction step of the mathvista kinds (MathVista's, VLMEvalKit's): the
	// judge puts to an LLM what the extractors before it leave. Extract stops at it.
	{name: "llm"},
	{name: "strip_think", fn: StripThink, filter: true},
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
// finds one, or else the whole output, trimmed (up to llm, where it stops: what is left is
// the judge's to put to an LLM). strip_think is a filter rather than an
// extractor: where it stands in names, it removes the reasoning from the output that the
// extractors after it (and the fallback) see. answer_tag and answer_is are locators: the
// answer they find is what the extractors after them read, and it stands when none of them
// finds anything in it. So the math chain reads "<answer>The answer is $\frac12$.</answer>"
// as \frac12: the tag, then the announcement in it, then the math span in that. Unknown names
// are skipped; New and Check reject them before a run starts.
func Extract(output string, names []string) string {
	text, located := output, false
	for _, name := range names {
		e, ok := lookupExtractor(name)
		if !ok {
			continue
		}
		if e.fn == nil {
			break // llm: the judge's own step
		}
		fn := e.fn
		if located && e.inAnswer != nil {
			fn = e.inAnswer
		}
		got, found := fn(text)
		switch {
		case e.filter:
			text = got
		case found && e.locate:
			text, located = got, true
		case found:
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
// skipped in favour of an earlier, complete one. Boxes in a row are one answer, as
// Math-Verify reads them, when they stand in one math span, or when what stands between them
// (or between their math spans) is a comma, "and" or "or" with spacing and delimiters, or
// nothing but spacing on one line: "\boxed{-2} and \boxed{1}" gives the set \{-2, 1\} (a box
// repeated in the row counts once).
func Boxed(output string) (string, bool) {
	var closing []int32
	var spans []mathSpan
	var parts []string
	prevStart := len(output)
	// Each command is searched for backwards from where it was last found, so that the
	// searches cover the output once however many boxes are tried.
	boxed, fbox := strings.LastIndex(output, `\boxed`), strings.LastIndex(output, `\fbox`)
	for (boxed >= 0 || fbox >= 0) && len(parts) < maxJoined {
		var start, at int
		if fbox > boxed {
			start, at = fbox, fbox+len(`\fbox`)
			fbox = strings.LastIndex(output[:fbox], `\fbox`)
		} else {
			start, at = boxed, boxed+len(`\boxed`)
			boxed = strings.LastIndex(output[:boxed], `\boxed`)
		}
		if closing == nil {
			closing = matchBraces(output)
		}
		content, stop, ok := boxContent(output, at, closing)
		if !ok && len(parts) == 0 {
			continue // a truncated box: an earlier one may be complete
		}
		if len(parts) > 0 {
			if spans == nil {
				spans = mathSpans(output)
			}
			if !ok || stop > prevStart || !boxesJoin(output, spans, stop, prevStart) {
				break
			}
		}
		parts = append(parts, content)
		prevStart = start
	}
	if len(parts) == 0 {
		return "", false
	}
	return joinParts(parts), true
}

// boxesJoin reports whether a box ending at stop and the box starting at next make one answer:
// they are in one math span, or the text between them, or between the spans that hold them,
// joins them (joins).
func boxesJoin(output string, spans []mathSpan, stop, next int) bool {
	a, b := spanAt(spans, stop-1), spanAt(spans, next)
	switch {
	case a >= 0 && a == b:
		return true
	case a >= 0:
		stop = spans[a].end
	}
	if b >= 0 {
		next = spans[b].start
	}
	return stop <= next && joins(output[stop:next])
}

// spanAt returns the index of the span of spans (sorted, disjoint) whose content holds
// position i, or -1.
func spanAt(spans []mathSpan, i int) int {
	k := sort.Search(len(spans), func(k int) bool { return spans[k].close > i })
	if k < len(spans) && spans[k].open <= i {
		return k
	}
	return -1
}

// goldBoxes returns the contents of the last boxes of a gold that make one answer, in order:
// the last box, and the boxes before it that share its math span or stand before it with a
// comma, "and" or "or" in between, whatever words stand with it. A gold states an answer, so
// "\boxed{1} papers and \boxed{2} bins" is both boxes, where "\boxed{1} no, \boxed{2}" in an
// answer would be a correction; "\boxed{1} no no \boxed{2}" is the last box alone.
func goldBoxes(s string) []string {
	type box struct {
		start, stop int
		content     string
	}
	var boxes []box
	closing := matchBraces(s)
	for i := 0; i < len(s); {
		j, k := strings.Index(s[i:], `\boxed`), strings.Index(s[i:], `\fbox`)
		var start, at int
		switch {
		case j < 0 && k < 0:
			i = len(s)
			continue
		case k < 0 || j >= 0 && j < k:
			start = i + j
			at = start + len(`\boxed`)
		default:
			start = i + k
			at = start + len(`\fbox`)
		}
		content, stop, ok := boxContent(s, at, closing)
		if !ok {
			i = at
			continue
		}
		boxes = append(boxes, box{start, stop, content})
		i = stop
	}
	if len(boxes) == 0 {
		return nil
	}
	spans := mathSpans(s)
	first := len(boxes) - 1
	for first > 0 && len(boxes)-first < maxJoined {
		prev, cur := boxes[first-1], boxes[first]
		a, b := spanAt(spans, prev.stop-1), spanAt(spans, cur.start)
		if !(a >= 0 && a == b) && !connectiveRe.MatchString(s[prev.stop:cur.start]) {
			break
		}
		first--
	}
	out := make([]string, 0, len(boxes)-first)
	for _, b := range boxes[first:] {
		out = append(out, b.content)
	}
	return out
}

// maxJoined bounds the answers Boxed and LatexSpan join into one.
const maxJoined = 6

// joinerRe matches what may stand between two boxes or math spans that make one answer:
// spacing, math delimiters, commas, semicolons, "and", "or", \text{and}.
var joinerRe = regexp.MustCompile(`^(?:\s|[,;~$.]|\\[\[\]()]|\\[,;:! ]|\\q?quad\b|\band\b|\bor\b|\\text\s*\{\s*(?:and|or|,)?\s*\})*$`)

// connectiveRe finds a comma, a semicolon, "and" or "or".
var connectiveRe = regexp.MustCompile(`[,;]|\band\b|\bor\b`)

// joins reports whether gap, the text between two answers, joins them into one: only joiners,
// and a connective or no line break.
func joins(gap string) bool {
	return joinerRe.MatchString(gap) && (connectiveRe.MatchString(gap) || !strings.Contains(gap, "\n"))
}

// joinParts returns parts, found last to first, as one answer: the part itself when there is
// one (or they are all the same), else the set \{first, …, last\}.
func joinParts(parts []string) string {
	slices.Reverse(parts)
	parts = slices.Compact(parts)
	if len(parts) == 1 {
		return parts[0]
	}
	return `\{` + strings.Join(parts, ", ") + `\}`
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
// text up to "$" or the end of the line. stop is where the box ends in output.
func boxContent(output string, at int, closing []int32) (content string, stop int, ok bool) {
	rest := output[at:]
	body := strings.TrimLeft(rest, " ")
	switch {
	case strings.HasPrefix(body, "{"):
		open := len(output) - len(body)
		if open < len(closing) && closing[open] >= 0 {
			return strings.TrimSpace(output[open+1 : closing[open]]), int(closing[open]) + 1, true
		}
		return "", 0, false
	case len(body) < len(rest):
		if k := strings.IndexAny(body, "$\n"); k >= 0 {
			body = body[:k]
		}
		stop = at + len(rest) - len(strings.TrimLeft(rest, " ")) + len(body)
		body = strings.TrimSpace(body)
		return body, stop, body != ""
	}
	return "", 0, false
}

// answerIsRe finds an announced answer: "the answer is", "the final answer is", "the correct
// answer is", "final answer:", "answer:" (any case, full-width colon too), in Markdown bold
// or not.
var answerIsRe = regexp.MustCompile(`(?i)\banswer(?:\*\*)?\s*(?:is\b\s*:?|[:：])`)

// AnswerIs returns the answer announced by the last "the answer is …", "final answer: …" or
// "Answer: …" in output (any case): the rest of that line up to the end of its sentence, or
// the next non-empty line when the phrase ends its line. Markdown bold, a final "." and the
// "$" of a lone math span are trimmed, so "**Answer:** $42$." gives 42. After "answer:", a
// sentence that names what it answers gives what follows its first " is ", as Math-Verify's
// "final answer … is" rule reads it: "Final Answer: The largest $n$ is 34." gives 34. An
// announcement with a \boxed answer after it finds nothing: the box is the later word, and the
// boxed extractor reads it ("The answer is 4. Wait: \boxed{5}").
func AnswerIs(output string) (string, bool) {
	locs := answerIsRe.FindAllStringIndex(output, -1)
	lastBox := max(strings.LastIndex(output, `\boxed`), strings.LastIndex(output, `\fbox`))
	for k := len(locs) - 1; k >= 0; k-- {
		at := locs[k][1] // where the announced line starts
		rest := output[at:]
		line, after, _ := strings.Cut(rest, "\n")
		if strings.TrimSpace(trimAnswer(line)) == "" {
			var skipped int
			line, skipped = firstNonEmptyLine(after)
			at += len(rest) - len(after) + skipped
		}
		ans := sentence(line)
		if lastBox >= at+len(ans) {
			return "", false
		}
		if !strings.Contains(output[locs[k][0]:locs[k][1]], "is") {
			if _, subject, ok := strings.Cut(ans, " is "); ok && strings.TrimSpace(subject) != "" {
				ans = subject
			}
		}
		if ans = trimAnswer(ans); ans != "" {
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

// trimAnswer trims whitespace, Markdown bold and trailing periods from an announced answer,
// and the "$" of one math span that is all of it ("$42$", not "$a$ and $b$").
func trimAnswer(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.Trim(t, "*")
		t = strings.TrimRight(t, ".")
		if n := strings.Count(t, "$"); len(t) >= 2 && t[0] == '$' && t[len(t)-1] == '$' && (n == 2 || n == 4 && strings.HasPrefix(t, "$$") && strings.HasSuffix(t, "$$")) {
			t = strings.Trim(t, "$")
		}
		if t == s {
			return t
		}
		s = t
	}
}

// firstNonEmptyLine returns the first line of s with more than whitespace in it, and the
// length of the lines before it.
func firstNonEmptyLine(s string) (string, int) {
	skipped := 0
	for line := range strings.Lines(s) {
		if strings.TrimSpace(line) != "" {
			return strings.TrimRight(line, "\r\n"), skipped
		}
		skipped += len(line)
	}
	return "", skipped
}

// numberRe matches a number: digits with optional thousands separators (commas, or single
// spaces between groups of three), an optional decimal part, an optional exponent, and an
// optional "/denominator"; or a fraction \frac{a}{b} of two integers. A leading sign is kept
// when it does not follow a digit, a letter or a closing bracket (so "3-5" ends in 5, not -5).
var numberRe = regexp.MustCompile(`[-+−]?(?:\\[dtc]?frac\{\d+\}\{\d+\}|(?:(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?:/\d+(?:\.\d+)?)?)`)

// LastNumber returns the last number in output: sign, decimals, thousands separators (which
// it removes), scientific notation and fractions a/b or \frac{a}{b} included, so "costs
// $1,234.50." gives 1234.50, "1 000" gives 1000 and "x = -3/4" gives -3/4. A Unicode minus
// sign becomes "-". As in Math-Verify, which reads a number only after a space, "=" or a
// currency sign, digits glued to what comes before them are not a number: to a letter
// ("AZYUK2A", "x2", "\frac13"), or after ",", "[", "{", "^", "_" or "/" ("[0,1)" holds none).
// A comma is never a decimal point here (see mathequiv's lists).
func LastNumber(output string) (string, bool) {
	locs := numberRe.FindAllStringIndex(output, -1)
	for k := len(locs) - 1; k >= 0; k-- {
		if m, ok := numberAt(output, locs[k][0], locs[k][1]); ok {
			return m, true
		}
	}
	return "", false
}

// FirstNumber is LastNumber's rule for the first number of output: what last_number reads in
// an announced answer ("Final Answer: Jane started 3 hours ago, at 5 pm" gives 3).
func FirstNumber(output string) (string, bool) {
	for _, loc := range numberRe.FindAllStringIndex(output, -1) {
		if m, ok := numberAt(output, loc[0], loc[1]); ok {
			return m, true
		}
	}
	return "", false
}

// numberAt returns the number numberRe matched at output[start:end], cleaned, or false when
// it is glued to what precedes it.
func numberAt(output string, start, end int) (string, bool) {
	m := output[start:end]
	if start > 0 && (m[0] >= '0' && m[0] <= '9' || m[0] == '.') && gluedBefore(output[start-1]) {
		return "", false
	}
	if strings.IndexAny(m, "+-−") == 0 && start > 0 && signBound(output[:start]) {
		m = strings.TrimLeft(m, "+-−")
	}
	m = strings.ReplaceAll(m, "−", "-")
	if !strings.Contains(m, `\`) {
		m = strings.ReplaceAll(m, ",", "")
		m = strings.ReplaceAll(m, " ", "")
	}
	return strings.TrimPrefix(m, "+"), true
}

// gluedBefore reports whether the byte before a number's digits glues them to something else:
// a letter, or one of _ \ , [ { ^ /.
func gluedBefore(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(`_\,[{^/`, c) >= 0
}

// signBound reports whether the text before a sign makes it a binary operator rather than a
// sign: it ends in a letter, a digit or a closing bracket.
func signBound(before string) bool {
	last := before[len(before)-1]
	return last >= '0' && last <= '9' || last >= 'a' && last <= 'z' || last >= 'A' && last <= 'Z' ||
		last == ')' || last == ']' || last == '}'
}
