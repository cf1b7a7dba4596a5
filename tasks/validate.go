package tasks

import (
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// validName is what a suite's name may be: it names run directories and report rows.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// formats are the data file formats Samples reads.
var formats = []string{"jsonl", "json", "csv", "tsv", "parquet"}

// validate checks the meaning of a decoded suite, filling in what is inferred (schema 1, the
// data format from the file's extension).
func (c *checker) validate(s *Suite) {
	switch s.Schema {
	case 0:
		s.Schema = SchemaVersion
	case SchemaVersion:
	default:
		c.errorf(yamlPath("schema"), "schema %d is not supported: this realx reads schema %d", s.Schema, SchemaVersion)
	}

	switch {
	case s.Name == "":
		c.errorf(yamlPath("name"), "name is required")
	case !validName.MatchString(s.Name):
		c.errorf(yamlPath("name"), "name %q must be lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", s.Name)
	}

	c.capabilities(s)
	c.data(s)
	c.source(s)
	c.paper(s)
	c.generation(s.Generation)
	c.images(s.Images)

	c.judge(&s.Judge, yamlPath("judge"), s.tree)

	c.agent(&s.Agent)
	c.search(s)
	c.intIn(yamlPath("repeats"), s.Repeats, 0, MaxRepeats)
}

// MaxRepeats is the most repeats a suite may ask for.
const MaxRepeats = 10000

func (c *checker) capabilities(s *Suite) {
	first := map[string]int{}
	for i, cp := range s.Capabilities {
		at := yamlPath("capabilities", strconv.Itoa(i), "name")
		switch j, dup := first[cp.Name]; {
		case strings.TrimSpace(cp.Name) == "":
			c.errorf(at, "capabilities[%d].name is required", i)
		case dup:
			c.errorf(at, "capability %q is declared twice (first as capabilities[%d])", cp.Name, j)
		default:
			first[cp.Name] = i
		}
	}
	if len(s.Capabilities) > 0 && s.Data.Capability != "" && !s.knowsCapability(s.Data.Capability) {
		if _, renamed := s.Data.CapabilityNames[s.Data.Capability]; !renamed {
			c.errorf(yamlPath("data", "capability"), "capability %q is not one of the suite's capabilities (%s)", s.Data.Capability, s.capabilityList())
		}
	}
	for _, from := range slices.Sorted(maps.Keys(s.Data.CapabilityNames)) {
		to := s.Data.CapabilityNames[from]
		at := yamlPath("data", "capability_names", from)
		switch {
		case strings.TrimSpace(from) == "":
			c.errorf(at, "data.capability_names: a capability to rename cannot be empty")
		case strings.TrimSpace(to) == "":
			c.errorf(at, "data.capability_names[%q]: the new name cannot be empty", from)
		case len(s.Capabilities) > 0 && !s.knowsCapability(to):
			c.errorf(at, "data.capability_names[%q]: capability %q is not one of the suite's capabilities (%s)", from, to, s.capabilityList())
		}
	}
}

func (c *checker) data(s *Suite) {
	d := &s.Data
	if d.Path == "" && d.Source == nil {
		c.errorf(yamlPath("data", "path"), "data.path is required (or a data.source to pull the data from)")
	}
	for _, f := range []struct{ key, v string }{{"path", d.Path}, {"image_root", d.ImageRoot}} {
		if _, ok := localPath(f.v); f.v != "" && !ok {
			c.errorf(yamlPath("data", f.key), "data.%s %q is not beneath %s: name a path there, relative to the suite file (an absolute path or a \"../\" above it is not read)",
				f.key, f.v, s.tree.where())
		}
	}
	switch {
	case d.Format != "":
		if !slices.Contains(formats, d.Format) {
			c.errorf(yamlPath("data", "format"), "data.format %q is not one of %s", d.Format, strings.Join(formats, ", "))
		}
	case d.Path != "" || (d.Source != nil && len(d.Source.Files) > 0):
		file := d.Path
		if file == "" {
			file = d.Source.Files[0].Key()
		}
		ext := strings.TrimPrefix(strings.ToLower(path.Ext(file)), ".")
		if slices.Contains(formats, ext) {
			d.Format = ext
		} else {
			c.errorf(yamlPath("data", "path"), "cannot tell the format of %q from its extension: set data.format to one of %s", file, strings.Join(formats, ", "))
		}
	}
	if node, _, ok := c.pos.find(yamlPath("data", "fields", "answer")); ok && node.Kind == yaml.ScalarNode && (node.Value == "" || node.ShortTag() == "!!null") {
		s.noGold = true
	}
	for i, img := range d.Fields.Images {
		if img == "" {
			c.errorf(yamlPath("data", "fields", "images", strconv.Itoa(i)), "data.fields.images[%d] is empty", i)
		}
	}
}

func (c *checker) generation(g Generation) {
	for _, p := range g.Check() {
		at := yamlPath("generation", p.Key)
		if p.Item != "" {
			at = with(at, p.Item)
		}
		c.errorf(at, "generation.%s %s", p.Key, p.Msg)
	}
}

func (c *checker) images(im ImagePolicy) {
	c.intIn(yamlPath("images", "max_pixels"), im.MaxPixels, 0, MaxImagePixels)
	c.intIn(yamlPath("images", "min_pixels"), im.MinPixels, 0, MaxImagePixels)
	c.intIn(yamlPath("images", "factor"), im.Factor, 0, MaxImageFactor)
	if im.MinPixels > 0 && im.MaxPixels > 0 && im.MinPixels > im.MaxPixels {
		c.errorf(yamlPath("images", "min_pixels"), "images.min_pixels (%d) must not exceed images.max_pixels (%d)", im.MinPixels, im.MaxPixels)
	}
	if !slices.Contains([]string{"", "low", "high", "auto"}, im.Detail) {
		c.errorf(yamlPath("images", "detail"), "images.detail %q is not one of low, high, auto", im.Detail)
	}
	if !slices.Contains([]string{"", FilterBicubic, FilterBilinear}, im.Filter) {
		c.errorf(yamlPath("images", "filter"), "images.filter %q is not one of bicubic, bilinear", im.Filter)
	}
	c.intIn(yamlPath("images", "quality"), im.Quality, 0, 100)
	if !slices.Contains([]string{"", ToolImagesSent, ToolImagesOriginal}, im.Tools) {
		c.errorf(yamlPath("images", "tools"), "images.tools %q is not one of sent, original", im.Tools)
	}
}

func (c *checker) agent(a *AgentSpec) {
	if a.Protocol == ProtocolNone {
		a.Protocol = "" // one turn, no tools
	}
	c.intIn(yamlPath("agent", "max_turns"), a.MaxTurns, 0, MaxAgentTurns)
	c.intIn(yamlPath("agent", "max_tool_calls"), a.MaxToolCalls, 0, MaxAgentToolCalls)
	c.intIn(yamlPath("agent", "max_tokens"), a.MaxTokens, 0, MaxAgentTokens)
	c.durationIn(yamlPath("agent", "timeout"), a.Timeout, MaxAgentTimeout)
	if !slices.Contains([]string{"", "stop", "reprompt", "retry"}, a.OnNoAction) {
		c.errorf(yamlPath("agent", "on_no_action"), "agent.on_no_action %q is not one of stop, reprompt, retry", a.OnNoAction)
	}
	if !slices.Contains([]string{"", OnCallErrorContinue, OnCallErrorStop}, a.OnCallError) {
		c.errorf(yamlPath("agent", "on_call_error"), "agent.on_call_error %q is not one of continue, stop", a.OnCallError)
	}
	if !slices.Contains([]string{"", CropPIL, CropClamp}, a.Crop) {
		c.errorf(yamlPath("agent", "crop"), "agent.crop %q is not one of pil, clamp", a.Crop)
	}
	py := a.Python
	if !slices.Contains([]string{"", PythonModeDeepEyesV2, PythonModeRealx}, py.Mode) {
		c.errorf(yamlPath("agent", "python", "mode"), "agent.python.mode %q is not one of deepeyesv2, realx", py.Mode)
	}
	c.durationIn(yamlPath("agent", "python", "timeout"), py.Timeout, MaxPythonTimeout)
	c.intIn(yamlPath("agent", "python", "memory_mb"), py.MemoryMB, 0, MaxPythonMemoryMB)
	c.intIn(yamlPath("agent", "python", "max_images"), py.MaxImages, 0, MaxPythonImages)
	c.environment(a)
	c.mcp(a)
	c.tags(a)
}

// The most a suite may set its limits to: bounds that no real benchmark needs to exceed, so
// that a published suite cannot lift the sandbox's limits or the agent's budgets (a python
// timeout of a hundred years, a hundred terabytes of memory). 0 keeps each one's default.
const (
	// MaxAgentTurns bounds agent.max_turns.
	MaxAgentTurns = 100
	// MaxAgentToolCalls bounds agent.max_tool_calls.
	MaxAgentToolCalls = 1000
	// MaxAgentTokens bounds agent.max_tokens, the tokens of all turns of a sample.
	MaxAgentTokens = 10_000_000
	// MaxAgentTimeout bounds agent.timeout, the wall time of a sample.
	MaxAgentTimeout = 2 * time.Hour
	// MaxPythonTimeout bounds agent.python.timeout, the wall time of one call.
	MaxPythonTimeout = 10 * time.Minute
	// MaxPythonMemoryMB bounds agent.python.memory_mb: 16 GiB.
	MaxPythonMemoryMB = 16 << 10
	// MaxPythonImages bounds agent.python.max_images, the images one call returns.
	MaxPythonImages = 50
	// MaxImagePixels bounds images.max_pixels and images.min_pixels: 8192×8192.
	MaxImagePixels = 1 << 26
	// MaxImageFactor bounds images.factor (Qwen2.5-VL's is 28).
	MaxImageFactor = 256
	// MaxJudgeRetries bounds an LLM judge's retries.
	MaxJudgeRetries = 20
)

// intIn reports the integer setting at path when it is outside [lo, hi].
func (c *checker) intIn(path []string, v, lo, hi int) {
	if v < lo || v > hi {
		c.errorf(path, "%s must be in [%d, %d], got %d", pathString(path), lo, hi, v)
	}
}

// durationIn reports the duration at path when it is outside [0, hi].
func (c *checker) durationIn(path []string, v Duration, hi time.Duration) {
	if v < 0 || v.D() > hi {
		c.errorf(path, "%s must be in [0s, %v], got %v", pathString(path), hi, v)
	}
}

// nonNegative reports a set value below 0 (or NaN) at path.
func nonNegative(c *checker, v *float64, path ...string) {
	if v != nil && !(*v >= 0) {
		c.errorf(path, "%s must be a number ≥ 0, got %v", pathString(path), *v)
	}
}

// knowsCapability reports whether name is declared in the suite's capabilities, or is a "+"
// join of declared ones ("perception+search").
func (s *Suite) knowsCapability(name string) bool {
	declared := func(n string) bool {
		for _, cp := range s.Capabilities {
			if cp.Name == n {
				return true
			}
		}
		return false
	}
	if declared(name) {
		return true
	}
	parts := strings.Split(name, "+")
	for _, part := range parts {
		if !declared(part) {
			return false
		}
	}
	return len(parts) > 1
}

// capabilityList lists the declared capability names, for messages.
func (s *Suite) capabilityList() string {
	var names []string
	for _, cp := range s.Capabilities {
		if cp.Name != "" && !slices.Contains(names, cp.Name) {
			names = append(names, cp.Name)
		}
	}
	return strings.Join(names, ", ")
}

// yamlPath is a path of YAML keys, written as a list of arguments.
func yamlPath(keys ...string) []string { return keys }
