// Package tasks owns the suite schema: strict YAML loading with every error at once and its
// position, the dataset loaders (JSONL, JSON, CSV, VLMEvalKit's TSV, Parquet), the data
// cache that pulled data is read from, image references (and the fetching of image URLs), and
// prompt templates. It runs no model and grades nothing.
//
// # Loading
//
// LoadFile and LoadFS decode a suite strictly: an unknown key, a value of the wrong type, an
// out-of-range value and a template that does not parse are each reported at their line and
// column, all of them in one Errors value, as "suite.yaml:12:5: message". The suite is
// returned along with its problems whenever the YAML itself parses, so that other packages
// can check their own parts (judge kinds, agent protocols and tools, which this package leaves
// alone) through Suite.Errorf and everything is printed at once.
//
// Suite.Samples reads the data file; its problems are positioned in the data file
// ("test.jsonl:17: duplicate id "9" (first at line 3)"): a record that cannot be mapped, one
// with no gold answer or, when the suite maps image fields, no image, and one whose prompt
// cannot be rendered (the first few, then a count). When the suite file's data section has a
// problem itself, Suite.CanReadData is false and the data is best not read. Images are read
// only when a sample runs (ImageRef.Read; ImageRef.Check stats a file without reading it),
// and Suite.Render puts a sample into the prompt templates.
//
// # The suite file
//
// The suite schema — every key of a suite file, the data formats (JSONL, JSON, CSV, VLMEvalKit's
// TSV, Parquet), pulled data (data.source and the data cache), the rules for files and URLs,
// and the judge section — is documented for users in docs/suites.md, and as a JSON Schema in
// docs/suite.schema.json, generated from the types of this package (Suite and what it holds)
// and their doc comments.
//
// # Pulled data
//
// A suite with a data.source reads its data from the data cache (Suite.SetDataCache, else
// DefaultDataCache) and only from there: package tasks/source downloads it (realx data pull),
// and Samples returns a *NotPulledError until it has, and a *ChecksumError for a cached file
// whose SHA-256 is not the one the suite pins or the entry's lock file (Lock) recorded.
// Suite.PullStatus says which files are there.
package tasks
