package judges

import (
	"context"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"text/template"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// This file is the LLM judge: a prompt template shipped with realx (or a custom one), put to
// any OpenAI-compatible endpoint at temperature 0, its verdict read from the last verdict
// token of the reply, with the model's answer fenced so that nothing it says can pose as the
// verdict.

// The prompt templates shipped with realx, in prompts/. Three are realx's own, written after
// the seed systems' judges, with the model's answer fenced between markers:
//
//   - equivalence: is the model's answer consistent with the reference? In the manner of
//     DeepEyesV2's verify.md (compare, do not re-solve; rules per kind of question), in
//     English; the reply ends with \boxed{Yes} or \boxed{No}.
//   - simpleqa: SimpleQA's grader (simple-evals): correct, incorrect or not attempted, as
//     GRADE: A, B or C. Not attempted is a fail with Reason "not_attempted", never a judge
//     failure.
//   - option: VLMEvalKit's option extractor: which option does a free-form answer choose, or
//     Z for none, as OPTION: X. Z is a fail the cascade may ask a later step about.
//
// Five are the seed systems' own prompts, verbatim (the files name their sources and
// licences), each read as its source reads the reply:
//
//   - verify: DeepEyesV2's verify.md equivalence judge, in Chinese; the text after the last
//     <最终结果>, then after the last "boxed", up to "}", passes when it holds "yes".
//   - vstar: DeepEyes' V* judge, seven "Judgement: 1/0" examples; the text after the last
//     "Judgement:" passes when it holds a 1 (else a 0 fails), or the reply is exactly 1 or 0.
//   - simpleqa-official: SimpleQA's published grader; the first A, B or C anywhere in the
//     reply is the grade, as simple-evals reads it (C, not attempted, when there is none).
//   - vlmevalkit-option: VLMEvalKit's option matcher (see vlmevalkitOption).
//   - webwatcher: WebWatcher's judge (HLE's, replying in JSON), which grades BrowseComp-VL;
//     the reply's "correct" passes when it is yes (parseWebWatcher).
const (
	TemplateEquivalence      = "equivalence"
	TemplateSimpleQA         = "simpleqa"
	TemplateOption           = "option"
	TemplateVerify           = "verify"
	TemplateVStar            = "vstar"
	TemplateSimpleQAOfficial = "simpleqa-official"
	TemplateVLMEvalKitOption = "vlmevalkit-option"
	TemplateWebWatcher       = "webwatcher"
)

// The extraction prompts of the mathvista and mathvista-vlmevalkit kinds (extract: [llm]),
// verbatim; not templates an llm judge names.
const (
	promptMathVistaExtract  = "mathvista-extract"
	promptVLMEvalKitExtract = "vlmevalkit-mathvista-extract"
)

//go:embed prompts/*.tmpl
var promptFS embed.FS

// templates maps each shipped prompt's name to its text.
var templates = func() map[string]string {
	m := map[string]string{}
	for _, name := range append(Templates(), promptMathVistaExtract, promptVLMEvalKitExtract) {
		data, err := promptFS.ReadFile(path.Join("prompts", name+".tmpl"))
		if err != nil {
			panic(err) // embedded at build time
		}
		m[name] = string(data)
	}
	return m
}()

// Templates returns the names of the prompt templates an llm judge may name, sorted. They
// are also the names of the verdict rules a custom template may use.
func Templates() []string {
	return []string{TemplateEquivalence, TemplateOption, TemplateSimpleQA, TemplateSimpleQAOfficial,
		TemplateVerify, TemplateVLMEvalKitOption, TemplateVStar, TemplateWebWatcher}
}

// TemplateText returns the text of a shipped template.
func TemplateText(name string) (string, bool) {
	t, ok := templates[name]
	return t, ok
}

// helpfulAssistant is the system message DeepEyes' V* judge and simple-evals' grader send.
const helpfulAssistant = "You are a helpful assistant."

// askedAs is how a shipped prompt is put to its model where it differs from realx's way (one
// user message, temperature 0, the spec's max_tokens): its source's system message, reply
// budget, and a temperature for each try.
type askedAs struct {
	system       string
	maxTokens    int
	temperatures []float64
}

// promptSettings are the shipped prompts asked otherwise than realx's way.
var promptSettings = map[string]askedAs{
	TemplateVStar:            {system: helpfulAssistant},
	TemplateSimpleQAOfficial: {system: helpfulAssistant, maxTokens: 2048},
	// MathVista's GPT_Model asks with max_tokens 1024.
	promptMathVistaExtract: {maxTokens: 1024},
	// VLMEvalKit's MathVista_auxeval tries five times, at temperature i·0.5.
	promptVLMEvalKitExtract: {temperatures: []float64{0, 0.5, 1, 1.5, 2}},
}

// The markers the model's answer stands between in a judge prompt. Any text in the answer
// that looks like one is neutralised (see fence).
const (
	AnswerBegin = "[BEGIN MODEL ANSWER]"
	AnswerEnd   = "[END MODEL ANSWER]"
)

// Defaults of the LLM judge.
const (
	// DefaultRetries is how many times a failed request, or a reply with no verdict, is
	// tried again.
	DefaultRetries = 3
	// DefaultBackoff is the wait before the first retry; it doubles for each further one, up
	// to maxBackoff. An endpoint's Retry-After is honoured up to maxBackoff as well.
	DefaultBackoff = time.Second
	// DefaultTimeout caps each judge request.
	DefaultTimeout = 5 * time.Minute
)

const maxBackoff = time.Minute

// Options are what building an LLM judge needs beyond its spec. The zero Options are usable:
// the key from the process environment, requests through runners.NewOpenAI retried by
// runners.WithRetry, no cache.
type Options struct {
	// Getenv reads the API key from the environment variable the spec names (APIKeyEnv);
	// os.Getenv when nil.
	Getenv func(string) string
	// Connect returns the model behind an endpoint, its failed calls retried under retry (the
	// judge's: its spec's retries, Backoff doubling, an endpoint's Retry-After honoured); a
	// run gives the judge its endpoint machinery this way (runners.Clients). When nil,
	// runners.WithRetry over runners.NewOpenAI.
	Connect func(ep runners.Endpoint, retry runners.RetryPolicy) runners.Model
	// Timeout caps each judge request; DefaultTimeout when 0.
	Timeout time.Duration
	// Backoff is the wait before the first retry (DefaultBackoff when 0; none when negative).
	Backoff time.Duration
	// Cache stores LLM verdicts; nothing is cached when nil.
	Cache Cache
}

// Override is what the --judge-model, --judge-base-url and --judge-api-key-env flags set:
// each non-empty field replaces the spec's in every LLM judge of it.
type Override struct {
	Model, BaseURL, APIKeyEnv string
}

// Resolve returns spec with o applied to its LLM judges (a cascade's LLM steps, and the LLM
// extraction steps of the mathvista kinds, included).
// The result is what runs, and what a run's manifest records: its ID is the judge's.
func Resolve(spec tasks.JudgeSpec, o Override) tasks.JudgeSpec {
	if spec.IsCascade() {
		spec.Steps = slices.Clone(spec.Steps)
		for i := range spec.Steps {
			spec.Steps[i] = Resolve(spec.Steps[i], o)
		}
		return spec
	}
	if !UsesLLM(spec) {
		return spec
	}
	if o.Model != "" {
		spec.Model = o.Model
	}
	if o.BaseURL != "" {
		spec.BaseURL = o.BaseURL
	}
	if o.APIKeyEnv != "" {
		spec.APIKeyEnv = o.APIKeyEnv
	}
	return spec
}

// llmIdentity is everything that decides an LLM judge's verdicts; ID hashes its JSON.
type llmIdentity struct {
	Template    string   `json:"template,omitempty"`
	Text        string   `json:"text"`
	Verdict     string   `json:"verdict"`
	Model       string   `json:"model"`
	BaseURL     string   `json:"base_url"`
	Temperature float64  `json:"temperature"`
	MaxTokens   *int     `json:"max_tokens,omitempty"`
	Extract     []string `json:"extract"`
}

func llmIdentityOf(spec tasks.JudgeSpec) llmIdentity {
	id := llmIdentity{
		Template: spec.Template, Text: templateText(spec), Verdict: verdictName(spec),
		Model: spec.Model, BaseURL: strings.TrimRight(spec.BaseURL, "/"),
		MaxTokens: spec.MaxTokens, Extract: spec.Extract,
	}
	if len(id.Extract) == 0 {
		id.Extract = DefaultExtract(KindLLM)
	}
	return id
}

// templateText returns the text of an LLM spec's template.
func templateText(spec tasks.JudgeSpec) string {
	if spec.Template != "" {
		return templates[spec.Template]
	}
	return spec.TemplateText
}

// verdictName returns the verdict rule of an LLM spec: its template's, or for a custom
// template the one it names (equivalence when none).
func verdictName(spec tasks.JudgeSpec) string {
	switch {
	case spec.Template != "":
		return spec.Template
	case spec.Verdict != "":
		return spec.Verdict
	}
	return TemplateEquivalence
}

// llmJudge is an LLM judge. Its verdicts are cached by (its identity, question, golds,
// options, answer); concurrent requests for the same key share one call.
type llmJudge struct {
	id, identity, step string
	tmpl               *template.Template
	rule               verdictRule
	model              runners.Model
	gen                tasks.Generation
	// system is the system message sent before the prompt, if any; temperatures, when set,
	// give each try its own temperature (the last for any further one).
	system       string
	temperatures []float64
	extract      []string
	// raw marks a judge that is given the answer itself, not an output to extract it from
	// (an extraction step of another judge): it is shown as it is, untrimmed.
	raw     bool
	retries int
	backoff time.Duration
	cache   Cache
	flight  singleflight.Group
}

// newLLM builds the LLM judge of a validated spec.
func newLLM(spec tasks.JudgeSpec, opt Options) (*llmJudge, error) {
	ep, err := endpointOf(spec, opt, "the llm judge")
	if err != nil {
		return nil, err
	}
	tmpl, err := parseTemplate(templateText(spec))
	if err != nil {
		return nil, err
	}
	connect := connector(opt)
	_, sum := identity(spec)
	rule := verdictRules[verdictName(spec)]
	asked := promptSettings[spec.Template]
	j := &llmJudge{
		id: ID(spec), identity: hex.EncodeToString(sum[:]), step: StepName(spec),
		tmpl: tmpl, rule: rule,
		gen:    tasks.Generation{Temperature: ptr(0.0), MaxTokens: spec.MaxTokens},
		system: asked.system, temperatures: asked.temperatures,
		extract: llmIdentityOf(spec).Extract, retries: DefaultRetries,
		backoff: opt.Backoff, cache: opt.Cache,
	}
	if j.gen.MaxTokens == nil && asked.maxTokens > 0 {
		j.gen.MaxTokens = ptr(asked.maxTokens)
	}
	switch {
	case spec.Retries != nil:
		j.retries = *spec.Retries
	case rule.tries > 0:
		j.retries = rule.tries - 1
	}
	if j.backoff == 0 {
		j.backoff = DefaultBackoff
	}
	j.model = connect(ep, j.retryPolicy())
	return j, nil
}

// endpointOf returns the endpoint an LLM judge's spec names, its key read from the variable
// the spec names; what names the judge in errors ("the llm judge").
func endpointOf(spec tasks.JudgeSpec, opt Options, what string) (runners.Endpoint, error) {
	switch {
	case spec.Model == "":
		return runners.Endpoint{}, fmt.Errorf("%s needs a model: set model in the suite's judge, or --judge-model", what)
	case spec.BaseURL == "":
		return runners.Endpoint{}, fmt.Errorf("%s (model %s) needs an endpoint: set base_url in the suite's judge, or --judge-base-url", what, spec.Model)
	}
	getenv := opt.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	key := ""
	if spec.APIKeyEnv != "" {
		if key = getenv(spec.APIKeyEnv); key == "" {
			return runners.Endpoint{}, fmt.Errorf("%s's key: the environment variable %s is empty", what, spec.APIKeyEnv)
		}
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	return runners.Endpoint{BaseURL: spec.BaseURL, Model: spec.Model, APIKey: key, Timeout: timeout}, nil
}

// connector returns opt's Connect, or runners.WithRetry over runners.NewOpenAI when nil.
func connector(opt Options) func(runners.Endpoint, runners.RetryPolicy) runners.Model {
	if opt.Connect != nil {
		return opt.Connect
	}
	return func(ep runners.Endpoint, p runners.RetryPolicy) runners.Model {
		return runners.WithRetry(runners.NewOpenAI(ep), p)
	}
}

// retryPolicy is how the judge's failed requests are retried: 1+retries attempts, waiting the
// backoff (doubling for each further attempt, up to maxBackoff) or the endpoint's Retry-After
// when it asks for longer; with a negative backoff, only a Retry-After is waited for.
func (j *llmJudge) retryPolicy() runners.RetryPolicy { return retryPolicy(j.retries, j.backoff) }

// retryPolicy is the retry policy of a judge with the given retries and backoff.
func retryPolicy(retries int, backoff time.Duration) runners.RetryPolicy {
	full := func() float64 { return 1 } // the whole backoff: no jitter, as the judge always waited
	if backoff < 0 {
		full = func() float64 { return 0 }
	}
	return runners.RetryPolicy{MaxAttempts: retries + 1, BaseDelay: max(backoff, 0), MaxDelay: maxBackoff, Rand: full}
}

// ID implements Judge.
func (j *llmJudge) ID() string { return j.id }

// Judge implements Judge. It asks the endpoint only when the cache has no verdict for this
// question, gold and answer; an endpoint that keeps failing, or a reply with no verdict after
// every retry, is an error (a judge failure), never a wrong answer.
func (j *llmJudge) Judge(ctx context.Context, s *tasks.Sample, output string) (Verdict, error) {
	if err := checkSample(s); err != nil {
		return Verdict{}, err
	}
	if j.rule.needsChoices {
		if len(s.Choices) == 0 {
			return Verdict{}, fmt.Errorf("sample %s: the %s judge needs the sample's options", s.ID, j.step)
		}
		if _, err := goldLetters(s); err != nil {
			return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
		}
	}
	answer := output
	if !j.raw {
		answer = Extract(output, j.extract)
	}
	if j.rule.prepare != nil {
		answer = j.rule.prepare(answer)
	}
	if j.rule.prefetch != nil {
		if v, ok := j.rule.prefetch(s, answer); ok {
			v.Extracted = cmpOr(v.Extracted, answer)
			v.JudgeID, v.Step = j.id, j.step
			return v, nil
		}
	}
	key := cacheKey(j.identity, s, answer)
	stamp := func(v Verdict) Verdict {
		v.JudgeID, v.Step = j.id, j.step
		return v
	}
	if j.cache != nil {
		if v, ok := j.cache.Get(key); ok {
			return stamp(v), nil
		}
	}
	got, err, _ := j.flight.Do(key, func() (any, error) {
		if j.cache != nil {
			if v, ok := j.cache.Get(key); ok {
				return v, nil
			}
		}
		v, reply, err := j.ask(ctx, s, answer)
		if err != nil {
			return nil, err
		}
		if j.cache != nil {
			if err := j.cache.Put(key, v, reply); err != nil {
				return nil, err
			}
		}
		return v, nil
	})
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	return stamp(got.(Verdict)), nil
}

// ask puts the prompt to the endpoint until a reply holds a verdict, at most 1+retries times;
// the model (Options.Connect) retries a failed request itself, as many times, and a request
// that still fails ends the asking.
func (j *llmJudge) ask(ctx context.Context, s *tasks.Sample, answer string) (Verdict, string, error) {
	prompt, err := render(j.tmpl, s, answer)
	if err != nil {
		return Verdict{}, "", err
	}
	req := &runners.ChatRequest{
		Messages:   []runners.Message{runners.TextMessage(runners.RoleUser, prompt)},
		Generation: j.gen,
	}
	if j.system != "" {
		req.Messages = append([]runners.Message{runners.TextMessage(runners.RoleSystem, j.system)}, req.Messages...)
	}
	var last error
	unread := "" // the last reply with no verdict in it
	for attempt := 0; attempt <= j.retries; attempt++ {
		if attempt > 0 {
			if err := runners.SystemClock.Sleep(ctx, j.nextWait(attempt-1)); err != nil {
				return Verdict{}, "", fmt.Errorf("%w (after: %v)", err, last)
			}
		}
		if n := len(j.temperatures); n > 0 {
			req.Generation.Temperature = ptr(j.temperatures[min(attempt, n-1)])
		}
		resp, err := j.model.Chat(ctx, req)
		if err != nil {
			var me *runners.ModelError
			if ctx.Err() != nil || !errors.As(err, &me) || !me.Retryable {
				return Verdict{}, "", fmt.Errorf("judge endpoint: %w", err)
			}
			if len(j.temperatures) > 0 {
				// A prompt asked at rising temperatures (VLMEvalKit's extraction) takes a
				// call that failed after the client's own retries as one failed try, and goes
				// on to the next temperature, as VLMEvalKit's loop does.
				last = fmt.Errorf("judge endpoint: %w", err)
				continue
			}
			tries := attempt + max(me.Attempts, 1)
			return Verdict{}, "", fmt.Errorf("llm judge: no verdict after %d attempt(s): judge endpoint: %w", tries, err)
		}
		reply, _ := StripThink(resp.Content)
		if v, ok := j.rule.parse(reply, s); ok {
			if !j.rule.extracts {
				v.Extracted = cmpOr(v.Extracted, answer)
			}
			return v, resp.Content, nil
		}
		unread = resp.Content
		last = fmt.Errorf("%w %q", ErrNoVerdict, clip(resp.Content, 300))
		if resp.Content == "" && resp.Refusal != "" {
			last = fmt.Errorf("%w: the judge refused: %q", ErrNoVerdict, clip(resp.Refusal, 300))
		}
	}
	if j.rule.exhausted != nil && unread != "" && errors.Is(last, ErrNoVerdict) {
		return j.rule.exhausted(s), unread, nil
	}
	return Verdict{}, "", fmt.Errorf("llm judge: no verdict after %d attempt(s): %w", j.retries+1, last)
}

// ErrNoVerdict is the error of a reply from which the verdict rule reads nothing (a judge that
// refused included). An LLM judge whose last reply held none fails with an error that wraps
// it: the judge answered, but gave no valid verdict, and the sample is left out of the scores
// (reason ReasonInvalidVerdict in its record), never scored 0.
var ErrNoVerdict = errors.New("no verdict in the judge's reply")

// nextWait is the wait after a reply with no verdict, the attempt-th (from 0): the backoff
// doubled per attempt, up to maxBackoff.
func (j *llmJudge) nextWait(attempt int) time.Duration { return nextWait(j.backoff, attempt) }

// nextWait is the wait after the attempt-th reply with no verdict under backoff.
func nextWait(backoff time.Duration, attempt int) time.Duration {
	if backoff < 0 {
		return 0
	}
	return min(backoff<<min(attempt, 16), maxBackoff)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// clip shortens s to at most n bytes (on a rune boundary) for messages, keeping its end,
// where a verdict would be.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return "…" + s[i:]
}
