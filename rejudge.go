package realx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Rejudge is a grading again of a run's recorded outputs, with no model call (realx rejudge).
type Rejudge struct {
	// Src is the run directory graded again. It is never rewritten.
	Src string
	// Out is the new run directory: a new one, or an empty one; "" for SRC-rejudged (or
	// SRC-rejudged-N, the first that does not exist).
	Out string
	// Judge, when set, is the new judge of every suite; each suite's own when nil.
	Judge *tasks.JudgeSpec
	// Suites lists suites (shipped names or YAML files) to load instead of those the manifest
	// names, matched by name.
	Suites []string
	// AllowChangedData grades against a suite or data that changed since the run, as they are
	// now (warned about on the Engine's log); without it such a suite is refused.
	AllowChangedData bool
	// Command and Version are recorded in the new manifest.
	Command []string
	Version string
}

// RejudgeOutcome says what a rejudge did.
type RejudgeOutcome struct {
	// Out is the new run directory; Work the directory it was built in, which holds an
	// interrupted rejudge's verdicts (Stop is then StopInterrupt and nothing is at Out).
	Out, Work string
	Stop      string
	// Rejudged counts the records judged again (Failed of them judge failures, Changed of them
	// because what the judge reads of their sample changed); Copied those copied as they were,
	// Unknown of them naming a sample their suite no longer has.
	Rejudged, Copied, Failed, Changed, Unknown int
}

// rejudgeChunk is how many records are read, judged and written at a time.
const rejudgeChunk = 256

// Rejudge grades the recorded outputs of the run in rj.Src again into a new run directory,
// without calling the model. The run's suites are loaded again from the sources its manifest
// names (or rj.Suites) for the questions and gold answers; a suite file or data file that
// changed since the run is refused unless rj.AllowChangedData. A sample is judged again when
// its judge changed (its record's judge id is not the new judge's), when its judge failed, or,
// in a suite whose files changed, when what the judge reads of it changed (its gold answers,
// choices, question or metadata: the record's JudgeInput; every sample of a record that
// predates it); every other record is copied. The records are judged as many at once as the LLM judge's
// endpoint allows, and written in the old log's canonical order. LLM verdicts come from the
// verdict cache when it holds them: the run's own cache is read, and new verdicts are added to
// it (and to the new run's), so that grading the same run again with the same judge asks
// nobody. The new run is built beside Out under a hidden name of its own
// (.OUT.rejudging-RANDOM, for this user alone) and renamed to Out when complete: a rejudge
// whose ctx ends leaves nothing at Out (Stop says so), and the same Rejudge goes on with the
// verdicts it had. Problems found before any judge call are *ConfigError, or Problems of the
// suites.
func (e *Engine) Rejudge(ctx context.Context, rj Rejudge) (*RejudgeOutcome, error) {
	src := filepath.Clean(rj.Src)
	m, err := reports.ReadManifest(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil, configError("%s is not a run directory (it has no %s)", src, reports.ManifestFile)
	} else if err != nil {
		return nil, err
	}
	plans, err := e.rejudgePlans(m, src, rj)
	if err != nil {
		return nil, err
	}
	out, err := rejudgeOut(rj.Out, src)
	if err != nil {
		return nil, err
	}
	work, resumed, err := rejudgeWorkDir(out)
	if err != nil {
		return nil, err
	}
	for _, old := range resumed {
		e.logf("realx: going on from the interrupted rejudge in %s (its verdicts are kept)", old)
	}

	nm := *m
	r := Run{Command: rj.Command, Version: rj.Version}
	r.stamp(&nm, time.Now())
	nm.Suites, nm.Judges, nm.Endpoints = nil, nil, nil
	var judged []*Plan
	for _, ep := range m.Endpoints {
		if ep.Role != "judge" { // the model's, whose outputs are graded again
			nm.Endpoints = append(nm.Endpoints, ep)
		}
	}
	for _, info := range m.Suites {
		if p := plans[info.Name]; p != nil {
			judged = append(judged, p)
			// What the outputs were made with is the old run's; what they are graded
			// against is what was loaded now.
			info.Source, info.Digest, info.Data, info.DataDigest = p.Suite.Source, p.Suite.Digest, p.Data.Path, p.Data.Digest
			nm.Judges = append(nm.Judges, p.JudgeInfo())
		}
		nm.Suites = append(nm.Suites, info)
	}
	nm.Endpoints = endpointsOf(judged, nm.Endpoints...)
	for _, ep := range endpointsOf(judged) {
		e.obs.Endpoint(ep)
	}
	nm.Rejudged = &reports.RejudgeInfo{From: src, Run: m.Run}
	if err := e.openRejudgeCache(src, work); err != nil {
		return nil, err
	}
	defer e.closeVerdicts()
	if err := reports.CopyBlobs(src, work); err != nil {
		return nil, err
	}
	res := &RejudgeOutcome{Out: out, Work: work}
	err = e.rejudgeLog(ctx, src, work, nm.Run, plans, judgeEndpoints(judged), res)
	if ctx.Err() != nil {
		res.Stop = StopInterrupt
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	nm.Rejudged.Rejudged, nm.Rejudged.Copied, nm.Rejudged.Changed = res.Rejudged, res.Copied, res.Changed
	if err := reports.WriteManifest(work, &nm); err != nil {
		return nil, err
	}
	if err := e.closeVerdicts(); err != nil {
		return nil, err
	}
	if err := shareDir(work); err != nil { // made for this user alone while unfinished
		return nil, err
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) { // an empty Out
		return nil, fmt.Errorf("rejudge: the new run is complete in %s, but %s cannot be replaced: %w", work, out, err)
	}
	if err := os.Rename(work, out); err != nil {
		return nil, fmt.Errorf("rejudge: the new run is complete in %s, but cannot be moved to %s: %w", work, out, err)
	}
	return res, nil
}

// rejudgePlans loads the run's suites again and builds their new judges: rj.Judge when given,
// else each suite's own. A suite whose file or data changed since the run is refused, unless
// rj.AllowChangedData, when it is warned about.
func (e *Engine) rejudgePlans(m *reports.Manifest, src string, rj Rejudge) (map[string]*Plan, error) {
	given := map[string]string{}
	for _, arg := range rj.Suites {
		s, _, err := LoadSuite(arg)
		if err != nil {
			return nil, Problems{err}
		}
		given[s.Name] = arg
	}
	plans := map[string]*Plan{}
	var problems Problems
	for _, info := range m.Suites {
		s, ds, err := reloadSuite(info, given[info.Name], m.Workdir, src)
		if err != nil {
			problems = append(problems, fmt.Errorf("suite %s: %w", info.Name, err))
			continue
		}
		changed := suiteChanges(info, s, ds)
		if changed != "" {
			if !rj.AllowChangedData {
				problems = append(problems, fmt.Errorf("suite %s (%s): %s since the run: its gold answers may not be those the run was graded against; give --allow-changed-data to grade against them as they are now, or name the suite as it was with --suite", info.Name, s.Source, changed))
				continue
			}
			e.logf("realx: warning: suite %s (%s): %s since the run: its questions and gold answers are taken as they are now", info.Name, s.Source, changed)
		}
		if rj.Judge != nil {
			s.Judge = *rj.Judge
		}
		p, err := e.NewPlan(s, ds, PlanOptions{})
		if err != nil {
			problems = append(problems, err)
			continue
		}
		p.dataChanged = changed != ""
		plans[info.Name] = p
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return plans, nil
}

// suiteChanges says how the suite s and its data ds differ from those a run recorded in
// info, or "" when they are the same.
func suiteChanges(info reports.SuiteInfo, s *tasks.Suite, ds *tasks.Dataset) string {
	var changed []string
	if s.Digest != info.Digest {
		changed = append(changed, "the suite file")
	}
	if ds.Digest != info.DataDigest {
		changed = append(changed, "the data")
	}
	if len(changed) == 0 {
		return ""
	}
	return strings.Join(changed, " and ") + " changed"
}

// reloadSuite loads the suite a run's manifest describes: from arg when given (--suite), else
// from the source the manifest names: as it is, then (when relative) against the directory
// the run was started from (workdir, when recorded), then against the run directory src and
// each directory above it, taking there only the very file the run had (its digest); then a
// shipped suite's "NAME/suite.yaml" and the shipped suite of its name.
func reloadSuite(info reports.SuiteInfo, arg, workdir, src string) (*tasks.Suite, *tasks.Dataset, error) {
	if arg != "" {
		return LoadSuite(arg)
	}
	tries := []string{info.Source}
	if !filepath.IsAbs(info.Source) {
		if workdir != "" {
			tries = append(tries, filepath.Join(workdir, info.Source))
		}
		tries = append(tries, sameFileAbove(src, info.Source, info.Digest)...)
	}
	if path.Base(info.Source) == "suite.yaml" {
		tries = append(tries, path.Dir(info.Source))
	}
	tries = append(tries, info.Name)
	var first error
	for _, t := range tries {
		s, ds, err := LoadSuite(t)
		if err == nil && s.Name == info.Name {
			return s, ds, nil
		}
		var problems tasks.Errors
		if errors.As(err, &problems) {
			return nil, nil, err // the suite is there, but broken
		}
		if first == nil {
			first = err
		}
	}
	where := info.Source
	if workdir != "" && !filepath.IsAbs(info.Source) {
		where += " (in " + workdir + ")"
	}
	return nil, nil, fmt.Errorf("cannot load it from %s (%v); name its file with --suite", where, first)
}

// sameFileAbove returns the file rel against dir and each directory above it whose bytes
// have the SHA-256 digest: a run started in a directory above its run directory (runs/m/s,
// --out DIR) recorded its suite relative to it.
func sameFileAbove(dir, rel, digest string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil || digest == "" {
		return nil
	}
	var found []string
	for {
		p := filepath.Join(abs, rel)
		if data, err := os.ReadFile(p); err == nil {
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) == digest {
				found = append(found, p)
			}
		}
		up := filepath.Dir(abs)
		if up == abs {
			return found
		}
		abs = up
	}
}

// rejudgeOut returns the new run directory: out, or the first of SRC-rejudged,
// SRC-rejudged-2 … that does not exist. A directory that holds a run already, or anything
// else, is refused.
func rejudgeOut(out, src string) (string, error) {
	if out == "" {
		out = src + "-rejudged"
		for i := 2; exists(out); i++ {
			out = fmt.Sprintf("%s-rejudged-%d", src, i)
		}
	}
	out = filepath.Clean(out)
	if st, err := os.Lstat(out); err == nil && st.Mode()&os.ModeSymlink != 0 {
		return "", configError("--out %s is a symbolic link; name a new directory", out)
	}
	if a, errA := filepath.Abs(out); errA == nil {
		if b, errB := filepath.Abs(src); errB == nil && a == b {
			return "", configError("--out must be a new directory, not the run itself")
		}
	}
	if reports.HoldsRun(out) != "" {
		return "", configError("%s holds a run already; choose another --out", out)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return "", configError("%s is not empty; choose another --out", out)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", configError("--out %s: %v", out, err)
	}
	return out, nil
}

// rejudgeWorkDir makes the directory a rejudge into out is built in, and renamed to out once
// complete: a new directory beside out under a hidden name no one can plant beforehand
// (.OUT.rejudging-RANDOM, created exclusively, for this user alone). The verdict cache of each
// interrupted rejudge into out that this user left there is copied into it (resumed lists
// them), and that directory removed: only the verdicts are kept from then, the log and blobs
// are made again. Anything else by that name (another user's, a symbolic link, a file) is left
// as it is.
func rejudgeWorkDir(out string) (work string, resumed []string, err error) {
	parent, prefix := filepath.Dir(out), "."+filepath.Base(out)+".rejudging-"
	if err := os.MkdirAll(parent, reports.DirPerm); err != nil {
		return "", nil, err
	}
	if work, err = os.MkdirTemp(parent, prefix+"*"); err != nil {
		return "", nil, err
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return "", nil, err
	}
	for _, e := range entries {
		old := filepath.Join(parent, e.Name())
		if !strings.HasPrefix(e.Name(), prefix) || old == work {
			continue
		}
		ok, err := takeVerdicts(old, work)
		if err != nil {
			return "", nil, fmt.Errorf("rejudge: the interrupted rejudge in %s: %w", old, err)
		}
		if ok {
			resumed = append(resumed, old)
			// RemoveAll never follows a symbolic link, should old have been swapped for one.
			if err := os.RemoveAll(old); err != nil {
				return "", nil, err
			}
		}
	}
	return work, resumed, nil
}

// takeVerdicts appends the verdict cache of old, the directory of an interrupted rejudge, to
// the one in work, and reports whether old was one: a directory (not a link to one) of this
// user's. The cache is read through old as it was checked, never through a link put there
// since.
func takeVerdicts(old, work string) (bool, error) {
	st, err := os.Lstat(old)
	if err != nil || !st.IsDir() || !ownedBySelf(st) {
		return false, nil
	}
	root, err := os.OpenRoot(old)
	if err != nil {
		return false, nil
	}
	defer root.Close()
	if now, err := root.Stat("."); err != nil || !os.SameFile(st, now) {
		return false, nil
	}
	src, err := root.Open(judges.CacheFile)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(work, judges.CacheFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, reports.FilePerm)
	if err != nil {
		return false, err
	}
	// A torn last line stays on a line of its own, and is skipped when the cache is read.
	_, err = io.Copy(dst, src)
	if err == nil {
		_, err = dst.WriteString("\n")
	}
	return true, errors.Join(err, dst.Close())
}

// shareDir gives dir, made for this user alone, the permissions the umask gives a new
// directory (reports.DirPerm less the umask), read off one made inside it: a complete rejudge
// is a run directory like any other, which a teammate's merge job must read. No one else can
// make anything inside dir before.
func shareDir(dir string) error {
	probe := filepath.Join(dir, ".perm-probe")
	if err := os.Mkdir(probe, reports.DirPerm); err != nil {
		return err
	}
	st, err := os.Stat(probe)
	if err := errors.Join(err, os.Remove(probe)); err != nil {
		return err
	}
	return os.Chmod(dir, st.Mode().Perm())
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// openRejudgeCache opens the verdict cache of a rejudge. With JudgeConfig.CacheDir, that
// directory's (the old run's verdicts imported into it). Otherwise the new run's, holding the
// old run's verdicts, with every new verdict also added to the old run's cache, so that
// grading the old run again asks nobody; an old run that cannot be written to is warned about
// once.
func (e *Engine) openRejudgeCache(src, work string) error {
	if err := e.OpenVerdicts(work, filepath.Join(src, judges.CacheFile)); err != nil {
		return err
	}
	if e.cfg.Judges.CacheDir != "" {
		return nil
	}
	back, err := judges.OpenCache(src)
	if err != nil {
		e.closeVerdicts()
		return fmt.Errorf("judge cache: %w", err)
	}
	e.verdicts.also(back, e.log)
	return nil
}

// rejudgeLog writes the last record of every sample of the old run's log into the new run's,
// judged again where its judge changed or failed, in the old log's canonical order, counting
// in res what it did. It stops with ctx's error when ctx is done, the new log then incomplete.
func (e *Engine) rejudgeLog(ctx context.Context, src, out, runID string, plans map[string]*Plan, eps []runners.Endpoint, res *RejudgeOutcome) error {
	name := filepath.Join(src, reports.ResultsFile)
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	var bad reports.BadLines
	ix, err := reports.IndexLog(f, name, bad.Add)
	if err != nil {
		return err
	}
	bad.Warn(e.log, "left out of the new run")
	log, err := reports.CreateLog(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		return err
	}
	samples := map[string]map[string]*tasks.Sample{}
	for name, p := range plans {
		samples[name] = map[string]*tasks.Sample{}
		for i := range p.Samples {
			samples[name][p.Samples[i].ID] = &p.Samples[i]
		}
	}
	entries := ix.Latest()
	e.obs.Begin(len(entries), nil, 0)
	var recs []*reports.Result
	var mu sync.Mutex
	next := func(n int) (int, error) {
		recs = recs[:0]
		chunk := entries[:min(n, len(entries))]
		entries = entries[len(chunk):]
		return len(chunk), reports.ReadRecords(f, name, chunk, func(r *reports.Result) error {
			recs = append(recs, r)
			return nil
		})
	}
	work := func(ctx context.Context, i int) error {
		r, outcome := rejudgeRecord(ctx, recs[i], plans, samples, runID)
		recs[i] = r
		mu.Lock()
		defer mu.Unlock()
		switch outcome {
		case rejudged, rejudgedChanged:
			res.Rejudged++
			if r.Error != nil && r.Error.Class == reports.ErrJudge {
				res.Failed++
			}
			if outcome == rejudgedChanged {
				res.Changed++
			}
		case unknownSample:
			res.Unknown++
			res.Copied++
		default:
			res.Copied++
		}
		return nil
	}
	// Interrupted, the records of a chunk not judged yet would keep their old verdicts under
	// the new judge's run: none of the chunk is written.
	err = e.inChunks(ctx, eps, rejudgeChunk, next, work, func(n int) error {
		for _, r := range recs[:n] {
			if err := log.Write(r); err != nil {
				return err
			}
			e.obs.Sample(r, e.cost())
		}
		return nil
	})
	e.obs.End(stopOf(ctx))
	return errors.Join(err, log.Close())
}

// stopOf returns StopInterrupt when ctx has ended, else "".
func stopOf(ctx context.Context) string {
	if ctx.Err() != nil {
		return StopInterrupt
	}
	return ""
}

// inChunks runs work on items read in chunks: next reads up to size items (returning how many,
// 0 at the end), work(ctx, i) does item i of the chunk, as many at once as the Throttle of the
// first of eps allows (Config.Concurrency when there is none), and done(n) takes the chunk of
// n items, in order, once every one of them is done. It stops with ctx's error when ctx ends,
// the chunk in hand not done.
func (e *Engine) inChunks(ctx context.Context, eps []runners.Endpoint, size int, next func(int) (int, error), work func(context.Context, int) error, done func(int) error) error {
	for {
		n, err := next(size)
		if err != nil || n == 0 {
			return err
		}
		runner, err := e.newRunner(eps)
		if err != nil {
			return err
		}
		if _, err := runner.Run(ctx, n, work); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := done(n); err != nil {
			return err
		}
	}
}

// What rejudgeRecord did with a record.
const (
	copied = iota
	rejudged
	rejudgedChanged
	unknownSample
)

// rejudgeRecord returns record r for the new run: judged again with its suite's new judge when
// that judge is not the one that graded it, when its judge failed, or when what the judge reads
// of its sample changed with the suite's data (rejudgedChanged); as it was otherwise (and when
// it has no output to judge: a model, input or tool error).
func rejudgeRecord(ctx context.Context, r *reports.Result, plans map[string]*Plan, samples map[string]map[string]*tasks.Sample, runID string) (*reports.Result, int) {
	res := *r
	res.Run = runID
	p := plans[r.Suite]
	if p == nil || r.Error != nil && r.Error.Class != reports.ErrJudge {
		return &res, copied
	}
	same := r.Error == nil && r.JudgeID == p.JudgeID()
	s := samples[r.Suite][r.ID]
	switch {
	case s == nil && same:
		return &res, copied
	case s == nil:
		return &res, unknownSample
	case p.dataChanged && r.JudgeInput != judgeInput(s):
		return p.regrade(ctx, runID, r, s), rejudgedChanged
	case same:
		return &res, copied
	}
	return p.regrade(ctx, runID, r, s), rejudged
}
