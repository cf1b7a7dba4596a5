package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/tasks"
)

// judgeFlags are the flags of run, score, rejudge and judge that say where LLM judges are
// asked and where their verdicts are kept.
func judgeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "judge-model", Usage: "the LLM judge's model (PROVIDER:MODEL or a name with --judge-base-url); overrides the suite's"},
		&cli.StringFlag{Name: "judge-base-url", Usage: "the LLM judge's OpenAI-compatible base URL; overrides the suite's"},
		&cli.StringFlag{Name: "judge-api-key-env", Usage: "the environment variable holding the LLM judge's API key; overrides the suite's"},
		&cli.StringFlag{Name: "judge-cache", Usage: "the directory of the LLM judge's verdict cache (default: the run directory)"},
		&cli.DurationFlag{Name: "judge-timeout", Value: judges.DefaultTimeout, Usage: "time limit of one LLM judge request"},
		&cli.DurationFlag{Name: "judge-retry-wait", Value: judges.DefaultBackoff, Usage: "the wait before an LLM judge request is tried again (doubling for each further try)"},
		trustFlagOf(),
	}
}

// specFromJudgeFlag returns the judge --judge names: the judge in a YAML file (read as strictly
// as a suite's judge section; fromFile is then true), or a bare kind. --judge-template gives an
// llm kind its prompt: a shipped template's name, or a template file.
func specFromJudgeFlag(c *cli.Context) (spec tasks.JudgeSpec, fromFile bool, err error) {
	arg := c.String("judge")
	if st, serr := os.Stat(arg); serr == nil && !st.IsDir() {
		if c.IsSet("judge-template") {
			return spec, true, fmt.Errorf("--judge-template does not go with a judge file (%s): put the template in it", arg)
		}
		jf, err := tasks.LoadJudgeFile(arg)
		if err != nil {
			return spec, true, err
		}
		return jf.Spec, true, nil
	}
	spec.Kind = arg
	switch t := c.String("judge-template"); {
	case t == "":
	case slices.Contains(judges.Templates(), t):
		spec.Template = t
	default:
		data, err := os.ReadFile(t)
		if err != nil {
			return spec, false, fmt.Errorf("--judge-template %s: not a shipped template (%s), and %w", t, strings.Join(judges.Templates(), ", "), err)
		}
		spec.TemplateFile, spec.TemplateText = t, string(data)
	}
	return spec, false, nil
}

// judgeSetup is the judge flags, read: how the suites' judges are resolved and built, and the
// verdict cache they share.
type judgeSetup struct {
	override judges.Override
	// trust is --trust-suite-endpoints: a suite's judge endpoint may be sent a key.
	trust    bool
	cacheDir string
	timeout  time.Duration
	backoff  time.Duration
	getenv   func(string) string
	cache    *sharedCache
}

// readJudgeSetup reads the judge flags; getenv reads API keys.
func readJudgeSetup(c *cli.Context, getenv func(string) string) (*judgeSetup, error) {
	js := &judgeSetup{
		override: judges.Override{Model: c.String("judge-model"), BaseURL: c.String("judge-base-url"), APIKeyEnv: c.String("judge-api-key-env")},
		cacheDir: c.String("judge-cache"), timeout: c.Duration("judge-timeout"), backoff: c.Duration("judge-retry-wait"),
		getenv: getenv, cache: &sharedCache{}, trust: c.Bool(trustFlag),
	}
	if js.timeout <= 0 {
		return nil, errors.New("--judge-timeout must be positive")
	}
	if js.backoff == 0 {
		js.backoff = -1 // no wait
	}
	return js, nil
}

// resolve returns spec as it runs: the flags applied to its LLM judges, and a model named
// PROVIDER:MODEL with no base URL given its provider's endpoint and key variable.
func (js *judgeSetup) resolve(spec tasks.JudgeSpec) tasks.JudgeSpec {
	spec = judges.Resolve(spec, js.override)
	if spec.IsCascade() {
		for i := range spec.Steps {
			spec.Steps[i] = js.resolve(spec.Steps[i])
		}
		return spec
	}
	if judges.UsesLLM(spec) && spec.BaseURL == "" {
		if prefix, name, ok := strings.Cut(spec.Model, ":"); ok {
			if p, known := providers[prefix]; known {
				spec.Model, spec.BaseURL = name, p.baseURL
				if spec.APIKeyEnv == "" && p.keyNeeded {
					spec.APIKeyEnv = p.keyEnv
				}
			}
		}
	}
	return spec
}

// build returns the judge of a resolved spec, caching LLM verdicts in the setup's cache.
func (js *judgeSetup) build(spec tasks.JudgeSpec) (judges.Judge, error) {
	return judges.NewWith(spec, judges.Options{Getenv: js.getenv, Timeout: js.timeout, Backoff: js.backoff, Cache: js.cache})
}

// openCache opens the verdict cache: --judge-cache, or else dir (the run directory). The
// verdicts of each cache file in from (an earlier run's) are added to it first.
func (js *judgeSetup) openCache(dir string, from ...string) error {
	if js.cacheDir != "" {
		dir = js.cacheDir
	}
	c, err := judges.OpenCache(dir)
	if err != nil {
		return err
	}
	for _, path := range from {
		if _, err := c.Import(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.Close()
			return err
		}
	}
	js.cache.set(c)
	return nil
}

// closeCache closes the verdict cache, if one was opened.
func (js *judgeSetup) closeCache() error {
	if js == nil || js.cache.c == nil {
		return nil
	}
	return js.cache.c.Close()
}

// sharedCache is a judge cache opened after the judges are built (once the run directory is
// known), before any sample is graded. Until then, and when none is opened, it holds nothing.
// Verdicts may also be added to a second cache (an earlier run's), as far as it can be
// written: a failure there is warned about once and is not the judge's.
type sharedCache struct {
	c *judges.FileCache

	back     *judges.FileCache
	warn     io.Writer
	warnOnce sync.Once
}

func (s *sharedCache) set(c *judges.FileCache) { s.c = c }

// also adds every later verdict to back too, warning on w when it cannot.
func (s *sharedCache) also(back *judges.FileCache, w io.Writer) { s.back, s.warn = back, w }

// Get implements judges.Cache.
func (s *sharedCache) Get(key string) (judges.Verdict, bool) {
	if s.c == nil {
		return judges.Verdict{}, false
	}
	return s.c.Get(key)
}

// Put implements judges.Cache.
func (s *sharedCache) Put(key string, v judges.Verdict, reply string) error {
	if s.c == nil {
		return nil
	}
	if s.back != nil {
		if err := s.back.Put(key, v, reply); err != nil {
			s.warnOnce.Do(func() {
				fmt.Fprintf(s.warn, "realx: warning: the verdicts are not added to %s: %v\n", s.back.Path(), err)
			})
		}
	}
	return s.c.Put(key, v, reply)
}

// openJudgeCaches opens the verdict cache of a run's plans in the run directory dir (or
// --judge-cache); it returns the function that closes it.
func openJudgeCaches(plans []*plan, dir string) (func() error, error) {
	if len(plans) == 0 || plans[0].judges == nil {
		return func() error { return nil }, nil
	}
	js := plans[0].judges
	if err := js.openCache(dir); err != nil {
		return nil, fmt.Errorf("judge cache: %w", err)
	}
	return js.closeCache, nil
}
