package main

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// provider is a known kind of OpenAI-compatible endpoint: its default base URL and the
// environment variable its API key is read from.
type provider struct {
	baseURL   string
	keyEnv    string
	keyNeeded bool
}

// providers are the endpoints `--model PROVIDER:MODEL` knows. Any other OpenAI-compatible
// server works with a bare model name and --base-url.
var providers = map[string]provider{
	"openai":     {baseURL: "https://api.openai.com/v1", keyEnv: "OPENAI_API_KEY", keyNeeded: true},
	"openrouter": {baseURL: "https://openrouter.ai/api/v1", keyEnv: "OPENROUTER_API_KEY", keyNeeded: true},
	"vllm":       {baseURL: "http://localhost:8000/v1", keyEnv: "VLLM_API_KEY"},
	"sglang":     {baseURL: "http://localhost:30000/v1", keyEnv: "SGLANG_API_KEY"},
	"ollama":     {baseURL: "http://localhost:11434/v1", keyEnv: "OLLAMA_API_KEY"},
}

// modelSpec is a model to evaluate, resolved from flags: never holding the key itself in
// anything that is written out.
type modelSpec struct {
	// Label names the model in results and reports.
	Label    string
	Endpoint runners.Endpoint
	KeyEnv   string
	// URLFrom and KeyFrom say who chose the base URL and the key's variable (a flag, the
	// models file, the provider's default), as reports.Endpoint records them.
	URLFrom, KeyFrom string
	// Prices and Generation come from a models file; Generation applies over the suite's and
	// under the command line's.
	Prices     *reports.Prices
	Generation tasks.Generation
}

// resolveModel turns --model, --base-url and --api-key-env into an endpoint. The key is read
// from the environment here and nowhere else. keyEnv is a variable named on purpose (the flag,
// or a models file): it must be set. Without it, the provider's variable is read, and must be
// set only for a provider that needs a key (not a local server's).
func resolveModel(model, baseURL, keyEnv string, getenv func(string) string) (*modelSpec, error) {
	if model == "" {
		return nil, fmt.Errorf("--model is required (PROVIDER:MODEL such as openai:gpt-4o or vllm:Qwen2.5-VL-7B-Instruct, or a model name with --base-url)")
	}
	name := model
	var p provider
	if prefix, rest, ok := strings.Cut(model, ":"); ok {
		if known, found := providers[prefix]; found {
			p, name = known, rest
		}
	}
	if name == "" {
		return nil, fmt.Errorf("--model %q: no model name after the provider", model)
	}
	prefix, _, _ := strings.Cut(model, ":")
	urlFrom, keyFrom := "", ""
	if baseURL == "" {
		baseURL, urlFrom = p.baseURL, "provider "+prefix+"'s default"
	}
	if baseURL == "" {
		return nil, fmt.Errorf("--model %q: unknown provider; give --base-url, or use one of %s", model, strings.Join(providerNames(), ", "))
	}
	if err := checkBaseURL(baseURL); err != nil {
		return nil, err
	}
	key := ""
	switch {
	case keyEnv != "":
		if key = getenv(keyEnv); key == "" {
			return nil, fmt.Errorf("--api-key-env %s: %s is not set", keyEnv, keyEnv)
		}
	case p.keyEnv != "":
		keyEnv, keyFrom = p.keyEnv, "provider "+prefix+"'s default"
		if key = getenv(keyEnv); key == "" && p.keyNeeded {
			return nil, fmt.Errorf("--model %q needs an API key in the environment variable %s", model, keyEnv)
		}
	}
	return &modelSpec{
		Label:    name,
		Endpoint: runners.Endpoint{BaseURL: baseURL, Model: name, APIKey: key},
		KeyEnv:   keyEnv,
		URLFrom:  urlFrom, KeyFrom: keyFrom,
	}, nil
}

// endpoint describes the model's endpoint for the listing of endpoints and the manifest.
func (m *modelSpec) endpoint() reports.Endpoint {
	ep := reports.Endpoint{Role: "model", Model: m.Endpoint.Model, URL: redactURL(m.Endpoint.BaseURL), URLFrom: m.URLFrom}
	if m.Endpoint.APIKey != "" {
		ep.KeyEnv, ep.KeyFrom = m.KeyEnv, m.KeyFrom
	}
	return ep
}

// checkBaseURL refuses a base URL that is not an http(s) URL with a host, before any call.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q: want an http:// or https:// URL with a host, such as http://localhost:8000/v1", redactURL(raw))
	}
	return nil
}

// secretParam is what a query parameter that carries a credential is called.
var secretParam = regexp.MustCompile(`(?i)key|token|secret|passw|auth|sig|credential`)

// redactURL returns raw without what may be a credential: the user and password of its
// userinfo, and query parameters named like keys (api_key, token, sig …). Anything that does
// not parse as a URL with a scheme is returned as it is.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return raw
	}
	changed := u.User != nil
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			if secretParam.MatchString(name) {
				q.Del(name)
				changed = true
			}
		}
		u.RawQuery = q.Encode()
	}
	if !changed {
		return raw
	}
	return u.String()
}

// redactArgs returns a command line with redactURL applied to every argument, and to the
// value of every --flag=value.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if flag, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
			out[i] = flag + "=" + redactURL(value)
			continue
		}
		out[i] = redactURL(a)
	}
	return out
}

func providerNames() []string {
	return []string{"openai", "openrouter", "vllm", "sglang", "ollama"}
}

// modelEntry is one model of a models file (--models): where it is served and what it costs.
type modelEntry struct {
	// Provider is one of providers, for its default base URL and key variable.
	Provider string `yaml:"provider"`
	// Model is the name sent to the endpoint; the entry's name when empty.
	Model     string `yaml:"model"`
	BaseURL   string `yaml:"base_url"`
	APIKeyEnv string `yaml:"api_key_env"`
	// Prices are US dollars per million input and output tokens, for --max-cost.
	Prices     *reports.Prices  `yaml:"prices"`
	Generation tasks.Generation `yaml:"generation"`
}

// modelsFileEnv names the environment variable read when --models is not given.
const modelsFileEnv = "REALX_MODELS"

// readModelsFile reads a models file: a YAML mapping from model names to modelEntry, as
// strictly as a suite. Every problem is reported at once, at its line and column.
func readModelsFile(path string) (map[string]modelEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var models map[string]modelEntry
	doc, err := tasks.DecodeFile(path, data, &models)
	var problems tasks.Errors
	if err != nil && !errors.As(err, &problems) {
		return nil, err
	}
	if doc == nil {
		return nil, problems
	}
	for _, name := range sortedKeys(models) {
		e := models[name]
		if e.Provider != "" {
			if _, ok := providers[e.Provider]; !ok {
				problems = append(problems, doc.Errorf([]string{name, "provider"}, "model %s: unknown provider %q (want one of %s)", name, e.Provider, strings.Join(providerNames(), ", ")))
			}
		}
		if e.Provider == "" && e.BaseURL == "" {
			problems = append(problems, doc.Errorf([]string{name}, "model %s: give a provider or a base_url", name))
		}
		if e.BaseURL != "" {
			if err := checkBaseURL(e.BaseURL); err != nil {
				problems = append(problems, doc.Errorf([]string{name, "base_url"}, "model %s: %v", name, err))
			}
		}
		if p := e.Prices; p != nil && (p.Input < 0 || p.Output < 0) {
			problems = append(problems, doc.Errorf([]string{name, "prices"}, "model %s: prices cannot be negative", name))
		}
		for _, p := range e.Generation.Check() {
			problems = append(problems, doc.Errorf([]string{name, "generation", p.Key}, "model %s: generation.%s %s", name, p.Key, p.Msg))
		}
	}
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	return models, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// modelFromFlags resolves --model: a name from the models file (--models, or the file named
// by REALX_MODELS) first, else PROVIDER:MODEL or a bare name with --base-url. --base-url,
// --api-key-env and --label override the file's entry.
func modelFromFlags(c *cli.Context, getenv func(string) string) (*modelSpec, error) {
	name, baseURL, keyEnv := c.String("model"), c.String("base-url"), c.String("api-key-env")
	file := c.String("models")
	if file == "" {
		file = getenv(modelsFileEnv)
	}
	var spec *modelSpec
	var err error
	if file != "" && name != "" {
		models, ferr := readModelsFile(file)
		if ferr != nil {
			return nil, ferr
		}
		if e, ok := models[name]; ok {
			spec, err = resolveEntry(name, e, baseURL, keyEnv, getenv)
		} else if c.IsSet("models") && !strings.Contains(name, ":") && baseURL == "" {
			return nil, fmt.Errorf("--model %q is not in %s (it has %s), and is not PROVIDER:MODEL", name, file, strings.Join(sortedKeys(models), ", "))
		}
	}
	if spec == nil && err == nil {
		spec, err = resolveModel(name, baseURL, keyEnv, getenv)
	}
	if err != nil {
		return nil, err
	}
	// What resolveModel did not take from the provider came from the flags, or else from the
	// models file.
	if spec.URLFrom == "" {
		spec.URLFrom = cmp.Or(flagIf(baseURL != "", "--base-url"), "the models file "+file)
	}
	if spec.KeyFrom == "" {
		spec.KeyFrom = cmp.Or(flagIf(keyEnv != "", "--api-key-env"), "the models file "+file)
	}
	if l := c.String("label"); l != "" {
		spec.Label = l
	}
	return spec, nil
}

// flagIf returns name when set is true, else "".
func flagIf(set bool, name string) string {
	if set {
		return name
	}
	return ""
}

// resolveEntry resolves the models-file entry e named name, with flags over it.
func resolveEntry(name string, e modelEntry, baseURL, keyEnv string, getenv func(string) string) (*modelSpec, error) {
	model := e.Model
	if model == "" {
		model = name
	}
	if e.Provider != "" {
		model = e.Provider + ":" + model
	}
	if baseURL == "" {
		baseURL = e.BaseURL
	}
	if keyEnv == "" {
		keyEnv = e.APIKeyEnv
	}
	spec, err := resolveModel(model, baseURL, keyEnv, getenv)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	spec.Label, spec.Prices, spec.Generation = name, e.Prices, e.Generation
	return spec, nil
}
