package judges

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"

	"github.com/realx-bench/realx/tasks"
)

// The judge kinds New builds.
const (
	KindANLS      = "anls"
	KindBLEU1     = "bleu1"
	KindChoice    = "choice"
	KindContains  = "contains"
	KindEM        = "em"
	KindExact     = "exact"
	KindF1        = "f1"
	KindLLM       = "llm"
	KindMath      = "math"
	KindMathVista = "mathvista"
	KindNumeric   = "numeric"
	KindRegex     = "regex"
	KindRougeL    = "rougeL"
	KindSubEM     = "subem"
	// KindMathVistaVLMEvalKit is MathVista as VLMEvalKit grades it (mathVistaVLMEvalKit).
	KindMathVistaVLMEvalKit = "mathvista-vlmevalkit"
	// KindVStar is DeepEyes' V* rule (gradeVStar).
	KindVStar = "vstar"
	// KindMMERealWorld is MME-RealWorld's and TreeBench's letter rule (gradeMMERealWorld).
	KindMMERealWorld = "mme-realworld"
)

// The kinds bfcl-multi-turn and bfcl-multi-turn-strict (KindBFCLMultiTurn) grade episodes, not
// answers: they are not among the answer-grading kinds (Kinds); validate accepts them alone,
// and newStep builds them.

// judgeKind is everything realx knows of one judge kind: the one place a new kind is added.
type judgeKind struct {
	// extract is the kind's extractor chain (DefaultExtract).
	extract []string
	// threshold is the pass threshold of a scored kind, where a spec gives none; nil for a
	// kind that reads no threshold.
	threshold *float64
	// tolerance marks a kind that reads rel_tol and abs_tol; defaultTol one that fills them
	// with DefaultRelTol and DefaultAbsTol where a spec gives none.
	tolerance, defaultTol bool
	// caseSensitive marks a kind that reads case_sensitive; pattern one that reads pattern.
	caseSensitive, pattern bool
	// llmExtract marks a kind that may end its extractors with llm, its LLM extraction step.
	llmExtract bool
	// grader returns the grader of a spec of the kind, its defaults filled in (effective); nil
	// for the llm kind, which newLLM builds, and for mathvista-vlmevalkit, which newStep builds.
	grader func(spec tasks.JudgeSpec) grader
}

// The extractor chains of DefaultExtract.
var (
	extractMath      = []string{"strip_think", "answer_tag", "answer_is", "boxed", "latex", "expression", "last_number"}
	extractMathVista = []string{"strip_think", "answer_tag", "boxed", "answer_is"}
	extractChoice    = []string{"strip_think", "answer_tag", "boxed"}
	extractText      = []string{"strip_think", "answer_tag"}
	// extractTextBoxed is the text kinds' chain for short answers, which models trained on
	// math often box: the box's content is the answer, not "\boxed{Paris}".
	extractTextBoxed = []string{"strip_think", "answer_tag", "boxed"}
)

// kinds are the judge kinds New builds.
var kinds = map[string]judgeKind{
	KindANLS: {extract: extractText, threshold: ptr(DefaultANLSThreshold),
		grader: func(s tasks.JudgeSpec) grader { return anlsGrader(*s.Threshold) }},
	KindBLEU1: {extract: extractText, threshold: ptr(DefaultOverlapThreshold),
		grader: func(s tasks.JudgeSpec) grader { return scored(*s.Threshold, bleu1) }},
	KindChoice: {extract: extractChoice, grader: func(tasks.JudgeSpec) grader { return gradeChoice }},
	KindContains: {extract: extractText, caseSensitive: true,
		grader: func(s tasks.JudgeSpec) grader { return containsGrader(s.CaseSensitive) }},
	KindEM: {extract: extractTextBoxed, grader: func(tasks.JudgeSpec) grader { return gradeEM }},
	// environment is built by newStep (environmentJudge): the sample's environment grades.
	KindEnvironment: {extract: extractText},
	KindExact: {extract: extractText, caseSensitive: true,
		grader: func(s tasks.JudgeSpec) grader { return exactGrader(s.CaseSensitive) }},
	KindF1: {extract: extractTextBoxed, threshold: ptr(DefaultF1Threshold),
		grader: func(s tasks.JudgeSpec) grader { return scored(*s.Threshold, f1Score) }},
	KindLLM: {extract: extractText},
	KindMath: {extract: extractMath, tolerance: true,
		grader: func(s tasks.JudgeSpec) grader { return mathGrader(s.RelTol, s.AbsTol) }},
	KindMathVista: {extract: extractMathVista, llmExtract: true,
		grader: func(tasks.JudgeSpec) grader { return gradeMathVista }},
	// mathvista-vlmevalkit is built by newStep (mathVistaVLMEvalKit), with or without its LLM step.
	KindMathVistaVLMEvalKit: {extract: extractText, llmExtract: true},
	KindNumeric: {extract: extractMath, tolerance: true, defaultTol: true,
		grader: func(s tasks.JudgeSpec) grader { return numericGrader(*s.RelTol, *s.AbsTol) }},
	KindRegex: {extract: extractText, pattern: true,
		grader: func(s tasks.JudgeSpec) grader { return regexGrader(regexp.MustCompile(s.Pattern)) }},
	KindRougeL: {extract: extractText, threshold: ptr(DefaultOverlapThreshold),
		grader: func(s tasks.JudgeSpec) grader { return scored(*s.Threshold, rougeL) }},
	KindSubEM: {extract: extractTextBoxed, grader: func(tasks.JudgeSpec) grader { return gradeSubEM }},
	KindVStar: {extract: extractText, grader: func(tasks.JudgeSpec) grader { return gradeVStar }},
	// mme-realworld reads the answer tag itself, as its scorer does.
	KindMMERealWorld: {extract: []string{"strip_think"}, grader: func(tasks.JudgeSpec) grader { return gradeMMERealWorld }},
}

// Kinds returns the judge kinds New knows, sorted.
func Kinds() []string { return kindsWhere(func(judgeKind) bool { return true }) }

// kindsWhere returns the kinds for which has is true, sorted.
func kindsWhere(has func(judgeKind) bool) []string {
	var out []string
	for name, k := range kinds {
		if has(k) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// andList writes names as "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// DefaultExtract returns the extractors a judge kind runs when its spec lists none. Every
// chain starts with strip_think, so that reasoning never supplies the answer, and ends, when
// nothing is found, with the whole remaining output:
//
//   - math, numeric: strip_think, answer_tag, answer_is, boxed, latex, expression,
//     last_number: Math-Verify's order (see Extract for how the answer tag and the
//     announcement narrow the text the later extractors read, and AnswerIs for how an
//     announcement yields to a later box).
//   - mathvista: strip_think, answer_tag, boxed, answer_is. No last_number: the official
//     scorer is given an already extracted answer, and a rule must not rewrite "(B) 3 cm" or
//     "[1, 2]" into a bare number before MathVista's own normalisation sees it.
//   - choice: strip_think, answer_tag, boxed; VLMEvalKit's can_infer then reads the rest.
//   - em, subem, f1: strip_think, answer_tag, boxed: a boxed answer is graded without its
//     \boxed{}.
//   - anls, exact, contains, regex, bleu1, rougeL, mathvista-vlmevalkit, vstar: strip_think,
//     answer_tag (V*'s rule unwraps a \boxed itself).
//   - mme-realworld: strip_think; the rule reads an answer tag itself, as its scorer does.
//   - llm: strip_think, answer_tag. The judge reads the model's answer, not its reasoning.
//
// The mathvista kinds may end their list with llm, their LLM extraction step (see
// mathVistaLLM, mathVistaVLMEvalKit); extract: [llm] puts the output to it as it is, as the
// official pipelines take the response.
//
// A spec that lists only strip_think grades the (trimmed) output as it stands: the way to
// grade answers that an official pipeline has already extracted. DefaultExtract returns nil
// for an unknown kind.
func DefaultExtract(name string) []string {
	return slices.Clone(kinds[name].extract)
}

// Default parameters, where a spec leaves them out.
const (
	// DefaultF1Threshold makes an f1 verdict pass only when the answer has exactly the gold's
	// tokens; the graded agreement is in Score, whose mean is what MMSearch reports.
	DefaultF1Threshold = 1.0
	// DefaultANLSThreshold is DocVQA's τ: a similarity below it scores 0.
	DefaultANLSThreshold = 0.5
	// DefaultOverlapThreshold is the pass threshold of bleu1 and rougeL.
	DefaultOverlapThreshold = 0.5
	// DefaultRelTol and DefaultAbsTol are the numeric judge's tolerances: |answer − gold| ≤
	// max(RelTol·|gold|, AbsTol). They match mathequiv's defaults.
	DefaultRelTol = 1e-6
	DefaultAbsTol = 1e-9
)

// problem is one thing wrong with a JudgeSpec, at a path of suite keys. byLoad marks the
// problems tasks.Load reports already (a missing kind, a negative tolerance), which Check
// leaves out so that a suite's errors are not listed twice.
type problem struct {
	path   []string
	msg    string
	byLoad bool
}

// validator collects the problems of a spec.
type validator struct{ ps []problem }

func (v *validator) add(byLoad bool, path []string, msg string, key ...string) {
	v.ps = append(v.ps, problem{path: append(append([]string(nil), path...), key...), msg: msg, byLoad: byLoad})
}

// validate returns everything wrong with spec, in field order.
func validate(spec tasks.JudgeSpec) []problem {
	v := &validator{}
	at := []string{"judge"}
	if !spec.IsCascade() {
		v.judge(spec, at)
		return v.ps
	}
	if spec.Kind != "" && spec.Kind != tasks.KindCascade {
		v.add(true, at, fmt.Sprintf("kind %q does not go with steps: a cascade's judges are its steps", spec.Kind), "kind")
	}
	if len(spec.Steps) == 0 {
		v.add(true, at, "a cascade needs steps", "steps")
	}
	v.extractors(spec.Extract, at)
	for _, f := range setFields(spec) {
		if f != "extract" && f != "name" && f != "steps" && f != "kind" && f != "strategy" {
			v.add(false, at, fmt.Sprintf("%s is not read by a cascade: set it on its steps", f), f)
		}
	}
	recall := spec.Strategy == tasks.StrategyLLMRecall
	switch {
	case spec.Strategy != "" && spec.Strategy != tasks.StrategyConfident && !recall:
		v.add(false, at, unknownName("strategy", spec.Strategy, strategies), "strategy")
	case recall && len(spec.Steps) == 1:
		v.add(false, at, "llm_recall needs a step after the first, to be asked about the answers the first fails", "steps")
	}
	names := map[string]int{}
	decider := ""
	for i, step := range spec.Steps {
		sat := []string{"judge", "steps", strconv.Itoa(i)}
		if step.IsCascade() {
			v.add(true, sat, "a cascade step cannot be a cascade itself", "steps")
			continue
		}
		v.judge(step, sat)
		name := StepName(step)
		if first, dup := names[name]; dup {
			key := "kind"
			if step.Name != "" {
				key = "name"
			}
			v.add(false, sat, fmt.Sprintf("step name %q is taken by judge.steps.%d: give one of them a name", name, first), key)
		} else {
			names[name] = i
		}
		if decider != "" && !recall {
			v.add(false, sat, fmt.Sprintf("this step is never reached: the %s step before it always decides", decider), "kind")
		}
		if alwaysDecides(step) && decider == "" {
			decider = name
		}
	}
	return v.ps
}

// episodeJudge checks a judge of episodes (bfcl-multi-turn): it reads no parameters and grades
// alone, never as a cascade's step (a cascade grades answers).
func (v *validator) episodeJudge(spec tasks.JudgeSpec, at []string) {
	if len(at) > 1 {
		v.add(false, at, "the "+spec.Kind+" judge grades an environment's episode, not an answer: it cannot be a cascade's step", "kind")
	}
	for _, f := range []struct {
		key string
		set bool
	}{{"extract", len(spec.Extract) > 0}, {"rel_tol", spec.RelTol != nil}, {"abs_tol", spec.AbsTol != nil},
		{"pattern", spec.Pattern != ""}, {"threshold", spec.Threshold != nil}, {"case_sensitive", spec.CaseSensitive},
		{"template", spec.Template != "" || spec.TemplateFile != "" || spec.TemplateText != ""}, {"model", spec.Model != ""},
		{"base_url", spec.BaseURL != ""}} {
		if f.set {
			v.add(false, at, "the "+spec.Kind+" judge reads no "+f.key+": it runs BFCL's checker on the episode", f.key)
		}
	}
}

// judge checks one judge: a whole spec, or a cascade's step at path.
func (v *validator) judge(spec tasks.JudgeSpec, at []string) {
	kind := spec.Kind
	if kind == KindBFCLMultiTurn || kind == KindBFCLMultiTurnStrict {
		v.episodeJudge(spec, at)
		return
	}
	k, known := kinds[kind]
	if spec.Strategy != "" {
		v.add(false, at, "strategy is read only by a cascade: give the judges as its steps", "strategy")
	}
	switch {
	case kind == "":
		v.add(true, at, "judge kind is missing; known kinds: "+strings.Join(Kinds(), ", "), "kind")
	case !known:
		v.add(false, at, unknownName("judge kind", kind, Kinds()), "kind")
	}
	v.extractors(spec.Extract, at)
	if i := slices.Index(spec.Extract, "llm"); i >= 0 {
		switch {
		case known && !readsLLMExtract(kind):
			v.add(false, at, fmt.Sprintf("the llm extractor is read only by the %s kinds, not by %s", andList(llmExtractKinds()), kind), "extract", strconv.Itoa(i))
		case i != len(spec.Extract)-1:
			v.add(false, at, "llm must end the extract list: the LLM's answer is the one graded", "extract", strconv.Itoa(i))
		}
	}
	for _, tol := range []struct {
		key string
		v   *float64
	}{{"rel_tol", spec.RelTol}, {"abs_tol", spec.AbsTol}} {
		switch {
		case tol.v == nil:
		case !(*tol.v >= 0):
			v.add(true, at, fmt.Sprintf("%s must be a number ≥ 0, not %v", tol.key, *tol.v), tol.key)
		case math.IsInf(*tol.v, 1):
			v.add(false, at, fmt.Sprintf("%s must be finite", tol.key), tol.key)
		case known && !k.tolerance:
			v.add(false, at, notRead(tol.key, kind, func(k judgeKind) bool { return k.tolerance }), tol.key)
		}
	}
	switch {
	case k.pattern && spec.Pattern == "":
		v.add(false, at, "the "+kind+" judge needs a pattern: set pattern to a regular expression (--pattern on the command line)", "pattern")
	case k.pattern:
		if _, err := regexp.Compile(spec.Pattern); err != nil {
			v.add(false, at, fmt.Sprintf("pattern does not compile: %v", err), "pattern")
		}
	case spec.Pattern != "" && known:
		v.add(false, at, notRead("pattern", kind, func(k judgeKind) bool { return k.pattern }), "pattern")
	}
	if t := spec.Threshold; t != nil {
		switch {
		case !(*t >= 0 && *t <= 1):
			v.add(false, at, fmt.Sprintf("threshold must be between 0 and 1, not %v", *t), "threshold")
		case known && k.threshold == nil:
			v.add(false, at, notRead("threshold", kind, func(k judgeKind) bool { return k.threshold != nil }), "threshold")
		}
	}
	if spec.CaseSensitive && known && !k.caseSensitive {
		v.add(false, at, notRead("case_sensitive", kind, func(k judgeKind) bool { return k.caseSensitive }), "case_sensitive")
	}
	v.llm(spec, at, known)
}

// notRead says that key is not read by the judge kind name, but only by the kinds for which
// reads is true.
func notRead(key, name string, reads func(judgeKind) bool) string {
	return fmt.Sprintf("%s is not read by the %s judge (only by %s)", key, name, andList(kindsWhere(reads)))
}

// readsLLMExtract reports whether a kind may end its extractors with llm, its LLM extraction
// step (extract: [… llm]).
func readsLLMExtract(kind string) bool { return kinds[kind].llmExtract }

// llmExtractKinds are the kinds with an LLM extraction step, sorted.
func llmExtractKinds() []string { return kindsWhere(func(k judgeKind) bool { return k.llmExtract }) }

// extractors checks extractor names.
func (v *validator) extractors(names []string, at []string) {
	for i, name := range names {
		if _, ok := lookupExtractor(name); !ok {
			v.add(false, at, unknownName("extractor", name, ExtractorNames()), "extract", strconv.Itoa(i))
		}
	}
}

// envLLMKeys are the keys of the llm judge the environment judge reads too: the endpoint of
// the LLM its environment may ask (τ2's NL assertions).
var envLLMKeys = []string{"model", "base_url", "api_key_env", "max_tokens", "retries"}

// llmKeys are the keys only the llm judge reads.
var llmKeys = []string{"template", "template_file", "verdict", "model", "base_url", "api_key_env", "max_tokens", "retries"}

// llm checks the settings of an LLM judge, and that no other kind has any but the endpoint
// settings of an LLM extraction step (extract: [… llm]).
func (v *validator) llm(spec tasks.JudgeSpec, at []string, known bool) {
	if spec.Kind != KindLLM {
		_, extractLLM := llmStep(spec.Extract)
		for _, f := range setFields(spec) {
			switch {
			case !known || !slices.Contains(llmKeys, f):
			case spec.Kind == KindEnvironment && slices.Contains(envLLMKeys, f):
			case extractLLM && readsLLMExtract(spec.Kind) && !slices.Contains([]string{"template", "template_file", "verdict"}, f):
			case readsLLMExtract(spec.Kind) && !slices.Contains([]string{"template", "template_file", "verdict"}, f):
				v.add(false, at, fmt.Sprintf("%s is read by the %s judge only with its LLM extraction step: end extract with llm", f, spec.Kind), f)
			default:
				v.add(false, at, fmt.Sprintf("%s is not read by the %s judge (only by llm)", f, spec.Kind), f)
			}
		}
		if m := spec.MaxTokens; m != nil && *m < 1 {
			v.add(true, at, fmt.Sprintf("max_tokens must be ≥ 1, not %d", *m), "max_tokens")
		}
		if r := spec.Retries; r != nil && *r < 0 {
			v.add(true, at, fmt.Sprintf("retries must be ≥ 0, not %d", *r), "retries")
		}
		return
	}
	custom := spec.TemplateFile != "" || spec.TemplateText != ""
	switch {
	case spec.Template != "" && custom:
		v.add(false, at, "template and template_file exclude each other: name a shipped template or give a file", "template_file")
	case spec.Template != "":
		if !slices.Contains(Templates(), spec.Template) {
			v.add(false, at, unknownName("template", spec.Template, Templates()), "template")
		}
		if spec.Verdict != "" {
			v.add(false, at, fmt.Sprintf("verdict is read only with template_file: the %s template has its own", spec.Template), "verdict")
		}
	case spec.TemplateText == "" && spec.TemplateFile != "":
		// tasks.Load reports a file it could not read; an empty one is caught here.
		v.add(true, at, fmt.Sprintf("the template file %s was not read, or is empty", spec.TemplateFile), "template_file")
	case !custom:
		v.add(false, at, "the llm judge needs a template: set template to a shipped one ("+strings.Join(Templates(), ", ")+
			") or template_file to a file of your own (--judge-template on the command line)", "template")
	default:
		key := "template_file"
		if spec.TemplateFile == "" {
			key = "kind"
		}
		if err := checkTemplate(spec.TemplateText); err != nil {
			v.add(false, at, err.Error(), key)
		}
	}
	if spec.Verdict != "" && !slices.Contains(Templates(), spec.Verdict) {
		v.add(false, at, unknownName("verdict", spec.Verdict, Templates()), "verdict")
	}
	if spec.MaxTokens != nil && *spec.MaxTokens < 1 {
		v.add(true, at, fmt.Sprintf("max_tokens must be ≥ 1, not %d", *spec.MaxTokens), "max_tokens")
	}
	if spec.Retries != nil && *spec.Retries < 0 {
		v.add(true, at, fmt.Sprintf("retries must be ≥ 0, not %d", *spec.Retries), "retries")
	}
}

// setFields lists the YAML keys a spec sets, in field order.
func setFields(spec tasks.JudgeSpec) []string {
	var out []string
	for _, f := range []struct {
		key string
		set bool
	}{
		{"kind", spec.Kind != ""}, {"name", spec.Name != ""}, {"extract", len(spec.Extract) > 0},
		{"rel_tol", spec.RelTol != nil}, {"abs_tol", spec.AbsTol != nil}, {"pattern", spec.Pattern != ""},
		{"threshold", spec.Threshold != nil}, {"case_sensitive", spec.CaseSensitive},
		{"template", spec.Template != ""}, {"template_file", spec.TemplateFile != "" || spec.TemplateText != ""},
		{"verdict", spec.Verdict != ""}, {"model", spec.Model != ""}, {"base_url", spec.BaseURL != ""},
		{"api_key_env", spec.APIKeyEnv != ""}, {"max_tokens", spec.MaxTokens != nil}, {"retries", spec.Retries != nil},
		{"steps", len(spec.Steps) > 0}, {"strategy", spec.Strategy != ""},
	} {
		if f.set {
			out = append(out, f.key)
		}
	}
	return out
}

// StepName is what a judge's verdicts give as their Step: its name, or its kind, or for an LLM
// judge "llm:" and its template's name (a custom template's file name without extension).
func StepName(spec tasks.JudgeSpec) string {
	switch {
	case spec.Name != "":
		return spec.Name
	case spec.Kind != KindLLM:
		return spec.Kind
	case spec.Template != "":
		return KindLLM + ":" + spec.Template
	case spec.TemplateFile != "":
		base := path.Base(filepath.ToSlash(spec.TemplateFile))
		return KindLLM + ":" + strings.TrimSuffix(base, path.Ext(base))
	}
	return KindLLM + ":custom"
}

// unknownName says that name is not among known, suggesting the closest known name when one
// is close enough to be a likely typo.
func unknownName(what, name string, known []string) string {
	msg := fmt.Sprintf("unknown %s %q", what, name)
	if s := closest(name, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; known: " + strings.Join(known, ", ")
}

// closest returns the name in known with the smallest edit distance to name, ignoring case,
// when that distance is at most a third of the longer name (and at least 2 edits are always
// allowed); otherwise "".
func closest(name string, known []string) string {
	best, bestDist := "", math.MaxInt
	for _, k := range known {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(k))
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	if bestDist <= max(2, max(len(name), len(best))/3) {
		return best
	}
	return ""
}

// Check validates a suite's judge spec: an unknown kind (with the known ones and the closest
// to it), unknown extractor names, a regex judge's missing or broken pattern, infinite
// tolerances, thresholds outside [0, 1], and parameters the kind would ignore. Each problem
// is positioned at its key (an extractor at judge.extract.N). A missing kind and negative
// tolerances are left to tasks.Load, which reports them already; New rejects them too.
func Check(s *tasks.Suite) []*tasks.Error {
	var errs []*tasks.Error
	for _, p := range validate(s.Judge) {
		if !p.byLoad {
			errs = append(errs, s.Errorf(p.path, "%s", p.msg))
		}
	}
	return errs
}

// New returns the judge spec declares: a rule judge, an LLM judge or a cascade, built with
// no Options. A spec that Check would reject is an error naming every problem.
func New(spec tasks.JudgeSpec) (Judge, error) { return NewWith(spec, Options{}) }

// NewWith returns the judge spec declares, its LLM judges built with opt. A spec that Check
// would reject is an error naming every problem, as is an LLM judge with no model or endpoint.
// A problem of a spec read from a judge file (tasks.LoadJudgeFile) is a *tasks.Error at its
// place in that file; any other is named by its path of keys ("judge.steps.1: …").
func NewWith(spec tasks.JudgeSpec, opt Options) (Judge, error) {
	if ps := validate(spec); len(ps) > 0 {
		errs := make([]error, len(ps))
		for i, p := range ps {
			errs[i] = specError(spec, p.path, p.msg)
		}
		return nil, errors.Join(errs...)
	}
	if !spec.IsCascade() {
		return newStep(spec, opt, []string{"judge"})
	}
	c := &cascade{id: ID(spec), recall: spec.Strategy == tasks.StrategyLLMRecall}
	var errs []error
	for i, step := range steps(spec) {
		j, err := newStep(step, opt, []string{"judge", "steps", strconv.Itoa(i)})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.steps = append(c.steps, j)
		c.names = append(c.names, StepName(step))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// steps returns a cascade's steps with the cascade's extractors given to those that name none.
func steps(spec tasks.JudgeSpec) []tasks.JudgeSpec {
	out := make([]tasks.JudgeSpec, len(spec.Steps))
	for i, st := range spec.Steps {
		if len(st.Extract) == 0 {
			st.Extract = spec.Extract
		}
		out[i] = st
	}
	return out
}

// specError is a problem of spec at path (keys as in a suite: "judge", "steps", "1",
// "kind"): positioned in the judge file the spec was read from, if it was, else named by its
// path.
func specError(spec tasks.JudgeSpec, path []string, msg string) error {
	if e := spec.Errorf(path, "%s", msg); e != nil {
		return e
	}
	return fmt.Errorf("%s: %s", strings.Join(path, "."), msg)
}

// newStep builds one judge (not a cascade); at is its path, for errors.
func newStep(spec tasks.JudgeSpec, opt Options, at []string) (Judge, error) {
	if spec.Kind == KindLLM {
		j, err := newLLM(spec, opt)
		if err != nil {
			return nil, specError(spec, at, err.Error())
		}
		return j, nil
	}
	if spec.Kind == KindBFCLMultiTurn || spec.Kind == KindBFCLMultiTurnStrict {
		return BFCLMultiTurn{Strict: spec.Kind == KindBFCLMultiTurnStrict}, nil
	}
	spec = effective(spec)
	if spec.Kind == KindEnvironment {
		j := &environmentJudge{id: ID(spec)}
		if spec.Model != "" || spec.BaseURL != "" {
			j.ask = newEnvAsker(spec, opt)
		}
		return j, nil
	}
	if readsLLMExtract(spec.Kind) {
		before, llm := llmStep(spec.Extract)
		switch {
		case spec.Kind == KindMathVista && llm:
			x, err := newExtractor(spec, promptMathVistaExtract, opt)
			if err != nil {
				return nil, specError(spec, at, err.Error())
			}
			return &mathVistaLLM{id: ID(spec), step: StepName(spec), before: before, llm: x}, nil
		case spec.Kind == KindMathVistaVLMEvalKit:
			j := &mathVistaVLMEvalKit{id: ID(spec), step: StepName(spec), before: before}
			if llm {
				x, err := newExtractor(spec, promptVLMEvalKitExtract, opt)
				if err != nil {
					return nil, specError(spec, at, err.Error())
				}
				j.llm = x
			}
			return j, nil
		}
	}
	j := &ruleJudge{id: ID(spec), step: StepName(spec), extract: spec.Extract, grade: kinds[spec.Kind].grader(spec)}
	return j, nil
}

// effective returns spec with the kind's defaults filled in: its extractors, its pass
// threshold and, for the numeric judge, its tolerances. Two specs with the same effective
// form grade alike and share an ID.
func effective(spec tasks.JudgeSpec) tasks.JudgeSpec {
	k := kinds[spec.Kind]
	if len(spec.Extract) == 0 {
		spec.Extract = DefaultExtract(spec.Kind)
	}
	if k.threshold != nil && spec.Threshold == nil {
		spec.Threshold = ptr(*k.threshold)
	}
	if k.defaultTol {
		if spec.RelTol == nil {
			spec.RelTol = ptr(DefaultRelTol)
		}
		if spec.AbsTol == nil {
			spec.AbsTol = ptr(DefaultAbsTol)
		}
	}
	return spec
}

func ptr[T any](v T) *T { return &v }

// The versions that are part of every judge ID. Bump one when its judges' grading changes,
// so that results graded before and after never share an ID.
const (
	rulesVersion   = 2
	llmVersion     = 1
	cascadeVersion = 1
)

// ID returns a short stable identity of the judge spec declares: its kind, a colon and 8 hex
// digits of a SHA-256 (see identity). Changing any parameter changes the ID; spelling out a
// default does not, and neither does a step's name. An LLM judge's ID covers its template's
// text, verdict rule, model, base URL, generation settings and extractors, never its key;
// so spec should be resolved (Override) before its ID is taken. A cascade's ID covers its
// strategy and its steps' identities, in order.
func ID(spec tasks.JudgeSpec) string {
	kind, sum := identity(spec)
	return kind + ":" + hex.EncodeToString(sum[:4])
}

// identity returns the kind of the judge spec declares and the SHA-256 of the canonical JSON
// of everything that decides its verdicts, under a version line. A rule judge's JSON is its
// spec with its defaults filled in, keys sorted (so no field or map order matters).
func identity(spec tasks.JudgeSpec) (string, [32]byte) {
	h := sha256.New()
	var sum [32]byte
	switch {
	case spec.IsCascade():
		fmt.Fprintf(h, "realx-cascade/%d\n", cascadeVersion)
		if spec.Strategy == tasks.StrategyLLMRecall {
			fmt.Fprintf(h, "strategy %s\n", spec.Strategy) // the default changes no ID
		}
		for _, st := range steps(spec) {
			_, s := identity(st)
			h.Write(s[:])
		}
		h.Sum(sum[:0])
		return tasks.KindCascade, sum
	case spec.Kind == KindLLM:
		fmt.Fprintf(h, "realx-llm/%d\n", llmVersion)
		h.Write(canonical(llmIdentityOf(spec)))
		h.Sum(sum[:0])
		return KindLLM, sum
	}
	spec = effective(spec)
	spec.Name = ""
	spec.APIKeyEnv = "" // which variable holds the key decides nothing
	fmt.Fprintf(h, "realx-rules/%d\n", rulesVersion)
	h.Write(canonical(spec))
	h.Sum(sum[:0])
	return spec.Kind, sum
}

// canonical returns v as JSON with sorted object keys.
func canonical(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("judges: %T does not marshal: %v", v, err)) // only plain fields
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		panic(fmt.Sprintf("judges: %T JSON does not read back: %v", v, err))
	}
	out, _ := json.Marshal(tree) // maps marshal with sorted keys
	return out
}

// grader grades an extracted answer against a sample's gold answers.
type grader func(s *tasks.Sample, answer string) (Verdict, error)

// ruleJudge runs a kind's extractors, then its grader, and stamps the verdict with the judge
// ID and the step's name (its kind, unless named). It holds no mutable state.
type ruleJudge struct {
	id, step string
	extract  []string
	grade    grader
}

// ID implements Judge.
func (j *ruleJudge) ID() string { return j.id }

// Judge implements Judge.
func (j *ruleJudge) Judge(_ context.Context, s *tasks.Sample, output string) (Verdict, error) {
	if err := checkSample(s); err != nil {
		return Verdict{}, err
	}
	v, err := j.grade(s, Extract(output, j.extract))
	if err != nil {
		return Verdict{}, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	v.JudgeID, v.Step = j.id, j.step
	return v, nil
}

// checkSample reports a sample no judge can grade: none, or one without a gold answer.
func checkSample(s *tasks.Sample) error {
	if s == nil {
		return errors.New("judges: nil sample")
	}
	if len(s.Answers()) == 0 {
		return fmt.Errorf("sample %s has no gold answer", s.ID)
	}
	return nil
}

// verdict returns a pass/fail verdict with Score 1 or 0.
func verdict(pass, confident bool, extracted, reason string) Verdict {
	v := Verdict{Pass: pass, Extracted: extracted, Reason: reason, Confident: confident || pass}
	if pass {
		v.Score = 1
	}
	return v
}
