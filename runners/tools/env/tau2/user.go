package tau2

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Guidelines are τ2's published guidelines for the simulated user
// (data/tau2/user_simulator/simulation_guidelines.md): the head of its system prompt.
//
//go:embed data/simulation_guidelines.md
var Guidelines string

// Greeting is the agent's first message in every τ2 conversation, which the user answers.
const Greeting = "Hi! How can I help you today?"

// The tokens with which the simulated user ends the conversation: its goal met, transferred
// to a human, or out of what its scenario says.
const (
	TokenStop       = "###STOP###"
	TokenTransfer   = "###TRANSFER###"
	TokenOutOfScope = "###OUT-OF-SCOPE###"
)

// SystemPrompt returns the simulated user's system prompt for a scenario, as τ2 writes it:
// the guidelines, then the scenario between <scenario> tags.
func SystemPrompt(u UserScenario) (string, error) {
	text, err := u.Text()
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(Guidelines, "<PERSONA_GUIDELINES>", "") + "\n\n<scenario>\n" + text + "\n</scenario>", nil
}

// PromptSHA256 is the hex SHA-256 of the guidelines: with the model and its endpoint, the
// simulated user's identity, which a run's manifest records.
func PromptSHA256() string {
	sum := sha256.Sum256([]byte(Guidelines))
	return hex.EncodeToString(sum[:])
}

// User is τ2's user, simulated by a model, for one run of one task: a runners.Opener that
// answers the agent's greeting, then each of the agent's replies, until it says one of the
// stop tokens. It sees the conversation as τ2's user does: the agent's replies to it as the
// user's messages, its own as the assistant's, and none of the agent's tool calls.
type User struct {
	model  runners.Model
	gen    tasks.Generation
	repeat int
	system string
	// history is the conversation as the user sees it: the agent's messages as the user's,
	// its own as the assistant's.
	history []runners.Message
	done    bool
}

// NewUser returns the simulated user of task t, played by model m under gen (τ2's default is
// temperature 0), for the given repeat of the sample (its requests are cached apart).
func NewUser(m runners.Model, gen tasks.Generation, t *Task, repeat int) (*User, error) {
	system, err := SystemPrompt(t.UserScenario)
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", t.ID, err)
	}
	return &User{model: m, gen: gen, repeat: repeat, system: system}, nil
}

// Users returns the maker of each sample's simulated user (the root package's UserFactory),
// played by model m under gen.
func Users(m runners.Model, gen tasks.Generation) func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error) {
	return func(s *tasks.Sample, repeat int) (runners.UserSource, []string, error) {
		t, err := TaskOf(s)
		if err != nil {
			return nil, nil, err
		}
		u, err := NewUser(m, gen, t, repeat)
		if err != nil {
			return nil, nil, err
		}
		return u, nil, nil
	}
}

// Open returns the agent's greeting and the user's answer to it.
func (u *User) Open(ctx context.Context) (string, *runners.UserTurn, error) {
	turn, err := u.answer(ctx, Greeting)
	if err != nil {
		return "", nil, err
	}
	if turn == nil {
		return "", nil, errors.New("the simulated user ended the conversation before it began")
	}
	return Greeting, turn, nil
}

// Next returns the user's answer to the agent's reply, the conversation's last message, or
// nil once the user has said a stop token (the stop message itself is not sent to the agent:
// the conversation is over).
func (u *User) Next(ctx context.Context, conversation []runners.Message) (*runners.UserTurn, error) {
	if u.done || len(conversation) == 0 {
		return nil, nil
	}
	return u.answer(ctx, conversation[len(conversation)-1].Text())
}

// answer asks the model for the user's answer to the agent's message.
func (u *User) answer(ctx context.Context, agent string) (*runners.UserTurn, error) {
	u.history = append(u.history, runners.TextMessage(runners.RoleUser, agent))
	msgs := append([]runners.Message{runners.TextMessage(runners.RoleSystem, u.system)}, u.history...)
	resp, err := u.model.Chat(ctx, &runners.ChatRequest{Messages: msgs, Generation: u.gen, Repeat: u.repeat})
	if err != nil {
		return nil, fmt.Errorf("simulated user: %w", err)
	}
	text := resp.Content
	u.history = append(u.history, runners.TextMessage(runners.RoleAssistant, text))
	if Stops(text) {
		u.done = true
		return nil, nil
	}
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("simulated user: the model answered with no text")
	}
	return &runners.UserTurn{Parts: []runners.Part{{Text: text}}}, nil
}

// Done reports whether the user has ended the conversation.
func (u *User) Done() bool { return u.done }

// Stops reports whether a user message ends the conversation: it holds a stop token.
func Stops(text string) bool {
	return strings.Contains(text, TokenStop) || strings.Contains(text, TokenTransfer) || strings.Contains(text, TokenOutOfScope)
}
