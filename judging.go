package realx

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// JudgeConfig says how an Engine resolves, checks and builds the suites' judges. The zero
// JudgeConfig builds each judge as its spec says, keys from the environment.
type JudgeConfig struct {
	// Override replaces the model, base URL and key variable of every LLM judge
	// (--judge-model, --judge-base-url, --judge-api-key-env).
	Override judges.Override
	// Trust lets an LLM judge endpoint that a suite or judge file names be sent a key
	// (--trust-suite-endpoints); without it such a judge is refused before any call.
	Trust bool
	// CacheDir is the directory of the verdict cache; "" keeps it in the run directory.
	CacheDir string
	// Timeout caps each LLM judge request (judges.DefaultTimeout when 0); Backoff is the wait
	// before a judge's first retry (judges.DefaultBackoff when 0, none when negative).
	Timeout, Backoff time.Duration
	// Getenv reads the judges' keys; os.Getenv when nil.
	Getenv func(string) string
	// Prices returns the prices of an LLM judge's model (as the endpoint is sent it), so that
	// the run's cost counts its calls; nil, or nil prices, leave them out.
	Prices func(model string) *runners.Prices
}

// TrustFlag is the flag that lets a suite's LLM judge endpoint receive a key.
const TrustFlag = "trust-suite-endpoints"

// pricesOf returns the prices of the judge model named model, nil when unknown.
func (jc *JudgeConfig) pricesOf(model string) *runners.Prices {
	if jc.Prices == nil {
		return nil
	}
	return jc.Prices(model)
}

// getenv returns jc's Getenv, os.Getenv when nil.
func (jc *JudgeConfig) getenv() func(string) string {
	if jc.Getenv == nil {
		return os.Getenv
	}
	return jc.Getenv
}

// Resolve returns spec as it runs: the Override applied to its LLM judges, and a model named
// PROVIDER:MODEL with no base URL given its provider's endpoint and key variable. The result
// is what runs, and what a run's manifest records: its ID is the judge's.
func (jc *JudgeConfig) Resolve(spec tasks.JudgeSpec) tasks.JudgeSpec {
	spec = judges.Resolve(spec, jc.Override)
	if spec.IsCascade() {
		for i := range spec.Steps {
			spec.Steps[i] = jc.Resolve(spec.Steps[i])
		}
		return spec
	}
	if judges.UsesLLM(spec) && spec.BaseURL == "" {
		if prefix, name, ok := strings.Cut(spec.Model, ":"); ok {
			if p, known := runners.Providers[prefix]; known {
				spec.Model, spec.BaseURL = name, p.BaseURL
				if spec.APIKeyEnv == "" && p.KeyNeeded {
					spec.APIKeyEnv = p.KeyEnv
				}
			}
		}
	}
	return spec
}

// newJudge is NewJudge, also returning the endpoints the judge's LLM steps connect to.
func (e *Engine) newJudge(suite *tasks.Suite, orig tasks.JudgeSpec) (judges.Judge, tasks.JudgeSpec, []reports.Endpoint, []runners.Endpoint, error) {
	jc := &e.cfg.Judges
	resolved := jc.Resolve(orig)
	name := ""
	if suite != nil {
		name = suite.Name
	}
	eps, problems := jc.endpoints(name, judgeSource{suite: suite, spec: &orig}, orig, resolved)
	if len(problems) > 0 {
		return nil, resolved, nil, nil, errors.Join(problems...)
	}
	var connected []runners.Endpoint
	j, err := judges.NewWith(resolved, judges.Options{
		Getenv: jc.getenv(), Timeout: jc.Timeout, Backoff: jc.Backoff, Cache: e.verdicts,
		Connect: func(ep runners.Endpoint, retry runners.RetryPolicy) runners.Model {
			connected = append(connected, ep)
			m, err := e.judgeModel(ep, retry)
			if err != nil {
				return failing{err}
			}
			return m
		},
	})
	if err != nil {
		return nil, resolved, nil, nil, err
	}
	return j, resolved, eps, connected, nil
}

// judgeSource is where a judge spec was read: a suite, or a judge file (the spec's own
// positions), or neither (a judge made of flags).
type judgeSource struct {
	suite *tasks.Suite
	spec  *tasks.JudgeSpec
}

// errorf returns a problem at path (["judge", "steps", "1", "base_url"]) in the judge's file.
func (src judgeSource) errorf(path []string, format string, args ...any) error {
	if src.spec != nil {
		if e := src.spec.Errorf(path, format, args...); e != nil {
			return e
		}
	}
	if src.suite != nil {
		return src.suite.Errorf(path, format, args...)
	}
	return fmt.Errorf(format, args...)
}

// at returns "FILE:LINE" of path in the judge's file.
func (src judgeSource) at(path []string) string {
	var e *tasks.Error
	if errors.As(src.errorf(path, ""), &e) {
		return e.File + ":" + strconv.Itoa(e.Line)
	}
	return "?"
}

// endpoints returns the endpoints of the LLM judges of resolved, the judge spec orig read
// from src with the Override applied (Resolve), for the suite named suite; and a problem,
// positioned in src, for each that would send a key to an endpoint the suite chose, unless
// Trust.
//
// A key is sent only to an endpoint the user chose: one named by a flag (--base-url,
// --judge-base-url), the user's models file, or a provider's own endpoint (openai:…,
// openrouter:…) given that provider's key variable or one the user named. A suite, or a
// judge file, is someone else's work: when it names an LLM judge's endpoint (base_url, or a
// provider whose endpoint would get another variable's key) and a key would go there —
// whichever variable, named by the suite or by --judge-api-key-env — the judge is refused
// before any call, unless Trust. An endpoint a suite names with no key is called: it is sent
// the judge's prompt (the question, the gold answer and the model's answer, which the suite's
// author has or could compute) and nothing secret, and it is listed like every other.
func (jc *JudgeConfig) endpoints(suite string, src judgeSource, orig, resolved tasks.JudgeSpec) ([]reports.Endpoint, []error) {
	type step struct {
		orig, resolved tasks.JudgeSpec
		path           []string
	}
	steps := []step{{orig, resolved, []string{"judge"}}}
	if resolved.IsCascade() {
		steps = steps[:0]
		for i := range resolved.Steps {
			steps = append(steps, step{orig.Steps[i], resolved.Steps[i], []string{"judge", "steps", strconv.Itoa(i)}})
		}
	}
	var eps []reports.Endpoint
	var problems []error
	for _, st := range steps {
		if !judges.UsesLLM(st.resolved) {
			continue
		}
		ep, err := jc.endpoint(suite, src, st.orig, st.resolved, st.path)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		eps = append(eps, ep)
	}
	return eps, problems
}

// endpoint returns the endpoint of one LLM judge (a cascade's step at path), or the problem
// of a key it would send to an endpoint the suite chose.
func (jc *JudgeConfig) endpoint(suite string, src judgeSource, orig, resolved tasks.JudgeSpec, path []string) (reports.Endpoint, error) {
	key := func(k string) []string { return append(append([]string(nil), path...), k) }
	ep := reports.Endpoint{Role: "judge", Suite: suite, Step: judges.StepName(resolved), Model: resolved.Model,
		URL: runners.RedactURL(resolved.BaseURL)}
	// Who chose the endpoint: the flag, the file's base_url, or the provider its model names
	// (the flag's model, or the file's).
	byFile, provider := false, ""
	switch {
	case jc.Override.BaseURL != "":
		ep.URLFrom = "--judge-base-url"
	case orig.BaseURL != "":
		ep.URLFrom, byFile = src.at(key("base_url")), true
	default:
		prefix, _, _ := strings.Cut(cmp.Or(jc.Override.Model, orig.Model), ":")
		provider = prefix
		by := src.at(key("model"))
		if jc.Override.Model != "" {
			by = "--judge-model"
		}
		ep.URLFrom = "provider " + prefix + "'s default, for the model named by " + by
	}
	if resolved.APIKeyEnv == "" {
		return ep, nil
	}
	ep.KeyEnv = resolved.APIKeyEnv
	keyByUser := jc.Override.APIKeyEnv != ""
	switch {
	case keyByUser:
		ep.KeyFrom = "--judge-api-key-env"
	case orig.APIKeyEnv != "":
		ep.KeyFrom = src.at(key("api_key_env"))
	default:
		ep.KeyFrom = "provider " + provider + "'s default"
	}
	ownKey := provider != "" && (keyByUser || resolved.APIKeyEnv == runners.Providers[provider].KeyEnv)
	if jc.Trust || (!byFile && (provider == "" || ownKey)) {
		if jc.Trust && (byFile || !ownKey && provider != "") {
			ep.URLFrom += ", trusted by --" + TrustFlag
		}
		return ep, nil
	}
	what := fmt.Sprintf("the endpoint this file names for its llm judge (base_url %s)", ep.URL)
	at := key("base_url")
	if !byFile {
		what = fmt.Sprintf("the endpoint of provider %s (%s), which this file's judge model %s names,", provider, ep.URL, orig.Model)
		at = key("model")
	}
	return ep, src.errorf(at, "%s would be sent the key in $%s (chosen by %s): realx sends a key only to an endpoint you chose. "+
		"Name the judge's endpoint yourself (--judge-base-url URL, with --judge-api-key-env VAR if it needs a key), "+
		"or give --%s if you trust this endpoint with that key", what, ep.KeyEnv, ep.KeyFrom, TrustFlag)
}

// JudgeInfo describes the judge of suite s, whose spec is the resolved one and id its ID,
// for a manifest: its endpoints' URLs without credentials.
func JudgeInfo(s *tasks.Suite, id string) reports.JudgeInfo {
	spec := s.Judge
	spec.BaseURL = runners.RedactURL(spec.BaseURL)
	spec.Steps = append([]tasks.JudgeSpec(nil), spec.Steps...)
	for i := range spec.Steps {
		spec.Steps[i].BaseURL = runners.RedactURL(spec.Steps[i].BaseURL)
	}
	return reports.JudgeInfo{Suite: s.Name, ID: id, Spec: spec}
}

// OpenVerdicts opens the verdict cache of the Engine's LLM judges: in JudgeConfig.CacheDir,
// or else in dir. The verdicts of each cache file in from (an earlier run's) are added to it
// first. Until it is opened the judges cache nothing; Close closes it.
func (e *Engine) OpenVerdicts(dir string, from ...string) error {
	if e.cfg.Judges.CacheDir != "" {
		dir = e.cfg.Judges.CacheDir
	}
	c, err := judges.OpenCache(dir)
	if err != nil {
		return fmt.Errorf("judge cache: %w", err)
	}
	for _, path := range from {
		if _, err := c.Import(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			c.Close()
			return fmt.Errorf("judge cache: %w", err)
		}
	}
	e.verdicts.set(c)
	return nil
}

// closeVerdicts closes the verdict cache, and the second one it adds verdicts to, if any.
func (e *Engine) closeVerdicts() error {
	return e.verdicts.close()
}

// verdictCache is the judges' verdict cache: opened once the directory it lives in is known
// (after the judges are built, before any sample is graded); until then, and when none is
// opened, it holds nothing. Verdicts may also be added to a second cache (an earlier run's),
// as far as it can be written: a failure there is warned about once and is not the judge's.
type verdictCache struct {
	mu sync.Mutex
	c  *judges.FileCache

	back     *judges.FileCache
	warn     io.Writer
	warnOnce sync.Once
}

func (v *verdictCache) set(c *judges.FileCache) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.c = c
}

func (v *verdictCache) get() *judges.FileCache {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.c
}

// also adds every later verdict to back too, warning on w when it cannot.
func (v *verdictCache) also(back *judges.FileCache, w io.Writer) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.back, v.warn = back, w
}

// Get implements judges.Cache.
func (v *verdictCache) Get(key string) (judges.Verdict, bool) {
	c := v.get()
	if c == nil {
		return judges.Verdict{}, false
	}
	return c.Get(key)
}

// Put implements judges.Cache.
func (v *verdictCache) Put(key string, verdict judges.Verdict, reply string) error {
	v.mu.Lock()
	c, back := v.c, v.back
	v.mu.Unlock()
	if c == nil {
		return nil
	}
	if back != nil {
		if err := back.Put(key, verdict, reply); err != nil {
			v.warnOnce.Do(func() {
				fmt.Fprintf(v.warn, "realx: warning: the verdicts are not added to %s: %v\n", back.Path(), err)
			})
		}
	}
	return c.Put(key, verdict, reply)
}

// close closes the cache and its second one.
func (v *verdictCache) close() error {
	v.mu.Lock()
	c, back := v.c, v.back
	v.c, v.back = nil, nil
	v.mu.Unlock()
	var errs []error
	if c != nil {
		errs = append(errs, c.Close())
	}
	if back != nil {
		errs = append(errs, back.Close())
	}
	return errors.Join(errs...)
}

// failing is a Model whose every call fails with err.
type failing struct{ err error }

// Chat fails.
func (f failing) Chat(context.Context, *runners.ChatRequest) (*runners.ChatResponse, error) {
	return nil, f.err
}
