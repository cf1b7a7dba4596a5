package tasks

import (
	"encoding/json"
	"fmt"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"
)

// SchemaVersion is the suite schema version this package reads.
const SchemaVersion = 1

// Suite is one benchmark: where its samples come from, how each is put to the model, what the
// model may do, and how its answer is graded. A Suite is decoded strictly from YAML by
// LoadFile or LoadFS.
type Suite struct {
	// Schema is the suite schema version; 1 when empty.
	Schema       int          `yaml:"schema"`
	Name         string       `yaml:"name"`
	Version      string       `yaml:"version"`
	Description  string       `yaml:"description"`
	Capabilities []Capability `yaml:"capabilities"`
	Data         DataSpec     `yaml:"data"`
	Prompt       PromptSpec   `yaml:"prompt"`
	Generation   Generation   `yaml:"generation"`
	Images       ImagePolicy  `yaml:"images"`
	Judge        JudgeSpec    `yaml:"judge"`
	Agent        AgentSpec    `yaml:"agent"`
	// Search is the suite's search setup: provider, offline corpus, shipped store.
	Search SearchSpec `yaml:"search"`
	// Repeats is how many times `realx run` puts each sample to the model (for mean ± std over
	// repeats, pass@k and majority vote); 0 means once. --repeats overrides it.
	Repeats int `yaml:"repeats"`
	// Paper holds the numbers papers report on the suite, which runs should reproduce.
	Paper []PaperNumber `yaml:"paper"`

	// Source names where the suite was loaded from: the file path as given to LoadFile, or
	// the name given to LoadFS ("math500/suite.yaml"). Problems are reported against it.
	Source string `yaml:"-"`
	// Digest is the hex SHA-256 of the suite file's bytes, set when it is loaded, so that a
	// run records exactly which suite it ran.
	Digest string `yaml:"-"`

	tree tree    // the suite file's directory, which the data, images and templates are read beneath
	pos  posTree // positions of every key, for errors found after decoding

	// imageRoot, when its dir is set, is where relative image paths resolve instead
	// (SetImageRoot).
	imageRoot tree
	// privateURLs lets image URLs reach local and private addresses (AllowPrivateURLs).
	privateURLs bool
	// dataCache is the data cache's directory (SetDataCache); "" for DefaultDataCache's.
	dataCache string

	// system and user are the parsed prompt templates; nil when the suite was not loaded, in
	// which case Render parses them on each call. protocolTemplates are those of
	// prompt.protocols, by protocol.
	system, user      *template.Template
	protocolTemplates map[string][2]*template.Template
	// templatesBroken is set when loading found a problem in a prompt template; dataBroken
	// when it found one in the data section. Samples then does not try the prompt on each
	// sample, and CanReadData is false.
	templatesBroken, dataBroken bool
	// noGold is set when data.fields.answer is given empty: the records carry no gold answer.
	noGold bool
}

// Capability is one entry of a suite's capability taxonomy. Samples name their capability by
// Name; reports give accuracy per capability.
type Capability struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
}

// DataSpec says where the samples are and how a record's fields map onto a Sample.
type DataSpec struct {
	// Source, when set, is where the data is pulled from (realx data pull) into the data
	// cache, which the data is then read from; nil for data beside the suite file.
	Source *DataSource `yaml:"source"`
	// Path is the data file, relative to the suite file and beneath its directory; with a
	// Source, one of its files (by its path), or, when empty, every file of it in order.
	Path string `yaml:"path"`
	// Format is jsonl, json, csv, tsv or parquet; taken from Path's extension (with a Source
	// and no Path, the first file's) when empty.
	Format string `yaml:"format"`
	// ImageRoot is the directory relative image paths resolve against, relative to the suite
	// file and beneath its directory (with a Source, relative to its cache entry and beneath
	// it); the data file's directory when empty. `realx run --image-root` overrides it.
	ImageRoot string `yaml:"image_root"`
	// Capability is the capability of every sample whose record has none.
	Capability string `yaml:"capability"`
	// CapabilityNames renames capabilities as the records give them (by their capability
	// field, their capability_flags, or Capability): a key is a capability as read
	// ("perception+search+reason", "direct_attributes"), its value the name the sample takes
	// ("integration", "attribute"), which must be one of the suite's capabilities when it
	// declares them. A capability not named here stays as it is.
	CapabilityNames map[string]string `yaml:"capability_names"`
	// ImagesOptional lets a record's image fields be there and hold no image (null, "" or
	// []), for data that writes "no image" so. Otherwise such a record is a data error: its
	// prompt would silently go without the image it seems to have lost. (A record that has
	// none of the image fields has no image on purpose.)
	ImagesOptional bool `yaml:"images_optional"`
	// Fields maps a Sample's fields onto paths in a record ("metadata.task").
	Fields FieldMap `yaml:"fields"`
}

// FieldMap maps Sample fields onto dotted paths in a data record. Empty entries take the default
// named in each field's comment.
type FieldMap struct {
	// ID is the record's id ("id"); for a JSON object of records, the object key when empty;
	// "#" (IndexID) numbers the records from 0 in file order, for data files without ids.
	ID string `yaml:"id"`
	// Question is the question text ("question").
	Question string `yaml:"question"`
	// Answer is the gold answer ("answer"). A record without one (missing, null or "") is a
	// data error, since it cannot be graded, unless the suite gives this key empty
	// (answer: "" or answer: null): its records then carry no gold answer, and none is read.
	Answer string `yaml:"answer"`
	// Alternatives holds further acceptable answers: a list, one string, or a list written as
	// a JSON string (`'["Spain", "ES"]'`, as MMSearch-R1's candidate_answers).
	Alternatives string `yaml:"alternatives"`
	// Choices holds the options of a multiple-choice question (a list).
	Choices string `yaml:"choices"`
	// Images are the fields that hold image references (a string or a list of strings each).
	Images []string `yaml:"images"`
	// AnswerSeparator splits each gold answer written as several accepted answers joined by it
	// (RealX-Bench's " or "): the first part is the answer, the others alternatives. Empty: no
	// split.
	AnswerSeparator string `yaml:"answer_separator"`
	// Capability is the field holding the sample's capability (a string, or a list joined by "+").
	Capability string `yaml:"capability"`
	// CapabilityFlags are fields holding 0/1 (or false/true) flags, each named as a capability:
	// a sample's capability is the "+" join of those set, in this order (RealX-Bench's
	// perception, search and reason flags). They apply when the capability field gives none.
	CapabilityFlags []string `yaml:"capability_flags"`
	// Metadata lists the fields kept as the sample's metadata (numbers as json.Number, so
	// that they keep their literal text). An object's keys are merged in;
	// any other value is kept under the path's last segment. When empty, every top-level field
	// not mapped above is kept under its own name.
	Metadata []string `yaml:"metadata"`
}

// PromptSpec holds the prompt templates (Go text/template). The templates see .ID, .Question,
// .Choices (each with .Letter and .Text), .Metadata, .Capability and .Images (the number of
// images), never the gold answer, and the functions `image N` (1-based), which places image N
// at that point of the user message, upper, lower, join and add. When the user template places
// no image, the sample's images come before its text. An empty User is DefaultUserTemplate; an
// empty System sends no system message.
type PromptSpec struct {
	System string `yaml:"system"`
	User   string `yaml:"user"`
	// Verbatim sends the user text exactly as the template renders it: its blank lines, the
	// line breaks next to images and the space around it are kept (DeepEyes' V* prompt ends
	// its options with a blank line). By default they are trimmed.
	Verbatim bool `yaml:"verbatim"`
	// Protocols holds the prompt of a sample under an agent protocol (native, hermes,
	// deepeyesv2, deepeyes, r1v4), where the benchmark puts its question to a seed model
	// otherwise than by default (V*'s option layout in DeepEyes' evaluation). The protocol the
	// run speaks (the suite's, --protocol's or the model preset's) picks its entry; the entry's
	// keys left out take the default's. The protocol's own template then wraps what it renders.
	Protocols map[string]ProtocolPrompt `yaml:"protocols"`
}

// ProtocolPrompt is a suite's prompt under one agent protocol: templates as PromptSpec's,
// each left out taking the suite's default.
type ProtocolPrompt struct {
	System string `yaml:"system"`
	User   string `yaml:"user"`
	// Verbatim keeps the user text as rendered (PromptSpec.Verbatim); the default's when left
	// out.
	Verbatim *bool `yaml:"verbatim"`
}

// ProtocolNames are the agent protocols a suite's prompt.protocols may name: runners'
// protocols (a test keeps the two lists equal).
var ProtocolNames = []string{"deepeyes", "deepeyesv2", "hermes", "native", "pythonic", "r1v4", "tags"}

// Generation holds sampling parameters. A nil field is not sent, so the endpoint's default
// applies; a set field is sent as is, zero included.
type Generation struct {
	Temperature *float64 `yaml:"temperature" json:"temperature,omitempty"`
	TopP        *float64 `yaml:"top_p" json:"top_p,omitempty"`
	MaxTokens   *int     `yaml:"max_tokens" json:"max_tokens,omitempty"`
	Seed        *int     `yaml:"seed" json:"seed,omitempty"`
	Stop        []string `yaml:"stop" json:"stop,omitempty"`
	// Stream asks the endpoint for a server-sent-event stream.
	Stream *bool `yaml:"stream" json:"stream,omitempty"`
	// Extra fields are merged into the request body as they are (vLLM's top_k,
	// chat_template_kwargs, repetition_penalty …).
	Extra map[string]any `yaml:"extra" json:"extra,omitempty"`
}

// Merge returns g with every field that o sets taken from o. Extra maps are merged key by key.
func (g Generation) Merge(o Generation) Generation {
	if o.Temperature != nil {
		g.Temperature = o.Temperature
	}
	if o.TopP != nil {
		g.TopP = o.TopP
	}
	if o.MaxTokens != nil {
		g.MaxTokens = o.MaxTokens
	}
	if o.Seed != nil {
		g.Seed = o.Seed
	}
	if o.Stop != nil {
		g.Stop = o.Stop
	}
	if o.Stream != nil {
		g.Stream = o.Stream
	}
	if len(o.Extra) > 0 {
		merged := make(map[string]any, len(g.Extra)+len(o.Extra))
		for k, v := range g.Extra {
			merged[k] = v
		}
		for k, v := range o.Extra {
			merged[k] = v
		}
		g.Extra = merged
	}
	return g
}

// ImagePolicy says how images are prepared before they are sent.
type ImagePolicy struct {
	// MaxPixels caps width×height; larger images are scaled down keeping their aspect ratio.
	MaxPixels int `yaml:"max_pixels" json:"max_pixels,omitempty"`
	// MinPixels raises smaller images to at least this many pixels (Qwen's min_pixels).
	MinPixels int `yaml:"min_pixels" json:"min_pixels,omitempty"`
	// Factor rounds both sides to a multiple of it (28 for Qwen2.5-VL's smart_resize); 0 or 1
	// leaves sides as scaled.
	Factor int `yaml:"factor" json:"factor,omitempty"`
	// Detail is OpenAI's image detail ("low", "high", "auto"); not sent when empty.
	Detail string `yaml:"detail" json:"detail,omitempty"`
	// Filter is the resampling filter of a resize: "bicubic" (PIL's, the default, as Qwen's
	// processors resize) or "bilinear" (as DeepEyesV2's VLMEvalKit evaluation resizes).
	Filter string `yaml:"filter" json:"filter,omitempty"`
	// Quality is the JPEG quality a resized JPEG is encoded at; 0 is runners.JPEGQuality (95).
	// DeepEyesV2's evaluation saves at PIL's default, 75.
	Quality int `yaml:"quality" json:"quality,omitempty"`
	// Tools says which image the tools work on: "sent" (the default), the image as the model
	// saw it, so that coordinates read off it fall on the same pixels; or "original", the file
	// as it is, at full resolution (for ablations).
	Tools string `yaml:"tools" json:"tools,omitempty"`
}

// The values of ImagePolicy.Filter and ImagePolicy.Tools.
const (
	FilterBicubic      = "bicubic"
	FilterBilinear     = "bilinear"
	ToolImagesSent     = "sent"
	ToolImagesOriginal = "original"
)

// Merge returns p with every field that o sets taken from o.
func (p ImagePolicy) Merge(o ImagePolicy) ImagePolicy {
	if o.MaxPixels != 0 {
		p.MaxPixels = o.MaxPixels
	}
	if o.MinPixels != 0 {
		p.MinPixels = o.MinPixels
	}
	if o.Factor != 0 {
		p.Factor = o.Factor
	}
	if o.Detail != "" {
		p.Detail = o.Detail
	}
	if o.Filter != "" {
		p.Filter = o.Filter
	}
	if o.Quality != 0 {
		p.Quality = o.Quality
	}
	if o.Tools != "" {
		p.Tools = o.Tools
	}
	return p
}

// AgentSpec declares the agent loop: the protocol the model speaks, its tools and its budgets.
// An empty Protocol (or ProtocolNone, which loading makes empty) means a single model turn with
// no tools.
type AgentSpec struct {
	// Protocol is native, hermes, deepeyesv2, deepeyes, r1v4, pythonic or tags; "" or "none" for one turn
	// without tools.
	Protocol string `yaml:"protocol" json:"protocol,omitempty"`
	// Tools names the tools the model may call.
	Tools []string `yaml:"tools" json:"tools,omitempty"`
	// MaxTurns caps model turns per sample.
	MaxTurns int `yaml:"max_turns" json:"max_turns,omitempty"`
	// MaxToolCalls caps tool calls per sample.
	MaxToolCalls int `yaml:"max_tool_calls" json:"max_tool_calls,omitempty"`
	// MaxTokens caps the tokens (prompt and completion, all turns) spent on a sample.
	MaxTokens int `yaml:"max_tokens" json:"max_tokens,omitempty"`
	// Timeout caps the wall time of a sample.
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// OnNoAction says what happens after a turn with neither a tool call nor an answer:
	// "stop" (the default), "reprompt" (the reply is kept and the protocol's reminder of the
	// format is sent as a user turn) or "retry" (the same request is sent again, as
	// DeepEyesV2's evaluation loop does).
	OnNoAction string `yaml:"on_no_action" json:"on_no_action,omitempty"`
	// System is the system prompt the agent sends: the name of a template shipped with realx
	// (deepeyesv2, deepeyes, hermes, r1v4, native) or a template's own text. Empty takes the
	// protocol's template. Package runners checks it.
	System string `yaml:"system" json:"system,omitempty"`
	// User wraps the question (the first text of the user message) the same way: a shipped
	// template's name (deepeyesv2, deepeyes, plain) or a template's text; empty takes the
	// protocol's.
	User string `yaml:"user" json:"user,omitempty"`
	// Python configures the python tool.
	Python PythonSpec `yaml:"python" json:"python,omitzero"`
	// OnCallError says what follows a call that failed (malformed, or its tool reported an
	// error): "continue" sends the error back to the model; "stop" ends the sample (stop:
	// call_error), graded on its last reply, as DeepEyes' V* evaluation ends a sample whose crop
	// raises. Empty takes the protocol's (deepeyes: stop; the others: continue).
	OnCallError string `yaml:"on_call_error" json:"on_call_error,omitempty"`
	// Crop says how the image tools crop a box: "pil" as PIL's Image.crop does (the box rounded,
	// what lies outside the image black, any size and aspect), as DeepEyes' V* evaluation
	// crops; or "clamp", realx's (the box clamped to the image, grown to the minimum size,
	// refused past the aspect limit). Empty takes the protocol's (deepeyes: pil; the others:
	// clamp).
	Crop string `yaml:"crop" json:"crop,omitempty"`
	// Environment is the stateful tool set each sample (and repeat) opens afresh from its own
	// initial state, its functions joining the tools (see EnvironmentSpec).
	Environment *EnvironmentSpec `yaml:"environment" json:"environment,omitempty"`
	// Turns names the sample field (a key of its metadata) holding the user's later turns,
	// for samples of several user turns (see UserTurns); empty, the first answer ends a sample.
	Turns string `yaml:"turns" json:"turns,omitempty"`
	// MCP names the MCP tool servers whose tools the model may call (see MCPServer).
	MCP []MCPServer `yaml:"mcp" json:"mcp,omitempty"`
	// Tags declares the tag protocol (protocol: tags): the model's own call, observation and
	// answer tags (see TagSpec).
	Tags *TagSpec `yaml:"tags" json:"tags,omitempty"`
}

// The values of AgentSpec.OnCallError, AgentSpec.Crop and PythonSpec.Mode.
const (
	OnCallErrorContinue  = "continue"
	OnCallErrorStop      = "stop"
	CropPIL              = "pil"
	CropClamp            = "clamp"
	PythonModeDeepEyesV2 = "deepeyesv2"
	PythonModeRealx      = "realx"
)

// ProtocolNone is the protocol a suite (or --protocol) names for a single model turn with no
// tools: the same as naming none.
const ProtocolNone = "none"

// PythonSpec configures the python tool of a suite. Zero fields take the tool's defaults.
type PythonSpec struct {
	// Timeout is the wall time of one call (60s when unset).
	Timeout Duration `yaml:"timeout" json:"timeout,omitempty"`
	// MemoryMB caps the interpreter's address space, in MiB (4096 when unset).
	MemoryMB int `yaml:"memory_mb" json:"memory_mb,omitempty"`
	// MaxImages caps the images one call returns (10 when unset).
	MaxImages int `yaml:"max_images" json:"max_images,omitempty"`
	// DropBlankImages drops returned images that are all white; unset, the protocol decides
	// (deepeyesv2 drops them, as its evaluation does).
	DropBlankImages *bool `yaml:"drop_blank_images" json:"drop_blank_images,omitempty"`
	// Mode is how the sandbox behaves: "deepeyesv2" as DeepEyesV2's evaluation sandbox did
	// (its kernel's namespace, images only from plt.show(), IPython's Out[1] and tracebacks,
	// returned images resized with smart_resize and sent as JPEG, the model's code passed
	// through its indentation fixer and autopep8 first), or "realx" (a plain kernel: any
	// figure, displayed image or last-expression image comes back as PNG, the code runs as
	// written). Empty takes the protocol's: deepeyesv2 under the deepeyesv2 protocol, realx
	// elsewhere.
	Mode string `yaml:"mode" json:"mode,omitempty"`
}

// Duration is a time.Duration written in YAML and JSON as a Go duration string ("90s", "2m").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String returns d as a Go duration string ("1m30s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML reads a Go duration string ("90s", "1h30m"; "0" without a unit). A wrong
// value is returned as a *yaml.TypeError, so that decoding goes on with the other fields.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = Duration(v)
	return nil
}

// parseDuration reads a duration written as a YAML scalar.
func parseDuration(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf(`expected a duration such as "90s", got %s`, describe(n))
	}
	if n.ShortTag() == "!!null" {
		return 0, nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, fmt.Errorf(`expected a duration such as "90s" or "2m30s", got %s`, describe(n))
	}
	return v, nil
}

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: expected a string such as \"90s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
