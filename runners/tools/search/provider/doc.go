// Package provider owns realx's clients of web search providers and the direct page fetcher:
// the shapes every search tool works with (Hit, Page, TextQuery, ImageQuery), the interfaces a
// provider implements (TextSearcher, ImageSearcher, ImagesSearcher, PageReader), one client
// per provider (Serper, SerpAPI, Brave, Tavily, Jina, SearXNG; see New and Info), the Fetcher
// that reads pages itself with go-readability, the Uploaders that give a local image the public
// URL reverse image search needs, and Error, whose Kind tells a provider's failure (auth,
// quota, rate limit, …) from a page's (KindTarget).
//
// Keys are values the caller read from the environment (Info.KeyVar: SERPER_API_KEY,
// SERPAPI_API_KEY, BRAVE_API_KEY, TAVILY_API_KEY, JINA_API_KEY, SEARXNG_API_KEY). They are sent
// only to their provider, in the header the provider documents (SerpApi's in the api_key
// parameter, as it requires), and never appear in an error. Every endpoint can be replaced
// (Options.BaseURL, PageURL; the command reads REALX_<PROVIDER>_BASE_URL and, for Serper's
// scraper and Jina's reader, REALX_<PROVIDER>_PAGE_URL). Requests rate limited (429) or failed
// by the server (5xx) are sent again, twice by default, after the Retry-After the provider
// asked for (or 1 s, 2 s), unless it asks for longer than Options.MaxWait.
//
// # What the clients were checked against
//
// Each client's request and answer shapes were checked in December 2026 against the provider's
// documentation and, where it is thin, its users' published reports of real answers; the
// tests' fakes answer with those shapes (testdata/), their errors and rate-limit replies
// included.
//
//   - Serper: no public reference beyond its playground. Endpoints, the X-API-KEY header and
//     the bodies ({"q","num","gl","hl","page"}; {"url"} for /lens and the scrape host) and the
//     answers (organic, images, Lens's organic with imageUrl/thumbnailUrl, scrape's
//     text/metadata) are from LangChain's GoogleSerperAPIWrapper and many independent clients.
//     A refused key is 403 {"message":"Unauthorized.","statusCode":403} (several reports of
//     real runs); an empty account 400 {"message":"Not enough credits"}. Not seen: the body of
//     its 429, and how the scraper reports a page it cannot fetch (taken as a 4xx).
//   - SerpApi: serpapi.com/search-api, /api-status-and-error-codes, /search-errors, the
//     google_lens and google_images engine pages. {"error": "…"} with 400/401/403/429/5xx;
//     429 is both the hourly limit and an exhausted plan (told apart by the message); an empty
//     search is a 200 with an error message and search_metadata.status "Success".
//   - Brave: api-dashboard.search.brave.com's reference (web, images, error models) and its
//     rate-limit header description. A bad key is 422 SUBSCRIPTION_TOKEN_INVALID (not 401):
//     the reference shows "errors": […], live answers "error": {…}; both are read.
//   - Tavily: docs.tavily.com (search, extract, rate limits) and its Python SDK's request body.
//     The key goes in "Authorization: Bearer" (the older api_key body field is not sent).
//     {"detail": {"error": "…"}} with 401, 429, 432 (plan) and 433 (pay-as-you-go).
//   - Jina: its reader's source (jina-ai/reader: error classes and their status codes,
//     RateLimitTriggeredError's Retry-After) and its API docs (X-Respond-With, Accept:
//     application/json, the {code, status, data} envelope).
//   - SearXNG: docs.searxng.org/dev/search_api (format=json, pageno, categories; 403 when the
//     format is not enabled) and settings.yml's search.formats; the answer's fields from its
//     JSON renderer as clients read it.
//
// Not verified against the live services (no keys here): that a successful answer still has
// every field above today.
package provider
