package tau2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/env"
	"github.com/realx-bench/realx/tasks"
)

// Result is τ2's reward for one run of a task, with the checks it is the product of.
type Result struct {
	// Reward is the product of the graded reward_basis components: 1 or 0 in airline and
	// retail.
	Reward float64
	// Components are the reward of each component of the basis graded, in the basis's order.
	Components []Component
	// DBMatch says whether the run's database matched the gold one (nil: not compared).
	DBMatch *bool
	// PredictedHash and GoldHash are the hex SHA-256 of the two databases.
	PredictedHash, GoldHash string
	// Communicate and Actions are the communicate_info and gold-action checks.
	Communicate []Check
	Actions     []Check
	// NLUnmet says which NL assertions the LLM judge found unmet, and why ("" when all were
	// met, or none graded).
	NLUnmet string
	// Notes say what was not graded, or why the reward is 0 without a check.
	Notes []string
}

// Component is the reward of one reward_basis component.
type Component struct {
	Name   string
	Reward float64
}

// Check is one communicate_info or gold-action check.
type Check struct {
	What string
	Met  bool
}

// Pass reports whether the run succeeded: a reward of 1, as τ2 counts successes.
func (r *Result) Pass() bool { return math.Abs(r.Reward-1) < 1e-6 }

// Grade returns r as an environment's verdict: its reward as the score, and a reason that
// names each component and each check that failed.
func (r *Result) Grade() env.Grade {
	var parts []string
	for _, c := range r.Components {
		parts = append(parts, fmt.Sprintf("%s %g", c.Name, c.Reward))
	}
	reason := fmt.Sprintf("reward %g", r.Reward)
	if len(parts) > 0 {
		reason += " (" + strings.Join(parts, ", ") + ")"
	}
	var why []string
	if r.DBMatch != nil && !*r.DBMatch {
		why = append(why, fmt.Sprintf("the database (%.8s) is not the gold actions' (%.8s)", r.PredictedHash, r.GoldHash))
	}
	for _, c := range r.Communicate {
		if !c.Met {
			why = append(why, fmt.Sprintf("%q was not communicated", c.What))
		}
	}
	for _, c := range r.Actions {
		if !c.Met {
			why = append(why, "gold action not called: "+c.What)
		}
	}
	if r.NLUnmet != "" {
		why = append(why, r.NLUnmet)
	}
	why = append(why, r.Notes...)
	if len(why) > 0 {
		reason += ": " + strings.Join(why, "; ")
	}
	return env.Grade{Pass: r.Pass(), Score: r.Reward, Reason: reason}
}

// GradeSample grades what a sample, carrying a task of the domain, did to its environment.
func (d *Domain) GradeSample(ctx context.Context, s *tasks.Sample, ep *runners.Episode) (*Result, error) {
	t, err := TaskOf(s)
	if err != nil {
		return nil, err
	}
	return d.Grade(ctx, t, ep)
}

// Grade grades a run of task t as τ2 does, from its Episode: the conversation must have ended
// by itself (a budget that cut it short scores 0, as τ2's max_steps does); then each component
// of the reward basis — DB: the database the run's calls made (the Episode's final state, or
// its calls replayed on a fresh database) has the hash of the one the gold actions make on a
// fresh database; COMMUNICATE: every communicate_info text is in one of the model's replies
// (case and commas ignored); ACTION: every gold action was called with its arguments — and the
// reward is their product; NL_ASSERTION: 1 for a task with no nl_assertions, else the verdict
// of the LLM judge ctx carries (env.AskerFrom) on τ2's prompt (gradeNL), and without one an
// error, so that the sample is left ungraded rather than passed.
func (d *Domain) Grade(ctx context.Context, t *Task, ep *runners.Episode) (*Result, error) {
	r := &Result{Reward: 1}
	if ep == nil {
		return nil, fmt.Errorf("task %s: the sample opened no environment (the suite needs agent.environment %s)", t.ID, d.Kind)
	}
	if t.Criteria == nil {
		r.Notes = append(r.Notes, "the task has no evaluation criteria")
		return r, nil
	}
	switch ep.Stop {
	case "", runners.StopAnswer, runners.StopNoAction:
	default:
		r.Reward = 0
		r.Notes = append(r.Notes, fmt.Sprintf("the conversation was cut short (stop %s), which τ2 scores 0", ep.Stop))
		return r, nil
	}
	for _, b := range t.Basis() {
		var reward float64
		switch b {
		case BasisDB:
			match, err := d.compareDB(ctx, t, ep, r)
			if err != nil {
				return nil, err
			}
			r.DBMatch = &match
			reward = b2f(match)
		case BasisCommunicate:
			r.Communicate = communicated(t.Criteria.CommunicateInfo, ep.Replies)
			reward = b2f(!slices.ContainsFunc(r.Communicate, func(c Check) bool { return !c.Met }))
		case BasisAction:
			var err error
			if r.Actions, err = actionsCalled(t.Criteria.Actions, ep.Calls); err != nil {
				return nil, fmt.Errorf("task %s: %w", t.ID, err)
			}
			reward = b2f(!slices.ContainsFunc(r.Actions, func(c Check) bool { return !c.Met }))
		case BasisNLAssertion:
			var err error
			if reward, r.NLUnmet, err = gradeNL(ctx, t, ep); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("task %s: reward_basis %s cannot be graded", t.ID, b)
		}
		r.Components = append(r.Components, Component{Name: b, Reward: reward})
		r.Reward *= reward
	}
	return r, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// compareDB compares the hash of the run's database with the gold one's, setting r's hashes.
func (d *Domain) compareDB(ctx context.Context, t *Task, ep *runners.Episode, r *Result) (bool, error) {
	gold, err := d.GoldHash(ctx, t)
	if err != nil {
		return false, err
	}
	predicted := ep.Final
	if predicted == nil {
		if ep.Truncated {
			return false, fmt.Errorf("task %s: the episode's calls were not all recorded, so its database cannot be rebuilt", t.ID)
		}
		k, ok := env.Lookup(d.Kind)
		if !ok {
			return false, fmt.Errorf("environment %s is not registered", d.Kind)
		}
		if predicted, _, err = env.Replay(ctx, k, nil, ep.Calls); err != nil {
			return false, fmt.Errorf("task %s: rebuilding the run's database: %w", t.ID, err)
		}
	}
	r.PredictedHash, r.GoldHash = runners.StateHash(predicted), gold
	return r.PredictedHash == gold, nil
}

// GoldHash returns the hash of the database the task's gold actions make on a fresh copy of
// the published one (a gold action the tools refuse is run like any, as τ2 does). It is
// computed once per task and gold actions.
func (d *Domain) GoldHash(ctx context.Context, t *Task) (string, error) {
	calls := t.GoldCalls()
	key, err := json.Marshal(calls)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append([]byte(t.ID+"\x00"), key...))
	id := hex.EncodeToString(sum[:])
	if h, ok := d.gold.Load(id); ok {
		return h.(string), nil
	}
	k, ok := env.Lookup(d.Kind)
	if !ok {
		return "", fmt.Errorf("environment %s is not registered", d.Kind)
	}
	state, _, err := env.Replay(ctx, k, nil, calls)
	if err != nil {
		return "", fmt.Errorf("task %s: the gold actions: %w", t.ID, err)
	}
	h := runners.StateHash(state)
	d.gold.Store(id, h)
	return h, nil
}

// communicated checks each communicate_info text against the model's replies as τ2 does: the
// text, lowercased, is in a reply lowercased with its commas removed.
func communicated(info, replies []string) []Check {
	out := make([]Check, 0, len(info))
	for _, want := range info {
		w := strings.ToLower(want)
		met := slices.ContainsFunc(replies, func(reply string) bool {
			return strings.Contains(strings.ReplaceAll(strings.ToLower(reply), ",", ""), w)
		})
		out = append(out, Check{What: want, Met: met})
	}
	return out
}

// actionsCalled checks that each gold action was called as τ2's ACTION check does: a call of
// the same name whose arguments equal the action's on the arguments compared (compare_args,
// or every argument of the call).
func actionsCalled(gold []Action, calls []runners.EpisodeCall) ([]Check, error) {
	out := make([]Check, 0, len(gold))
	for _, a := range gold {
		var want map[string]any
		if err := json.Unmarshal(a.Arguments, &want); err != nil {
			return nil, fmt.Errorf("gold action %s: arguments: %w", a.Name, err)
		}
		met := slices.ContainsFunc(calls, func(c runners.EpisodeCall) bool {
			if c.Name != a.Name {
				return false
			}
			var got map[string]any
			if json.Unmarshal(c.Arguments, &got) != nil {
				return false
			}
			keys := a.CompareArgs
			if keys == nil {
				for k := range got {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				gv, gok := got[k]
				wv, wok := want[k]
				if gok != wok || !reflect.DeepEqual(gv, wv) {
					return false
				}
			}
			return true
		})
		out = append(out, Check{What: fmt.Sprintf("%s(%s)", a.Name, a.Arguments), Met: met})
	}
	return out, nil
}
