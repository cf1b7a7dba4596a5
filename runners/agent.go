package runners

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/realx-bench/realx/tasks"
)

// Agent puts one sample to a model and follows the conversation to its end: a model turn, the
// tool calls its Protocol reads out of the reply, the tools run, their results sent back, the
// next turn, until the model gives its final answer, a turn has neither a call nor an answer
// (OnNoAction), or a budget runs out. An Agent is shared by all samples of a run and must not
// be changed while it runs.
type Agent struct {
	Model      Model
	Generation tasks.Generation
	// Blobs keeps the images that appear during a trajectory; nil keeps none (the trajectory
	// still names them by hash).
	Blobs BlobStore
	// Protocol is how the model calls tools and reads their results; nil puts each sample to
	// the model in a single turn, without tools.
	Protocol Protocol
	// Tools are what the model may call. Each sample opens every tool with one ToolEnv (so the
	// image tools share the sample's images) and closes them when it ends, however it ends.
	Tools []Tool
	// Prompts render the system prompt and the question (see NewPrompts); the zero value sends
	// them as the suite renders them.
	Prompts Prompts
	// Budget bounds each sample.
	Budget Budget
	// OnNoAction says what follows a turn with neither a tool call nor an answer:
	// NoActionStop (also when empty), NoActionReprompt or NoActionRetry.
	OnNoAction string
	// OnCallError says what follows a call that failed (malformed, or its tool reported an
	// error): tasks.OnCallErrorContinue (also when empty) sends the error back to the model;
	// tasks.OnCallErrorStop ends the sample (StopCallError) without running the turn's later
	// calls or sending anything back, as DeepEyes' V* evaluation does.
	OnCallError string
	// Limits cap what a sample shows the model and keeps in its record; the zero value takes
	// the defaults.
	Limits Limits
}

// What an Agent does after a turn with neither a tool call nor an answer.
const (
	// NoActionStop ends the sample (StopNoAction); the reply is its final text.
	NoActionStop = "stop"
	// NoActionReprompt keeps the reply in the conversation and sends the protocol's reminder
	// of its format (Protocol.Nudge) as a user turn.
	NoActionReprompt = "reprompt"
	// NoActionRetry sends the same request again, dropping the reply, as DeepEyesV2's
	// evaluation loop does; useful only when sampling is not greedy.
	NoActionRetry = "retry"
)

// Budget bounds one sample. Each limit ends the sample with its StopReason when it runs out;
// the sample is still graded, on the last reply.
type Budget struct {
	// MaxTurns caps model turns (every request counts, re-prompts and retries too);
	// DefaultMaxTurns when 0. The calls of the last turn are not run: no turn is left to
	// read their results.
	MaxTurns int
	// MaxToolCalls caps tool calls, malformed ones included; 0 means no limit. A turn whose
	// calls would pass the cap ends the sample without running them.
	MaxToolCalls int
	// MaxTokens caps the tokens of all turns, prompts and completions (as the endpoint
	// counts them); 0 means no limit. It is checked after each turn: once it is reached,
	// the turn's calls are not run and the sample ends.
	MaxTokens int
	// Timeout caps the sample's wall time, model and tool calls included; 0 means none.
	Timeout time.Duration
}

// DefaultMaxTurns is the turn cap of a Budget that sets none: DeepEyes' and DeepEyesV2's
// evaluations allow about ten tries.
const DefaultMaxTurns = 10

// ToolError is an infrastructure failure of a tool (its sandbox could not start, or broke) that
// ended a sample. Mistakes of the call itself go back to the model instead.
type ToolError struct {
	Tool string
	Err  error
}

// Error says which tool failed and how.
func (e *ToolError) Error() string { return fmt.Sprintf("tool %s: %v", e.Tool, e.Err) }

// Unwrap returns e.Err.
func (e *ToolError) Unwrap() error { return e.Err }

// errSampleTimeout is the cause of a sample context whose Budget.Timeout ran out.
var errSampleTimeout = errors.New("the sample's time budget ran out")

// Input is one sample as the agent sees it: the rendered prompt with its images prepared.
type Input struct {
	SampleID string
	System   string
	// User is the first user message: text and images in order.
	User []Part
	// Images are the sample's images as sent, in order (image_1 is Images[0]), for tools.
	Images []*Image
	// State is the sample's initial state, which its environment opens from (ToolEnv.State).
	State json.RawMessage
	// Users gives the user's later messages, for a sample of several user turns; nil: the
	// first answer ends the sample.
	Users UserSource
	// Hidden names functions of the sample's tools that the model may not call until a user
	// turn reveals them (UserTurn.Reveal).
	Hidden []string
}

// Run plays the sample out. A budget that runs out is not an error: the trajectory says which
// (Trajectory.Stop); nor is a reply over a cap of its output (a *ReplyLimitError), which ends
// the sample with StopReplyLimit and no final text, so that it is graded as a failure; nor is
// the endpoint's refusal of a turn for the conversation's size (RefusedForSize: longer than the
// model's context, too many images), which ends it alike with StopContextLength or
// StopRequestTooLarge. The
// returned error is an infrastructure failure (the model could not answer, a tool broke) or
// the end of ctx, its text cut to Limits.MaxErrorText; the trajectory so far is returned with
// it.
func (a *Agent) Run(ctx context.Context, in *Input) (*Trajectory, error) {
	start := time.Now()
	if a.Budget.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, a.Budget.Timeout, errSampleTimeout)
		defer cancel()
	}
	lim := a.Limits.withDefaults()
	s := &sample{a: a, lim: lim, tr: &Trajectory{}, tools: map[string]route{}, hashes: map[*Image]string{},
		recordLeft: lim.MaxTrajectoryRecord, episodeLeft: lim.MaxTrajectoryRecord, hidden: map[string]bool{}}
	for _, name := range in.Hidden {
		s.hidden[name] = true
	}
	defer s.closeTools() // when run panics
	err := s.run(ctx, in)
	s.closeTools()
	s.tr.WallMS = time.Since(start).Milliseconds()
	if ar, ok := a.Protocol.(answerReader); ok {
		s.tr.Final = ar.Answer(s.tr.Final)
	}
	var limitErr *ReplyLimitError
	if err != nil {
		switch {
		case ctx.Err() != nil && context.Cause(ctx) == errSampleTimeout:
			s.tr.Stop, err = StopTimeout, nil
		case ctx.Err() != nil:
			s.tr.Stop, err = StopError, context.Cause(ctx)
		case errors.As(err, &limitErr):
			s.tr.Stop, s.tr.StopDetail, s.tr.Final, err = StopReplyLimit, limitErr.Error(), "", nil
		default:
			s.tr.Stop = StopError
			if stop, detail := RefusedForSize(err); stop != "" {
				s.tr.Stop, s.tr.StopDetail, s.tr.Final, err = stop, capText(detail, lim.MaxErrorText), "", nil
			}
		}
	}
	return s.tr, capError(err, lim.MaxErrorText)
}

// capError returns err, or when its text is longer than n bytes, an error that reads cut to
// about n and is still err to errors.Is and errors.As.
func capError(err error, n int) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); len(msg) > n {
		return &rewordedError{msg: capText(msg, n), err: err}
	}
	return err
}

// sample is the state of one Run.
type sample struct {
	a        *Agent
	lim      Limits // a.Limits with its defaults
	tr       *Trajectory
	defs     []ToolDef
	tools    map[string]route    // by function name
	required map[string][]string // required arguments by function name
	// opened are the tool instances opened for the sample, in order; closed is set once
	// closeTools has closed them.
	opened []ToolInstance
	closed bool
	// hidden are the functions the model may not call yet (Input.Hidden, less those revealed).
	hidden map[string]bool
	// env is the sample's environment, if it has one, and env.Name its suite name.
	env     Stateful
	episode *Episode
	// userTurn counts the user turns after the first; episodeLeft is the bytes of arguments
	// the episode's record may still keep.
	userTurn, episodeLeft int
	calls                 int
	hashes                map[*Image]string
	// turnLeft and recordLeft are the bytes of text the record may still keep of the current
	// turn and of the whole trajectory.
	turnLeft, recordLeft int
	// images and imageBytes count the tool-result images shown to the model so far.
	images     int
	imageBytes int64
}

// run opens the tools, sends the prompt and follows the conversation turn by turn, setting
// tr.Stop when it ends by itself; an error leaves the stop to Run.
func (s *sample) run(ctx context.Context, in *Input) error {
	a, tr := s.a, s.tr
	proto := a.Protocol
	if proto != nil {
		if err := s.openTools(ctx, in); err != nil {
			return err
		}
		if b, ok := proto.(binder); ok {
			proto = b.Bind(s.visible())
		}
	}
	system, user, err := a.Prompts.render(in, s.visible())
	if err != nil {
		return err
	}
	var msgs []Message
	if system != "" {
		msgs = append(msgs, TextMessage(RoleSystem, system))
	}
	first := len(msgs)
	if o, ok := in.Users.(Opener); ok {
		greeting, turn, err := o.Open(ctx)
		switch {
		case err != nil:
			return &ToolError{Tool: "user", Err: err}
		case turn == nil:
			return &ToolError{Tool: "user", Err: errors.New("the user said nothing to begin with")}
		}
		if greeting != "" {
			msgs = append(msgs, TextMessage(RoleAssistant, greeting))
		}
		user = turn.Parts
	}
	msgs = append(msgs, Message{Role: RoleUser, Parts: user})
	if err := s.recordMessages(msgs[first:]); err != nil {
		return err
	}
	for turn := 1; ; turn++ {
		if stop := s.spent(turn); stop != "" {
			tr.Stop = stop
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		req := &ChatRequest{Messages: msgs, Generation: a.Generation}
		if proto != nil {
			proto.Prepare(req, s.visible())
		}
		resp, err := a.Model.Chat(ctx, req)
		if err != nil {
			return err
		}
		step := &Step{Message: TextMessage(RoleAssistant, resp.Content), Answer: true}
		if proto != nil {
			step = proto.Parse(resp, turn)
		}
		s.recordReply(resp, step)
		switch {
		case len(step.Calls) > s.lim.MaxTurnCalls && !step.Answer:
			return &ReplyLimitError{What: "tool calls", Limit: int64(s.lim.MaxTurnCalls)}
		case resp.Refusal != "" && len(step.Calls) == 0:
			// A refusal is the model's last word: neither re-prompted nor asked again.
			tr.Stop = StopRefusal
			return nil
		case in.Users != nil && s.endsTurn(step) && s.spent(turn+1) != "" && !userDone(in.Users):
			// The user may have more to say, and no turn is left to hear it.
			tr.Stop = s.spent(turn + 1)
			return nil
		case in.Users != nil && s.endsTurn(step) && s.spent(turn+1) == "":
			next, err := in.Users.Next(ctx, append(slices.Clip(msgs), step.Message))
			if err != nil {
				return &ToolError{Tool: "user", Err: err}
			}
			if next == nil {
				tr.Stop = StopAnswer
				if !step.Answer {
					tr.Stop = StopNoAction
				}
				return nil
			}
			s.userTurn++
			for _, name := range next.Reveal {
				delete(s.hidden, name)
			}
			um := Message{Role: RoleUser, Parts: next.Parts}
			if rv, ok := a.Protocol.(revealer); ok && len(next.Reveal) > 0 {
				um.Parts = rv.RevealTurn(s.named(next.Reveal), next.Parts)
			}
			msgs = append(msgs, step.Message, um)
			if err := s.recordMessages([]Message{um}); err != nil {
				return err
			}
			continue
		case step.Answer:
			tr.Stop = StopAnswer
			return nil
		case len(step.Calls) == 0 && a.OnNoAction != NoActionReprompt && a.OnNoAction != NoActionRetry:
			tr.Stop = StopNoAction
			return nil
		case s.spent(turn+1) != "":
			// No turn is left to read the calls' results (or a re-prompt): nothing is run.
			tr.Stop = s.spent(turn + 1)
			return nil
		case len(step.Calls) == 0:
			if a.OnNoAction == NoActionReprompt {
				nudge := TextMessage(RoleUser, proto.Nudge())
				msgs = append(msgs, step.Message, nudge)
				if err := s.recordMessages([]Message{nudge}); err != nil {
					return err
				}
			}
			continue
		case a.Budget.MaxToolCalls > 0 && s.calls+len(step.Calls) > a.Budget.MaxToolCalls:
			tr.Stop = StopMaxToolCalls
			return nil
		}
		outcomes, note, err := s.runCalls(ctx, step.Calls)
		if err != nil {
			return err
		}
		if a.OnCallError == tasks.OnCallErrorStop && slices.ContainsFunc(outcomes, failedOutcome) {
			tr.Stop = StopCallError
			return nil
		}
		obs := proto.Observe(outcomes)
		if note != "" && len(obs) > 0 {
			last := &obs[len(obs)-1]
			last.Parts = append(last.Parts, Part{Text: note})
		}
		msgs = append(append(msgs, step.Message), obs...)
		if err := s.recordMessages(obs); err != nil {
			return err
		}
	}
}

// endsTurn reports whether step ends the model's turn of a conversation: it answers, or it
// has no call and the agent does not ask again (OnNoAction stop), as BFCL ends a turn on a
// reply without a call.
func (s *sample) endsTurn(step *Step) bool {
	return step.Answer || len(step.Calls) == 0 && s.a.OnNoAction != NoActionReprompt && s.a.OnNoAction != NoActionRetry
}

// userDone reports whether u is known to have nothing more to say (a script said in full).
func userDone(u UserSource) bool {
	d, ok := u.(interface{ Done() bool })
	return ok && d.Done()
}

// spent returns the budget that forbids turn, or "".
func (s *sample) spent(turn int) StopReason {
	b := s.a.Budget
	maxTurns := b.MaxTurns
	if maxTurns <= 0 {
		maxTurns = DefaultMaxTurns
	}
	switch {
	case turn > maxTurns:
		return StopMaxTurns
	case b.MaxTokens > 0 && s.tr.Usage.Total >= b.MaxTokens:
		return StopMaxTokens
	}
	return ""
}

// route is where calls to one function go: a tool's instance, through CallFunction when it
// is a Toolbox.
type route struct {
	inst ToolInstance
	box  Toolbox // set for a Toolbox's function
	// stateful is set for the functions of the sample's environment, whose calls make its
	// Episode.
	stateful bool
}

// openTools opens every tool for the sample, with one environment: a Toolbox brings the
// functions it lists, a Stateful instance (an environment) starts the sample's Episode.
func (s *sample) openTools(ctx context.Context, in *Input) error {
	env := &ToolEnv{SampleID: in.SampleID, Images: in.Images, State: in.State}
	start := time.Now()
	defer func() { s.tr.ToolOpenMS = time.Since(start).Milliseconds() }()
	s.required = map[string][]string{}
	for _, t := range s.a.Tools {
		def := t.Def()
		inst, err := t.Open(ctx, env)
		if err != nil {
			return &ToolError{Tool: def.Name, Err: err}
		}
		s.opened = append(s.opened, inst)
		r := route{inst: inst}
		if st, ok := inst.(Stateful); ok {
			if s.env != nil {
				return &ToolError{Tool: def.Name, Err: errors.New("a sample has one environment, and this is its second")}
			}
			s.env, r.stateful = st, true
			s.startEpisode(def.Name)
		}
		defs := []ToolDef{def}
		if box, ok := inst.(Toolbox); ok {
			r.box, defs = box, box.Functions()
		}
		for _, d := range defs {
			if _, dup := s.tools[d.Name]; dup {
				return &ToolError{Tool: def.Name, Err: fmt.Errorf("function %q is also another tool's: each function of a run needs a name of its own", d.Name)}
			}
			if r.box != nil && s.a.Protocol != nil && !s.a.Protocol.Carries(d.Name) {
				return &ToolError{Tool: def.Name, Err: fmt.Errorf("protocol %s cannot carry function %q", s.a.Protocol.Name(), d.Name)}
			}
			s.defs = append(s.defs, d)
			s.tools[d.Name] = r
			s.required[d.Name] = requiredArgs(d)
		}
	}
	return nil
}

// named returns the declarations of the sample's functions called names, in the order of names.
func (s *sample) named(names []string) []ToolDef {
	var out []ToolDef
	for _, n := range names {
		if i := slices.IndexFunc(s.defs, func(d ToolDef) bool { return d.Name == n }); i >= 0 {
			out = append(out, s.defs[i])
		}
	}
	return out
}

// visible returns the functions the model may call now: every function of the sample's
// tools but those still hidden.
func (s *sample) visible() []ToolDef {
	if len(s.hidden) == 0 {
		return s.defs
	}
	var out []ToolDef
	for _, d := range s.defs {
		if !s.hidden[d.Name] {
			out = append(out, d)
		}
	}
	return out
}

// startEpisode starts the sample's Episode on the environment called name, with its state
// as opened.
func (s *sample) startEpisode(name string) {
	s.episode = &Episode{Environment: name}
	s.tr.Episode = s.episode
	state, err := s.env.State()
	if err != nil {
		s.episode.StateError = capText("initial state: "+err.Error(), s.lim.MaxErrorText)
		return
	}
	s.episode.Initial, s.episode.InitialSHA256 = state, StateHash(state)
}

// logEpisode appends a call that ran on the environment to the Episode, its arguments kept
// whole while the record's budget lasts.
func (s *sample) logEpisode(c ParsedCall, args json.RawMessage, obs *Observation) {
	ec := EpisodeCall{Turn: s.userTurn, Name: c.Name, Output: obs.Text, Error: obs.Error}
	if len(args) <= s.episodeLeft && !s.episode.Truncated {
		ec.Arguments = slices.Clone(args)
		s.episodeLeft -= len(args)
	} else {
		s.episode.Truncated = true
	}
	s.episode.Calls = append(s.episode.Calls, ec)
}

// closeTools closes every tool opened for the sample, first merging what the search tools
// report into the trajectory and reading the environment's final state; once they are
// closed, it does nothing.
func (s *sample) closeTools() {
	if s.closed {
		return
	}
	s.closed = true
	var use SearchUse
	for _, inst := range s.opened {
		if r, ok := inst.(SearchReporter); ok {
			use.Merge(r.SearchUse())
		}
	}
	if use.Total().Requests > 0 {
		s.tr.Search = &use
	}
	if s.env != nil {
		if state, err := s.env.State(); err != nil {
			s.episode.StateError = capText("final state: "+err.Error(), s.lim.MaxErrorText)
		} else {
			s.episode.Final, s.episode.FinalSHA256 = state, StateHash(state)
		}
	}
	for _, inst := range s.opened {
		_ = inst.Close()
	}
	s.tools = nil
}

// runCalls runs a turn's calls one after the other, in order (a stateful kernel sees them as
// the model wrote them), recording each on the turn that made it. The images of their results
// are kept within the image caps (see showImages); note says what was not shown, for the end
// of the observation.
func (s *sample) runCalls(ctx context.Context, calls []ParsedCall) (outcomes []Outcome, note string, err error) {
	turn := &s.tr.Turns[len(s.tr.Turns)-1]
	var shown imageCount
	for _, c := range calls {
		if s.a.OnCallError == tasks.OnCallErrorStop && slices.ContainsFunc(outcomes, failedOutcome) {
			break // the sample ends at the failed call: the later ones are not run
		}
		s.calls++
		start := time.Now()
		obs, ran, err := s.call(ctx, c)
		rec := Call{ID: c.ID, Name: c.Name, Arguments: s.keep(turn, c.Arguments, s.lim.MaxRecordedText), DurationMS: time.Since(start).Milliseconds()}
		if err != nil {
			rec.Error = s.keep(turn, err.Error(), s.lim.MaxRecordedText)
			turn.Calls = append(turn.Calls, rec)
			return nil, "", err
		}
		if ran != nil && s.tools[c.Name].stateful {
			s.logEpisode(c, ran, obs)
		}
		kept := *obs
		kept.Images = s.showImages(obs.Images, &shown)
		rec.Error, rec.Output, rec.Kind = s.keep(turn, obs.Error, s.lim.MaxRecordedText), s.keep(turn, obs.Text, s.lim.MaxRecordedText), obs.Kind
		if rec.Images, err = s.hashAll(kept.Images); err != nil {
			return nil, "", err
		}
		turn.Calls = append(turn.Calls, rec)
		outcomes = append(outcomes, Outcome{Call: c, Obs: &kept})
	}
	return outcomes, shown.note(s.lim), nil
}

// failedOutcome reports whether a call failed: it was malformed, or its tool reported an error.
func failedOutcome(o Outcome) bool { return o.Call.Err != "" || o.Obs.Error != "" }

// imageCount counts the images of one turn's results: those shown, and those dropped for the
// turn's caps and for the sample's.
type imageCount struct {
	n                    int
	bytes                int64
	overTurn, overSample int
}

// showImages returns the images of imgs that the caps of the turn (counted in shown) and of
// the sample leave room for, in order, counting them; the others are counted as dropped.
func (s *sample) showImages(imgs []*Image, shown *imageCount) []*Image {
	var out []*Image
	for _, im := range imgs {
		size := int64(len(im.Data))
		switch {
		case s.images+1 > s.lim.MaxSampleImages || s.imageBytes+size > s.lim.MaxSampleImageBytes:
			shown.overSample++
		case shown.n+1 > s.lim.MaxObservationImages || shown.bytes+size > s.lim.MaxObservationImageBytes:
			shown.overTurn++
		default:
			shown.n++
			shown.bytes += size
			s.images++
			s.imageBytes += size
			out = append(out, im)
			continue
		}
		s.tr.ImagesDropped++
	}
	return out
}

// note returns what the model is told of the images c dropped, or "".
func (c imageCount) note(lim Limits) string {
	var notes []string
	if c.overTurn > 0 {
		notes = append(notes, fmt.Sprintf("[%s not shown: the results of one turn may show %d images and %s at most]",
			count(c.overTurn, "image"), lim.MaxObservationImages, sizeText(lim.MaxObservationImageBytes)))
	}
	if c.overSample > 0 {
		notes = append(notes, fmt.Sprintf("[%s not shown: the sample's image budget of %d images and %s is used up]",
			count(c.overSample, "image"), lim.MaxSampleImages, sizeText(lim.MaxSampleImageBytes)))
	}
	if len(notes) == 0 {
		return ""
	}
	return "\n" + strings.Join(notes, "\n")
}

// call runs one call, returning its observation and the arguments it ran with (nil when it
// did not run). A malformed call, a tool the run does not have (or hides still) and arguments
// that miss what the tool requires give an error observation without running anything.
func (s *sample) call(ctx context.Context, c ParsedCall) (*Observation, json.RawMessage, error) {
	if c.Err != "" {
		return errorObservation(c.Err), nil, nil
	}
	r, ok := s.tools[c.Name]
	if !ok || s.hidden[c.Name] {
		if knownFunction(c.Name) {
			return errorObservation(fmt.Sprintf("tool %q is not available in this run", c.Name)), nil, nil
		}
		var names []string
		for _, d := range s.visible() {
			names = append(names, d.Name)
		}
		have := "this run has no tools"
		if len(names) > 0 {
			have = "the tools of this run are " + strings.Join(names, ", ")
		}
		return errorObservation(fmt.Sprintf("unknown tool %q: %s", c.Name, have)), nil, nil
	}
	args, err := checkArgs(c.Arguments, s.required[c.Name])
	if err != nil {
		return errorObservation(err.Error()), nil, nil
	}
	var obs *Observation
	if r.box != nil {
		obs, err = r.box.CallFunction(ctx, c.Name, args)
	} else {
		obs, err = r.inst.Call(ctx, args)
	}
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, nil, err
	case err != nil:
		return nil, nil, &ToolError{Tool: c.Name, Err: err}
	case obs == nil:
		obs = &Observation{}
	}
	return obs, args, nil
}

// errorObservation is the observation of a call that failed for reason msg.
func errorObservation(msg string) *Observation {
	return &Observation{Text: "Error: " + msg, Error: msg}
}

// requiredArgs reads the required arguments from a tool's JSON Schema.
func requiredArgs(def ToolDef) []string {
	var schema struct {
		Required []string `json:"required"`
	}
	_ = json.Unmarshal(def.Parameters, &schema) // a schema that does not parse requires nothing
	return schema.Required
}

// checkArgs returns args as a JSON object ("{}" when empty), or an error for the model when it
// is not one or lacks a required argument.
func checkArgs(args string, required []string) (json.RawMessage, error) {
	args = strings.TrimSpace(args)
	if args == "" {
		args = "{}"
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(args), &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the arguments must be a JSON object, got %s", capText(args, 200))
	}
	var missing []string
	for _, r := range required {
		if _, ok := obj[r]; !ok {
			missing = append(missing, fmt.Sprintf("%q", r))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required %s %s", plural(len(missing), "argument"), strings.Join(missing, ", "))
	}
	return json.RawMessage(args), nil
}

// recordReply appends the model's reply as a turn and counts its cost.
func (s *sample) recordReply(resp *ChatResponse, step *Step) {
	u := resp.Usage.Counted()
	text := step.Message.Text()
	turn := Turn{
		Role: RoleAssistant, Usage: &u,
		LatencyMS: resp.Latency.Milliseconds(), Finish: resp.FinishReason, Cached: resp.Cached,
	}
	s.turnLeft = s.lim.MaxTurnRecord
	turn.Text = s.keep(&turn, text, s.lim.MaxTurnRecord)
	turn.Reasoning = s.keep(&turn, resp.Reasoning, s.lim.MaxTurnRecord)
	turn.Refusal = s.keep(&turn, resp.Refusal, s.lim.MaxTurnRecord)
	s.tr.Turns = append(s.tr.Turns, turn)
	s.tr.Final, s.tr.Refusal = text, resp.Refusal
	s.tr.Usage = s.tr.Usage.Add(u)
	s.tr.LatencyMS += resp.Latency.Milliseconds()
}

// recordMessages appends messages sent to the model as turns: their text, capped, and their
// images by hash.
func (s *sample) recordMessages(msgs []Message) error {
	for _, m := range msgs {
		var imgs []*Image
		for _, p := range m.Parts {
			if p.Image != nil {
				imgs = append(imgs, p.Image)
			}
		}
		hashes, err := s.hashAll(imgs)
		if err != nil {
			return err
		}
		turn := Turn{Role: m.Role, Images: hashes}
		s.turnLeft = s.lim.MaxTurnRecord
		turn.Text = s.keep(&turn, m.Text(), s.lim.MaxRecordedText)
		s.tr.Turns = append(s.tr.Turns, turn)
	}
	return nil
}

// keep returns text as the record keeps it in turn: cut to limit bytes and to what the turn
// and the trajectory may still hold, around a note of what was cut, marking the turn and the
// trajectory Truncated when it is cut.
func (s *sample) keep(turn *Turn, text string, limit int) string {
	if n := min(limit, s.turnLeft, s.recordLeft); len(text) > n {
		text = capText(text, n)
		turn.Truncated, s.tr.Truncated = true, true
	}
	s.turnLeft = max(0, s.turnLeft-len(text))
	s.recordLeft = max(0, s.recordLeft-len(text))
	return text
}

// hashAll returns the content hashes of imgs, storing each image in the agent's BlobStore the
// first time the sample meets it.
func (s *sample) hashAll(imgs []*Image) ([]string, error) {
	var out []string
	for _, im := range imgs {
		h, ok := s.hashes[im]
		if !ok {
			sum := sha256.Sum256(im.Data)
			h = hex.EncodeToString(sum[:])
			if s.a.Blobs != nil {
				var err error
				if h, err = s.a.Blobs.Put(im.Data); err != nil {
					return nil, fmt.Errorf("storing an image: %w", err)
				}
			}
			s.hashes[im] = h
		}
		out = append(out, h)
	}
	return out, nil
}

// capText returns s cut to about n bytes: its head and its tail around a note of the bytes cut,
// "[… N bytes truncated …]". A rune is never cut in two: the one the head or the tail would
// split is cut whole, and counted in N, so that N is what the record lacks of s.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	head, tail := s[:n*3/4], s[len(s)-n/4:]
	for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
		if utf8.RuneStart(head[i]) {
			if !utf8.FullRuneInString(head[i:]) {
				head = head[:i]
			}
			break
		}
	}
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	cut := len(s) - len(head) - len(tail)
	return head + fmt.Sprintf("\n[… %d bytes truncated …]\n", cut) + tail
}

// knownFunction reports whether name is a function some suite tool provides.
func knownFunction(name string) bool {
	for _, fn := range ToolFunctions {
		if fn == name {
			return true
		}
	}
	return slices.Contains(searchTools, name)
}
