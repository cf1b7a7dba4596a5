package runners

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// Provider is a known kind of OpenAI-compatible endpoint: its default base URL and the
// environment variable its API key is read from.
type Provider struct {
	BaseURL string
	KeyEnv  string
	// KeyNeeded marks a provider that refuses requests without a key (a hosted API, not a
	// local server).
	KeyNeeded bool
}

// Providers are the endpoints a model named PROVIDER:MODEL is served at. Any other
// OpenAI-compatible server is reached by its base URL.
var Providers = map[string]Provider{
	"openai":     {BaseURL: "https://api.openai.com/v1", KeyEnv: "OPENAI_API_KEY", KeyNeeded: true},
	"openrouter": {BaseURL: "https://openrouter.ai/api/v1", KeyEnv: "OPENROUTER_API_KEY", KeyNeeded: true},
	"vllm":       {BaseURL: "http://localhost:8000/v1", KeyEnv: "VLLM_API_KEY"},
	"sglang":     {BaseURL: "http://localhost:30000/v1", KeyEnv: "SGLANG_API_KEY"},
	"ollama":     {BaseURL: "http://localhost:11434/v1", KeyEnv: "OLLAMA_API_KEY"},
}

// ProviderNames returns the names of Providers, sorted.
func ProviderNames() []string { return sortedKeys(Providers) }

// Prices are a model's prices in US dollars per million tokens.
type Prices struct {
	Input  float64 `json:"input" yaml:"input"`
	Output float64 `json:"output" yaml:"output"`
}

// Cost returns the price of u in US dollars; nil prices cost nothing.
func (p *Prices) Cost(u Usage) float64 {
	if p == nil {
		return 0
	}
	return (float64(u.Prompt)*p.Input + float64(u.Completion)*p.Output) / 1e6
}

// ModelEntry is one model of a models file: where it is served, how it is spoken to, and what
// it costs.
type ModelEntry struct {
	// Description says what the model is, for people.
	Description string `yaml:"description"`
	// Provider is one of Providers, for its default base URL and key variable.
	Provider string `yaml:"provider"`
	// Model is the name sent to the endpoint; the entry's name when empty.
	Model     string `yaml:"model"`
	BaseURL   string `yaml:"base_url"`
	APIKeyEnv string `yaml:"api_key_env"`
	// Protocol is the agent protocol the model was trained on (one of Protocols): a run of
	// the model speaks it, with its prompts, whatever protocol a suite names, unless
	// --protocol says otherwise. Empty leaves the suite's.
	Protocol string `yaml:"protocol"`
	// Prices are US dollars per million input and output tokens, for budgets in dollars.
	Prices     *Prices          `yaml:"prices"`
	Generation tasks.Generation `yaml:"generation"`
	// Images is how the model's images are prepared (its processor's smart_resize), over the
	// suite's image policy and under the command line's.
	Images tasks.ImagePolicy `yaml:"images"`
}

// ReadModels reads a models file: a YAML mapping from model names to ModelEntry, as strictly
// as a suite. Every problem is reported at once, at its line and column.
func ReadModels(path string) (map[string]ModelEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseModels(path, data)
}

// ParseModels reads the bytes of a models file named name, as ReadModels does.
func ParseModels(name string, data []byte) (map[string]ModelEntry, error) {
	path := name
	var models map[string]ModelEntry
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
			if _, ok := Providers[e.Provider]; !ok {
				problems = append(problems, doc.Errorf([]string{name, "provider"}, "model %s: unknown provider %q (want one of %s)", name, e.Provider, strings.Join(ProviderNames(), ", ")))
			}
		}
		if e.Provider == "" && e.BaseURL == "" {
			problems = append(problems, doc.Errorf([]string{name}, "model %s: give a provider or a base_url", name))
		}
		if e.BaseURL != "" {
			if err := CheckBaseURL(e.BaseURL); err != nil {
				problems = append(problems, doc.Errorf([]string{name, "base_url"}, "model %s: %v", name, err))
			}
		}
		if p := e.Prices; p != nil && (p.Input < 0 || p.Output < 0) {
			problems = append(problems, doc.Errorf([]string{name, "prices"}, "model %s: prices cannot be negative", name))
		}
		for _, p := range e.Generation.Check() {
			problems = append(problems, doc.Errorf([]string{name, "generation", p.Key}, "model %s: generation.%s %s", name, p.Key, p.Msg))
		}
		if e.Protocol != "" && !slices.Contains(Protocols, e.Protocol) {
			problems = append(problems, doc.Errorf([]string{name, "protocol"}, "model %s: unknown protocol %q (want one of %s)", name, e.Protocol, strings.Join(Protocols, ", ")))
		}
		for _, p := range checkImages(e.Images) {
			problems = append(problems, doc.Errorf([]string{name, "images", p.Key}, "model %s: images.%s %s", name, p.Key, p.Msg))
		}
	}
	if len(problems) > 0 {
		problems.Sort()
		return nil, problems
	}
	return models, nil
}

// CheckBaseURL refuses a base URL that is not an http(s) URL with a host, before any call.
func CheckBaseURL(raw string) error {
	if !IsHTTPURL(raw) {
		return fmt.Errorf("base URL %q: want an http:// or https:// URL with a host, such as http://localhost:8000/v1", RedactURL(raw))
	}
	return nil
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

// checkImages returns the problems of an image policy of a models file.
func checkImages(im tasks.ImagePolicy) []tasks.Problem {
	var out []tasks.Problem
	for _, f := range []struct {
		key    string
		v, max int
	}{{"max_pixels", im.MaxPixels, tasks.MaxImagePixels}, {"min_pixels", im.MinPixels, tasks.MaxImagePixels}, {"factor", im.Factor, tasks.MaxImageFactor}} {
		if f.v < 0 || f.v > f.max {
			out = append(out, tasks.Problem{Key: f.key, Msg: fmt.Sprintf("must be in [0, %d], got %d", f.max, f.v)})
		}
	}
	if im.MinPixels > 0 && im.MaxPixels > 0 && im.MinPixels > im.MaxPixels {
		out = append(out, tasks.Problem{Key: "min_pixels", Msg: fmt.Sprintf("(%d) must not exceed images.max_pixels (%d)", im.MinPixels, im.MaxPixels)})
	}
	if !slices.Contains([]string{"", "low", "high", "auto"}, im.Detail) {
		out = append(out, tasks.Problem{Key: "detail", Msg: fmt.Sprintf("%q is not one of low, high, auto", im.Detail)})
	}
	if !slices.Contains([]string{"", tasks.FilterBicubic, tasks.FilterBilinear}, im.Filter) {
		out = append(out, tasks.Problem{Key: "filter", Msg: fmt.Sprintf("%q is not one of bicubic, bilinear", im.Filter)})
	}
	if im.Quality < 0 || im.Quality > 100 {
		out = append(out, tasks.Problem{Key: "quality", Msg: fmt.Sprintf("must be in [0, 100], got %d", im.Quality)})
	}
	if !slices.Contains([]string{"", tasks.ToolImagesSent, tasks.ToolImagesOriginal}, im.Tools) {
		out = append(out, tasks.Problem{Key: "tools", Msg: fmt.Sprintf("%q is not one of sent, original", im.Tools)})
	}
	return out
}
