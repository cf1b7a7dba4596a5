package benchmarks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShippedSuites loads every shipped suite by name, with its data, and checks their sizes.
func TestShippedSuites(t *testing.T) {
	t.Parallel()
	want := map[string]int{"aime24": 30, "aime25": 30, "amc23": 40, "bfcl-v3-multi-turn": 800, "math500": 500, "mathvista-testmini": 1000, "mmsearch-mini": 6}
	require.Equal(t, []string{"aime24", "aime25", "amc23", "bfcl-v3-multi-turn", "math500", "mathvista-testmini", "mmsearch-mini"}, List())
	for _, name := range List() {
		s, err := Load(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, s.Name)
		ds, err := s.Samples()
		require.NoError(t, err, name)
		assert.Len(t, ds.Samples, want[name], name)
		for _, sm := range ds.Samples {
			if s.Agent.Environment == nil { // an environment's samples are graded by their state
				require.NotEmpty(t, sm.Answer, "%s: sample %s has a gold answer", name, sm.ID)
			}
			if len(s.Capabilities) > 0 {
				require.NotEmpty(t, sm.Capability, "%s: sample %s", name, sm.ID)
			}
		}
	}
}

// TestLoadUnknown names the shipped suites when a name is not one of them.
func TestLoadUnknown(t *testing.T) {
	t.Parallel()
	_, err := Load("no-such-suite")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "math500")
}
