package realx

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools"
	"github.com/realx-bench/realx/tasks"
)

// Plan is one suite ready to run or grade: its samples, its judge, and either the agent that
// puts the samples to the model or the predictions graded in the model's place.
type Plan struct {
	// Suite is the suite as it runs: its judge resolved (JudgeConfig.Resolve) and its agent
	// block the one the agent runs, as the manifest records them.
	Suite   *tasks.Suite
	Data    *tasks.Dataset
	Samples []tasks.Sample
	Judge   judges.Judge
	// Agent puts the samples to the model; nil for a plan that grades Predictions.
	Agent *runners.Agent
	// Predictions are the outputs graded in the model's place (a score); nil for a run.
	Predictions *Predictions
	// Images is the policy the samples' images are prepared by: the suite's, with the
	// caller's changes.
	Images tasks.ImagePolicy
	// ImageRoot is the directory relative image paths resolve against, "" when not given.
	ImageRoot string
	// Users, when set, makes the user of each sample and repeat (a simulated user), in place
	// of the turns agent.turns names.
	Users UserFactory

	// dataChanged is set, in a rejudge, when the suite's files changed since the run: the
	// records whose judge inputs changed are judged again.
	dataChanged bool
	// endpoints are those of the plan's LLM judges as listed; judgeEPs as connected.
	endpoints []reports.Endpoint
	judgeEPs  []runners.Endpoint
	// search is set when the plan's agent calls search tools.
	search bool
}

// PlanOptions say how NewPlan builds a plan from a suite; the zero PlanOptions build one that
// grades every sample with the suite's judge and calls no model.
type PlanOptions struct {
	// Limit takes only the first Limit samples (0: every one).
	Limit int
	// ImageRoot is the directory relative image paths resolve against (--image-root).
	ImageRoot string
	// AllowPrivateURLs lets image URLs reach loopback, link-local and private addresses.
	AllowPrivateURLs bool
	// Model, when set, is the model the plan's agent calls (Engine.Connect).
	Model runners.Model
	// Agent is the agent block the samples run under; the suite's when nil.
	Agent *tasks.AgentSpec
	// Generation and Images apply over the suite's.
	Generation tasks.Generation
	Images     tasks.ImagePolicy
	// Tools are the run's tool settings (the sandbox); their Protocol, Images and Python are
	// the plan's.
	Tools tools.Config
	// ToolError, when set, says where the i-th tool of the agent block, name, comes from
	// when it cannot be built (a flag, or the suite); by default, the suite's agent.tools.
	ToolError func(i int, name string, err error) error
	// Predictions, when set, are graded in the model's place.
	Predictions *Predictions
	// Search says how the agent's search tools are answered, over the suite's search block;
	// nil is the zero SearchConfig. The Engine makes one search Service for all its plans.
	Search *SearchConfig
	// MCP says which MCP servers the agent may call besides the suite's, which of the suite's
	// may start, and how their answers are recorded or replayed; nil is the zero MCPConfig.
	// The Engine stops the servers when it closes.
	MCP *MCPConfig
	// Users, when set, makes each sample's user (Plan.Users).
	Users UserFactory
}

// UserFactory makes the user of one repeat of a sample: a runners.UserSource that gives its
// later user turns (τ2's user, simulated by a model), and the functions hidden until a turn
// reveals them. An error is the sample's input error.
type UserFactory func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error)

// NewPlan builds the plan of suite s and its data ds: its samples, its judge (resolved and
// built with the Engine's machinery; a judge that would send a key to an endpoint the suite
// chose is refused before it is built) and, with a Model, its agent: the agent block's
// protocol, prompts, tools and budgets. Every problem is returned at once, at its place in the
// suite or judge file when it has one; each is a configuration error, found before any model
// call. Connect the model before building plans, so that an LLM judge on the model's endpoint
// shares its Throttle.
func (e *Engine) NewPlan(s *tasks.Suite, ds *tasks.Dataset, o PlanOptions) (*Plan, error) {
	if o.ImageRoot != "" {
		s.SetImageRoot(o.ImageRoot)
	}
	if o.AllowPrivateURLs {
		s.AllowPrivateURLs()
	}
	j, resolved, eps, conn, err := e.newJudge(s, s.Judge)
	if err != nil {
		if errors.As(err, new(*tasks.Error)) {
			return nil, err // positioned already, in the suite or a judge file
		}
		return nil, fmt.Errorf("%s: %w", s.Source, err)
	}
	s.Judge = resolved
	samples := ds.Samples
	if o.Limit > 0 && o.Limit < len(samples) {
		samples = samples[:o.Limit]
	}
	images := s.Images
	if o.Model != nil {
		// The seed protocol's image policy lies under the suite's: the image the model sees,
		// and the tools work on, is the one its evaluation made.
		images = runners.ProtocolDefaults(agentSpec(s, o).Protocol).Images.Merge(images)
	}
	p := &Plan{Suite: s, Data: ds, Samples: samples, Judge: j, Predictions: o.Predictions,
		Images: images.Merge(o.Images), ImageRoot: o.ImageRoot, Users: o.Users, endpoints: eps, judgeEPs: conn}
	if o.Model != nil {
		spec := s.Agent
		if o.Agent != nil {
			spec = *o.Agent
		}
		if spec.Protocol != "" && usesSearch(spec) {
			cfg := SearchConfig{}
			if o.Search != nil {
				cfg = *o.Search
			}
			st, err := e.searchFor(s, cfg)
			if err != nil {
				return nil, err
			}
			o.Tools.Search, o.Tools.SearchOptions, p.search = st.svc, cfg.Tools, true
		}
		if err := p.useModel(o); err != nil {
			return nil, err
		}
		servers, err := e.startMCP(p, &p.Suite.Agent, o.MCP)
		p.Agent.Tools = append(p.Agent.Tools, servers...)
		if err != nil {
			return nil, err
		}
	}
	return p, nil
}

// useModel builds the plan's agent: the agent block (o.Agent, or the suite's), which becomes
// the suite's as run, with its protocol, prompts and tools.
//
// The seed protocols' defaults (runners.ProtocolDefaults) fill in what the suite and o leave
// unset: generation parameters, the request cap, on_call_error, crop and python.mode; the agent
// block recorded as run holds them.
func (p *Plan) useModel(o PlanOptions) error {
	spec := agentSpec(p.Suite, o)
	def := runners.ProtocolDefaults(spec.Protocol)
	if spec.Protocol != "" {
		spec.MaxTurns = cmp.Or(spec.MaxTurns, def.MaxTurns)
		spec.OnCallError = cmp.Or(spec.OnCallError, def.OnCallError)
		spec.Crop = cmp.Or(spec.Crop, def.Crop)
		spec.Python.Mode = cmp.Or(spec.Python.Mode, def.PythonMode)
	}
	p.Suite.Agent = spec
	gen := def.Generation.Merge(p.Suite.Generation).Merge(o.Generation)
	a := &runners.Agent{Model: o.Model, Generation: gen, OnNoAction: spec.OnNoAction, OnCallError: spec.OnCallError,
		Budget: runners.Budget{MaxTurns: spec.MaxTurns, MaxToolCalls: spec.MaxToolCalls, MaxTokens: spec.MaxTokens, Timeout: spec.Timeout.D()}}
	p.Agent = a
	if spec.Protocol == "" {
		return nil
	}
	a.Protocol, _ = runners.ProtocolFor(spec)
	var err error
	if a.Prompts, err = runners.NewPrompts(a.Protocol, spec.System, spec.User); err != nil {
		return fmt.Errorf("%s: agent: %w", p.Suite.Source, err)
	}
	tc := o.Tools
	tc.Protocol, tc.Images, tc.Python, tc.Crop = a.Protocol, p.Images, spec.Python, spec.Crop
	where := o.ToolError
	if where == nil {
		where = func(i int, name string, err error) error {
			return p.Suite.Errorf([]string{"agent", "tools", strconv.Itoa(i)}, "tool %s: %v", name, err)
		}
	}
	var problems []error
	for i, name := range spec.Tools {
		t, err := tools.New(name, tc)
		if err != nil {
			problems = append(problems, where(i, name, err))
			continue
		}
		a.Tools = append(a.Tools, t)
	}
	if e := spec.Environment; e != nil {
		t, err := tools.New(e.Name, tc)
		if err != nil {
			problems = append(problems, p.Suite.Errorf([]string{"agent", "environment", "name"}, "environment %s: %v", e.Name, err))
		} else {
			a.Tools = append(a.Tools, t)
		}
	}
	return errors.Join(problems...)
}

// agentSpec returns the agent block the plan runs: o's, else the suite's.
func agentSpec(s *tasks.Suite, o PlanOptions) tasks.AgentSpec {
	if o.Agent != nil {
		return *o.Agent
	}
	return s.Agent
}

// JudgeID returns the ID of the plan's judge.
func (p *Plan) JudgeID() string { return p.Judge.ID() }

// Endpoints returns the endpoints of the plan's LLM judges, as a run lists them.
func (p *Plan) Endpoints() []reports.Endpoint { return p.endpoints }

// JudgeInfo describes the plan's judge for the manifest.
func (p *Plan) JudgeInfo() reports.JudgeInfo { return JudgeInfo(p.Suite, p.JudgeID()) }

// SuiteInfo describes the plan's suite for the manifest: what it is, by content, and how its
// samples are put to the model.
func (p *Plan) SuiteInfo() reports.SuiteInfo {
	info := reports.SuiteInfo{
		Name: p.Suite.Name, Version: p.Suite.Version, Source: p.Suite.Source, Digest: p.Suite.Digest,
		Data: p.Data.Path, DataDigest: p.Data.Digest, Samples: len(p.Samples), Capabilities: p.capabilities(nil),
		Generation: p.Suite.Generation, Images: p.Images, Agent: p.Suite.Agent, Paper: p.Suite.Paper,
	}
	if p.Agent != nil {
		info.Generation = p.Agent.Generation
	}
	info.Sandbox = p.Sandbox()
	return info
}

// capabilities counts the plan's samples by capability, those of shard only (every one when
// nil), for the manifest: reports count each capability's samples against it.
func (p *Plan) capabilities(shard *reports.Shard) map[string]int {
	out := map[string]int{}
	for i := range p.Samples {
		if s := &p.Samples[i]; shard.Has(p.Suite.Name, s.ID) {
			out[s.Capability]++
		}
	}
	return out
}

// Sandbox returns the containment that the plan's sandboxed tool (the local python tool) gets
// on this host, or nil when the plan has none.
func (p *Plan) Sandbox() *runners.Containment {
	if p.Agent == nil {
		return nil
	}
	for _, t := range p.Agent.Tools {
		if c, ok := t.(interface{ Containment() runners.Containment }); ok {
			k := c.Containment()
			return &k
		}
	}
	return nil
}

// endpointsOf returns the endpoints of the plans' judges, after first.
func endpointsOf(plans []*Plan, first ...reports.Endpoint) []reports.Endpoint {
	eps := first
	for _, p := range plans {
		eps = append(eps, p.endpoints...)
	}
	return eps
}

// judgeEndpoints returns the endpoints the plans' LLM judges connect to.
func judgeEndpoints(plans []*Plan) []runners.Endpoint {
	var eps []runners.Endpoint
	for _, p := range plans {
		eps = append(eps, p.judgeEPs...)
	}
	return eps
}
