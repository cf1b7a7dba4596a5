package mathequiv

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the string-level normalisation: everything the MATH benchmark's _strip_string
// does, and the clean-ups that Math-Verify does before parsing, written as single left-to-right
// passes so that the work is linear in the input.

// maxTextDepth bounds the recursion of the text-group pass over nested groups.
const maxTextDepth = 8

// Normalize returns the canonical string form of a LaTeX or plain answer (the strip/normalise
// step alone). It unwraps \boxed{} and math delimiters, removes spacing commands, \left/\right,
// degree signs, percent signs, dollar signs, units and thousands separators, rewrites \dfrac and
// \tfrac to \frac, braces the arguments of \frac and \sqrt, removes spaces, and drops a short
// "x =" prefix as the MATH benchmark does. It never panics.
func Normalize(s string) (out string) {
	defer func() {
		if r := recover(); r != nil {
			if !recoverPanics {
				panic(r)
			}
			out = strings.TrimSpace(s)
		}
	}()
	return display(clean(s))
}

// cleaned is the result of clean: the normalised string, and whether the whole answer was one
// text group such as \text{Evelyn} (so that it may be compared as words).
type cleaned struct {
	s    string
	text bool
}

// clean runs every normalisation step but the "x =" prefix removal, which Compare does on the
// parsed form instead.
func clean(s string) cleaned {
	s = replaceUnicode(s)
	if b, ok := lastBoxed(s); ok {
		s = b
	}
	for _, step := range []func(string) string{stripDelimiters, bareBraceList, rewriteCommands, removeDegrees} {
		s = step(s)
	}
	var text bool
	s, text = rewriteTextGroups(s, 0)
	for _, step := range cleanSteps {
		s = step(s)
	}
	return cleaned{s: s, text: text}
}

// cleanSteps are the steps of clean after the text groups, in order.
var cleanSteps = []func(string) string{
	trimPunct, stripUnitWords, trimPunct, trimLeadingRelation, stripInPrefix, andToComma,
	plainMixedNumber, mergeThousands, removeSpaces, braceArgs, simpleSlash, leadingZeros,
}

var unicodeReplacer = strings.NewReplacer(
	"π", `\pi `, "√", `\sqrt`, "×", `\times `, "·", `\cdot `, "⋅", `\cdot `, "−", "-", "–", "-",
	"≤", `\le `, "≥", `\ge `, "≠", `\ne `, "∞", `\infty `, "°", `^\circ`, "∪", `\cup `, "∩", `\cap `,
	"±", `\pm `, "∓", `\mp `, "÷", `\div `, "²", "^2", "³", "^3", "∈", `\in `, "∅", `\emptyset `,
	"≈", `\approx `, "\u00a0", " ", "\u2009", " ", "\u202f", " ", "½", `\frac{1}{2}`,
	"¼", `\frac{1}{4}`, "¾", `\frac{3}{4}`, "\r", " ", "\n", " ", "\t", " ", "{, }", "{,}",
)

// replaceUnicode writes Unicode mathematics (π, √, ≤, °, ½ …) as LaTeX, and drops invalid UTF-8.
func replaceUnicode(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	return unicodeReplacer.Replace(s)
}

// lastBoxed returns the argument of the last \boxed{…} or \fbox{…} in s.
func lastBoxed(s string) (string, bool) {
	i := max(strings.LastIndex(s, `\boxed`), strings.LastIndex(s, `\fbox`))
	if i < 0 {
		return "", false
	}
	j := i + len(`\fbox`)
	if strings.HasPrefix(s[i:], `\boxed`) {
		j = i + len(`\boxed`)
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j < len(s) && s[j] == '{' {
		end := matchBrace(s, j)
		if end < 0 {
			return s[j+1:], true
		}
		return s[j+1 : end], true
	}
	// \boxed 5: the argument runs to the next delimiter.
	end := strings.IndexAny(s[j:], "$ ")
	if end < 0 {
		end = len(s) - j
	}
	if end == 0 {
		return "", false
	}
	return s[j : j+end], true
}

// matchBrace returns the index of the brace closing the one at s[open], or -1.
func matchBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // skip the escaped character, so \{ and \} do not count
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// stripDelimiters removes the math delimiters $, \( \), \[ \] and dollar signs \$.
func stripDelimiters(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '$' {
			continue
		}
		if c == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '$', '(', ')', '[', ']':
				// \$ is currency; \( \) \[ \] are math delimiters.
				i++
				continue
			case '\\':
				b.WriteString(`\\`)
				i++
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// bareBraceList unwraps an answer that is all one group of TeX braces holding a comma at its
// top level, "{1, 3}": Math-Verify reads it as a collection, and so does Compare, as a list.
func bareBraceList(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || matchBrace(s, 0) != len(s)-1 {
		return s
	}
	depth := 0
	for i := 1; i < len(s)-1; i++ {
		switch s[i] {
		case '\\':
			i++
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		case ',':
			if depth == 0 {
				return s[1 : len(s)-1]
			}
		}
	}
	return s
}

// knownCommands are the command names the parser understands, and the names that a doubly
// escaped "\\name" is read as.
var knownCommands = map[string]bool{
	"frac": true, "dfrac": true, "tfrac": true, "cfrac": true, "sqrt": true, "pi": true,
	"left": true, "right": true, "text": true, "mbox": true, "mathrm": true, "cdot": true,
	"times": true, "infty": true, "cup": true, "cap": true, "begin": true, "end": true, "pm": true,
	"mp": true, "circ": true, "boxed": true, "le": true, "leq": true, "ge": true, "geq": true,
	"ne": true, "neq": true, "in": true, "div": true, "binom": true, "dbinom": true, "sin": true,
	"cos": true, "tan": true, "cot": true, "sec": true, "csc": true, "log": true, "ln": true,
	"exp": true, "theta": true, "alpha": true, "beta": true, "textbf": true, "mathbf": true,
	"emptyset": true, "varnothing": true, "approx": true, "lt": true, "gt": true, "sum": true,
}

// droppedCommands are removed outright (spacing and sizing commands).
var droppedCommands = map[string]bool{
	"left": true, "right": true, "big": true, "Big": true, "bigg": true, "Bigg": true,
	"bigl": true, "bigr": true, "Bigl": true, "Bigr": true, "biggl": true, "biggr": true,
	"Biggl": true, "Biggr": true, "middle": true, "displaystyle": true, "textstyle": true,
	"scriptstyle": true, "limits": true, "nolimits": true, "quad": true, "qquad": true,
	"enspace": true, "thinspace": true, "medspace": true, "thickspace": true, "hfill": true,
	"allowbreak": true, "mathstrut": true, "strut": true, "displaylimits": true,
}

// renamedCommands are rewritten to a canonical spelling.
var renamedCommands = map[string]string{
	"dfrac": `\frac`, "tfrac": `\frac`, "cfrac": `\frac`, "dbinom": `\binom`, "tbinom": `\binom`,
	"lvert": "|", "rvert": "|", "vert": "|", "lVert": "|", "rVert": "|", "lbrace": `\{`,
	"rbrace": `\}`, "langle": "(", "rangle": ")", "lbrack": "[", "rbrack": "]", "leq": `\le`,
	"leqslant": `\le`, "geq": `\ge`, "geqslant": `\ge`, "neq": `\ne`, "degree": "", "percent": "",
	"lt": "<", "gt": ">", "colon": ":", "varnothing": `\emptyset`, "dotsc": `\dots`,
	"ldots": `\dots`, "cdots": `\dots`, "dotsb": `\dots`, "bigcup": `\cup`, "land": ",",
	"implies": "", "therefore": "", "Rightarrow": "", "to": "", "longrightarrow": "",
}

// rewriteCommands does the command-level clean-up in one pass: doubly escaped commands, spacing
// commands, \left/\right, \dfrac/\tfrac, \operatorname, percent signs and the ",\!" thousands
// separator (written "{,}" for mergeThousands).
func rewriteCommands(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == '%' {
			i++
			continue
		}
		if c == ',' && strings.HasPrefix(s[i+1:], `\!`) {
			// ",\!" is the MATH data's thousands separator.
			b.WriteString("{,}")
			i += 3
			for i < len(s) && s[i] == ' ' {
				i++
			}
			continue
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			i++
			continue
		}
		// \\name, where name is a known command, is a doubly escaped \name.
		if s[i+1] == '\\' {
			if j := commandEnd(s, i+1); j > i+2 && knownCommands[s[i+2:j]] {
				i++
				continue
			}
			b.WriteString(`\\`)
			i += 2
			continue
		}
		if !isLetter(s[i+1]) {
			switch s[i+1] {
			case '!':
			case ',', ';', ':', ' ', '>':
				b.WriteByte(' ')
			case '%':
			case '|':
				b.WriteByte('|')
			default:
				b.WriteString(s[i : i+2])
			}
			i += 2
			continue
		}
		j := commandEnd(s, i)
		name := s[i+1 : j]
		if !knownCommands[name] && !droppedCommands[name] {
			// "\quadx_2": a spacing command glued to the variable after it
			for _, sp := range []string{"qquad", "quad"} {
				if strings.HasPrefix(name, sp) {
					j, name = i+1+len(sp), sp
					break
				}
			}
		}
		switch {
		case droppedCommands[name]:
			b.WriteByte(' ')
			if (name == "left" || name == "right" || name == "middle") && j < len(s) && s[j] == '.' {
				j++
			}
		case name == "operatorname" || name == "operatorname*":
			arg, end := groupArg(s, j)
			if end > j {
				arg = strings.TrimSpace(arg)
				if isAllLetters(arg) {
					b.WriteString(`\` + arg + " ")
				} else {
					b.WriteString(arg)
				}
				j = end
			}
		default:
			if r, ok := renamedCommands[name]; ok {
				b.WriteString(r)
				if r != "" && isLetter(r[len(r)-1]) && j < len(s) && isLetter(s[j]) {
					b.WriteByte(' ')
				}
			} else {
				b.WriteString(s[i:j])
			}
		}
		i = j
	}
	return b.String()
}

// groupArg returns the argument starting at s[j] (after spaces): the content of a {…} group, or
// a single character or command; end is the index just after it, or j when there is none.
func groupArg(s string, j int) (arg string, end int) {
	k := j
	for k < len(s) && s[k] == ' ' {
		k++
	}
	if k >= len(s) {
		return "", j
	}
	if s[k] == '{' {
		e := matchBrace(s, k)
		if e < 0 {
			return s[k+1:], len(s)
		}
		return s[k+1 : e], e + 1
	}
	if s[k] == '\\' {
		e := commandEnd(s, k)
		if e == k+1 && e < len(s) {
			e++
		}
		return s[k:e], e
	}
	_, size := utf8.DecodeRuneInString(s[k:])
	return s[k : k+size], k + size
}

var degreeReplacer = strings.NewReplacer(
	`^{\circ}`, "", `^\circ`, "", `^{ \circ }`, "", `^{ \circ}`, "", `^{\circ }`, "", `^ \circ`, "",
	`\circ`, "", `^{}`, "",
)

// degreeKeeper writes degree signs as \deg, which the parser reads as π/180 inside the argument
// of a trigonometric function (\sin 30^\circ) and ignores elsewhere.
var degreeKeeper = strings.NewReplacer(
	`^{\circ}`, `\deg `, `^\circ`, `\deg `, `^{ \circ }`, `\deg `, `^{ \circ}`, `\deg `,
	`^{\circ }`, `\deg `, `^ \circ`, `\deg `, `\circ`, `\deg `,
)

var trigNames = []string{`\sin`, `\cos`, `\tan`, `\cot`, `\sec`, `\csc`, "sin(", "cos(", "tan("}

// removeDegrees removes degree signs (30^\circ is 30, as the MATH benchmark reads it), except in
// answers with trigonometric functions, where they are kept as \deg.
func removeDegrees(s string) string {
	if !strings.Contains(s, `\circ`) {
		return s
	}
	for _, t := range trigNames {
		if strings.Contains(s, t) {
			return degreeKeeper.Replace(s)
		}
	}
	return degreeReplacer.Replace(s)
}

// textCommands wrap words (units, names, "and"); mathFontCommands wrap mathematics in a font.
var (
	textCommands = map[string]bool{
		"text": true, "textbf": true, "textit": true, "textrm": true, "textnormal": true,
		"textsf": true, "texttt": true, "mbox": true, "hbox": true, "emph": true, "textup": true,
	}
	mathFontCommands = map[string]bool{
		"mathrm": true, "mathbf": true, "mathit": true, "mathsf": true, "mathtt": true,
		"boldsymbol": true, "bm": true, "mathbb": true, "mathcal": true, "mathnormal": true,
		"pmb": true, "vec": true, "overrightarrow": true, "hat": true,
	}
)

// rewriteTextGroups unwraps \text{…} and font groups. A text group at the end of an answer that
// has mathematics before it is a unit and is removed (with a following ^2 or ^3), as is a text
// group starting with a space (the MATH data's mark of units); \text{ and } becomes a comma; a
// whole answer in one text group is unwrapped and reported as text.
func rewriteTextGroups(s string, depth int) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	whole := false
	before := false // something other than spaces has been written
	write := func(t string) {
		b.WriteString(t)
		before = before || strings.Trim(t, " ") != ""
	}
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) || !isLetter(s[i+1]) {
			if s[i] == '\\' && i+1 < len(s) {
				write(s[i : i+2])
				i += 2
				continue
			}
			write(s[i : i+1])
			i++
			continue
		}
		j := commandEnd(s, i)
		name := s[i+1 : j]
		isText, isFont := textCommands[name], mathFontCommands[name]
		if !isText && !isFont {
			write(s[i:j])
			i = j
			continue
		}
		content, end := groupArg(s, j)
		if end == j {
			i = j
			continue
		}
		rest, afterPower := skipPower(s[end:])
		after := !onlyTrailer(rest)
		if depth < maxTextDepth {
			content, _ = rewriteTextGroups(content, depth+1)
		}
		word := strings.ToLower(strings.TrimSpace(content))
		switch {
		case !before && !after:
			write(content)
			whole = isText || isAllLetters(strings.ReplaceAll(word, " ", ""))
			i = end
			continue
		case isText && (word == "and" || word == "or" || word == "," || word == "&"):
			write(",")
		case before && !after && (isText || (len(word) >= 2 && isAllLetters(word))):
			// a unit at the end: drop it, with its power
			i = end + afterPower
			continue
		case isText && before && strings.HasPrefix(content, " "):
			// "\text{ " marks units in the MATH data
			i = end + afterPower
			continue
		default:
			if isText {
				write(content)
			} else {
				write("{" + content + "}")
			}
		}
		i = end
	}
	return b.String(), whole
}

// onlyTrailer reports whether s is empty but for spaces and final punctuation. It stops at the
// first other character.
func onlyTrailer(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(" .,;:!", s[i]) < 0 {
			return false
		}
	}
	return true
}

// skipPower skips a ^2, ^{2} or ^3 after a unit; it returns the rest after it and its offset.
func skipPower(s string) (string, int) {
	t := strings.TrimLeft(s, " ")
	off := len(s) - len(t)
	if strings.HasPrefix(t, "^") {
		_, e := groupArg(t, 1)
		if e > 1 {
			return t[e:], off + e
		}
	}
	return s, 0
}

// unitWords are words that, written after a number at the end of an answer, are units.
var unitWords = map[string]bool{
	"cm": true, "mm": true, "km": true, "m": true, "meter": true, "meters": true, "metre": true,
	"metres": true, "centimeters": true, "centimeter": true, "inch": true, "inches": true,
	"in": true, "feet": true, "foot": true, "ft": true, "yard": true, "yards": true, "yd": true,
	"mile": true, "miles": true, "unit": true, "units": true, "sq": true, "square": true,
	"cubic": true, "degree": true, "degrees": true, "deg": true, "cent": true, "cents": true,
	"dollar": true, "dollars": true, "hour": true, "hours": true, "hr": true, "hrs": true,
	"minute": true, "minutes": true, "min": true, "mins": true, "second": true, "seconds": true,
	"s": true, "day": true, "days": true, "week": true, "weeks": true, "year": true, "years": true,
	"month": true, "months": true, "kg": true, "g": true, "gram": true, "grams": true, "lb": true,
	"lbs": true, "pound": true, "pounds": true, "ounce": true, "ounces": true, "oz": true,
	"mph": true, "liter": true, "liters": true, "litre": true, "litres": true, "ml": true,
	"gallon": true, "gallons": true, "percent": true, "pct": true, "percentage": true,
	"radians": true, "radian": true, "rad": true, "ways": true, "people": true, "students": true,
	"points": true, "times": true, "sqft": true, "mi": true, "km/h": true, "m/s": true,
}

// stripUnitWords removes unit words written in plain text after a number ("125 miles",
// "15 sq ft").
func stripUnitWords(s string) string {
	for range 3 {
		t := strings.TrimRight(s, " ")
		k := strings.LastIndexByte(t, ' ')
		if k < 0 {
			// "28%"-like forms are handled elsewhere; "28percent" has no space
			for _, w := range []string{"percent", "percentage", "pct"} {
				if strings.HasSuffix(t, w) && len(t) > len(w) && isDigit(t[len(t)-len(w)-1]) {
					return t[:len(t)-len(w)]
				}
			}
			return t
		}
		word := strings.ToLower(strings.TrimRight(t[k+1:], "."))
		word = strings.TrimSuffix(strings.TrimSuffix(word, "^2"), "^3")
		head := strings.TrimRight(t[:k], " ")
		if !unitWords[word] || head == "" || !strings.ContainsAny(head, "0123456789") {
			return t
		}
		last := head[len(head)-1]
		if !isDigit(last) && last != '}' && last != ')' && !isLetter(last) && last != '.' {
			return t
		}
		s = head
	}
	return s
}

// trimPunct removes spaces and final punctuation (". , ; :").
func trimPunct(s string) string {
	s = strings.TrimSpace(s)
	for len(s) > 0 {
		c := s[len(s)-1]
		if c == '.' || c == ',' || c == ';' || c == ':' || c == ' ' {
			if c == '.' && len(s) >= 2 && s[len(s)-2] == '\\' {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		break
	}
	return strings.TrimSpace(s)
}

// trimLeadingRelation removes a leading "=" or "\approx" ("\approx 3.14" is 3.14).
func trimLeadingRelation(s string) string {
	for range 3 {
		t := strings.TrimLeft(s, " =:")
		for _, p := range []string{`\approx`, `\sim`, `\simeq`} {
			if strings.HasPrefix(t, p) && (len(t) == len(p) || !isLetter(t[len(p)])) {
				t = t[len(p):]
			}
		}
		if t == s {
			break
		}
		s = t
	}
	return strings.TrimSpace(s)
}

// andToComma writes "2 and 3" as "2, 3": " and " or " or " after a number or a closing bracket
// ("19, 46, and 82" keeps one comma, as does "19, 46, \text{ and } 82"), or "and" and "or"
// glued between brackets ("(11,7)or(7,11)").
func andToComma(s string) string {
	if !strings.Contains(s, "and") && !strings.Contains(s, "or") && !strings.Contains(s, ",") {
		return s
	}
	var b strings.Builder
	var prev byte // the last byte written that is not a space
	for i := 0; i < len(s); i++ {
		if joinable(prev) {
			k := i
			for k < len(s) && s[k] == ' ' {
				k++
			}
			w := ""
			if k > i || i > 0 && s[i-1] == ' ' {
				w = conjunction(s[k:])
			} else if prev != ',' {
				// "(11,7)or(7,11)": a conjunction between brackets, without spaces
				for _, c := range []string{"and", "or"} {
					if rest := s[k:]; strings.HasPrefix(rest, c) && len(rest) > len(c) && strings.IndexByte(`([\`, rest[len(c)]) >= 0 {
						w = c
					}
				}
			}
			if w != "" {
				if prev == ',' {
					b.WriteByte(' ')
				} else {
					b.WriteString(", ")
					prev = ','
				}
				i = k + len(w) - 1
				continue
			}
		}
		if s[i] == ',' && prev == ',' {
			continue // "19, 46, \text{ and } 82" has its comma already
		}
		b.WriteByte(s[i])
		if s[i] != ' ' {
			prev = s[i]
		}
	}
	return b.String()
}

// joinable reports whether c may end an element that a conjunction after it joins to the next:
// a digit, a closing bracket or a comma ("19, 46, and 82").
func joinable(c byte) bool {
	return isDigit(c) || c == '}' || c == ')' || c == ']' || c == ','
}

// conjunction returns "and " or "or " when s starts with it, or "".
func conjunction(s string) string {
	for _, w := range []string{"and ", "or "} {
		if strings.HasPrefix(s, w) {
			return w
		}
	}
	return ""
}

// stripInPrefix removes "x \in" from "x \in [-2, 7]".
func stripInPrefix(s string) string {
	i := strings.Index(s, `\in`)
	if i < 0 || i+3 < len(s) && isLetter(s[i+3]) {
		return s
	}
	head := strings.TrimSpace(s[:i])
	if head == "" || len(head) > 12 || strings.ContainsAny(head, "=<>[]{}") {
		return s
	}
	return strings.TrimSpace(s[i+3:])
}

// plainMixedNumber rewrites a whole answer "4 4/9" (an integer, a space and a proper fraction)
// to "4\frac{4}{9}", which the parser reads as a mixed number.
func plainMixedNumber(s string) string {
	t := strings.TrimSpace(s)
	sign := ""
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		sign, t = t[:1], strings.TrimSpace(t[1:])
	}
	sp := strings.IndexByte(t, ' ')
	if sp <= 0 {
		return s
	}
	whole, frac := t[:sp], strings.ReplaceAll(t[sp+1:], " ", "")
	slash := strings.IndexByte(frac, '/')
	if !allDigits(whole) || slash <= 0 || !allDigits(frac[:slash]) || !allDigits(frac[slash+1:]) {
		return s
	}
	return sign + whole + `\frac{` + frac[:slash] + "}{" + frac[slash+1:] + "}"
}

// mergeThousands removes thousands separators: "{,}" between digits, and commas directly
// followed by a group of three digits in a number such as 1,000,000 (first group of one to three
// digits, then groups of exactly three), unless the number is inside (), [] or \{\}, where commas
// separate elements.
func mergeThousands(s string) string {
	s = strings.ReplaceAll(s, "{,}", "\x00")
	s = strings.ReplaceAll(strings.ReplaceAll(s, " \x00", "\x00"), "\x00 ", "\x00")
	if !strings.ContainsAny(s, ",\x00") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	// stack holds the open brackets; lists counts those that are not TeX groups
	var stack []byte
	lists := 0
	push := func(c byte) {
		stack = append(stack, c)
		if c != '{' {
			lists++
		}
	}
	pop := func() {
		if len(stack) > 0 {
			if stack[len(stack)-1] != '{' {
				lists--
			}
			stack = stack[:len(stack)-1]
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '}'):
			if s[i+1] == '{' {
				push('s')
			} else {
				pop()
			}
			b.WriteString(s[i : i+2])
			i += 2
			continue
		case c == '(' || c == '[' || c == '{':
			push(c)
		case c == ')' || c == ']' || c == '}':
			pop()
		case isDigit(c) && (i == 0 || !isDigit(s[i-1]) && s[i-1] != '.'):
			if n, ok := groupedNumber(s[i:], lists > 0); ok {
				for k := range n {
					if s[i+k] != ',' && s[i+k] != 0 {
						b.WriteByte(s[i+k])
					}
				}
				i += n
				continue
			}
		}
		if c == 0 {
			b.WriteByte(',')
		} else {
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// groupedNumber reports the length of a thousands-grouped number at the start of s. Groups
// joined by "\x00" (an explicit separator) always count; plain commas count only outside lists.
func groupedNumber(s string, inList bool) (int, bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	first := i
	groups, plain := 0, false
	for i < len(s) && (s[i] == ',' || s[i] == 0) {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j-i-1 != 3 {
			break
		}
		if s[i] == ',' {
			plain = true
		}
		groups++
		i = j
	}
	if groups == 0 || first > 3 || (plain && inList) {
		return 0, false
	}
	return i, true
}

// removeSpaces removes spaces, except one after a command name followed by a letter
// ("\cot x").
func removeSpaces(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != ' ' {
			b.WriteByte(c)
			continue
		}
		cur := b.String()
		j := i
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j < len(s) && isLetter(s[j]) && endsWithCommand(cur) {
			b.WriteByte(' ')
		}
		i = j - 1
	}
	return b.String()
}

// endsWithCommand reports whether s ends with a \name command.
func endsWithCommand(s string) bool {
	k := len(s)
	for k > 0 && isLetter(s[k-1]) {
		k--
	}
	return k < len(s) && k > 0 && s[k-1] == '\\' && (k < 2 || s[k-2] != '\\')
}

// braceArgs writes the arguments of \frac, \binom and \sqrt in braces: \frac12 → \frac{1}{2},
// \frac1{72} → \frac{1}{72}, \sqrt3 → \sqrt{3}.
func braceArgs(s string) string {
	return braceArgsDepth(s, 0)
}

// braceArgsDepth is braceArgs at a nesting depth; past maxDepth it leaves s as it is.
func braceArgsDepth(s string, depth int) string {
	if depth > maxDepth {
		return s
	}
	if !strings.Contains(s, `\frac`) && !strings.Contains(s, `\sqrt`) && !strings.Contains(s, `\binom`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := commandEnd(s, i)
		name := s[i+1 : j]
		if j == i+1 && j < len(s) {
			j++
		}
		b.WriteString(s[i:j])
		n := 0
		switch name {
		case "frac", "binom":
			n = 2
		case "sqrt":
			n = 1
			if j < len(s) && s[j] == '[' {
				if e := strings.IndexByte(s[j:], ']'); e > 0 {
					b.WriteString(s[j : j+e+1])
					j += e + 1
				}
			}
		}
		for range n {
			if j >= len(s) || s[j] == '}' {
				break
			}
			arg, end := groupArg(s, j)
			b.WriteString("{" + braceArgsDepth(arg, depth+1) + "}")
			j = end
		}
		i = j
	}
	return b.String()
}

// simpleSlash rewrites a whole answer "a/b" of two integers to \frac{a}{b}, as the MATH
// benchmark's _fix_a_slash_b does.
func simpleSlash(s string) string {
	t := s
	sign := ""
	if strings.HasPrefix(t, "-") {
		sign, t = "-", t[1:]
	}
	k := strings.IndexByte(t, '/')
	if k <= 0 || !allDigits(t[:k]) || !allDigits(t[k+1:]) {
		return s
	}
	return sign + `\frac{` + t[:k] + "}{" + t[k+1:] + "}"
}

// leadingZeros writes 0 before a decimal point that starts a number (".5" → "0.5").
func leadingZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' && i+1 < len(s) && isDigit(s[i+1]) && (i == 0 || !isDigit(s[i-1]) && !isLetter(s[i-1])) {
			b.WriteByte('0')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// dropShortLHS drops "k=" from "k=3" when the left side has at most two characters, as the
// MATH benchmark's _strip_string does.
func dropShortLHS(s string) string {
	if strings.Count(s, "=") != 1 {
		return s
	}
	k := strings.IndexByte(s, '=')
	if k <= 2 && k > 0 && !strings.ContainsAny(s[:k], "<>!") && !strings.ContainsAny(s[k+1:k+min(2, len(s)-k)], "<>") {
		return s[k+1:]
	}
	return s
}

// commandEnd returns the index after the name of the command whose backslash is at s[i].
func commandEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	return j
}

// isLetter and isDigit classify ASCII bytes.
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// allDigits reports whether s is a non-empty run of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isAllLetters reports whether s is a non-empty run of letters.
func isAllLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
