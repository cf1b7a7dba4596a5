package realx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// This file is what a run does with one sample: put it to the model (or take its prediction),
// grade the output, and make its record. Every failure is recorded in the record, classed by
// the stage it came from, never counted as a wrong answer.

// newResult starts the record of sample s of plan p.
func (p *Plan) newResult(runID, model string, s *tasks.Sample) *reports.Result {
	return &reports.Result{
		V: reports.SchemaVersion, Run: runID, Suite: p.Suite.Name, SuiteVersion: p.Suite.Version,
		ID: s.ID, Capability: s.Capability, Model: model, Metadata: s.Metadata, Answer: s.Answer,
	}
}

// fail records err as the reason res has no verdict.
func fail(res *reports.Result, class reports.ErrorClass, err error) *reports.Result {
	res.Error = &reports.Failure{Class: class, Message: err.Error()}
	return res
}

// EpisodeJudge is a judge that grades what a sample did to its environment besides, or
// instead of, its answer: the state it left and the calls that made it (runners.Episode), as
// τ2 (the database the run's calls make against the one the gold actions make) and BFCL (the
// state and the results of each turn) grade. A run hands it the sample's Episode, the
// states in it; a rejudge hands it the Episode as recorded, with the states' hashes and the
// calls' arguments but neither the states nor the results, which it rebuilds by replaying the
// calls on a fresh environment from the sample's initial state (env.Replay). ep is nil for a
// sample that opened no environment. A sample graded by an EpisodeJudge needs no gold answer:
// its gold is the judge's to read from the sample.
type EpisodeJudge interface {
	judges.Judge
	JudgeEpisode(ctx context.Context, s *tasks.Sample, output string, ep *runners.Episode) (judges.Verdict, error)
}

// noGold returns the input error of a sample without a gold answer, which no judge of the plan
// can grade, or nil.
func (p *Plan) noGold(s *tasks.Sample) error {
	if _, ok := p.Judge.(EpisodeJudge); ok {
		return nil
	}
	if len(s.Answers()) == 0 {
		return fmt.Errorf("sample %s has no gold answer: no judge can grade it", s.ID)
	}
	return nil
}

// grade judges output for s and records the judge's verdict in res; a judge failure is
// recorded as such (with the judge's ID and the step that failed, and reason invalid_verdict
// when the judge answered without a valid verdict), never as a wrong answer. A sample without
// a gold answer is an input error. A sample the endpoint refused for its size (res.Stop: the
// model's context exceeded, too many images) has no answer: it is graded as wrong without
// asking the judge. So is an answer the model refused to give (res.Refusal), with reason
// refusal: the model's failure, not the infrastructure's.
func (p *Plan) grade(ctx context.Context, res *reports.Result, s *tasks.Sample, output string) *reports.Result {
	res.Output = output
	if err := p.noGold(s); err != nil {
		return fail(res, reports.ErrInput, err)
	}
	res.JudgeInput = judgeInput(s)
	if res.Stop.SizeRefusal() {
		res.Output = ""
		res.Verdict = judges.Verdict{JudgeID: p.JudgeID(), Confident: true,
			Reason: fmt.Sprintf("no answer: the endpoint refused the conversation for its size (stop %s); graded as wrong", res.Stop)}
		return res
	}
	if res.Refusal != "" {
		res.Verdict = judges.Verdict{JudgeID: p.JudgeID(), Reason: judges.ReasonRefusal, Confident: true}
		return res
	}
	var v judges.Verdict
	var err error
	if ej, ok := p.Judge.(EpisodeJudge); ok {
		v, err = ej.JudgeEpisode(ctx, s, output, episodeOf(res))
	} else {
		v, err = p.Judge.Judge(ctx, s, output)
	}
	if err != nil {
		res.Verdict = judges.Verdict{JudgeID: p.JudgeID(), Step: v.Step}
		if errors.Is(err, context.Canceled) {
			return fail(res, reports.ErrCanceled, err)
		}
		if errors.Is(err, judges.ErrNoVerdict) {
			res.Reason = judges.ReasonInvalidVerdict
		}
		return fail(res, reports.ErrJudge, err)
	}
	res.Verdict = v
	if res.JudgeID == "" {
		res.JudgeID = p.JudgeID()
	}
	return res
}

// episodeOf returns the Episode of a record for its judge: a copy, with the texts of the
// model's messages, the conversation's turns and the reason the sample stopped; nil when the sample opened no
// environment.
func episodeOf(res *reports.Result) *runners.Episode {
	if res.Trajectory == nil || res.Trajectory.Episode == nil {
		return nil
	}
	ep := *res.Trajectory.Episode
	ep.Replies, ep.Stop, ep.Conversation = nil, res.Stop, res.Trajectory.Turns
	for _, t := range res.Trajectory.Turns {
		if t.Role == runners.RoleAssistant && t.Text != "" {
			ep.Replies = append(ep.Replies, t.Text)
		}
	}
	return &ep
}

// judgeInput returns the digest of what a judge reads of s besides the output: its question,
// choices, gold answers and metadata (as JSON, whose maps are written in key order), as a
// record keeps it (reports.Result.JudgeInput).
func judgeInput(s *tasks.Sample) string {
	data, err := json.Marshal(struct {
		Question     string         `json:"question"`
		Choices      []string       `json:"choices"`
		Answer       string         `json:"answer"`
		Alternatives []string       `json:"alternatives"`
		Metadata     map[string]any `json:"metadata"`
	}{s.Question, s.Choices, s.Answer, s.Alternatives, s.Metadata})
	if err != nil {
		return "" // metadata decoded from JSON always encodes
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// regrade returns a copy of r, the record of s whose judge failed, graded again from its
// recorded output, with no model call: what the model said is kept (and not paid for again).
func (p *Plan) regrade(ctx context.Context, runID string, r *reports.Result, s *tasks.Sample) *reports.Result {
	res := *r
	res.Run, res.Answer, res.Error, res.Verdict = runID, s.Answer, nil, judges.Verdict{}
	return p.grade(ctx, &res, s, r.Output)
}

// evaluate makes the record of sample s as the given repeat of it: its prediction graded, or
// the sample put to the model through the plan's agent (runners.ForRepeat) and its answer
// graded. A sample that cannot be graded or sent (no gold answer, no prediction, an image that
// cannot be read) fails before any model call.
func (p *Plan) evaluate(ctx context.Context, runID, model string, s *tasks.Sample, repeat int) *reports.Result {
	res := p.newResult(runID, model, s)
	if p.Predictions != nil {
		output, ok := p.Predictions.ByID[s.ID]
		if !ok {
			return fail(res, reports.ErrInput, fmt.Errorf("no prediction for sample %q in %s", s.ID, p.Predictions.Path))
		}
		return p.grade(ctx, res, s, output)
	}
	if err := p.noGold(s); err != nil {
		return fail(res, reports.ErrInput, err)
	}
	prompt, err := p.Suite.Render(s)
	if err != nil {
		return fail(res, reports.ErrInput, err)
	}
	images, toolImages := make([]*runners.Image, len(s.Images)), make([]*runners.Image, len(s.Images))
	for i, ref := range s.Images {
		data, _, err := ref.Read(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fail(res, reports.ErrCanceled, err)
			}
			return fail(res, reports.ErrInput, p.imageError(ref, err))
		}
		if images[i], toolImages[i], err = p.prepareImage(data); err != nil {
			return fail(res, reports.ErrInput, fmt.Errorf("image %q: %w", ref.Ref, err))
		}
	}
	in := &runners.Input{SampleID: s.ID, System: prompt.System, Images: toolImages}
	if err := p.sampleWorld(in, s, repeat); err != nil {
		return fail(res, reports.ErrInput, err)
	}
	for _, part := range prompt.User {
		if part.Image > len(images) {
			return fail(res, reports.ErrInput, fmt.Errorf("prompt places image %d but the sample has %d", part.Image, len(images)))
		}
		if part.Image > 0 {
			in.User = append(in.User, runners.Part{Image: images[part.Image-1]})
		} else if part.Text != "" {
			in.User = append(in.User, runners.Part{Text: part.Text})
		}
	}
	agent := *p.Agent
	agent.Model = runners.ForRepeat(agent.Model, repeat)
	tr, err := agent.Run(ctx, in)
	if tr != nil {
		res.Trajectory = tr
		res.Tokens = tr.Usage
		res.LatencyMS = tr.LatencyMS
		res.Stop = tr.Stop
		res.Refusal = tr.Refusal
	}
	if err != nil {
		if tr != nil {
			res.Output = tr.Final
		}
		class := reports.Classify(err)
		if class == reports.ErrInternal {
			class = reports.ErrModel
		}
		return fail(res, class, err)
	}
	return p.grade(ctx, res, s, tr.Final)
}

// prepareImage returns a sample's image as the model sees it (prepared by the plan's image
// policy) and as the tools see it: the same image, so that coordinates the model reads off its
// view fall on the same pixels in image_1 and in a crop, as VLMEvalKit loads the resized file
// it sends; or, with images.tools: original, the file as it is.
func (p *Plan) prepareImage(data []byte) (sent, tools *runners.Image, err error) {
	if sent, err = runners.PrepareImage(data, p.Images); err != nil {
		return nil, nil, err
	}
	if p.Images.Tools != tasks.ToolImagesOriginal {
		return sent, sent, nil
	}
	tools, err = runners.PrepareImage(data, tasks.ImagePolicy{})
	return sent, tools, err
}

// imageError says why image ref of a sample could not be read, and what to do: an image URL
// that could not be fetched is said to be one (it is fetched again when the sample runs
// again); an image file that is not there, when no image root was given, gets the hint to
// give one (a shipped suite carries only some of its images).
func (p *Plan) imageError(ref tasks.ImageRef, err error) error {
	if lower := strings.ToLower(ref.Ref); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		var ie *tasks.ImageError
		if errors.As(err, &ie) {
			err = ie.Err
		}
		return fmt.Errorf("fetching image %q failed (it is fetched again when the sample runs again): %w", ref.Ref, err)
	}
	if errors.Is(err, fs.ErrNotExist) && p.ImageRoot == "" {
		return fmt.Errorf("%w; give --image-root DIR, the directory holding %s's images (relative image paths resolve against it)", err, p.Suite.Name)
	}
	return err
}

// sampleWorld sets what the sample's environment and its later user turns come from: its
// initial state (the field agent.environment.state names) and its user (the plan's Users, or
// the turns agent.turns names), each sample and repeat getting its own. A field that is missing
// leaves the sample without a state or later turns; one that cannot be read is an input error.
func (p *Plan) sampleWorld(in *runners.Input, s *tasks.Sample, repeat int) error {
	state, turns, err := agentFields(p.Suite.Agent, s)
	if err != nil {
		return err
	}
	in.State = state
	switch {
	case p.Users != nil:
		if in.Users, in.Hidden, err = p.Users(s, repeat); err != nil {
			return err
		}
	case turns != nil:
		u := runners.NewScriptedUser(turns)
		in.Users, in.Hidden = u, u.Hidden()
	}
	return nil
}

// agentFields reads a sample's initial state and later user turns, as the agent block names
// their fields; nil for those it does not name or the sample lacks.
func agentFields(a tasks.AgentSpec, s *tasks.Sample) (json.RawMessage, []runners.UserTurn, error) {
	var state json.RawMessage
	if e := a.Environment; e != nil && e.State != "" {
		if v, ok := s.Metadata[e.State]; ok {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, nil, fmt.Errorf("sample %s: agent.environment.state %q: %w", s.ID, e.State, err)
			}
			state = b
		}
	}
	if a.Turns == "" {
		return state, nil, nil
	}
	v, ok := s.Metadata[a.Turns]
	if !ok || v == nil {
		return state, nil, nil
	}
	ts, err := tasks.UserTurns(v)
	if err != nil {
		return nil, nil, fmt.Errorf("sample %s: agent.turns %q: %w", s.ID, a.Turns, err)
	}
	turns := make([]runners.UserTurn, len(ts))
	for i, t := range ts {
		turns[i] = runners.UserTurn{Parts: []runners.Part{{Text: t.Text}}, Reveal: t.Reveal}
	}
	return state, turns, nil
}
