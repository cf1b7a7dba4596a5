package reports

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/realx-bench/realx/runners"
)

// The categories of tool calls, after DeepEyesV2's Figure 6 (crop, numerical analysis, mark,
// other, image search, text search), with web visits (Skywork-R1V4's web_visit) apart.
const (
	CategoryCrop        = "crop"
	CategoryMark        = "mark"
	CategoryNumeric     = "numeric"
	CategoryOther       = "other"
	CategoryImageSearch = "image_search"
	CategoryTextSearch  = "text_search"
	CategoryWebVisit    = "web_visit"
)

// Categories lists the categories of tool calls in the order reports show them.
var Categories = []string{CategoryCrop, CategoryMark, CategoryNumeric, CategoryOther,
	CategoryImageSearch, CategoryTextSearch, CategoryWebVisit}

// CategoryOf returns the category of call c: a search or a web visit by the function called,
// else what the tool said the call did (the python tool classifies code as crop, mark, numeric
// or other; the image tools call a crop or a zoom a crop), else other.
func CategoryOf(c *runners.Call) string {
	switch c.Name {
	case "image_search":
		return CategoryImageSearch
	case "search", "text_search":
		return CategoryTextSearch
	case "web_visit":
		return CategoryWebVisit
	}
	switch c.Kind {
	case CategoryCrop, CategoryMark, CategoryNumeric:
		return c.Kind
	}
	return CategoryOther
}

// codeFunction is the name the model calls the python tool by.
const codeFunction = "code"

// ToolName names the function call c called as reports show it: made printable (the model
// chose it) and cut to 40 characters; "(none)" when the call had no name.
func ToolName(c *runners.Call) string {
	name := Printable(c.Name)
	if name == "" {
		return "(none)"
	}
	if utf8.RuneCountInString(name) > 40 {
		name = string([]rune(name)[:39]) + "…"
	}
	return name
}

// CallLabel names call c in a tool sequence: its ToolName, and for code what it did
// ("code:crop").
func CallLabel(c *runners.Call) string {
	name := ToolName(c)
	if c.Name == codeFunction && c.Kind != "" {
		name += ":" + Printable(c.Kind)
	}
	return name
}

// maxSequence is how many steps of a tool sequence SampleUse keeps; longer ones end in "…".
const maxSequence = 8

// SampleUse sums up one sample's trajectory: what a tool-usage report counts of it, and what
// the viewer filters it by.
type SampleUse struct {
	// Calls counts the tool calls, CallErrors those that failed; Turns the model's turns.
	Calls      int `json:"calls"`
	CallErrors int `json:"call_errors"`
	Turns      int `json:"turns"`
	// Tools are the functions called (ToolName), and Categories the categories of the
	// calls (CategoryOf), each once, sorted (the categories in the order of Categories).
	Tools      []string `json:"tools,omitempty"`
	Categories []string `json:"categories,omitempty"`
	// Sequence is the calls in order (CallLabel), a run of the same call as one step with
	// its count ("code:crop ×2 → search"); "" without calls.
	Sequence string `json:"sequence,omitempty"`
	// ModelMS is the time the model's turns took, ToolMS the tool calls', OpenMS the
	// opening of the tools, WallMS the whole sample's (0 when its record predates it).
	ModelMS int64 `json:"model_ms"`
	ToolMS  int64 `json:"tool_ms"`
	OpenMS  int64 `json:"tool_open_ms,omitempty"`
	WallMS  int64 `json:"wall_ms,omitempty"`
}

// UseOf returns the tool use of r, whose Trajectory must not be nil.
func UseOf(r *Result) SampleUse {
	tr := r.Trajectory
	u := SampleUse{ModelMS: r.LatencyMS, OpenMS: tr.ToolOpenMS, WallMS: tr.WallMS}
	tools, cats := map[string]bool{}, map[string]bool{}
	var steps []string
	var counts []int
	for _, turn := range tr.Turns {
		if turn.Role == runners.RoleAssistant {
			u.Turns++
		}
		for i := range turn.Calls {
			c := &turn.Calls[i]
			u.Calls++
			if c.Error != "" {
				u.CallErrors++
			}
			u.ToolMS += c.DurationMS
			tools[ToolName(c)] = true
			cats[CategoryOf(c)] = true
			label := CallLabel(c)
			if n := len(steps); n > 0 && steps[n-1] == label {
				counts[n-1]++
				continue
			}
			steps, counts = append(steps, label), append(counts, 1)
		}
	}
	u.Tools = slices.Sorted(maps.Keys(tools))
	for _, c := range Categories {
		if cats[c] {
			u.Categories = append(u.Categories, c)
		}
	}
	var b strings.Builder
	for i, s := range steps {
		if i == maxSequence {
			b.WriteString(" → …")
			break
		}
		if i > 0 {
			b.WriteString(" → ")
		}
		b.WriteString(s)
		if counts[i] > 1 {
			b.WriteString(" ×")
			b.WriteString(strconv.Itoa(counts[i]))
		}
	}
	u.Sequence = b.String()
	return u
}

// Printable returns s as a terminal shows it safely: every control character but newline
// and tab (escape sequences, carriage returns, C1 controls) and every character that reorders
// text (bidirectional overrides and isolates) written as a \x, \u escape; bytes that are not
// UTF-8 as \x escapes too. Model text passes through it before realx prints it.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if !safeRune(r) {
			clean = false
			break
		}
	}
	if clean && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x` + hex2(s[i]))
		case safeRune(r):
			b.WriteRune(r)
		case r < 0x100:
			b.WriteString(`\x` + hex2(byte(r)))
		default:
			b.WriteString(`\u` + hex2(byte(r>>8)) + hex2(byte(r)))
		}
		i += size
	}
	return b.String()
}

// safeRune reports whether a terminal shows r as itself.
func safeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return true
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return false
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return false
	case r == utf8.RuneError, r == 0x200c, r == 0x200d: // joiners make emoji and scripts whole
		return true
	}
	return unicode.IsPrint(r) || unicode.In(r, unicode.Zs, unicode.Mn) // not U+2028, U+2029: they break lines
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
