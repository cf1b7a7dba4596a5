package benchmarks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/tools/env/tau2/airline"
	"github.com/realx-bench/realx/runners/tools/env/tau2/retail"
)

// TestShippedSuites loads every shipped suite by name, with its data when it ships, and checks
// their sizes. A suite whose data is pulled (data.source) is loaded only: cmd/realx's
// TestSuitesRunOnFixtures runs each on a fixture of its data.
func TestShippedSuites(t *testing.T) {
	t.Parallel()
	want := map[string]int{"aime24": 30, "aime25": 30, "amc23": 40, "bfcl-v3-multi-turn": 800, "math500": 500, "mathvista-testmini": 1000, "mmsearch-mini": 6, "tau2-airline": 50, "tau2-retail": 114}
	require.Equal(t, []string{"aime24", "aime25", "amc23", "bfcl-v3-multi-turn", "browsecomp-vl", "dynamath", "fvqa", "hrbench-4k", "hrbench-8k", "infoseek", "logicvista", "math500",
		"mathverse", "mathvision", "mathvista-testmini", "mme-realworld", "mme-realworld-cn", "mme-realworld-lite",
		"mmsearch", "mmsearch-mini", "realx-bench", "simplevqa", "tau2-airline", "tau2-retail", "treebench", "vstar", "wemath"}, List())
	for _, name := range List() {
		s, err := Load(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, s.Name)
		if s.Data.Source != nil {
			continue
		}
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

// TestTau2Tasks checks that the τ2 suites' tasks are those the domains embed, byte for byte.
func TestTau2Tasks(t *testing.T) {
	t.Parallel()
	for name, embedded := range map[string][]byte{"tau2-airline": airline.Tasks(), "tau2-retail": retail.Tasks()} {
		shipped, err := FS.ReadFile(name + "/tasks.json")
		require.NoError(t, err)
		assert.Equal(t, embedded, shipped, name)
	}
}
