package judges

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

// KindEnvironment is the judge that leaves the grading to the sample's environment: the
// environment kind's Grade (env.Kind), given what the sample did to it (runners.Episode) —
// τ2's database and communicate_info checks, say. Its model, base_url and api_key_env, when
// set, are an LLM judge the environment may ask (env.Asker: τ2's NL assertions); the
// --judge-* flags apply to it as to any LLM judge.
const KindEnvironment = "environment"

// environmentJudge is the judge of kind environment. It is an episode judge
// (realx.EpisodeJudge): a run hands it each sample's Episode.
type environmentJudge struct {
	id string
	// ask is the LLM judge the environment may ask; nil when the spec names no model.
	ask *envAsker
}

func (j *environmentJudge) ID() string { return j.id }

// Judge refuses: the environment judge grades episodes, and an output alone is none.
func (j *environmentJudge) Judge(_ context.Context, s *tasks.Sample, _ string) (Verdict, error) {
	return Verdict{}, fmt.Errorf("sample %s: the environment judge grades what a sample did to its environment, and has no episode to grade (give the suite an agent.environment)", s.ID)
}

// JudgeEpisode asks the episode's environment kind to grade it, with the judge's LLM (if it
// has one) in the context for the kind to ask.
func (j *environmentJudge) JudgeEpisode(ctx context.Context, s *tasks.Sample, output string, ep *runners.Episode) (Verdict, error) {
	if ep == nil {
		return Verdict{}, fmt.Errorf("sample %s opened no environment: the environment judge has nothing to grade", s.ID)
	}
	k, ok := env.Lookup(ep.Environment)
	switch {
	case !ok:
		return Verdict{}, fmt.Errorf("sample %s: unknown environment %q", s.ID, ep.Environment)
	case k.Grade == nil:
		return Verdict{}, fmt.Errorf("sample %s: environment %s does not grade its episodes: the judge kind environment needs one that does", s.ID, ep.Environment)
	}
	if j.ask != nil {
		ctx = env.WithAsker(ctx, j.ask)
	}
	step := KindEnvironment + ":" + ep.Environment
	g, err := k.Grade(ctx, s, output, ep)
	if err != nil {
		return Verdict{JudgeID: j.id, Step: step}, err
	}
	return Verdict{Pass: g.Pass, Score: g.Score, JudgeID: j.id, Step: step, Reason: g.Reason, Confident: true}, nil
}

// envAsker is the LLM an environment judge's environment may ask (env.Asker): the spec's
// model on its endpoint, asked at temperature 0, retried and cached as an LLM judge is.
type envAsker struct {
	// identity is the hex hash of the judge's identity, part of every cache key.
	identity string
	model    runners.Model
	// err says why the judge has no endpoint (no base URL, an empty key variable): every Ask
	// fails with it, so that a sample that needs the LLM is left ungraded, never passed.
	err     error
	gen     tasks.Generation
	retries int
	backoff time.Duration
	cache   Cache
	flight  singleflight.Group
}

// newEnvAsker builds the LLM of an environment judge's spec, which names a model or an
// endpoint. An endpoint it cannot have is kept as the error of each Ask, not refused here: an
// environment asks only for some samples (τ2's tasks with NL assertions).
func newEnvAsker(spec tasks.JudgeSpec, opt Options) *envAsker {
	_, sum := identity(spec)
	a := &envAsker{identity: hex.EncodeToString(sum[:]), retries: DefaultRetries, backoff: opt.Backoff, cache: opt.Cache,
		gen: tasks.Generation{Temperature: ptr(0.0), MaxTokens: spec.MaxTokens}}
	if spec.Retries != nil {
		a.retries = *spec.Retries
	}
	if a.backoff == 0 {
		a.backoff = DefaultBackoff
	}
	ep, err := endpointOf(spec, opt, "the environment's LLM judge")
	if err != nil {
		a.err = fmt.Errorf("%w (the flags: --judge-model, --judge-base-url, --judge-api-key-env; or REALX_JUDGE_MODEL, REALX_JUDGE_BASE_URL, REALX_JUDGE_API_KEY_ENV)", err)
		return a
	}
	a.model = connector(opt)(ep, retryPolicy(a.retries, a.backoff))
	return a
}

// Ask implements env.Asker. It asks the endpoint only when the cache has no verdict for these
// messages; concurrent asks for the same messages share one call.
func (a *envAsker) Ask(ctx context.Context, messages []runners.Message, read func(string) (env.Grade, bool)) (env.Grade, error) {
	if a.err != nil {
		return env.Grade{}, a.err
	}
	raw, err := json.Marshal(struct {
		Judge    string            `json:"judge"`
		Messages []runners.Message `json:"messages"`
	}{a.identity, messages})
	if err != nil {
		return env.Grade{}, err
	}
	sum := sha256.Sum256(raw)
	key := hex.EncodeToString(sum[:])
	grade := func(v Verdict) env.Grade { return env.Grade{Pass: v.Pass, Score: v.Score, Reason: v.Reason} }
	if a.cache != nil {
		if v, ok := a.cache.Get(key); ok {
			return grade(v), nil
		}
	}
	got, err, _ := a.flight.Do(key, func() (any, error) {
		if a.cache != nil {
			if v, ok := a.cache.Get(key); ok {
				return v, nil
			}
		}
		g, reply, err := a.ask(ctx, messages, read)
		if err != nil {
			return nil, err
		}
		v := Verdict{Pass: g.Pass, Score: g.Score, Reason: g.Reason, Confident: true}
		if a.cache != nil {
			if err := a.cache.Put(key, v, reply); err != nil {
				return nil, err
			}
		}
		return v, nil
	})
	if err != nil {
		return env.Grade{}, err
	}
	return grade(got.(Verdict)), nil
}

// ask puts the messages to the endpoint until read finds a verdict in a reply, at most
// 1+retries times; a request that fails after the model's own retries ends the asking.
func (a *envAsker) ask(ctx context.Context, messages []runners.Message, read func(string) (env.Grade, bool)) (env.Grade, string, error) {
	req := &runners.ChatRequest{Messages: messages, Generation: a.gen}
	var last error
	for attempt := 0; attempt <= a.retries; attempt++ {
		if attempt > 0 {
			if err := runners.SystemClock.Sleep(ctx, nextWait(a.backoff, attempt-1)); err != nil {
				return env.Grade{}, "", fmt.Errorf("%w (after: %v)", err, last)
			}
		}
		resp, err := a.model.Chat(ctx, req)
		if err != nil {
			var me *runners.ModelError
			tries := attempt + 1
			if errors.As(err, &me) {
				tries = attempt + max(me.Attempts, 1)
			}
			return env.Grade{}, "", fmt.Errorf("llm judge: no verdict after %d attempt(s): judge endpoint: %w", tries, err)
		}
		reply, _ := StripThink(resp.Content)
		if g, ok := read(reply); ok {
			return g, resp.Content, nil
		}
		last = fmt.Errorf("%w %q", ErrNoVerdict, clip(resp.Content, 300))
	}
	return env.Grade{}, "", fmt.Errorf("llm judge: no verdict after %d attempt(s): %w", a.retries+1, last)
}
