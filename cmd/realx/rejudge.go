package main

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

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func rejudgeCommand() *cli.Command {
	return &cli.Command{
		Name:      "rejudge",
		Usage:     "grade a run's recorded outputs again, with another judge, without calling the model",
		ArgsUsage: "RUN",
		Description: `The run's suites are loaded again from the sources its manifest names (or --suite) for
the questions and gold answers; a suite file or data file that changed since the run is refused
unless --allow-changed-data. A sample is judged again when its judge changed (its record's
judge id is not the new judge's) or when its judge failed; every other record is copied. LLM
verdicts come from the judge cache when it holds them: the run's own cache is read, and new
verdicts are added to it (and to the new run's), so that grading the same run again with the
same judge asks nobody. The result is a new run directory, built beside --out under a hidden
name of its own (.OUT.rejudging-RANDOM, for this user alone) and renamed to --out when
complete: an interrupted rejudge leaves nothing at --out, and the same command goes on with
the verdicts it had. The old run is never rewritten.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "judge", Aliases: []string{"j"}, Usage: "the new judge: a kind (llm, math, em …) or a YAML file holding a judge (default: each suite's own)"},
			&cli.StringFlag{Name: "judge-template", Usage: "the llm judge's prompt: a shipped template (equivalence, simpleqa, option) or a template file"},
			&cli.StringSliceFlag{Name: "suite", Usage: "a suite (shipped name or YAML file) to load instead of the one the manifest names, matched by name"},
			&cli.BoolFlag{Name: "allow-changed-data", Usage: "grade against the suite and data as they are now, though their files changed since the run (the new manifest records their digests)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the new run directory (default RUN-rejudged, or RUN-rejudged-N when taken)"},
			&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4, Usage: "samples judged at once"},
			formatFlag("format of the summary printed at the end"),
		}, judgeFlags()...),
		Action: rejudgeRun,
	}
}

// rejudgeChunk is how many records are read, judged and written at a time.
const rejudgeChunk = 256

func rejudgeRun(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("rejudge: name exactly one run directory")
	}
	src := filepath.Clean(c.Args().First())
	m, err := reports.ReadManifest(src)
	if errors.Is(err, os.ErrNotExist) {
		return usageError("rejudge: %s is not a run directory (it has no %s)", src, reports.ManifestFile)
	} else if err != nil {
		return err
	}
	if c.Int("concurrency") < 1 {
		return usageError("rejudge: -c must be at least 1")
	}
	if c.IsSet("judge-template") && c.String("judge") == "" {
		return usageError("rejudge: --judge-template needs --judge llm")
	}
	js, err := readJudgeSetup(c, os.Getenv)
	if err != nil {
		return usageError("rejudge: %v", err)
	}
	plans, err := rejudgePlans(c, m, src, js)
	if err != nil {
		return err
	}
	out, err := rejudgeOut(c.String("out"), src)
	if err != nil {
		return err
	}
	work, resumed, err := rejudgeWorkDir(out)
	if err != nil {
		return err
	}
	for _, old := range resumed {
		fmt.Fprintf(c.App.ErrWriter, "realx: going on from the interrupted rejudge in %s (its verdicts are kept)\n", old)
	}

	now := time.Now()
	nm := *m
	nm.Run, nm.Created, nm.Realx, nm.Command = reports.NewRunID(now), now.UTC(), version, commandLine(c)
	nm.Workdir = workdir()
	nm.Suites, nm.Judges, nm.Endpoints = nil, nil, nil
	var judged []*plan
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
			info.Source, info.Digest, info.Data, info.DataDigest = p.suite.Source, p.suite.Digest, p.data.Path, p.data.Digest
			nm.Judges = append(nm.Judges, p.judgeInfo())
		}
		nm.Suites = append(nm.Suites, info)
	}
	nm.Endpoints = endpointsOf(judged, nm.Endpoints...)
	printEndpoints(c.App.ErrWriter, endpointsOf(judged))
	nm.Rejudged = &reports.RejudgeInfo{From: src, Run: m.Run}
	closeCache, err := openRejudgeCache(js, src, work, c.App.ErrWriter)
	if err != nil {
		return err
	}
	closeCache = sync.OnceValue(closeCache)
	defer closeCache()
	if err := reports.CopyBlobs(src, work); err != nil {
		return err
	}
	counts, err := rejudgeLog(c.Context, src, work, nm.Run, plans, c.Int("concurrency"), c.App.ErrWriter)
	if c.Context.Err() != nil {
		return cli.Exit(fmt.Sprintf("realx: interrupted; nothing was written to %s (the unfinished rejudge is in %s, the verdicts given so far cached): run the same command again to go on", out, work), exitInterrupted)
	}
	if err != nil {
		return err
	}
	nm.Rejudged.Rejudged, nm.Rejudged.Copied = counts.rejudged, counts.copied
	if err := reports.WriteManifest(work, &nm); err != nil {
		return err
	}
	if err := closeCache(); err != nil {
		return err
	}
	if err := os.Chmod(work, 0o755); err != nil { // made for this user alone while unfinished
		return err
	}
	if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) { // an empty --out
		return fmt.Errorf("rejudge: the new run is complete in %s, but %s cannot be replaced: %w", work, out, err)
	}
	if err := os.Rename(work, out); err != nil {
		return fmt.Errorf("rejudge: the new run is complete in %s, but cannot be moved to %s: %w", work, out, err)
	}
	fmt.Fprintf(c.App.ErrWriter, "realx: %d samples: %d judged again (%d judge failures), %d copied; results in %s\n",
		counts.rejudged+counts.copied, counts.rejudged, counts.failed, counts.copied, out)
	if counts.unknown > 0 {
		fmt.Fprintf(c.App.ErrWriter, "realx: %d records name a sample their suite no longer has: copied as they were\n", counts.unknown)
	}
	return reports.PrintAccuracy(c.App.Writer, []string{out}, c.App.ErrWriter, c.String("format"))
}

// rejudgePlans loads the run's suites again and builds their new judges: --judge when given,
// else each suite's own. A suite whose file or data changed since the run is refused, unless
// --allow-changed-data, when it is warned about.
func rejudgePlans(c *cli.Context, m *reports.Manifest, src string, js *judgeSetup) (map[string]*plan, error) {
	var spec *tasks.JudgeSpec
	if c.String("judge") != "" {
		s, _, err := specFromJudgeFlag(c)
		if err != nil {
			return nil, configErrors(err)
		}
		spec = &s
	}
	given := map[string]string{}
	for _, arg := range c.StringSlice("suite") {
		s, _, err := loadSuite(arg)
		if err != nil {
			return nil, configErrors(err)
		}
		given[s.Name] = arg
	}
	plans := map[string]*plan{}
	var problems []error
	for _, info := range m.Suites {
		s, ds, err := reloadSuite(info, given[info.Name], m.Workdir, src)
		if err != nil {
			problems = append(problems, fmt.Errorf("suite %s: %w", info.Name, err))
			continue
		}
		if changed := suiteChanges(info, s, ds); changed != "" {
			if !c.Bool("allow-changed-data") {
				problems = append(problems, fmt.Errorf("suite %s (%s): %s since the run: its gold answers may not be those the run was graded against; give --allow-changed-data to grade against them as they are now, or name the suite as it was with --suite", info.Name, s.Source, changed))
				continue
			}
			fmt.Fprintf(c.App.ErrWriter, "realx: warning: suite %s (%s): %s since the run: its questions and gold answers are taken as they are now\n", info.Name, s.Source, changed)
		}
		if spec != nil {
			s.Judge = *spec
		}
		p, err := newPlan(s, ds, 0, js)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		plans[info.Name] = p
	}
	if len(problems) > 0 {
		return nil, configErrors(errors.Join(problems...))
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
		return loadSuite(arg)
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
		s, ds, err := loadSuite(t)
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
		return "", usageError("rejudge: --out %s is a symbolic link; name a new directory", out)
	}
	if a, errA := filepath.Abs(out); errA == nil {
		if b, errB := filepath.Abs(src); errB == nil && a == b {
			return "", usageError("rejudge: --out must be a new directory, not the run itself")
		}
	}
	for _, f := range []string{reports.ManifestFile, reports.ResultsFile} {
		if exists(filepath.Join(out, f)) {
			return "", usageError("rejudge: %s holds a run already; choose another --out", out)
		}
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return "", usageError("rejudge: %s is not empty; choose another --out", out)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", usageError("rejudge: --out %s: %v", out, err)
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
	if err := os.MkdirAll(parent, 0o755); err != nil {
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
	dst, err := os.OpenFile(filepath.Join(work, judges.CacheFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
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

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// openRejudgeCache opens the verdict cache of a rejudge. With --judge-cache, that directory's
// (the old run's verdicts imported into it). Otherwise the new run's, holding the old run's
// verdicts, with every new verdict also added to the old run's cache, so that grading the old
// run again asks nobody; an old run that cannot be written to is warned about once.
func openRejudgeCache(js *judgeSetup, src, out string, warn io.Writer) (func() error, error) {
	old := filepath.Join(src, judges.CacheFile)
	if err := js.openCache(out, old); err != nil {
		return nil, fmt.Errorf("judge cache: %w", err)
	}
	if js.cacheDir != "" {
		return js.closeCache, nil
	}
	back, err := judges.OpenCache(src)
	if err != nil {
		js.closeCache()
		return nil, fmt.Errorf("judge cache: %w", err)
	}
	js.cache.also(back, warn)
	return func() error { return errors.Join(js.closeCache(), back.Close()) }, nil
}

// rejudgeCounts says what a rejudge did with the records.
type rejudgeCounts struct {
	rejudged, copied, failed, unknown int
}

// rejudgeLog writes the last record of every sample of the old run's log into the new run's,
// judged again where its judge changed or failed, in the old log's canonical order. It stops
// with ctx's error when ctx is done, the new log then incomplete.
func rejudgeLog(ctx context.Context, src, out, runID string, plans map[string]*plan, concurrency int, warn io.Writer) (rejudgeCounts, error) {
	var counts rejudgeCounts
	name := filepath.Join(src, reports.ResultsFile)
	f, err := os.Open(name)
	if err != nil {
		return counts, err
	}
	defer f.Close()
	var bad reports.BadLines
	ix, err := reports.IndexLog(f, name, bad.Add)
	if err != nil {
		return counts, err
	}
	bad.Warn(warn, "left out of the new run")
	log, err := reports.CreateLog(filepath.Join(out, reports.ResultsFile))
	if err != nil {
		return counts, err
	}
	samples := map[string]map[string]*tasks.Sample{}
	for name, p := range plans {
		samples[name] = map[string]*tasks.Sample{}
		for i := range p.samples {
			samples[name][p.samples[i].ID] = &p.samples[i]
		}
	}
	var mu sync.Mutex
	entries := ix.Latest()
	for start := 0; start < len(entries); start += rejudgeChunk {
		var recs []*reports.Result
		chunk := entries[start:min(start+rejudgeChunk, len(entries))]
		if err := reports.ReadRecords(f, name, chunk, func(r *reports.Result) error {
			recs = append(recs, r)
			return nil
		}); err != nil {
			log.Close()
			return counts, err
		}
		err := runners.Each(ctx, len(recs), concurrency, func(ctx context.Context, i int) error {
			res, outcome := rejudgeRecord(ctx, recs[i], plans, samples, runID)
			recs[i] = res
			mu.Lock()
			defer mu.Unlock()
			switch outcome {
			case rejudged:
				counts.rejudged++
				if res.Error != nil && res.Error.Class == reports.ErrJudge {
					counts.failed++
				}
			case unknownSample:
				counts.unknown++
				counts.copied++
			default:
				counts.copied++
			}
			return nil
		})
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			// Interrupted: the records of the chunk not judged yet would keep their old
			// verdicts under the new judge's run; none of the chunk is written.
			log.Close()
			return counts, err
		}
		for _, r := range recs {
			if err := log.Write(r); err != nil {
				log.Close()
				return counts, err
			}
		}
	}
	return counts, log.Close()
}

// What rejudgeRecord did with a record.
const (
	copied = iota
	rejudged
	unknownSample
)

// rejudgeRecord returns record r for the new run: judged again with its suite's new judge when
// that judge is not the one that graded it, or when its judge failed; as it was otherwise
// (and when it has no output to judge: a model, input or tool error).
func rejudgeRecord(ctx context.Context, r *reports.Result, plans map[string]*plan, samples map[string]map[string]*tasks.Sample, runID string) (*reports.Result, int) {
	res := *r
	res.Run = runID
	p := plans[r.Suite]
	switch {
	case p == nil:
		return &res, copied
	case r.Error != nil && r.Error.Class != reports.ErrJudge:
		return &res, copied
	case r.Error == nil && r.JudgeID == p.judgeID:
		return &res, copied
	}
	s := samples[r.Suite][r.ID]
	if s == nil {
		return &res, unknownSample
	}
	return p.regrade(ctx, runID, r, s), rejudged
}
