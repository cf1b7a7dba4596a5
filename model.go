package realx

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Model is a model to evaluate: its endpoint (holding the key, which is written out nowhere)
// and what a run records of it.
type Model struct {
	// Label names the model in results and reports.
	Label    string
	Endpoint runners.Endpoint
	// KeyEnv names the environment variable the key came from.
	KeyEnv string
	// URLFrom and KeyFrom say who chose the base URL and the key's variable (a flag, the
	// models file, the provider's default), as reports.Endpoint records them.
	URLFrom, KeyFrom string
	// Prices are the model's, for the run's cost (a models file gives them); nil when unknown.
	Prices *runners.Prices
	// Generation applies over the suite's and under the caller's (a models file gives it).
	Generation tasks.Generation
	// Protocol is the agent protocol the model speaks whatever the suite names (a models
	// file or a preset gives it); "" leaves the suite's.
	Protocol string
	// Images is how the model's images are prepared, over the suite's policy and under the
	// caller's (a models file or a preset gives it).
	Images tasks.ImagePolicy
}

// Describe returns the model's endpoint as a run lists it and records it: its URL without
// credentials, who chose it, and which key variable is sent.
func (m *Model) Describe() reports.Endpoint {
	ep := reports.Endpoint{Role: "model", Model: m.Endpoint.Model, URL: runners.RedactURL(m.Endpoint.BaseURL), URLFrom: m.URLFrom}
	if m.Endpoint.APIKey != "" {
		ep.KeyEnv, ep.KeyFrom = m.KeyEnv, m.KeyFrom
	}
	return ep
}

// ModelRef names a model as the realx command line does.
type ModelRef struct {
	// Name is --model: a name from the models file, PROVIDER:MODEL, or a model name with
	// BaseURL.
	Name string
	// BaseURL and KeyEnv are --base-url and --api-key-env; they override the models file's.
	BaseURL, KeyEnv string
	// Models are the entries of the models file ModelsFile (--models, or the file
	// $REALX_MODELS names; runners.ReadModels), nil for none; ModelsNamed is set when
	// --models named it.
	Models      map[string]runners.ModelEntry
	ModelsFile  string
	ModelsNamed bool
	// Label is --label, the model's name in results ("" for the resolved name).
	Label string
}

// ResolveModel resolves ref: a name from the models file first, then a shipped preset
// (runners.Presets; one of a hosted provider only without a base URL, so that a name sent to
// a URL of one's own keeps meaning that), else PROVIDER:MODEL or a bare name with a base URL.
// The key is read from the environment (getenv) here and nowhere else: a variable named on
// purpose (--api-key-env, or a models file) must be set; without one, the
// provider's variable is read, and must be set only for a provider that needs a key (not a
// local server's).
func ResolveModel(ref ModelRef, getenv func(string) string) (*Model, error) {
	name, baseURL, keyEnv, file := ref.Name, ref.BaseURL, ref.KeyEnv, ref.ModelsFile
	from := "the models file " + file
	preset, isPreset := runners.Presets()[name]
	var m *Model
	var err error
	if ref.Models != nil && name != "" {
		if e, ok := ref.Models[name]; ok {
			m, err = resolveEntry(name, e, baseURL, keyEnv, getenv)
		} else if ref.ModelsNamed && !strings.Contains(name, ":") && baseURL == "" && !isPreset {
			return nil, fmt.Errorf("--model %q is not in %s (it has %s), and is not PROVIDER:MODEL", name, file, strings.Join(slices.Sorted(maps.Keys(ref.Models)), ", "))
		}
	}
	if isPreset && m == nil && err == nil && (baseURL == "" || !runners.Providers[preset.Provider].KeyNeeded) {
		m, err = resolveEntry(name, preset, baseURL, keyEnv, getenv)
		from = runners.PresetsFile
	}
	if m == nil && err == nil {
		m, err = resolveModel(name, baseURL, keyEnv, getenv)
	}
	if err != nil {
		return nil, err
	}
	// What resolveModel did not take from the provider came from the flags, or else from the
	// models file (or the presets).
	if m.URLFrom == "" {
		m.URLFrom = cmp.Or(flagIf(baseURL != "", "--base-url"), from)
	}
	if m.KeyFrom == "" {
		m.KeyFrom = cmp.Or(flagIf(keyEnv != "", "--api-key-env"), from)
	}
	if ref.Label != "" {
		m.Label = ref.Label
	}
	return m, nil
}

// resolveModel turns a model name, a base URL and a key variable into an endpoint.
func resolveModel(model, baseURL, keyEnv string, getenv func(string) string) (*Model, error) {
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
	return &Model{
		Label:    name,
		Endpoint: runners.Endpoint{BaseURL: baseURL, Model: name, APIKey: key},
		KeyEnv:   keyEnv,
		URLFrom:  urlFrom, KeyFrom: keyFrom,
	}, nil
}

// flagIf returns name when set is true, else "".
func flagIf(set bool, name string) string {
	if set {
		return name
	}
	return ""
}

// resolveEntry resolves the models-file entry e named name, with the flags over it.
func resolveEntry(name string, e runners.ModelEntry, baseURL, keyEnv string, getenv func(string) string) (*Model, error) {
	model := cmp.Or(e.Model, name)
	if e.Provider != "" {
		model = e.Provider + ":" + model
	}
	m, err := resolveModel(model, cmp.Or(baseURL, e.BaseURL), cmp.Or(keyEnv, e.APIKeyEnv), getenv)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", name, err)
	}
	m.Label, m.Prices, m.Generation, m.Protocol, m.Images = name, e.Prices, e.Generation, e.Protocol, e.Images
	return m, nil
}
