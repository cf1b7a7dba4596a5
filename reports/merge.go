package reports

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Shard is one part of a run split N ways: Index in [0, Count).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "i/N" (0 ≤ i < N).
func ParseShard(s string) (*Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, ierr := strconv.Atoi(strings.TrimSpace(is))
	n, nerr := strconv.Atoi(strings.TrimSpace(ns))
	if !ok || ierr != nil || nerr != nil {
		return nil, fmt.Errorf("shard %q: want i/N, such as 0/4", s)
	}
	sh := &Shard{Index: i, Count: n}
	return sh, sh.Check()
}

// Check reports whether s is a valid shard.
func (s *Shard) Check() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 ≤ i < N", s.Index, s.Count)
	}
	return nil
}

// String returns "i/N".
func (s *Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Has reports whether the sample id of suite belongs to s. A nil Shard has every sample.
func (s *Shard) Has(suite, id string) bool {
	return s == nil || ShardOf(suite, id, s.Count) == s.Index
}

// ShardOf returns the shard, among n, of sample id of suite: the FNV-64a hash of the suite
// name, a zero byte and the id, modulo n. A sample keeps its shard when the suite gains or
// loses other samples; all repeats of a sample fall in the same shard.
func ShardOf(suite, id string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(suite))
	h.Write([]byte{0})
	h.Write([]byte(id))
	return int(h.Sum64() % uint64(n))
}

// ShardRun names one of the runs a merged run was made of.
type ShardRun struct {
	Run   string `json:"run"`
	Shard *Shard `json:"shard,omitempty"`
	// BaseURL is the endpoint the run was served by.
	BaseURL string `json:"base_url,omitempty"`
	// Records is the number of records the merge took from it.
	Records int `json:"records"`
}

// RunDiff lists how the runs of manifests a and b differ in what they evaluate: suites (by
// digest, data, sample count, generation, image policy, agent, repeats), model and its base
// URL, judges and repeats, and the shard when withShard is set. Run ids, times, commands,
// concurrency and budgets are not part of a run's identity. It returns nil when the runs are
// the same.
func RunDiff(a, b *Manifest, withShard bool) []string {
	return runDiff(a, b, withShard, true)
}

// runDiff is RunDiff, comparing the base URLs only when withBaseURL is set: the shards of a
// run may be served by different endpoints (the same model behind several GPU servers).
func runDiff(a, b *Manifest, withShard, withBaseURL bool) []string {
	var out []string
	diff := func(what string, x, y any) {
		xs, ys := identityText(x), identityText(y)
		if xs != ys {
			out = append(out, fmt.Sprintf("%s: %s ≠ %s", what, xs, ys))
		}
	}
	if len(a.Suites) != len(b.Suites) {
		out = append(out, fmt.Sprintf("suites: %s ≠ %s", suiteNames(a), suiteNames(b)))
	} else {
		for i, sa := range a.Suites {
			sb := b.Suites[i]
			if sa.Name != sb.Name {
				out = append(out, fmt.Sprintf("suites: %s ≠ %s", suiteNames(a), suiteNames(b)))
				break
			}
			p := "suite " + sa.Name + ": "
			diff(p+"version", sa.Version, sb.Version)
			diff(p+"digest", sa.Digest, sb.Digest)
			diff(p+"data digest", sa.DataDigest, sb.DataDigest)
			diff(p+"samples", sa.Samples, sb.Samples)
			diff(p+"generation", sa.Generation, sb.Generation)
			diff(p+"images", sa.Images, sb.Images)
			diff(p+"agent", sa.Agent, sb.Agent)
			diff(p+"repeats", max(sa.Repeats, 1), max(sb.Repeats, 1))
		}
	}
	diff("model", a.Model.Name, b.Model.Name)
	if withBaseURL {
		diff("base URL", a.Model.BaseURL, b.Model.BaseURL)
	}
	diff("predictions", a.Model.Predictions, b.Model.Predictions)
	diff("predictions digest", a.Model.PredictionsDigest, b.Model.PredictionsDigest)
	judges := func(m *Manifest) []string {
		var ids []string
		for _, j := range m.Judges {
			ids = append(ids, j.Suite+"="+j.ID)
		}
		return ids
	}
	diff("judges", judges(a), judges(b))
	diff("repeats", max(a.Repeats, 1), max(b.Repeats, 1))
	if withShard {
		diff("shard", shardText(a.Shard), shardText(b.Shard))
	}
	return out
}

// suiteNames lists the suites of m, for RunDiff.
func suiteNames(m *Manifest) string {
	names := make([]string, len(m.Suites))
	for i, s := range m.Suites {
		names[i] = s.Name
	}
	return "[" + strings.Join(names, " ") + "]"
}

// shardText names s for RunDiff.
func shardText(s *Shard) string {
	if s == nil {
		return "all samples"
	}
	return s.String()
}

// identityText renders v for RunDiff: strings as they are, anything else as JSON.
func identityText(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case int:
		return strconv.Itoa(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// MergeError lists why runs cannot be merged: they evaluate different things, or shards are
// missing.
type MergeError struct {
	Problems []string
}

// Error lists the problems, one a line.
func (e *MergeError) Error() string {
	return "cannot merge:\n  " + strings.Join(e.Problems, "\n  ")
}

// MergeOptions tune Merge.
type MergeOptions struct {
	// Partial allows merging when some shards of a split run are missing.
	Partial bool
	// Command makes the merged run's command line from the base input's (the first by shard
	// and run id); it is kept as it is when nil.
	Command func(base []string) []string
}

// MergeSummary says what Merge did.
type MergeSummary struct {
	// Records is the number of records written: one per sample and repeat.
	Records int
	// Duplicates counts samples found in more than one input.
	Duplicates int
	// Expected is the number of records a complete run has.
	Expected int
	// MissingShards are the shard indices no input covered.
	MissingShards []int
	// Unreadable holds the lines of the inputs' logs that could not be read, and were left out.
	Unreadable BadLines
}

// mergeInput is one run directory given to Merge.
type mergeInput struct {
	dir   string
	m     *Manifest
	ix    *Index
	log   *os.File
	taken int
}

// Merge makes the run directory out from the run directories dirs: shards of one run, or
// pieces of it run apart. Their manifests must agree on what they evaluate (RunDiff, but for
// the base URL: the shards may have been served by different endpoints); every
// shard of a split run must be present unless opt.Partial. Each sample's last record in each
// input counts; when several inputs hold the same sample, the better record wins (a verdict,
// then an error of the sample, then an infrastructure error, then a canceled sample), then
// the newer run id, then the smaller record bytes, so the result does not depend on the order
// of dirs. Records are written in canonical order (CompareKeys) with their bytes unchanged;
// blobs are copied; the manifest is the inputs' with the shard dropped and the inputs listed.
// out must not hold a run already.
func Merge(out string, dirs []string, opt MergeOptions) (*MergeSummary, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no runs given")
	}
	if f := HoldsRun(out); f != "" {
		return nil, &MergeError{Problems: []string{fmt.Sprintf("%s already holds a run (%s); merge into a new directory", out, f)}}
	}
	var inputs []*mergeInput
	defer func() {
		for _, in := range inputs {
			in.log.Close()
		}
	}()
	for _, dir := range dirs {
		m, err := ReadManifest(dir)
		if err != nil {
			return nil, fmt.Errorf("merge: %s is not a run directory: %w", dir, err)
		}
		f, err := os.Open(filepath.Join(dir, ResultsFile))
		if err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		inputs = append(inputs, &mergeInput{dir: dir, m: m, log: f})
	}
	// The base manifest is the first by shard and run id, whatever the order of dirs.
	slices.SortStableFunc(inputs, func(a, b *mergeInput) int {
		if c := cmp.Compare(shardIndex(a.m.Shard), shardIndex(b.m.Shard)); c != 0 {
			return c
		}
		return cmp.Compare(a.m.Run, b.m.Run)
	})
	sum, problems := checkShards(inputs, opt)
	base := inputs[0]
	for _, in := range inputs[1:] {
		for _, d := range runDiff(base.m, in.m, false, false) {
			problems = append(problems, fmt.Sprintf("%s differs from %s in %s", in.dir, base.dir, d))
		}
	}
	if len(problems) > 0 {
		return nil, &MergeError{Problems: problems}
	}

	winners := map[Key]int{} // key → index into inputs
	best := map[Key]Entry{}
	for i, in := range inputs {
		ix, err := IndexLog(in.log, filepath.Join(in.dir, ResultsFile), sum.Unreadable.Add)
		if err != nil {
			return nil, err
		}
		in.ix = ix
		for _, e := range ix.entries() {
			w, seen := winners[e.Key]
			if !seen {
				winners[e.Key], best[e.Key] = i, e
				continue
			}
			sum.Duplicates++
			better, err := betterRecord(in, e, inputs[w], best[e.Key])
			if err != nil {
				return nil, err
			}
			if better {
				winners[e.Key], best[e.Key] = i, e
			}
		}
	}
	keys := make([]Key, 0, len(best))
	for k := range best {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, CompareKeys)

	if err := os.MkdirAll(out, DirPerm); err != nil {
		return nil, err
	}
	for _, in := range inputs {
		if err := copyBlobs(filepath.Join(in.dir, BlobsDir), filepath.Join(out, BlobsDir)); err != nil {
			return nil, fmt.Errorf("merge: blobs of %s: %w", in.dir, err)
		}
	}
	if err := writeMerged(filepath.Join(out, ResultsFile), keys, winners, best, inputs); err != nil {
		return nil, err
	}
	sum.Records = len(keys)
	m := mergedManifest(inputs, opt.Command)
	for _, s := range m.Suites {
		sum.Expected += s.Samples * max(s.Repeats, m.Repeats, 1)
	}
	if err := WriteManifest(out, m); err != nil {
		return nil, err
	}
	return sum, nil
}

// shardIndex returns the index of s, -1 for a run that is not a shard.
func shardIndex(s *Shard) int {
	if s == nil {
		return -1
	}
	return s.Index
}

// checkShards checks that the sharded inputs split the run the same number of ways and, unless
// opt.Partial, that every shard is there (an input that is not a shard covers them all).
func checkShards(inputs []*mergeInput, opt MergeOptions) (*MergeSummary, []string) {
	sum := &MergeSummary{}
	var problems []string
	count, whole := 0, false
	have := map[int]bool{}
	for _, in := range inputs {
		s := in.m.Shard
		if s == nil {
			whole = true
			continue
		}
		if count == 0 {
			count = s.Count
		} else if s.Count != count {
			problems = append(problems, fmt.Sprintf("%s is shard %s but another input is a shard of %d", in.dir, s, count))
		}
		have[s.Index] = true
	}
	if count == 0 || whole || len(problems) > 0 {
		return sum, problems
	}
	for i := range count {
		if !have[i] {
			sum.MissingShards = append(sum.MissingShards, i)
		}
	}
	if len(sum.MissingShards) > 0 && !opt.Partial {
		var names []string
		for _, i := range sum.MissingShards {
			names = append(names, fmt.Sprintf("%d/%d", i, count))
		}
		problems = append(problems, fmt.Sprintf("shards %s are missing (give --partial to merge what is there)", strings.Join(names, ", ")))
	}
	return sum, problems
}

// recordRank orders outcomes for choosing between records of one sample: a verdict, then an
// error of the sample, then an infrastructure error, then a canceled sample.
func recordRank(e Entry) int {
	switch {
	case e.Class == "":
		return 3
	case e.Class == ErrCanceled:
		return 0
	case e.Class.Infrastructure():
		return 1
	}
	return 2
}

// betterRecord reports whether entry e of input a beats entry f of input b.
func betterRecord(a *mergeInput, e Entry, b *mergeInput, f Entry) (bool, error) {
	if c := cmp.Compare(recordRank(e), recordRank(f)); c != 0 {
		return c > 0, nil
	}
	if c := strings.Compare(e.Run, f.Run); c != 0 {
		return c > 0, nil
	}
	x, err := rawLine(a, e)
	if err != nil {
		return false, err
	}
	y, err := rawLine(b, f)
	if err != nil {
		return false, err
	}
	return bytes.Compare(x, y) < 0, nil
}

// rawLine returns a copy of the line of entry e in in's log.
func rawLine(in *mergeInput, e Entry) ([]byte, error) {
	var out []byte
	err := RawRecords(in.log, []Entry{e}, func(_ *Entry, line []byte) error {
		out = append([]byte(nil), line...)
		return nil
	})
	return out, err
}

// writeMerged writes the winning record of each key, in the order of keys, to path.
func writeMerged(path string, keys []Key, winners map[Key]int, best map[Key]Entry, inputs []*mergeInput) error {
	tmp, err := CreateTemp(filepath.Dir(path), ".tmp-results-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	for _, k := range keys {
		in := inputs[winners[k]]
		in.taken++
		err := RawRecords(in.log, []Entry{best[k]}, func(_ *Entry, line []byte) error {
			w.Write(bytes.TrimRight(line, "\r\n \t"))
			return w.WriteByte('\n') // an error sticks: Flush returns it
		})
		if err != nil {
			tmp.Close()
			return fmt.Errorf("merge: %s: %w", in.dir, err)
		}
	}
	if err := errors.Join(w.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mergedManifest is the manifest of the merged run: the base input's, with no shard, the
// inputs listed (with their base URLs), every base URL under the model's when they differ, a
// run id derived from theirs, the latest creation time, and the base input's command as
// command says.
func mergedManifest(inputs []*mergeInput, command func([]string) []string) *Manifest {
	m := *inputs[0].m
	m.Shard = nil
	m.Shards = nil
	m.Suites = slices.Clone(m.Suites)
	for i := range m.Suites {
		m.Suites[i].ShardSamples = nil // the merged run should have every shard's samples
	}
	if command != nil {
		m.Command = command(m.Command)
	}
	h := sha256.New()
	var urls []string
	for _, in := range inputs {
		if in.m.Created.After(m.Created) {
			m.Created = in.m.Created
		}
		m.Shards = append(m.Shards, ShardRun{Run: in.m.Run, Shard: in.m.Shard, BaseURL: in.m.Model.BaseURL, Records: in.taken})
		io.WriteString(h, in.m.Run+"\n")
		urls = append(urls, in.m.Model.BaseURL)
		urls = append(urls, in.m.Model.BaseURLs...)
	}
	m.Run = "merge-" + hex.EncodeToString(h.Sum(nil))[:16]
	slices.Sort(urls)
	if urls = slices.Compact(urls); len(urls) > 1 {
		m.Model.BaseURLs = urls
	}
	return &m
}

// copyBlobs copies every blob of src that dst lacks, by hard link when it can.
func copyBlobs(src, dst string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, DirPerm); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		to := filepath.Join(dst, e.Name())
		if _, err := os.Stat(to); err == nil {
			continue
		}
		from := filepath.Join(src, e.Name())
		if os.Link(from, to) == nil {
			continue
		}
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(to, data); err != nil {
			return err
		}
	}
	return nil
}
