package airline_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/env/tau2/airline"
)

// reference is testdata/reference.json: what tau2-bench's own Python tools answer on the
// shipped database (testdata/reference.py writes it).
type reference struct {
	Initial string `json:"initial"`
	Tasks   []struct {
		ID      string `json:"id"`
		Outputs []struct {
			SHA256 string `json:"sha256"`
			Error  bool   `json:"error"`
		} `json:"outputs"`
		State string `json:"state"`
	} `json:"tasks"`
	Cases []struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		SHA256    string          `json:"sha256"`
		Error     bool            `json:"error"`
		Text      string          `json:"text"`
		State     string          `json:"state"`
	} `json:"cases"`
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestReference holds the Go tools to tau2-bench's Python on the shipped database: for every
// task, each gold action's output is the Python's byte for byte, and the database they leave is
// the Python's (the state's hash is that of the Python's model_dump written compactly); so are
// the further cases' outputs — one-stop searches, errors, calculate, every write.
func TestReference(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/reference.json")
	require.NoError(t, err)
	var ref reference
	require.NoError(t, json.Unmarshal(b, &ref))
	var tasks []struct {
		ID       string `json:"id"`
		Criteria struct {
			Actions []struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"actions"`
		} `json:"evaluation_criteria"`
	}
	require.NoError(t, json.Unmarshal(airline.Tasks(), &tasks))
	require.Len(t, ref.Tasks, len(tasks))
	ctx := context.Background()
	e, err := airline.New(nil)
	require.NoError(t, err)
	assert.Equal(t, ref.Initial, sum(state(t, e)), "the shipped database as τ2 writes it")
	for i, task := range tasks {
		want := ref.Tasks[i]
		require.Equal(t, want.ID, task.ID)
		e, err := airline.New(nil)
		require.NoError(t, err)
		for j, a := range task.Criteria.Actions {
			obs, err := e.Call(ctx, a.Name, a.Arguments)
			require.NoError(t, err)
			assert.Equal(t, want.Outputs[j].SHA256, sum(obs.Text), "task %s action %d (%s): %.300s", task.ID, j, a.Name, obs.Text)
			assert.Equal(t, want.Outputs[j].Error, obs.Error != "", "task %s action %d", task.ID, j)
		}
		assert.Equal(t, want.State, sum(state(t, e)), "task %s: the database after the gold actions", task.ID)
	}
	for _, c := range ref.Cases {
		e, err := airline.New(nil)
		require.NoError(t, err)
		obs, err := e.Call(ctx, c.Name, c.Arguments)
		require.NoError(t, err)
		assert.Equal(t, c.SHA256, sum(obs.Text), "%s(%s): want %.300s\ngot %.300s", c.Name, c.Arguments, c.Text, obs.Text)
		assert.Equal(t, c.Error, obs.Error != "", c.Name)
		assert.Equal(t, c.State, sum(state(t, e)), "%s(%s): the database after", c.Name, c.Arguments)
	}
}
