package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/tasks"
)

// This file decides which endpoints realx may send an API key to, and lists every endpoint a
// command calls before it calls any.
//
// A key is sent only to an endpoint the user chose: one named by a flag (--base-url,
// --judge-base-url), the user's models file, or a provider's own endpoint (openai:…,
// openrouter:…) given that provider's key variable or one the user named. A suite, or a
// judge file, is someone else's work: when it names an LLM judge's endpoint (base_url, or a
// provider whose endpoint would get another variable's key) and a key would go there —
// whichever variable, named by the suite or by --judge-api-key-env — the command is refused
// before any call (exit 2, at the suite's line), unless --trust-suite-endpoints. An endpoint a
// suite names with no key is called: it is sent the judge's prompt (the question, the gold
// answer and the model's answer, which the suite's author has or could compute) and nothing
// secret, and it is listed like every other.

// trustFlag is the flag that lets a suite's LLM judge endpoint receive a key.
const trustFlag = "trust-suite-endpoints"

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

// judgeEndpoints returns the endpoints of the LLM judges of resolved (the LLM extraction steps
// of rule kinds included: judges.UsesLLM), the judge spec orig read from src with the judge
// flags applied (judgeSetup.resolve), for the suite named suite; and a problem, positioned in
// src, for each that would send a key to an endpoint the suite chose while trust is false.
func (js *judgeSetup) judgeEndpoints(suite string, src judgeSource, orig, resolved tasks.JudgeSpec, trust bool) ([]reports.Endpoint, []error) {
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
		ep, err := js.judgeEndpoint(suite, src, st.orig, st.resolved, st.path, trust)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		eps = append(eps, ep)
	}
	return eps, problems
}

// judgeEndpoint returns the endpoint of one LLM judge (a cascade's step at path), or the
// problem of a key it would send to an endpoint the suite chose.
func (js *judgeSetup) judgeEndpoint(suite string, src judgeSource, orig, resolved tasks.JudgeSpec, path []string, trust bool) (reports.Endpoint, error) {
	key := func(k string) []string { return append(append([]string(nil), path...), k) }
	ep := reports.Endpoint{Role: "judge", Suite: suite, Step: judges.StepName(resolved), Model: resolved.Model,
		URL: redactURL(resolved.BaseURL)}
	// Who chose the endpoint: the flag, the file's base_url, or the provider its model names
	// (the flag's model, or the file's).
	byFile, provider := false, ""
	switch {
	case js.override.BaseURL != "":
		ep.URLFrom = "--judge-base-url"
	case orig.BaseURL != "":
		ep.URLFrom, byFile = src.at(key("base_url")), true
	default:
		prefix, _, _ := strings.Cut(cmp.Or(js.override.Model, orig.Model), ":")
		provider = prefix
		ep.URLFrom = "provider " + prefix + "'s default, for the model named by " + cmp.Or(flagIf(js.override.Model != "", "--judge-model"), src.at(key("model")))
	}
	if resolved.APIKeyEnv == "" {
		return ep, nil
	}
	ep.KeyEnv = resolved.APIKeyEnv
	keyByUser := js.override.APIKeyEnv != ""
	switch {
	case keyByUser:
		ep.KeyFrom = "--judge-api-key-env"
	case orig.APIKeyEnv != "":
		ep.KeyFrom = src.at(key("api_key_env"))
	default:
		ep.KeyFrom = "provider " + provider + "'s default"
	}
	ownKey := provider != "" && (keyByUser || resolved.APIKeyEnv == providers[provider].keyEnv)
	if trust || (!byFile && (provider == "" || ownKey)) {
		if trust && (byFile || !ownKey && provider != "") {
			ep.URLFrom += ", trusted by --" + trustFlag
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
		"or give --%s if you trust this endpoint with that key", what, ep.KeyEnv, ep.KeyFrom, trustFlag)
}

// printEndpoints writes every endpoint a command is about to call to w, one a line, before
// the first call.
func printEndpoints(w io.Writer, eps []reports.Endpoint) {
	for _, ep := range eps {
		fmt.Fprintf(w, "realx: endpoint: %s\n", ep)
	}
}

// trustFlagOf is --trust-suite-endpoints, of run, score, rejudge and judge.
func trustFlagOf() cli.Flag {
	return &cli.BoolFlag{Name: trustFlag, Usage: "send an API key to an LLM judge endpoint that a suite or judge file names (base_url); without it such a suite is refused before any call"}
}
