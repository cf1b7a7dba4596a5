// Package tools is the one registry of the tools a suite may name under agent.tools: New
// builds each by its name, from the suite's settings and the run's. The tools themselves live
// in the packages below: python (model code in a bubblewrap sandbox, or on a remote Jupyter
// sandbox), imageops (crop, zoom, rotate, flip, resize, contrast, in Go), search (search,
// image_search, text_search and web_visit, on the run's one search.Service) and env (the
// stateful environments a suite names under agent.environment). A new tool is
// one entry in builders; runners.ToolFunctions names the function the model calls it by, and
// runners.Check refuses names that are not there.
package tools

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/tasks"
)

// Config is what building a run's tools needs: the protocol they are called through, the
// suite's image policy and python block, and the run's sandbox settings. The zero Config
// builds each tool with its defaults, the python tool in the local sandbox.
type Config struct {
	// Protocol is the agent protocol the model calls the tools through: under deepeyes the
	// image tools crop and resize as DeepEyes does, and under deepeyesv2 the python tool drops
	// all-white images, as its evaluation does. Nil is none.
	Protocol runners.Protocol
	// Images is the suite's image policy, which the image tools prepare the images they
	// return by (but under deepeyes).
	Images tasks.ImagePolicy
	// Python is the suite's python block: time and memory limits, images kept, blank images,
	// the sandbox's mode.
	Python tasks.PythonSpec
	// Crop is how the image tools crop: tasks.CropPIL or tasks.CropClamp; empty is the
	// protocol's (pil under deepeyes).
	Crop string
	// Interpreter is the python tool's interpreter (it needs PIL); python's default when "".
	Interpreter string
	// Unsafe runs model code without the bubblewrap sandbox.
	Unsafe bool
	// SandboxURL, when set, runs model code on a DeepEyesV2-style Jupyter sandbox server at
	// this URL instead of locally.
	SandboxURL string
	// Search is the run's search service, which the search tools answer from; they cannot be
	// built without one. One Service serves every sample and every search tool of a run.
	Search *search.Service
	// SearchOptions configure the search tools (results shown, page budget); their Style is
	// the protocol's: DeepEyesV2's image search under deepeyesv2, R1V4's under every other.
	SearchOptions search.ToolOptions
}

// builders make each tool New knows, by name.
var builders = func() map[string]func(Config) (runners.Tool, error) {
	m := map[string]func(Config) (runners.Tool, error){"python": newPython}
	for _, name := range search.Names() {
		m[name] = func(cfg Config) (runners.Tool, error) { return newSearch(name, cfg) }
	}
	for _, name := range imageops.Names() {
		m[name] = func(cfg Config) (runners.Tool, error) {
			opt := imageops.Options{Resize: cfg.Images}
			if protocolName(cfg) == "deepeyes" {
				opt = imageops.DeepEyesOptions()
			}
			opt.PIL = cfg.Crop == tasks.CropPIL || cfg.Crop == "" && protocolName(cfg) == "deepeyes"
			t, _ := imageops.ByName(name, opt)
			return t, nil
		}
	}
	return m
}()

// ErrNoSearch is New's error for a search tool when the Config has no search service.
var ErrNoSearch = errors.New("no search service is configured for the run (tools.Config.Search)")

// New returns the tool called name (a key of runners.ToolFunctions, or an environment's kind:
// Environments), built as cfg says. The python tool runs in the local bubblewrap sandbox,
// refusing to run without it unless cfg.Unsafe, or on cfg.SandboxURL. An environment's tool
// opens a fresh environment for each sample from its state (runners.ToolEnv.State).
func New(name string, cfg Config) (runners.Tool, error) {
	if b, ok := builders[name]; ok {
		return b(cfg)
	}
	if k, ok := env.Lookup(name); ok {
		return env.NewTool(k), nil
	}
	return nil, fmt.Errorf("unknown tool %q", name)
}

// Names lists the tools New builds that a suite lists under agent.tools, sorted.
func Names() []string { return slices.Sorted(maps.Keys(builders)) }

// Environments lists the environments New builds (agent.environment.name), sorted.
func Environments() []string { return env.Names() }

// CheckEnvironment returns an error when no environment is called name.
func CheckEnvironment(name string) error {
	if _, ok := env.Lookup(name); !ok {
		return fmt.Errorf("unknown environment %q: the environments are %s", name, strings.Join(env.Names(), ", "))
	}
	return nil
}

// newPython makes the python tool from the suite's settings and the run's.
func newPython(cfg Config) (runners.Tool, error) {
	spec := cfg.Python
	drop := protocolName(cfg) == "deepeyesv2" // its evaluation drops all-white images
	if spec.DropBlankImages != nil {
		drop = *spec.DropBlankImages
	}
	mode := spec.Mode
	if mode == "" {
		mode = runners.ProtocolDefaults(protocolName(cfg)).PythonMode
	}
	if cfg.SandboxURL != "" {
		return &python.Remote{URL: cfg.SandboxURL, CodeTimeout: spec.Timeout.D(), MaxImages: spec.MaxImages,
			DropBlankImages: drop, Mode: mode}, nil
	}
	return python.New(python.Config{
		Interpreter: cfg.Interpreter, Unsafe: cfg.Unsafe,
		CallTimeout: spec.Timeout.D(), MemoryBytes: int64(spec.MemoryMB) << 20,
		MaxImages: spec.MaxImages, DropBlankImages: drop, Mode: mode,
	})
}

// newSearch makes the search tool called name on the run's service, its image search in the
// protocol's style.
func newSearch(name string, cfg Config) (runners.Tool, error) {
	if cfg.Search == nil {
		return nil, ErrNoSearch
	}
	o := cfg.SearchOptions
	o.Style = SearchStyle(cfg.Protocol)
	return search.NewTool(name, cfg.Search, o)
}

// SearchStyle returns the style of image search a protocol's models were trained on:
// DeepEyesV2's (no arguments, the question's image) under deepeyesv2, R1V4's (image_paths)
// under r1v4, native and hermes.
func SearchStyle(p runners.Protocol) search.Style {
	if p != nil && p.Name() == "deepeyesv2" {
		return search.DeepEyesV2
	}
	return search.R1V4
}

// protocolName returns the name of cfg's protocol, "" when none.
func protocolName(cfg Config) string {
	if cfg.Protocol == nil {
		return ""
	}
	return cfg.Protocol.Name()
}
