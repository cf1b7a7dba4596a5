package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

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
	var p runners.Provider
	if prefix, rest, ok := strings.Cut(model, ":"); ok {
		if known, found := runners.Providers[prefix]; found {
			p, name = known, rest
		}
	}
	if name == "" {
		return nil, fmt.Errorf("--model %q: no model name after the provider", model)
	}
	prefix, _, _ := strings.Cut(model, ":")
	urlFrom, keyFrom := "", ""
	if baseURL == "" {
		baseURL, urlFrom = p.BaseURL, "provider "+prefix+"'s default"
	}
	if baseURL == "" {
		return nil, fmt.Errorf("--model %q: unknown provider; give --base-url, or use one of %s", model, strings.Join(runners.ProviderNames(), ", "))
	}
	if err := runners.CheckBaseURL(baseURL); err != nil {
		return nil, err
	}
	key := ""
	switch {
	case keyEnv != "":
		if key = getenv(keyEnv); key == "" {
			return nil, fmt.Errorf("--api-key-env %s: %s is not set", keyEnv, keyEnv)
		}
	case p.KeyEnv != "":
		keyEnv, keyFrom = p.KeyEnv, "provider "+prefix+"'s default"
		if key = getenv(keyEnv); key == "" && p.KeyNeeded {
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
	ep := reports.Endpoint{Role: "model", Model: m.Endpoint.Model, URL: runners.RedactURL(m.Endpoint.BaseURL), URLFrom: m.URLFrom}
	if m.Endpoint.APIKey != "" {
		ep.KeyEnv, ep.KeyFrom = m.KeyEnv, m.KeyFrom
	}
	return ep
}

// modelsFileEnv names the environment variable read when --models is not given.
const modelsFileEnv = "REALX_MODELS"

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
		models, ferr := runners.ReadModels(file)
		if ferr != nil {
			return nil, ferr
		}
		if e, ok := models[name]; ok {
			spec, err = resolveEntry(name, e, baseURL, keyEnv, getenv)
		} else if c.IsSet("models") && !strings.Contains(name, ":") && baseURL == "" {
			return nil, fmt.Errorf("--model %q is not in %s (it has %s), and is not PROVIDER:MODEL", name, file, strings.Join(slices.Sorted(maps.Keys(models)), ", "))
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
func resolveEntry(name string, e runners.ModelEntry, baseURL, keyEnv string, getenv func(string) string) (*modelSpec, error) {
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
