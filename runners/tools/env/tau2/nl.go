package tau2

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/pycall"
	"github.com/realx-bench/realx/runners/tools/env"
)

// This file grades τ2's NL_ASSERTION component as τ2's NLAssertionsEvaluator does
// (src/tau2/evaluator/evaluator_nl_assertions.py at tau2-bench a2c0247, MIT): a task with no
// nl_assertions scores 1 without any call; otherwise an LLM judge is given τ2's prompt — its
// system text and its user text around the conversation, linearised one "role: content" line
// per message, and the assertions as Python writes a list — and replies in JSON with one
// result per assertion; the component is 1 only when every result is met.

// nlSystem and nlUser are τ2's NL-assertion judge prompt, verbatim (data/SOURCE.md): its
// system message, and its user message with {trajectory_str} and {nl_assertions} where
// the f-string puts the conversation and the assertions.
var (
	//go:embed data/nl_assertions_system.txt
	nlSystem string
	//go:embed data/nl_assertions_user.txt
	nlUser string
)

// DefaultNLJudgeModel is the model τ2 grades NL assertions with (DEFAULT_LLM_NL_ASSERTIONS in
// src/tau2/config.py), at temperature 0; the τ2 suites name it as their judge's model.
const DefaultNLJudgeModel = "gpt-4.1-2025-04-14"

// NLJudgeFlags says how to give the NL-assertion judge an endpoint, for errors.
const NLJudgeFlags = "--judge-model, --judge-base-url and --judge-api-key-env (or REALX_JUDGE_MODEL, REALX_JUDGE_BASE_URL, REALX_JUDGE_API_KEY_ENV)"

// NLPrompt returns the messages τ2 puts to its NL-assertion judge for a conversation and the
// task's assertions.
func NLPrompt(turns []runners.Turn, assertions []string) []runners.Message {
	user := strings.NewReplacer("{trajectory_str}", Linearise(turns), "{nl_assertions}", pyStrList(assertions)).Replace(nlUser)
	return []runners.Message{runners.TextMessage(runners.RoleSystem, nlSystem), runners.TextMessage(runners.RoleUser, user)}
}

// Linearise writes a conversation as τ2's NL judge reads its trajectory: one
// "role: content" line per message — the agent's as assistant (None for a message that
// only calls tools, as Python prints a missing content), each tool result as tool, the
// user's as user. System turns are not part of τ2's trajectory.
func Linearise(turns []runners.Turn) string {
	var lines []string
	for _, t := range turns {
		switch t.Role {
		case runners.RoleSystem:
			continue
		case runners.RoleAssistant:
			text := t.Text
			if text == "" && len(t.Calls) > 0 {
				text = "None"
			}
			lines = append(lines, "assistant: "+text)
			for _, c := range t.Calls {
				lines = append(lines, "tool: "+c.Output)
			}
		default:
			lines = append(lines, string(t.Role)+": "+t.Text)
		}
	}
	return strings.Join(lines, "\n")
}

// pyStrList writes a list of strings as Python's repr does: ['a', "it's"].
func pyStrList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pycall.ReprString(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// nlResult is one result of the judge's reply.
type nlResult struct {
	ExpectedOutcome string          `json:"expectedOutcome"`
	Reasoning       string          `json:"reasoning"`
	MetExpectation  json.RawMessage `json:"metExpectation"`
}

// ReadNLReply reads the NL judge's reply as τ2 does — a JSON object whose results each say
// whether an expected outcome was met (metExpectation) and why (reasoning) — and returns the
// component's grade: a pass, score 1, when every result is met (τ2's all(), so also when
// the reply lists none), else 0, with the unmet outcomes and their reasoning as the reason.
// A reply in a Markdown code fence is read inside it. ok is false when the reply is not such
// an object, or a metExpectation is neither a boolean nor "true"/"false".
func ReadNLReply(reply string) (env.Grade, bool) {
	text := strings.TrimSpace(reply)
	if strings.HasPrefix(text, "```") {
		text = strings.TrimPrefix(strings.TrimPrefix(text, "```json"), "```")
		text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "```"))
	}
	var data struct {
		Results []nlResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(text), &data); err != nil {
		return env.Grade{}, false
	}
	var unmet []string
	for _, r := range data.Results {
		met, ok := readBool(r.MetExpectation)
		if !ok {
			return env.Grade{}, false
		}
		if !met {
			unmet = append(unmet, fmt.Sprintf("NL assertion not met: %q (%s)", r.ExpectedOutcome, r.Reasoning))
		}
	}
	if len(unmet) > 0 {
		return env.Grade{Score: 0, Reason: strings.Join(unmet, "; ")}, true
	}
	return env.Grade{Pass: true, Score: 1, Reason: fmt.Sprintf("%d NL assertion(s) met", len(data.Results))}, true
}

// readBool reads a JSON boolean, or a string pydantic would take as one.
func readBool(raw json.RawMessage) (bool, bool) {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if v, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(s))); err == nil {
			return v, true
		}
	}
	return false, false
}

// gradeNL grades the NL_ASSERTION component of task t's run: 1 when the task has no
// assertions; otherwise the verdict of the LLM judge ctx carries (env.AskerFrom) on τ2's
// prompt. Without a judge it is an error naming the flags that give one: the sample is left
// ungraded, never passed.
func gradeNL(ctx context.Context, t *Task, ep *runners.Episode) (float64, string, error) {
	assertions := t.Criteria.NLAssertions
	if len(assertions) == 0 {
		return 1, "", nil
	}
	ask := env.AskerFrom(ctx)
	if ask == nil {
		return 0, "", fmt.Errorf("task %s: τ2 grades its %d NL assertion(s) with an LLM judge, and none is set: give its endpoint with %s (τ2's judge is %s)",
			t.ID, len(assertions), NLJudgeFlags, DefaultNLJudgeModel)
	}
	g, err := ask.Ask(ctx, NLPrompt(ep.Conversation, assertions), ReadNLReply)
	if err != nil {
		return 0, "", fmt.Errorf("task %s: NL assertions: %w", t.ID, err)
	}
	reason := ""
	if !g.Pass {
		reason = g.Reason
	}
	return b2f(g.Pass), reason, nil
}
