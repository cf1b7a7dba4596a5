package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// plan is one suite ready to run or score: its samples, its judge, and how samples are put to
// the model.
type plan struct {
	suite   *tasks.Suite
	data    *tasks.Dataset
	samples []tasks.Sample
	judge   judges.Judge
	judgeID string
	// judges is how the judge was built (the judge flags), and holds its verdict cache.
	judges *judgeSetup
	// images is the suite's image policy with the run's flags applied.
	images tasks.ImagePolicy
	// imageRoot is --image-root, "" when not given.
	imageRoot string
	agent     *runners.Agent
	// endpoints are those of the plan's LLM judges.
	endpoints []reports.Endpoint
}

// newPlan loads what grading a suite needs: its samples (at most limit, when limit > 0) and its
// judge, built as js says (the judge flags). The suite's judge spec becomes the resolved one,
// the judge that runs and that the manifest records. A judge that would send a key to an
// endpoint the suite chose is refused (judgeEndpoints), before it is built.
func newPlan(s *tasks.Suite, ds *tasks.Dataset, limit int, js *judgeSetup) (*plan, error) {
	orig := s.Judge
	s.Judge = js.resolve(s.Judge)
	eps, problems := js.judgeEndpoints(s.Name, judgeSource{suite: s, spec: &orig}, orig, s.Judge, js.trust)
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	j, err := js.build(s.Judge)
	if err != nil {
		if errors.As(err, new(*tasks.Error)) {
			return nil, err // positioned already, in the suite or a judge file
		}
		return nil, fmt.Errorf("%s: %w", s.Source, err)
	}
	samples := ds.Samples
	if limit > 0 && limit < len(samples) {
		samples = samples[:limit]
	}
	return &plan{suite: s, data: ds, samples: samples, judge: j, judgeID: j.ID(), judges: js, images: s.Images, endpoints: eps}, nil
}

// judgeInfo describes the plan's judge for the manifest: the judge that runs, its endpoints'
// URLs without credentials (redactURL).
func (p *plan) judgeInfo() reports.JudgeInfo {
	spec := p.suite.Judge
	spec.BaseURL = redactURL(spec.BaseURL)
	spec.Steps = slices.Clone(spec.Steps)
	for i := range spec.Steps {
		spec.Steps[i].BaseURL = redactURL(spec.Steps[i].BaseURL)
	}
	return reports.JudgeInfo{Suite: p.suite.Name, ID: p.judgeID, Spec: spec}
}

// endpointsOf returns the endpoints of the plans' judges, after those of models.
func endpointsOf(plans []*plan, models ...reports.Endpoint) []reports.Endpoint {
	eps := models
	for _, p := range plans {
		eps = append(eps, p.endpoints...)
	}
	return eps
}

// workdir returns the directory realx runs in, recorded in manifests so that the relative
// paths they hold can be found again from elsewhere; "" when it cannot be told.
func workdir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}

// suiteInfo describes the plan's suite for the manifest.
func (p *plan) suiteInfo() reports.SuiteInfo {
	return reports.SuiteInfo{
		Name: p.suite.Name, Version: p.suite.Version, Source: p.suite.Source, Digest: p.suite.Digest,
		Data: p.data.Path, DataDigest: p.data.Digest, Samples: len(p.samples),
		Generation: p.suite.Generation, Images: p.images, Agent: p.suite.Agent,
		Sandbox: sandboxOf(p.agent),
	}
}

// newResult starts the record of sample s.
func (p *plan) newResult(runID, model string, s *tasks.Sample) *reports.Result {
	return &reports.Result{
		V: reports.SchemaVersion, Run: runID, Suite: p.suite.Name, SuiteVersion: p.suite.Version,
		ID: s.ID, Capability: s.Capability, Model: model, Metadata: s.Metadata, Answer: s.Answer,
	}
}

// fail records err as the reason res has no verdict.
func fail(res *reports.Result, class reports.ErrorClass, err error) *reports.Result {
	res.Error = &reports.Failure{Class: class, Message: err.Error()}
	return res
}

// noGold returns the input error of a sample without a gold answer, which no judge can grade,
// or nil.
func noGold(s *tasks.Sample) error {
	if len(s.Answers()) == 0 {
		return fmt.Errorf("sample %s has no gold answer: no judge can grade it", s.ID)
	}
	return nil
}

// grade judges output for s and records the verdict in res; a judge failure is recorded as
// such (with the judge's ID), never as a wrong answer. A sample without a gold answer is an
// input error.
func (p *plan) grade(ctx context.Context, res *reports.Result, s *tasks.Sample, output string) *reports.Result {
	res.Output = output
	if err := noGold(s); err != nil {
		return fail(res, reports.ErrInput, err)
	}
	v, err := p.judge.Judge(ctx, s, output)
	if err != nil {
		res.JudgeID, res.JudgeStep = p.judgeID, v.Step
		if errors.Is(err, context.Canceled) {
			return fail(res, reports.ErrCanceled, err)
		}
		return fail(res, reports.ErrJudge, err)
	}
	res.Pass, res.Score, res.Extracted, res.Reason = v.Pass, v.Score, v.Extracted, v.Reason
	res.JudgeID, res.JudgeStep = v.JudgeID, v.Step
	if res.JudgeID == "" {
		res.JudgeID = p.judgeID
	}
	return res
}

// regrade returns a copy of r, the record of s whose judge failed, graded again from its
// recorded output, with no model call: what the model said is kept (and not paid for again).
func (p *plan) regrade(ctx context.Context, runID string, r *reports.Result, s *tasks.Sample) *reports.Result {
	res := *r
	res.Run, res.Answer, res.Error = runID, s.Answer, nil
	res.Pass, res.Score, res.Extracted, res.Reason, res.JudgeID, res.JudgeStep = false, 0, "", "", "", ""
	return p.grade(ctx, &res, s, r.Output)
}

// evaluate puts sample s to the model through the plan's agent and grades the answer. Every
// failure is recorded in the returned result, classed by the stage it came from; a sample
// that cannot be graded or sent (no gold answer, an image that cannot be read) fails before
// any model call.
func (p *plan) evaluate(ctx context.Context, runID, model string, s *tasks.Sample) *reports.Result {
	res := p.newResult(runID, model, s)
	if err := noGold(s); err != nil {
		return fail(res, reports.ErrInput, err)
	}
	prompt, err := p.suite.Render(s)
	if err != nil {
		return fail(res, reports.ErrInput, err)
	}
	images := make([]*runners.Image, len(s.Images))
	for i, ref := range s.Images {
		data, _, err := ref.Read(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fail(res, reports.ErrCanceled, err)
			}
			return fail(res, reports.ErrInput, p.imageError(ref, err))
		}
		img, err := runners.PrepareImage(data, p.images)
		if err != nil {
			return fail(res, reports.ErrInput, fmt.Errorf("image %q: %w", ref.Ref, err))
		}
		images[i] = img
	}
	in := &runners.Input{SampleID: s.ID, System: prompt.System, Images: images}
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
	tr, err := p.agent.Run(ctx, in)
	if tr != nil {
		res.Trajectory = tr
		res.Tokens = tr.Usage
		res.LatencyMS = tr.LatencyMS
		res.Stop = tr.Stop
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

// imageError says why image ref of a sample could not be read, and what to do: an image URL
// that could not be fetched is said to be one (it is fetched again when the sample runs
// again); an image file that is not there, when --image-root was not given, gets the hint to
// give it (a shipped suite carries only some of its images).
func (p *plan) imageError(ref tasks.ImageRef, err error) error {
	if lower := strings.ToLower(ref.Ref); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		var ie *tasks.ImageError
		if errors.As(err, &ie) {
			err = ie.Err
		}
		return fmt.Errorf("fetching image %q failed (it is fetched again when the sample runs again): %w", ref.Ref, err)
	}
	if errors.Is(err, fs.ErrNotExist) && p.imageRoot == "" {
		return fmt.Errorf("%w; give --image-root DIR, the directory holding %s's images (relative image paths resolve against it)", err, p.suite.Name)
	}
	return err
}
