package tau2

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Task is one τ2 task: what the simulated user is told, and how the run is graded. A suite's
// samples carry its parts as metadata, under τ2's own names (user_scenario,
// evaluation_criteria, initial_state).
type Task struct {
	ID           string          `json:"id"`
	UserScenario UserScenario    `json:"user_scenario"`
	InitialState json.RawMessage `json:"initial_state,omitempty"`
	Criteria     *Criteria       `json:"evaluation_criteria"`
}

// UserScenario is what the simulated user knows and wants.
type UserScenario struct {
	// Persona is the user's character, when the task gives one.
	Persona *string `json:"persona"`
	// Instructions are the task's instructions: an object of τ2's fields (domain,
	// reason_for_call, known_info, unknown_info, task_instructions), or a plain text.
	Instructions json.RawMessage `json:"instructions"`
}

// Criteria are how a task is graded.
type Criteria struct {
	// Actions are the gold actions: run on a fresh database, they make the gold database.
	Actions []Action `json:"actions"`
	// EnvAssertions are checks on the final environment (none in airline or retail).
	EnvAssertions json.RawMessage `json:"env_assertions,omitempty"`
	// CommunicateInfo are the texts the agent must have told the user.
	CommunicateInfo []string `json:"communicate_info"`
	// NLAssertions are statements an LLM judges true or false of the conversation.
	NLAssertions []string `json:"nl_assertions"`
	// RewardBasis names the components whose product is the reward: DB, COMMUNICATE, ACTION,
	// ENV_ASSERTION, NL_ASSERTION; [DB, COMMUNICATE] when the task names none.
	RewardBasis []string `json:"reward_basis"`
}

// Action is a gold tool call.
type Action struct {
	ActionID  string          `json:"action_id"`
	Requestor string          `json:"requestor,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	// CompareArgs are the arguments the ACTION check compares (all the call's when nil).
	CompareArgs []string `json:"compare_args,omitempty"`
}

// The reward_basis components.
const (
	BasisDB           = "DB"
	BasisCommunicate  = "COMMUNICATE"
	BasisAction       = "ACTION"
	BasisEnvAssertion = "ENV_ASSERTION"
	BasisNLAssertion  = "NL_ASSERTION"
)

// ParseTasks reads a domain's tasks (tasks.json: an array of tasks).
func ParseTasks(data []byte) ([]Task, error) {
	var out []Task
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("τ2 tasks: %w", err)
	}
	for i := range out {
		if err := out[i].check(); err != nil {
			return nil, fmt.Errorf("τ2 tasks: task %d (id %q): %w", i, out[i].ID, err)
		}
	}
	return out, nil
}

// TaskOf reads the τ2 task a sample carries in its metadata.
func TaskOf(s *tasks.Sample) (*Task, error) {
	t := &Task{ID: s.ID}
	for _, f := range []struct {
		key string
		dst any
	}{{"user_scenario", &t.UserScenario}, {"evaluation_criteria", &t.Criteria}, {"initial_state", &t.InitialState}} {
		v, ok := s.Metadata[f.key]
		if !ok {
			continue
		}
		b, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(b, f.dst)
		}
		if err != nil {
			return nil, fmt.Errorf("sample %s: metadata %s: %w", s.ID, f.key, err)
		}
	}
	if err := t.check(); err != nil {
		return nil, fmt.Errorf("sample %s: %w", s.ID, err)
	}
	return t, nil
}

// check refuses a task realx cannot grade as τ2 would.
func (t *Task) check() error {
	if st := strings.TrimSpace(string(t.InitialState)); st != "" && st != "null" {
		return fmt.Errorf("initial_state is set: realx's τ2 domains start from the published database only")
	}
	if t.Criteria == nil {
		return nil
	}
	for _, b := range t.Criteria.RewardBasis {
		switch b {
		case BasisDB, BasisCommunicate, BasisAction, BasisNLAssertion:
		case BasisEnvAssertion:
			return fmt.Errorf("reward_basis %s: environment assertions are not supported", b)
		default:
			return fmt.Errorf("reward_basis: unknown component %q", b)
		}
	}
	return nil
}

// Basis returns the task's reward_basis, τ2's default [DB, COMMUNICATE] when it names none.
func (t *Task) Basis() []string {
	if t.Criteria == nil || t.Criteria.RewardBasis == nil {
		return []string{BasisDB, BasisCommunicate}
	}
	return t.Criteria.RewardBasis
}

// GoldCalls returns the gold actions as calls to replay.
func (t *Task) GoldCalls() []runners.EpisodeCall {
	if t.Criteria == nil {
		return nil
	}
	out := make([]runners.EpisodeCall, 0, len(t.Criteria.Actions))
	for _, a := range t.Criteria.Actions {
		args := a.Arguments
		if len(args) == 0 || string(args) == "null" {
			args = json.RawMessage("{}")
		}
		out = append(out, runners.EpisodeCall{Name: a.Name, Arguments: args})
	}
	return out
}

// Text returns the scenario as τ2 writes it into the simulated user's system prompt (its
// str): the persona, when there is one, and the instructions — their fields in τ2's order
// under their headings, or the text as it is — each indented by a tab.
func (u UserScenario) Text() (string, error) {
	raw := strings.TrimSpace(string(u.Instructions))
	if raw == "" || raw == "null" {
		return "", fmt.Errorf("the user scenario has no instructions")
	}
	var instructions string
	if json.Unmarshal(u.Instructions, &instructions) != nil {
		var f struct {
			Domain           string  `json:"domain"`
			ReasonForCall    string  `json:"reason_for_call"`
			KnownInfo        *string `json:"known_info"`
			UnknownInfo      *string `json:"unknown_info"`
			TaskInstructions string  `json:"task_instructions"`
		}
		if err := json.Unmarshal(u.Instructions, &f); err != nil {
			return "", fmt.Errorf("user scenario instructions: %w", err)
		}
		lines := []string{"Domain: " + f.Domain, "Reason for call:\n" + indent(f.ReasonForCall)}
		if f.KnownInfo != nil {
			lines = append(lines, "Known info:\n"+indent(*f.KnownInfo))
		}
		if f.UnknownInfo != nil {
			lines = append(lines, "Unknown info:\n"+indent(*f.UnknownInfo))
		}
		lines = append(lines, "Task instructions:\n"+indent(f.TaskInstructions))
		instructions = strings.Join(lines, "\n")
	}
	var lines []string
	if u.Persona != nil {
		lines = append(lines, "Persona:", indent(*u.Persona))
	}
	lines = append(lines, "Instructions:", indent(instructions))
	return strings.Join(lines, "\n"), nil
}

// indent puts a tab before every line that is not blank, as Python's textwrap.indent does.
func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			lines[i] = "\t" + l
		}
	}
	return strings.Join(lines, "")
}
