// Package tools is the one registry of the tools a suite may name under agent.tools: New
// builds each by its name, from the suite's settings and the run's. The tools themselves live
// in the packages below: python (model code in a bubblewrap sandbox, or on a remote Jupyter
// sandbox) and imageops (crop, zoom, rotate, flip, resize, contrast, in Go). A new tool is one
// entry in builders; runners.ToolFunctions names the function the model calls it by, and
// runners.Check refuses names that are not there.
package tools

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/imageops"
	"github.com/realx-bench/realx/runners/tools/python"
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
}

// builders make each tool New knows, by name.
var builders = func() map[string]func(Config) (runners.Tool, error) {
	m := map[string]func(Config) (runners.Tool, error){"python": newPython}
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

// ErrNotAvailable is New's error for a tool realx knows by name but cannot run yet (the search
// tools, until their backends exist).
var ErrNotAvailable = errors.New("not available yet: this realx has no search backend (leave the tool out of agent.tools)")

// New returns the tool called name (a key of runners.ToolFunctions), built as cfg says. The
// python tool runs in the local bubblewrap sandbox, refusing to run without it unless
// cfg.Unsafe, or on cfg.SandboxURL.
func New(name string, cfg Config) (runners.Tool, error) {
	b, ok := builders[name]
	if !ok {
		if _, known := runners.ToolFunctions[name]; known {
			return nil, ErrNotAvailable
		}
		return nil, fmt.Errorf("unknown tool %q", name)
	}
	return b(cfg)
}

// Names lists the tools New builds, sorted.
func Names() []string { return slices.Sorted(maps.Keys(builders)) }

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

// protocolName returns the name of cfg's protocol, "" when none.
func protocolName(cfg Config) string {
	if cfg.Protocol == nil {
		return ""
	}
	return cfg.Protocol.Name()
}
