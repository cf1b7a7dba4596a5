// Package store owns the record-and-replay store of realx's search tools and MCP tool
// servers: the provider-independent Request and its Key (what was asked, normalised: a query's
// words, an image's SHA-256, a page's URL, a summary's text and model, an MCP server's tools
// list, a call of its tool with its arguments as canonical JSON), the Record of its answer, the
// Store that keeps records and images content-addressed in a directory (or reads a snapshot
// from any fs.FS), its Digest for a run's manifest, Export and Import of stores as
// deterministic archives, Merge, and ImportDeepEyesV2, which reads DeepEyesV2's released
// image-search cache.
//
// Nothing in a store names a machine, a time or a key: the same answers make the same files
// anywhere, so a store recorded once can ship with a suite and replay it byte for byte.
package store
