package tasks

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// DataSource says where a suite's data is pulled from when it does not ship beside the suite:
// a Hugging Face dataset repository at a revision (a commit, or a branch whose commit the first
// pull records), or files at URLs. `realx data pull`
// downloads its files into the data cache (DataCache), and a run reads them only from there:
// it never downloads.
type DataSource struct {
	// Repo is a Hugging Face dataset repository, "owner/name". Its files are fetched from the
	// hub ($HF_ENDPOINT, else https://huggingface.co) at Revision.
	Repo string `yaml:"repo" json:"repo,omitempty"`
	// Revision is the commit of Repo the files are taken at: 40 hex digits, so that the data
	// cannot change under the suite. Where no commit is known, it may name a branch or a tag
	// ("main", "refs/convert/parquet"): the first pull records the commit the hub resolves it
	// to (its X-Repo-Commit header) in the lock file, and later pulls refuse a file of another
	// commit, as an unpinned file's SHA-256 is recorded and checked. `realx validate` warns
	// that such a suite is not pinned.
	Revision string `yaml:"revision" json:"revision,omitempty"`
	// Files are the files to pull, each kept in the cache at its Path.
	Files []SourceFile `yaml:"files" json:"files,omitempty"`
	// Samples is how many samples the data holds, for `realx list` before it is pulled; when
	// set, reading the data checks it.
	Samples int `yaml:"samples" json:"samples,omitempty"`
}

// SourceFile is one file of a DataSource, or, for a repository, the files a pattern matches.
type SourceFile struct {
	// Path is the file's path in the repository, and in the cache entry: slash-separated,
	// relative, not climbing out with "../".
	Path string `yaml:"path" json:"path,omitempty"`
	// Glob, in place of Path, names the files of a repository whose paths match it (Go's
	// path.Match: "*" stays within a directory; "default/*/*.parquet"), where their names are
	// not known in advance (a dataset's shards, the hub's Parquet conversion). The first pull
	// lists the repository's files, records those that match in the lock file, and pulls them;
	// later pulls and runs take the recorded list. They are read in the order of their paths.
	Glob string `yaml:"glob" json:"glob,omitempty"`
	// URL is where the file is fetched from, for a source without Repo (an http(s) URL).
	URL string `yaml:"url" json:"url,omitempty"`
	// SHA256 is the file's SHA-256, 64 hex digits. A pull refuses a file that does not match
	// it; left out, the first pull records the file's digest in the cache entry's lock file,
	// and later pulls and runs check the file against that.
	SHA256 string `yaml:"sha256" json:"sha256,omitempty"`
	// MD5 is the file's MD5, 32 hex digits, for the files whose publisher gives only that
	// (VLMEvalKit's DATASET_MD5): a pull refuses a file that does not match it, and records
	// its SHA-256, which runs check.
	MD5 string `yaml:"md5" json:"md5,omitempty"`
	// Size is the file's size in bytes, when known: a download larger than it is refused.
	Size int64 `yaml:"size" json:"size,omitempty"`
}

// PaperNumber is a number a paper reports on the suite, which a run of the model should
// reproduce: reports print it beside the measured value.
type PaperNumber struct {
	// Model names the model: a preset's name (deepeyesv2-7b) where there is one.
	Model string `yaml:"model" json:"model"`
	// Value is the figure as the paper gives it (accuracy in percent: 81.8).
	Value float64 `yaml:"value" json:"value"`
	// Metric is what the figure measures: accuracy when empty.
	Metric string `yaml:"metric" json:"metric,omitempty"`
	// Capability is the capability the figure is over (one of the suite's, or a "+" join of
	// them); the whole suite when empty.
	Capability string `yaml:"capability" json:"capability,omitempty"`
	// Source is where the figure is printed: "DeepEyesV2 (arXiv 2511.05271), Table 2".
	Source string `yaml:"source" json:"source"`
}

// MetricName returns the number's metric, accuracy when none is given.
func (p PaperNumber) MetricName() string { return cmp.Or(p.Metric, "accuracy") }

var (
	hfRepoName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)
	commitHash = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256Hex  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	md5Hex     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	// refName is what a branch or tag name may be: slash-separated parts of letters, digits,
	// '.', '_' and '-' (Git allows more; the hub's datasets do not use it).
	refName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$`)
)

// Pinned reports whether the source's data cannot change: its revision is a commit, or, for a
// source of URLs, every file pins its digest.
func (src *DataSource) Pinned() bool {
	if src.Repo != "" {
		return commitHash.MatchString(src.Revision)
	}
	for _, f := range src.Files {
		if f.SHA256 == "" && f.MD5 == "" {
			return false
		}
	}
	return true
}

// IsBranch reports whether the source names a repository at a branch or a tag rather than at
// a commit: its first pull records the commit.
func (src *DataSource) IsBranch() bool {
	return src.Repo != "" && !commitHash.MatchString(src.Revision)
}

// source checks a suite's data.source, and data.path against it.
func (c *checker) source(s *Suite) {
	src := s.Data.Source
	if src == nil {
		return
	}
	at := func(keys ...string) []string { return append(yamlPath("data", "source"), keys...) }
	switch {
	case src.Repo == "":
		if src.Revision != "" {
			c.errorf(at("revision"), "data.source.revision is the revision of data.source.repo, which is not given")
		}
	case !hfRepoName.MatchString(src.Repo) || strings.Contains(src.Repo, ".."):
		c.errorf(at("repo"), "data.source.repo %q is not a Hugging Face repository name (owner/name)", src.Repo)
	case src.Revision == "":
		c.errorf(at("repo"), "data.source.revision is required with data.source.repo: the commit (40 hex digits) the files are taken at, so that the data cannot change (the \"sha\" of %s/api/datasets/%s), or a branch whose commit the first pull records", DefaultHubEndpoint, src.Repo)
	case commitHash.MatchString(src.Revision):
	case len(src.Revision) == 40 && strings.Trim(src.Revision, "0123456789abcdefABCDEF") == "":
		c.errorf(at("revision"), "data.source.revision %q: a commit hash is written in lowercase hex digits", src.Revision)
	case !refName.MatchString(src.Revision) || strings.Contains(src.Revision, ".."):
		c.errorf(at("revision"), "data.source.revision %q is neither a commit hash (40 lowercase hex digits) nor a branch or tag name", src.Revision)
	}
	if len(src.Files) == 0 {
		c.errorf(at("files"), "data.source.files is required: the files to pull")
	}
	c.intIn(at("samples"), src.Samples, 0, math.MaxInt32)
	first := map[string]int{}
	for i, f := range src.Files {
		fat := func(key string) []string { return at("files", strconv.Itoa(i), key) }
		if f.Glob != "" {
			c.glob(src, f, i, fat)
			continue
		}
		clean, ok := localPath(f.Path)
		switch {
		case f.Path == "":
			c.errorf(fat("path"), "data.source.files[%d].path is required (or a glob of a repository's files)", i)
		case !ok || clean != f.Path:
			c.errorf(fat("path"), "data.source.files[%d].path %q must be a clean relative path that stays beneath the cache entry (no \"/\" at the start, no \"..\", \".\" or \"//\")", i, f.Path)
		default:
			if j, dup := first[f.Path]; dup {
				c.errorf(fat("path"), "data.source.files[%d].path %q is data.source.files[%d] too", i, f.Path, j)
			}
			first[f.Path] = i
		}
		switch {
		case src.Repo != "" && f.URL != "":
			c.errorf(fat("url"), "data.source.files[%d].url: the files of a repository come from the hub; url is for a source without repo", i)
		case src.Repo == "" && f.URL == "":
			c.errorf(fat("path"), "data.source.files[%d].url is required: a source without repo fetches each file from its URL", i)
		case f.URL != "" && !isURL(f.URL):
			c.errorf(fat("url"), "data.source.files[%d].url %q is not an http(s) URL", i, shorten(f.URL, 80))
		}
		if f.SHA256 != "" && !sha256Hex.MatchString(f.SHA256) {
			c.errorf(fat("sha256"), "data.source.files[%d].sha256 must be 64 lowercase hex digits, got %q", i, shorten(f.SHA256, 80))
		}
		if f.MD5 != "" && !md5Hex.MatchString(f.MD5) {
			c.errorf(fat("md5"), "data.source.files[%d].md5 must be 32 lowercase hex digits, got %q", i, shorten(f.MD5, 80))
		}
		if f.Size < 0 {
			c.errorf(fat("size"), "data.source.files[%d].size cannot be negative", i)
		}
	}
	if p := s.Data.Path; p != "" && len(src.Files) > 0 && !slices.ContainsFunc(src.Files, func(f SourceFile) bool { return f.Path == p || f.matches(p) }) {
		c.errorf(yamlPath("data", "path"), "data.path %q is not one of data.source.files: with a source, data.path names the file to read among them (left out, every file is read, in order)", p)
	}
}

// glob checks files[i] of src, a glob.
func (c *checker) glob(src *DataSource, f SourceFile, i int, at func(string) []string) {
	_, err := path.Match(f.Glob, "")
	clean, ok := localPath(strings.ReplaceAll(f.Glob, "*", "x"))
	switch {
	case src.Repo == "":
		c.errorf(at("glob"), "data.source.files[%d].glob: a glob names files of a repository, which the hub lists; a source of URLs names each file", i)
	case f.Path != "":
		c.errorf(at("glob"), "data.source.files[%d] gives both path and glob: one names a file, the other the files it matches", i)
	case err != nil:
		c.errorf(at("glob"), "data.source.files[%d].glob %q is not a pattern: %v", i, f.Glob, err)
	case !ok || clean != strings.ReplaceAll(f.Glob, "*", "x"):
		c.errorf(at("glob"), "data.source.files[%d].glob %q must be a clean relative path pattern that stays beneath the cache entry", i, f.Glob)
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"url", f.URL != ""}, {"sha256", f.SHA256 != ""}, {"md5", f.MD5 != ""}, {"size", f.Size != 0}} {
		if k.set {
			c.errorf(at(k.key), "data.source.files[%d].%s does not go with a glob: it is of one file", i, k.key)
		}
	}
}

// matches reports whether f is a glob that matches the path p.
func (f SourceFile) matches(p string) bool {
	if f.Glob == "" {
		return false
	}
	ok, _ := path.Match(f.Glob, p)
	return ok
}

// Key names f in the lock file and in messages: its path, or its glob.
func (f SourceFile) Key() string {
	if f.Glob != "" {
		return f.Glob
	}
	return f.Path
}

// Expand returns the files of src: each file it names, and, for each glob, the files the
// first pull recorded in lock as matching it, in order. unlisted names the globs that lock
// has not recorded (the source was not pulled).
func (src *DataSource) Expand(lock *Lock) (files []SourceFile, unlisted []string) {
	for _, f := range src.Files {
		if f.Glob == "" {
			files = append(files, f)
			continue
		}
		paths, ok := lock.Globs[f.Glob]
		if !ok {
			unlisted = append(unlisted, f.Glob)
			continue
		}
		for _, p := range paths {
			files = append(files, SourceFile{Path: p})
		}
	}
	return files, unlisted
}

// paper checks a suite's paper numbers.
func (c *checker) paper(s *Suite) {
	type key struct{ model, metric, capability string }
	first := map[key]int{}
	for i, p := range s.Paper {
		at := func(k string) []string { return yamlPath("paper", strconv.Itoa(i), k) }
		if strings.TrimSpace(p.Model) == "" {
			c.errorf(at("model"), "paper[%d].model is required: the model the number is of", i)
		}
		if strings.TrimSpace(p.Source) == "" {
			c.errorf(at("source"), "paper[%d].source is required: where the number is printed (paper, table)", i)
		}
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) || p.Value < 0 {
			c.errorf(at("value"), "paper[%d].value must be a number ≥ 0", i)
		}
		if p.MetricName() == "accuracy" && p.Value > 100 {
			c.errorf(at("value"), "paper[%d].value %v: an accuracy is in percent, at most 100 (name another metric with metric:)", i, p.Value)
		}
		if p.Capability != "" && len(s.Capabilities) > 0 && !s.knowsCapability(p.Capability) {
			c.errorf(at("capability"), "capability %q is not one of the suite's capabilities (%s)", p.Capability, s.capabilityList())
		}
		k := key{p.Model, p.MetricName(), p.Capability}
		if j, dup := first[k]; dup {
			c.errorf(at("model"), "paper[%d] gives the same model, metric and capability as paper[%d]", i, j)
		}
		first[k] = i
	}
}

// DefaultHubEndpoint is the Hugging Face hub that data.source.repo is fetched from when
// HF_ENDPOINT is not set.
const DefaultHubEndpoint = "https://huggingface.co"

// Entry returns the directory, relative to the data cache and slash-separated, that the
// source's files are kept in: hf/datasets/OWNER/NAME/REVISION for a repository (a branch's
// name escaped as in a URL: refs%2Fconvert%2Fparquet), else url/KEY, where KEY is a digest of
// the files' paths and URLs.
func (src *DataSource) Entry() string {
	if src.Repo != "" {
		return path.Join("hf", "datasets", src.Repo, url.PathEscape(src.Revision))
	}
	var b strings.Builder
	files := slices.Clone(src.Files)
	slices.SortFunc(files, func(a, b SourceFile) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range files {
		fmt.Fprintf(&b, "%s %s\n", f.Path, f.URL)
	}
	return path.Join("url", digestHex([]byte(b.String()))[:16])
}

// Name names the source in messages: "glowol/RealXBench@3f2c1a9b…" or the first file's URL.
func (src *DataSource) Name() string {
	if src.Repo != "" {
		return src.Repo + "@" + src.ShortRevision()
	}
	if len(src.Files) > 0 {
		name := src.Files[0].URL
		if len(src.Files) > 1 {
			name += fmt.Sprintf(" and %d more", len(src.Files)-1)
		}
		return name
	}
	return "(no files)"
}

// ShortRevision names the source's revision in messages: a commit's first 12 hex digits, or a
// branch's name.
func (src *DataSource) ShortRevision() string {
	if commitHash.MatchString(src.Revision) {
		return src.Revision[:12]
	}
	return src.Revision
}

// ID is what the lock file records the source as: "hf:OWNER/NAME@REVISION" or "url".
func (src *DataSource) ID() string {
	if src.Repo != "" {
		return "hf:" + src.Repo + "@" + src.Revision
	}
	return "url"
}

// File returns the source file at path p.
func (src *DataSource) File(p string) (SourceFile, bool) {
	for _, f := range src.Files {
		if f.Path == p {
			return f, true
		}
	}
	return SourceFile{}, false
}

// digestHex returns the hex SHA-256 of b.
func digestHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
