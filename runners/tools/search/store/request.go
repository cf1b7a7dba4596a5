package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The kinds of request a store keeps.
const (
	// KindText is a web search by words.
	KindText = "text"
	// KindImage is a reverse image search, keyed by the image's SHA-256 (or, for caches keyed by
	// sample, by the sample's id).
	KindImage = "image"
	// KindImages is a search of images by words.
	KindImages = "images"
	// KindPage is a web page read as text.
	KindPage = "page"
	// KindThumb is an image fetched by URL (a result's thumbnail).
	KindThumb = "thumb"
	// KindSummary is a page's text summarised by a model.
	KindSummary = "summary"
	// KindTools is the list of an MCP server's tools; KindCall a call to one of them.
	KindTools = "tools"
	KindCall  = "call"
)

// Request is a provider-independent request: what was asked, normalised, so that the same
// question asked of any provider, on any machine, has the same key. It holds no key, no
// provider name, no path and no time.
type Request struct {
	Kind string `json:"kind"`
	// Query is a search's words, normalised (NormalizeQuery).
	Query string `json:"query,omitempty"`
	// Image is the SHA-256 (hex) of the image a reverse image search searched with.
	Image string `json:"image,omitempty"`
	// Sample is the id of the sample whose image was searched, for caches keyed by sample
	// (DeepEyesV2's).
	Sample string `json:"sample,omitempty"`
	// URL is the page or image fetched, normalised (NormalizeURL).
	URL string `json:"url,omitempty"`
	// Locale is the country/language asked for, "" for the provider's default.
	Locale string `json:"locale,omitempty"`
	// Source is the SHA-256 of the text a summary summarised; Model names the model that wrote
	// it and Prompt is the SHA-256 of its prompt.
	Source string `json:"source,omitempty"`
	Model  string `json:"model,omitempty"`
	Prompt string `json:"prompt,omitempty"`
	// Server names the MCP server of a tools list or a call (as the suite names it), Tool
	// the tool called, and Arguments the call's arguments as canonical JSON (CanonicalJSON).
	Server    string `json:"server,omitempty"`
	Tool      string `json:"tool,omitempty"`
	Arguments string `json:"arguments,omitempty"`
}

// Text returns the request of a search by words.
func Text(query, locale string) Request {
	return Request{Kind: KindText, Query: NormalizeQuery(query), Locale: locale}
}

// Images returns the request of a search of images by words.
func Images(query, locale string) Request {
	return Request{Kind: KindImages, Query: NormalizeQuery(query), Locale: locale}
}

// Image returns the request of a reverse image search with the image data.
func Image(data []byte, locale string) Request {
	return Request{Kind: KindImage, Image: SHA256(data), Locale: locale}
}

// ImageOfSample returns the request of a reverse image search with sample id's image, as caches
// keyed by sample record it.
func ImageOfSample(id string) Request {
	return Request{Kind: KindImage, Sample: id}
}

// Page returns the request of reading the page at u.
func Page(u string) Request { return Request{Kind: KindPage, URL: NormalizeURL(u)} }

// Thumb returns the request of fetching the image at u.
func Thumb(u string) Request { return Request{Kind: KindThumb, URL: NormalizeURL(u)} }

// Summary returns the request of summarising text with model under prompt.
func Summary(text, model, prompt string) Request {
	return Request{Kind: KindSummary, Source: SHA256([]byte(text)), Model: model, Prompt: SHA256([]byte(prompt))}
}

// Tools returns the request of the list of tools of the MCP server called server.
func Tools(server string) Request { return Request{Kind: KindTools, Server: server} }

// Call returns the request of a call to tool of the MCP server called server with args (a JSON
// object; its keys' order and spacing do not change the key).
func Call(server, tool string, args []byte) (Request, error) {
	canon, err := CanonicalJSON(args)
	if err != nil {
		return Request{}, err
	}
	return Request{Kind: KindCall, Server: server, Tool: tool, Arguments: canon}, nil
}

// CanonicalJSON returns a JSON value with its objects' keys sorted and no insignificant space,
// numbers as written.
func CanonicalJSON(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("arguments: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// Key returns the request's key: the SHA-256 (hex) of its JSON.
func (r Request) Key() string {
	b, _ := json.Marshal(r) // a struct of strings always marshals
	return SHA256(b)
}

// String names the request for a person: `text search "eiffel tower height"`.
func (r Request) String() string {
	loc := ""
	if r.Locale != "" {
		loc = " (" + r.Locale + ")"
	}
	switch r.Kind {
	case KindText:
		return fmt.Sprintf("text search %q%s", r.Query, loc)
	case KindImages:
		return fmt.Sprintf("image search by words %q%s", r.Query, loc)
	case KindImage:
		if r.Sample != "" {
			return fmt.Sprintf("image search with the image of sample %q%s", r.Sample, loc)
		}
		return fmt.Sprintf("image search with the image sha256:%s%s", r.Image, loc)
	case KindPage:
		return "page " + r.URL
	case KindThumb:
		return "image " + r.URL
	case KindSummary:
		return fmt.Sprintf("summary by %s of the text sha256:%s", r.Model, r.Source)
	case KindTools:
		return fmt.Sprintf("list of the tools of MCP server %q", r.Server)
	case KindCall:
		return fmt.Sprintf("call of %s on MCP server %q with %s", r.Tool, r.Server, capped(r.Arguments, 200))
	}
	return r.Kind + " request"
}

// NormalizeQuery returns a search query in the form keys use: Unicode NFKC, lower case, runs of
// space as one space, no space at the ends. Search engines ignore all of these.
func NormalizeQuery(q string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFKC.String(q))), " ")
}

// NormalizeURL returns a URL in the form keys use: lower-case scheme and host, no default port,
// no fragment, "/" for an empty path. A string that does not parse as an absolute URL is
// returned trimmed.
func NormalizeURL(u string) string {
	u = strings.TrimSpace(u)
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return u
	}
	p.Scheme = strings.ToLower(p.Scheme)
	host := strings.ToLower(p.Hostname())
	port := p.Port()
	if (p.Scheme == "http" && port == "80") || (p.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	p.Host = host
	p.Fragment, p.RawFragment = "", ""
	if p.Path == "" && p.RawPath == "" {
		p.Path = "/"
	}
	return p.String()
}

// SHA256 returns the SHA-256 of data in lower-case hex.
func SHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// capped returns s cut to n bytes, with "…" when cut.
func capped(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
