package search

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners/tools/search/provider"
)

// The result texts of DeepEyesV2's search tools are reproduced from its released code
// (Visual-Agent/DeepEyesV2, Apache-2.0: reinforcement_learning/verl/workers/agent/envs/
// deepeyesv2/deepeyesv2.py request_search, and evaluation/inference_demo/inference_demo.py):
//
//	A Google search for '<query>' found <n> results:
//
//	## Web Results
//	1. [<title>](<link>)
//	Date published: <date>
//
//	<snippet>
//
//	2. …
//
// each entry being "<i>. [<title>](<link>)" + ("\nDate published: <date>" when the result has
// a date) + "\n" + ("\n<snippet>" when it has a snippet), entries joined by a blank line, and
// "Your browser can't play this video." taken out of each; and, for the image search,
//
//	A Google image search for the image found <n> results:
//
//	## Web Results
//	1. <image>
//	[<title>]
//
// each entry "<i>. <image>\n[<title>] \n" (with a space after "]", the empty date's), the images after the
// text in the same order. An empty date or snippet counts as none (Python's code tells a
// missing field from an empty one; providers' answers here do not).

// videoNotice is the text DeepEyesV2 takes out of every result.
const videoNotice = "Your browser can't play this video."

// deepEyesV2Search renders a text search's hits as DeepEyesV2 does.
func deepEyesV2Search(query string, hits []provider.Hit) string {
	entries := make([]string, len(hits))
	for i, h := range hits {
		date := ""
		if h.Date != "" {
			date = "\nDate published: " + h.Date
		}
		snippet := ""
		if h.Snippet != "" {
			snippet = "\n" + h.Snippet
		}
		e := fmt.Sprintf("%d. [%s](%s)%s\n%s", i+1, h.Title, h.URL, date, snippet)
		entries[i] = strings.ReplaceAll(e, videoNotice, "")
	}
	return fmt.Sprintf("A Google search for '%s' found %d results:\n\n## Web Results\n", query, len(hits)) + strings.Join(entries, "\n\n")
}

// deepEyesV2ImageSearch renders an image search's titles as DeepEyesV2 does.
func deepEyesV2ImageSearch(titles []string) string {
	entries := make([]string, len(titles))
	for i, t := range titles {
		entries[i] = strings.ReplaceAll(fmt.Sprintf("%d. <image>\n[%s] \n", i+1, t), videoNotice, "")
	}
	return fmt.Sprintf("A Google image search for the image found %d results:\n\n## Web Results\n", len(titles)) + strings.Join(entries, "\n\n")
}

// pyJSON returns v as JSON with Python's json.dumps separators (", " and ": "), not ASCII-only:
// the form of R1V4's observations.
func pyJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "{}"
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	out := make([]byte, 0, len(b)+len(b)/8)
	inString, escaped := false, false
	for _, c := range b {
		out = append(out, c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return string(out)
}
