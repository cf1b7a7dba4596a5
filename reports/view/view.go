// Package view shows runs to people: Write makes one self-contained HTML page of runs (the
// summary tables and figures, then every sample with its question, images, turns, tool calls,
// the images tools returned beside the original, the answer, the gold and the judge's
// reasoning, with filters), and Show prints one sample's trajectory for a terminal. Whatever a
// model wrote is shown as text and never runs: see Write.
package view

import (
	"bufio"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

//go:embed view.js
var script string

//go:embed view.css
var style string

// Options say what Write puts in the page.
type Options struct {
	// Title heads the page; "" for "realx view".
	Title string
	// ImageBudget is the most bytes of images (as base64) the page holds; images past it
	// are left out, and the page says how many. 0 holds none.
	ImageBudget int64
}

// DefaultImageBudget is the image budget of `realx view`: 256 MiB.
const DefaultImageBudget = 256 << 20

// Write writes the page of the runs at inputs (run directories, results logs, "-" for stdin),
// warnings to warn. The page needs nothing outside itself: its style and script are inline,
// its images data URIs of the runs' blobs/, and it loads nothing.
//
// Nothing a model wrote can run in it. The data is one JSON script element (of type
// application/json, which a browser never runs), with <, > and & escaped, so no text can
// close it; the images are base64 in script elements of their own, named by their hash and
// of a type checked against a list of raster image types. The page's script builds every
// element with DOM methods and sets text with textContent, never as HTML. The
// Content-Security-Policy lets only the page's own script and style run (by their SHA-256),
// images only as data URIs, no connection, frame, form or base URL, and no inline event
// handler or javascript: URL; it requires Trusted Types, so that no HTML string can reach
// innerHTML and its kin at all.
func Write(w io.Writer, inputs []string, stdin io.Reader, warn io.Writer, opts Options) error {
	p, blobs, err := collect(inputs, stdin, warn, opts)
	if err != nil {
		return err
	}
	if p.Title == "" {
		p.Title = "realx view: " + strings.Join(labels(p), ", ")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	fmt.Fprintf(bw, `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="%s">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>realx view</title>
<link rel="icon" href="data:,">
<style>%s</style>
</head>
<body>
<noscript>This page shows its samples with JavaScript.</noscript>
<main id="app"></main>
<script type="application/json" id="realx-data">`, ContentSecurityPolicy, style)
	if err := writeJSON(bw, p); err != nil {
		return err
	}
	bw.WriteString("</script>\n")
	for _, b := range blobs {
		// The hash is hex and the type one of imageTypes (collector.embed): no quote nor
		// angle bracket; base64 has none either.
		fmt.Fprintf(bw, `<script type="text/plain" id="img-%s" data-type="%s">%s</script>`+"\n", b.Hash, b.Type, b.Base64)
	}
	fmt.Fprintf(bw, "<script>%s</script>\n</body>\n</html>\n", script)
	return bw.Flush()
}

// labels returns the labels of the page's runs.
func labels(p *page) []string {
	out := make([]string, len(p.Runs))
	for i, r := range p.Runs {
		out[i] = r.Label
	}
	return out
}

// ContentSecurityPolicy is the policy of the page Write makes.
var ContentSecurityPolicy = "default-src 'none'; script-src " + sourceHash(script) + "; style-src " + sourceHash(style) +
	"; img-src data:; base-uri 'none'; form-action 'none'; frame-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'"

// sourceHash returns the CSP source of an inline element's text: 'sha256-…'.
func sourceHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
