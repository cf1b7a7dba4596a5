package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/search/provider"
	"github.com/realx-bench/realx/runners/tools/search/store"
	"github.com/realx-bench/realx/tasks"
)

// The tools' names, as suites list them and models call them.
const (
	// SearchTool is DeepEyesV2's text search: {"query": …} → "A Google search for '…' found N
	// results: …".
	SearchTool = "search"
	// ImageSearchTool is the reverse image search: DeepEyesV2's (no arguments, the question's
	// image) or R1V4's ({"image_paths": […]}), as ToolOptions.Style says.
	ImageSearchTool = "image_search"
	// TextSearchTool is R1V4's text search: {"queries": […]} → a JSON list of results per query.
	TextSearchTool = "text_search"
	// WebVisitTool is R1V4's page visit: {"urls": […]} → a JSON list of each page's text, cut
	// to a token budget or summarised.
	WebVisitTool = "web_visit"
)

// Names lists the tools NewTool makes, sorted.
func Names() []string { return []string{ImageSearchTool, SearchTool, TextSearchTool, WebVisitTool} }

// Style is the shape of the image search: which seed model's.
type Style string

// The image search's styles.
const (
	// DeepEyesV2 searches with the question's first image, takes no arguments, and answers with
	// DeepEyesV2's text and the results' images.
	DeepEyesV2 Style = "deepeyesv2"
	// R1V4 searches with the images image_paths names and answers with a JSON list.
	R1V4 Style = "r1v4"
)

// ToolOptions configure a tool. Zero fields take the defaults.
type ToolOptions struct {
	// Style is the image search's shape; "" is DeepEyesV2. The native and hermes protocols can
	// carry either; deepeyesv2 needs DeepEyesV2 and r1v4 needs R1V4.
	Style Style
	// TextResults is how many results a text search shows; default 5, as DeepEyesV2's search
	// shows (its prompt says ten; its code, and MMSearch-R1's, show five).
	TextResults int
	// ImageResults is how many results an image search shows; default 10, at most ten images a
	// round as DeepEyesV2's environment allows.
	ImageResults int
	// PageTokens is web_visit's budget per page (Tokens): a longer page is summarised when the
	// service has a Summarizer, else cut. Default 4,000.
	PageTokens int
	// MaxItems bounds the queries, images or URLs of one call; default 5.
	MaxItems int
	// Thumbs is how the results' images are prepared for the model; the zero policy keeps
	// them as they are up to 512×512 pixels' worth.
	Thumbs tasks.ImagePolicy
	// ResolveImage finds an image that image_paths names and that is none of the question's
	// images (a crop the model's code made, once the engine can tell); nil refuses such names.
	ResolveImage func(ctx context.Context, env *runners.ToolEnv, name string) (*runners.Image, error)
	// OnClose, when set, gets a sample's counts when its instance closes.
	OnClose func(env *runners.ToolEnv, c Counts)
}

// withDefaults fills o's zero fields.
func (o ToolOptions) withDefaults() ToolOptions {
	if o.Style == "" {
		o.Style = DeepEyesV2
	}
	if o.TextResults <= 0 {
		o.TextResults = 5
	}
	if o.ImageResults <= 0 {
		o.ImageResults = 10
	}
	if o.PageTokens <= 0 {
		o.PageTokens = 4000
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 5
	}
	if o.Thumbs == (tasks.ImagePolicy{}) {
		o.Thumbs = tasks.ImagePolicy{MaxPixels: 512 * 512}
	}
	return o
}

// Tool is a search tool on a Service. It implements runners.Tool and is safe for concurrent use.
type Tool struct {
	name string
	svc  *Service
	opt  ToolOptions
}

// NewTool returns the tool called name (one of Names) on svc.
func NewTool(name string, svc *Service, o ToolOptions) (*Tool, error) {
	if !slices.Contains(Names(), name) {
		return nil, fmt.Errorf("unknown search tool %q: the search tools are %s", name, strings.Join(Names(), ", "))
	}
	o = o.withDefaults()
	if o.Style != DeepEyesV2 && o.Style != R1V4 {
		return nil, fmt.Errorf("unknown image search style %q: the styles are deepeyesv2 and r1v4", o.Style)
	}
	return &Tool{name: name, svc: svc, opt: o}, nil
}

// Def declares the tool, its arguments as a JSON Schema.
func (t *Tool) Def() runners.ToolDef {
	switch t.name {
	case SearchTool:
		return runners.ToolDef{Name: t.name,
			Description: fmt.Sprintf("Runs a Google web search and returns the top %d results for the query: title, link, date and snippet.", t.opt.TextResults),
			Parameters:  []byte(`{"type":"object","properties":{"query":{"type":"string","description":"The search query."}},"required":["query"]}`)}
	case TextSearchTool:
		return runners.ToolDef{Name: t.name,
			Description: fmt.Sprintf("Runs Google web searches, one per query, and returns the top %d results of each: title, url, date and snippet.", t.opt.TextResults),
			Parameters: []byte(`{"type":"object","properties":{"queries":{"type":"array","items":{"type":"string"},` +
				`"description":"The search queries, at most ` + strconv.Itoa(t.opt.MaxItems) + `."}},"required":["queries"]}`)}
	case WebVisitTool:
		return runners.ToolDef{Name: t.name,
			Description: "Visits web pages and returns the readable text of each (long pages are cut or summarized).",
			Parameters: []byte(`{"type":"object","properties":{"urls":{"type":"array","items":{"type":"string"},` +
				`"description":"The URLs of the pages to visit, at most ` + strconv.Itoa(t.opt.MaxItems) + `."}},"required":["urls"]}`)}
	}
	if t.opt.Style == DeepEyesV2 {
		return runners.ToolDef{Name: t.name,
			Description: fmt.Sprintf("Retrieves the top %d images and their descriptions from Google's image search (Google Lens), using the original image. Use it at most once.", t.opt.ImageResults),
			Parameters:  []byte(`{"type":"object","properties":{}}`)}
	}
	return runners.ToolDef{Name: t.name,
		Description: fmt.Sprintf("Searches Google Lens with images and returns the top %d matching pages of each: title, url, source and the matching image.", t.opt.ImageResults),
		Parameters: []byte(`{"type":"object","properties":{"image_paths":{"type":"array","items":{"type":"string"},` +
			`"description":"The images to search with: \"image_1\" for the question's first image, \"image_2\" for its second, …, or public image URLs."}},"required":["image_paths"]}`)}
}

// Open returns the tool's instance for one sample.
func (t *Tool) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	if env == nil {
		env = &runners.ToolEnv{}
	}
	return &Instance{tool: t, env: env, counts: Counts{ByKind: map[string]KindCounts{}}, urls: map[string]bool{}, docs: map[string]bool{}}, nil
}

// Instance is a search tool opened for one sample.
type Instance struct {
	tool *Tool
	env  *runners.ToolEnv

	mu     sync.Mutex
	counts Counts
	// urls and docs are the (normalised) URLs and the corpus ids of the results shown to the
	// model and of the pages it read.
	urls, docs map[string]bool
}

// SearchUse reports what the sample's calls of the tool did (runners.SearchReporter): its
// requests by kind, and the results it showed. It is nil when the tool made no request.
func (i *Instance) SearchUse() *runners.SearchUse {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.counts.Total().Requests == 0 {
		return nil
	}
	u := &runners.SearchUse{Requests: i.counts.clone().ByKind}
	u.URLs = slices.Sorted(maps.Keys(i.urls))
	u.Docs = slices.Sorted(maps.Keys(i.docs))
	return u
}

// shown notes the results the model is shown.
func (i *Instance) shown(hits ...provider.Hit) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, h := range hits {
		if h.URL != "" {
			i.urls[store.NormalizeURL(h.URL)] = true
		}
		if h.ID != "" {
			i.docs[h.ID] = true
		}
	}
}

// Counts returns the sample's counts so far.
func (i *Instance) Counts() Counts {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.counts.clone()
}

// Close hands the sample's counts to ToolOptions.OnClose.
func (i *Instance) Close() error {
	if f := i.tool.opt.OnClose; f != nil {
		f(i.env, i.Counts())
	}
	return nil
}

// Call runs the tool. A problem with the call (bad arguments, an image it cannot name) goes back
// to the model as an observation; a provider's failure, and a request a replay lacks
// (MissError), are errors that end the sample.
func (i *Instance) Call(ctx context.Context, args json.RawMessage) (*runners.Observation, error) {
	tally := Counts{ByKind: map[string]KindCounts{}}
	defer func() {
		i.mu.Lock()
		for k, v := range tally.ByKind {
			i.counts.add(k, v)
		}
		i.mu.Unlock()
	}()
	var obs *runners.Observation
	var err error
	switch i.tool.name {
	case SearchTool:
		obs, err = i.search(ctx, &tally, args)
	case TextSearchTool:
		obs, err = i.textSearch(ctx, &tally, args)
	case WebVisitTool:
		obs, err = i.webVisit(ctx, &tally, args)
	default:
		obs, err = i.imageSearch(ctx, &tally, args)
	}
	if err != nil {
		return nil, err
	}
	return obs, nil
}

// callError is the observation of a call the tool cannot run, for the model.
func callError(kind, format string, args ...any) *runners.Observation {
	msg := fmt.Sprintf(format, args...)
	return &runners.Observation{Text: "Error: " + msg, Error: msg, Kind: kind}
}

// stringList reads a list of strings (or one string) from a JSON value.
func stringList(raw json.RawMessage) ([]string, bool) {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list, true
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	return nil, false
}

// items reads the argument name of args as a non-empty list of at most max non-empty strings.
func items(args json.RawMessage, name string, max int) ([]string, string) {
	var a map[string]json.RawMessage
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, "the arguments must be a JSON object"
	}
	raw, ok := a[name]
	if !ok {
		return nil, fmt.Sprintf("missing the argument %q", name)
	}
	list, ok := stringList(raw)
	if !ok {
		return nil, fmt.Sprintf("%q must be a list of strings", name)
	}
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("%q is empty", name)
	}
	if len(out) > max {
		return nil, fmt.Sprintf("%q has %d items; a call takes at most %d", name, len(out), max)
	}
	return out, ""
}

// search is DeepEyesV2's search: one query (a list is run query by query).
func (i *Instance) search(ctx context.Context, t *Counts, args json.RawMessage) (*runners.Observation, error) {
	queries, msg := items(args, "query", i.tool.opt.MaxItems)
	if msg != "" {
		return callError("text_search", "%s: call search with {\"query\": \"<search query>\"}", msg), nil
	}
	texts := make([]string, len(queries))
	for k, q := range queries {
		a, err := i.tool.svc.SearchText(ctx, t, q)
		if err != nil {
			return nil, err
		}
		hits := first(a.Hits, i.tool.opt.TextResults)
		i.shown(hits...)
		texts[k] = deepEyesV2Search(q, hits)
	}
	return &runners.Observation{Text: strings.Join(texts, "\n\n"), Kind: "text_search"}, nil
}

// r1v4Hit is a result in R1V4's JSON.
type r1v4Hit struct {
	Title   string `json:"title"`
	URL     string `json:"url,omitempty"`
	Snippet string `json:"snippet,omitempty"`
	Date    string `json:"date,omitempty"`
	Source  string `json:"source,omitempty"`
	// Image is the number (from 1) of the result's image among the images that follow.
	Image int `json:"image,omitempty"`
}

// textSearch is R1V4's text_search.
func (i *Instance) textSearch(ctx context.Context, t *Counts, args json.RawMessage) (*runners.Observation, error) {
	queries, msg := items(args, "queries", i.tool.opt.MaxItems)
	if msg != "" {
		return callError("text_search", "%s: call text_search with {\"queries\": [\"<query>\", …]}", msg), nil
	}
	type result struct {
		Query   string    `json:"query"`
		Results []r1v4Hit `json:"results"`
	}
	out := make([]result, len(queries))
	for k, q := range queries {
		a, err := i.tool.svc.SearchText(ctx, t, q)
		if err != nil {
			return nil, err
		}
		out[k] = result{Query: q, Results: []r1v4Hit{}}
		hits := first(a.Hits, i.tool.opt.TextResults)
		i.shown(hits...)
		for _, h := range hits {
			out[k].Results = append(out[k].Results, r1v4Hit{Title: h.Title, URL: h.URL, Snippet: h.Snippet, Date: h.Date})
		}
	}
	return &runners.Observation{Text: pyJSON(out), Kind: "text_search"}, nil
}

// webVisit is R1V4's web_visit.
func (i *Instance) webVisit(ctx context.Context, t *Counts, args json.RawMessage) (*runners.Observation, error) {
	urls, msg := items(args, "urls", i.tool.opt.MaxItems)
	if msg != "" {
		return callError("web_visit", "%s: call web_visit with {\"urls\": [\"https://…\", …]}", msg), nil
	}
	type page struct {
		URL     string `json:"url"`
		Title   string `json:"title,omitempty"`
		Content string `json:"content,omitempty"`
		Summary string `json:"summary,omitempty"`
		Error   string `json:"error,omitempty"`
	}
	out := make([]page, len(urls))
	var failures []string
	for k, u := range urls {
		out[k].URL = u
		a, err := i.tool.svc.ReadPage(ctx, t, u)
		if err != nil {
			return nil, err
		}
		if a.Error != "" || a.Page == nil {
			out[k].Error = a.Error
			failures = append(failures, u+": "+a.Error)
			continue
		}
		out[k].Title = a.Page.Title
		i.shown(provider.Hit{URL: u}, provider.Hit{URL: a.Page.URL, ID: a.Page.ID})
		budget := i.tool.opt.PageTokens
		if Tokens(a.Page.Text) > budget && i.tool.svc.cfg.Summarizer != nil {
			s, err := i.tool.svc.Summarize(ctx, t, a.Page)
			if err != nil {
				return nil, err
			}
			out[k].Summary = s.Text
			continue
		}
		text, cut := CutTokens(a.Page.Text, budget)
		if cut {
			text += fmt.Sprintf("\n[… the page goes on; cut at about %d tokens of %d …]", budget, Tokens(a.Page.Text))
		}
		out[k].Content = text
	}
	obs := &runners.Observation{Text: pyJSON(out), Kind: "web_visit"}
	if len(failures) == len(urls) {
		obs.Error = "no page could be read: " + strings.Join(failures, "; ")
	}
	return obs, nil
}

// imageSearch is DeepEyesV2's image_search, or R1V4's, as the style says.
func (i *Instance) imageSearch(ctx context.Context, t *Counts, args json.RawMessage) (*runners.Observation, error) {
	if i.tool.opt.Style == DeepEyesV2 {
		var a map[string]json.RawMessage
		if json.Unmarshal(args, &a) != nil || len(a) > 0 {
			return callError("image_search", "image_search takes no arguments: it searches with the original image"), nil
		}
		if len(i.env.Images) == 0 {
			return callError("image_search", "the question has no image to search with"), nil
		}
		img := i.env.Images[0]
		ans, err := i.tool.svc.SearchImage(ctx, t, img.Data, img.MIME, i.env.SampleID, "")
		if err != nil {
			return nil, err
		}
		if ans.Error != "" {
			return callError("image_search", "%s", ans.Error), nil
		}
		var titles []string
		var images []*runners.Image
		for _, h := range first(ans.Hits, i.tool.opt.ImageResults) {
			im := i.thumb(h) // DeepEyesV2 drops a result whose image is missing
			if im == nil || len(images) == maxCallImages {
				continue
			}
			titles = append(titles, h.Title)
			images = append(images, im)
			i.shown(h)
		}
		return &runners.Observation{Text: deepEyesV2ImageSearch(titles), Images: images, Kind: "image_search"}, nil
	}

	paths, msg := items(args, "image_paths", i.tool.opt.MaxItems)
	if msg != "" {
		var a map[string]json.RawMessage
		if json.Unmarshal(args, &a) == nil && len(a) == 0 && len(i.env.Images) > 0 {
			paths, msg = []string{"image_1"}, "" // no arguments: the question's image
		} else {
			return callError("image_search", "%s: call image_search with {\"image_paths\": [\"image_1\"]}", msg), nil
		}
	}
	type result struct {
		Image   string    `json:"image"`
		Results []r1v4Hit `json:"results"`
		Error   string    `json:"error,omitempty"`
	}
	out := make([]result, len(paths))
	var images []*runners.Image
	var failures []string
	for k, p := range paths {
		out[k] = result{Image: p, Results: []r1v4Hit{}}
		ans, err := i.searchPath(ctx, t, p)
		var ce *callErr
		if errors.As(err, &ce) {
			out[k].Error = ce.msg
			failures = append(failures, p+": "+ce.msg)
			continue
		}
		if err != nil {
			return nil, err
		}
		if ans.Error != "" {
			out[k].Error = ans.Error
			failures = append(failures, p+": "+ans.Error)
			continue
		}
		for _, h := range first(ans.Hits, i.tool.opt.ImageResults) {
			i.shown(h)
			r := r1v4Hit{Title: h.Title, URL: h.URL, Source: h.Source}
			if im := i.thumb(h); im != nil && len(images) < maxCallImages {
				images = append(images, im)
				r.Image = len(images)
			}
			out[k].Results = append(out[k].Results, r)
		}
	}
	obs := &runners.Observation{Text: pyJSON(out), Images: images, Kind: "image_search"}
	if len(failures) == len(paths) {
		obs.Error = strings.Join(failures, "; ")
	}
	return obs, nil
}

// maxCallImages is the most images one image search shows: DeepEyesV2's environment shows at
// most ten a round.
const maxCallImages = 10

// callErr is a problem of an image_paths entry, for the model.
type callErr struct{ msg string }

// Error returns the problem, for the model.
func (e *callErr) Error() string { return e.msg }

var imageNameRe = regexp.MustCompile(`^(?:image[ _-]?)?(\d+)$`)

// searchPath searches with the image p names: one of the question's images, a public URL, or
// what ToolOptions.ResolveImage finds.
func (i *Instance) searchPath(ctx context.Context, t *Counts, p string) (*Answer, error) {
	svc := i.tool.svc
	name := strings.Trim(strings.TrimSpace(p), `"'<>`)
	if strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://") {
		a, err := svc.Fetch(ctx, t, name)
		if err != nil {
			return nil, err
		}
		if a.Error != "" || a.Blob == nil {
			return nil, &callErr{"the image could not be fetched: " + a.Error}
		}
		return svc.SearchImage(ctx, t, a.Blob.Data, a.Blob.MIME, "", name)
	}
	base := name
	if k := strings.LastIndexByte(base, '/'); k >= 0 {
		base = base[k+1:]
	}
	if k := strings.LastIndexByte(base, '.'); k > 0 {
		base = base[:k]
	}
	if m := imageNameRe.FindStringSubmatch(strings.ToLower(base)); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(i.env.Images) {
			return nil, &callErr{fmt.Sprintf("%q names image %d, and the question has %s", p, n, countImages(len(i.env.Images)))}
		}
		img := i.env.Images[n-1]
		sample := ""
		if n == 1 {
			sample = i.env.SampleID
		}
		return svc.SearchImage(ctx, t, img.Data, img.MIME, sample, "")
	}
	if f := i.tool.opt.ResolveImage; f != nil {
		img, err := f(ctx, i.env, name)
		if err != nil {
			return nil, &callErr{fmt.Sprintf("%q: %v", p, err)}
		}
		return svc.SearchImage(ctx, t, img.Data, img.MIME, "", "")
	}
	return nil, &callErr{fmt.Sprintf("%q is none of the question's images (image_1 … image_%d) and not a public http(s) URL; images made by code cannot be searched yet: search with one of the question's images", p, len(i.env.Images))}
}

// countImages says how many images a question has.
func countImages(n int) string {
	switch n {
	case 0:
		return "no image"
	case 1:
		return "one image (image_1)"
	}
	return fmt.Sprintf("%d images (image_1 … image_%d)", n, n)
}

// thumb prepares a hit's image for the model, nil when it has none or it cannot be read.
func (i *Instance) thumb(h provider.Hit) *runners.Image {
	if h.Thumb == nil || len(h.Thumb.Data) == 0 {
		return nil
	}
	img, err := runners.PrepareImage(h.Thumb.Data, i.tool.opt.Thumbs)
	if err != nil {
		return nil
	}
	return img
}

// first returns the first n of hits.
func first(hits []provider.Hit, n int) []provider.Hit {
	if len(hits) > n {
		return hits[:n]
	}
	return hits
}
