package reports

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// WriteLaTeX prints g as a LaTeX table ready for \input: a table float with its Title as the
// caption and its Label, a booktabs tabular (\usepackage{booktabs}; nothing else is needed)
// whose names are left-aligned and numbers right-aligned, its header groups over \cmidrule,
// its emphasized cells in \textbf and \underline, and its notes under it in \footnotesize.
// Every text is escaped (EscapeLaTeX); the mark of an incomplete figure (†) is a superscript
// \dag; a signed number's sign is set in math mode.
func (g *Grid) WriteLaTeX(w io.Writer) error {
	var b strings.Builder
	cols := len(g.Header)
	spec := strings.Repeat("l", min(max(g.Left, 1), cols)) + strings.Repeat("r", max(cols-max(g.Left, 1), 0))
	b.WriteString("\\begin{table}[t]\n\\centering\n")
	if g.Title != "" {
		fmt.Fprintf(&b, "\\caption{%s}\n", EscapeLaTeX(g.Title))
	}
	if g.Label != "" {
		fmt.Fprintf(&b, "\\label{%s}\n", latexLabel(g.Label))
	}
	fmt.Fprintf(&b, "\\begin{tabular}{%s}\n\\toprule\n", spec)
	header := g.Header
	if len(g.Groups) > 0 {
		var cells, rules []string
		col := 1
		for _, grp := range g.Groups {
			switch {
			case grp.Label == "":
				for range grp.Cols {
					cells = append(cells, "")
				}
			default:
				cells = append(cells, fmt.Sprintf("\\multicolumn{%d}{c}{%s}", grp.Cols, EscapeLaTeX(grp.Label)))
				rules = append(rules, fmt.Sprintf("\\cmidrule(lr){%d-%d}", col, col+grp.Cols-1))
			}
			col += grp.Cols
		}
		b.WriteString(strings.Join(cells, " & ") + " \\\\\n")
		if len(rules) > 0 {
			b.WriteString(strings.Join(rules, " ") + "\n")
		}
		if g.Sub != nil {
			header = g.Sub
		}
	}
	b.WriteString(latexRow(header, nil) + "\n\\midrule\n")
	for i, r := range g.Rows {
		emph := make([]Emphasis, len(r))
		for j := range r {
			emph[j] = g.emphasis(i, j)
		}
		b.WriteString(latexRow(r, emph) + "\n")
	}
	b.WriteString("\\bottomrule\n\\end{tabular}\n")
	if len(g.Notes) > 0 {
		b.WriteString("\\par\\smallskip\n{\\footnotesize\n")
		for _, n := range g.Notes {
			b.WriteString(latexText(n) + "\\par\n")
		}
		b.WriteString("}\n")
	}
	b.WriteString("\\end{table}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// latexRow writes one row of a tabular: its cells escaped and emphasized, joined by &.
func latexRow(cells []string, emph []Emphasis) string {
	out := make([]string, len(cells))
	for j, c := range cells {
		t := latexText(c)
		if emph != nil && c != "" {
			switch emph[j] {
			case Bold:
				t = "\\textbf{" + t + "}"
			case Underline:
				t = "\\underline{" + t + "}"
			}
		}
		out[j] = t
	}
	return strings.Join(out, " & ") + " \\\\"
}

// signedNumber matches a cell that is a signed number (a delta): its sign goes in math mode.
var signedNumber = regexp.MustCompile(`^([+-])([0-9.]+)`)

// latexText escapes s for a tabular cell or a note: a signed number's sign in math mode.
func latexText(s string) string {
	if m := signedNumber.FindStringSubmatch(s); m != nil {
		return "$" + m[1] + "$" + EscapeLaTeX(s[1:])
	}
	return EscapeLaTeX(s)
}

// latexChars are the replacements of EscapeLaTeX: LaTeX's special characters, and the
// characters of realx's tables and notes that LaTeX's default input encoding does not know.
var latexChars = strings.NewReplacer(
	`--`, `-{}-`, `\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`, `{`, `\{`, `}`, `\}`,
	`~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`, `<`, `\textless{}`, `>`, `\textgreater{}`, `|`, `\textbar{}`,
	"†", `\textsuperscript{\dag}`, "‡", `\textsuperscript{\ddag}`, "±", `$\pm$`, "Δ", `$\Delta$`, "×", `$\times$`,
	"–", `--`, "—", `---`, "…", `\dots{}`, "≥", `$\geq$`, "≤", `$\leq$`, "→", `$\rightarrow$`, "≈", `$\approx$`,
	"−", `$-$`, "·", `$\cdot$`, "µ", `$\mu$`, "✓", `yes`, "✗", `no`,
)

// EscapeLaTeX returns s as text LaTeX prints as it is: its special characters (\ & % $ # _ { }
// ~ ^ < > |, and -- that would print a dash) escaped, and the symbols realx's tables use (†, ±, Δ, ×, dashes …) as LaTeX's
// commands for them. Other characters are left as they are (UTF-8, which LaTeX reads).
func EscapeLaTeX(s string) string { return latexChars.Replace(s) }

// latexLabel keeps of a \label the characters a label may hold safely.
func latexLabel(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":-_./+", r)) {
			return r
		}
		return -1
	}, s)
}
