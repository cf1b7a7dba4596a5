// Package search owns the search tools agentic models call, in their seed models' own shapes,
// and the Service that answers them from providers, a record-and-replay store, or an offline
// corpus.
//
// Tools (NewTool, each a runners.Tool):
//
//   - search (DeepEyesV2): {"query": "…"} → "A Google search for '…' found N results:\n\n## Web
//     Results\n1. [title](link)\n…", DeepEyesV2's text to the character (format.go).
//   - image_search: in the DeepEyesV2 style, no arguments: Google Lens with the question's
//     first image → "A Google image search for the image found N results: … 1. <image>\n[title]"
//     with the results' images after the text; in the R1V4 style, {"image_paths": [...]} naming
//     the question's images ("image_1", "/realx/images/image_2.png", as the python tool names
//     them) or public URLs → a JSON list per image, each result numbering its image.
//   - text_search (R1V4): {"queries": [...]} → a JSON list of each query's results.
//   - web_visit (R1V4): {"urls": [...]} → a JSON list of each page's readable text, cut to a
//     token budget, or summarised by a model (Summarizer) when longer; a page that cannot be
//     read is shown as such.
//
// R1V4's observation JSON was never published; realx's lists use Python's separators, as its
// observations' {"result": …} do. Every tool declares a JSON Schema (Def), so native and hermes
// protocols can carry it too.
//
// Service. A Service answers each request in its Mode: Live asks a provider, Record asks and
// writes the answer to the store, Replay answers only from the store (a request it lacks fails
// the sample with a MissError that names it, and the run goes on), ReplayOrLive asks only for
// what the store lacks. Requests are keyed by what was asked, normalised and provider-blind
// (store.Request): a search's words, an image's SHA-256, a page's URL, a summary's text and
// model. Thumbnails, pages, their failures and summaries are requests too, so a replay shows
// the model exactly what the recording did. Concurrent identical requests are sent once.
// Providers' keys (Config.Secrets) are taken out of every answer before it is shown or stored.
// Counts (per service, and per sample through an Instance or ToolOptions.OnClose) tell
// requests, store hits and misses, live calls and recordings by kind; an Instance reports them
// with the URLs and corpus ids of the results it showed (runners.SearchReporter), which the
// agent keeps in the sample's trajectory for reports (searches, store hits, search recall).
//
// A provider's failure (a refused key, an empty account, a rate limit that outlasted the
// retries) is an error that ends the sample and is recorded in its result, never a wrong
// answer; a problem of the call (bad arguments, an image it cannot name, a page that cannot be
// read) goes back to the model.
//
// With no provider configured, searches go to Config.Corpus (package corpus): BM25 and
// perceptual hashes over a suite's frozen collection, no network, no key.
package search
