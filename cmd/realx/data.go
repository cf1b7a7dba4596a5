package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/tasks"
	"github.com/realx-bench/realx/tasks/source"
)

func dataCommand() *cli.Command {
	return &cli.Command{
		Name:  "data",
		Usage: "pull suites' data into the data cache",
		Subcommands: []*cli.Command{{
			Name:      "pull",
			Usage:     "download the data of suites whose data.source names where it lives into the data cache, verified",
			ArgsUsage: "SUITE...",
			Description: `Each file of the suite's data.source — a Hugging Face dataset repository at a revision
(from $HF_ENDPOINT, else https://huggingface.co, with the token in $HF_TOKEN sent to the hub
alone), or files at URLs — is downloaded into the data cache with a progress bar, resuming what
an interrupted pull left, and verified: against the SHA-256 (or MD5) the suite pins, or the
hub gives; else the first pull records it in the lock file beside the cache entry, and later
pulls and runs check against that. A revision that names a branch is recorded the same way:
the first pull writes the commit the hub resolved it to in the lock file, and later pulls
refuse a file of another commit. A file pulled before is verified again and kept. Runs read the data from the
cache only: they never download. Suites whose data ships beside them have nothing to pull.`,
			Flags: []cli.Flag{
				dataCacheFlag(),
				&cli.BoolFlag{Name: "allow-private-urls", Usage: "let downloads reach loopback, link-local and private addresses (a local mirror in $HF_ENDPOINT)"},
			},
			Action: dataPull,
		}},
	}
}

// dataCacheFlag is the --data-cache flag of the commands that read suites.
func dataCacheFlag() cli.Flag {
	return &cli.StringFlag{Name: "data-cache", EnvVars: []string{tasks.DataCacheEnv},
		Usage: "the data cache that suites' pulled data is read from, which realx data pull writes (realx/data in the user's cache directory when not given)"}
}

// suiteOptions are the command's options for reading suites: its --data-cache.
func suiteOptions(c *cli.Context) realx.SuiteOptions {
	return realx.SuiteOptions{DataCache: c.String("data-cache")}
}

func dataPull(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError("data pull: name at least one suite (a shipped name or a YAML file)")
	}
	cache := c.String("data-cache")
	if cache == "" {
		var err error
		if cache, err = tasks.DefaultDataCache(os.Getenv); err != nil {
			return usageError("data pull: %v", err)
		}
	}
	// Every suite is checked before the first download.
	type pull struct {
		arg   string
		suite *tasks.Suite
	}
	var pulls []pull
	var problems []error
	for _, arg := range c.Args().Slice() {
		s, err := benchmarks.Load(arg)
		var errs tasks.Errors
		switch {
		case s == nil:
			problems = append(problems, err)
			continue
		case errors.As(err, &errs):
			problems = append(problems, err)
			continue
		case err != nil:
			problems = append(problems, err)
			continue
		}
		s.SetDataCache(cache)
		pulls = append(pulls, pull{arg, s})
	}
	if len(problems) > 0 {
		return configErrors(errors.Join(problems...))
	}
	stderr := c.App.ErrWriter
	for _, pl := range pulls {
		s := pl.suite
		src := s.Data.Source
		if src == nil {
			fmt.Fprintf(stderr, "realx: data: %s: its data ships with it (%s): nothing to pull\n", s.Name, s.Data.Path)
			continue
		}
		p := source.FromEnv(cache, os.Getenv)
		p.AllowPrivateURLs = c.Bool("allow-private-urls")
		bar := &pullBar{w: stderr, tty: reports.IsTerminal(stderr), suite: s.Name, last: -1}
		p.Progress = bar.report
		fmt.Fprintf(stderr, "realx: data: %s: pulling %s into %s\n", s.Name, src.Name(), tasks.EntryDir(cache, src))
		res, err := p.Pull(c.Context, src)
		if err != nil {
			return fmt.Errorf("data pull: %s: %w", s.Name, err)
		}
		for _, r := range res {
			note := string(r.Status)
			if r.Recorded {
				note += ", its SHA-256 recorded in the lock file"
			}
			fmt.Fprintf(stderr, "realx: data: %s: %s %s (%s; sha256 %s)\n", s.Name, r.Path, sizeText(r.Size), note, r.SHA256)
		}
		if src.IsBranch() {
			if lock, err := tasks.ReadLock(cache, src); err == nil && lock.Commit != "" {
				fmt.Fprintf(stderr, "realx: data: %s: branch %s of %s is at commit %s, recorded in the lock file: later pulls refuse another (pin it in the suite with revision: %s)\n",
					s.Name, src.Revision, src.Repo, lock.Commit, lock.Commit)
			} else {
				fmt.Fprintf(stderr, "realx: data: %s: the hub did not say which commit branch %s of %s is at: the files are checked against their recorded SHA-256 only\n",
					s.Name, src.Revision, src.Repo)
			}
		}
		// The data is read as a run reads it, so that a mapping that does not fit shows now.
		_, ds, err := realx.ReadSuiteWith(pl.arg, realx.SuiteOptions{DataCache: cache})
		if err != nil {
			return configErrors(err)
		}
		fmt.Fprintf(c.App.Writer, "%s: %d samples, data verified in %s\n", s.Name, len(ds.Samples), tasks.EntryDir(cache, src))
	}
	return nil
}

// pullBar draws the progress of a pull's downloads: on a terminal, one line redrawn; else a
// line at the start, at each quarter and at the end of each file.
type pullBar struct {
	w     io.Writer
	tty   bool
	suite string
	file  string
	last  int // the last step drawn: a percent on a terminal, a quarter elsewhere
}

func (b *pullBar) report(p source.Progress) {
	if p.File != b.file {
		b.file, b.last = p.File, -1
	}
	pct := -1
	if p.Size > 0 {
		pct = int(p.Done * 100 / p.Size)
	}
	step := pct
	if !b.tty && pct >= 0 {
		step = pct / 25
	}
	prev := b.last
	if step == prev && !p.Finished {
		return
	}
	b.last = step
	line := fmt.Sprintf("realx: data: %s: %s %s", b.suite, p.File, sizeText(p.Done))
	if p.Size > 0 {
		line = fmt.Sprintf("realx: data: %s: %s %3d%% %s of %s", b.suite, p.File, pct, sizeText(p.Done), sizeText(p.Size))
	}
	if p.Resumed > 0 {
		line += fmt.Sprintf(" (resumed at %s)", sizeText(p.Resumed))
	}
	switch {
	case b.tty && p.Finished:
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
	case b.tty:
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	case !p.Finished || prev != step:
		fmt.Fprintln(b.w, line)
	}
}

// sizeText writes a size in bytes for people: "812 B", "3.4 MiB".
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
