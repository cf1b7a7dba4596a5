package bfcl

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoldResultsMatchPython runs every shipped entry's gold calls, turn by turn, and compares
// the text of each result with what BFCL's own executor (execute_multi_turn_func_call, CPython
// 3.11, the published classes at the data's commit) wrote for it, recorded in
// testdata/python_gold_results.json as a SHA-256 prefix and the text's start. The response
// check compares these texts, so they must be the Python ones. Mismatches are counted per
// class and listed.
func TestGoldResultsMatchPython(t *testing.T) {
	b, err := os.ReadFile("testdata/python_gold_results.json")
	require.NoError(t, err)
	var want map[string][][]string
	require.NoError(t, json.Unmarshal(b, &want))
	perClass := map[string]int{}
	total, bad := 0, 0
	for _, e := range readEntries(t) {
		if len(missingClasses(t, e)) > 0 {
			continue
		}
		ent, err := NewEntry(e.State)
		require.NoError(t, err)
		w, ok := want[e.ID]
		require.True(t, ok, e.ID)
		require.Len(t, w, len(e.GroundTruth), e.ID)
		for ti, turn := range e.GroundTruth {
			for ci, src := range turn {
				got, _, err := ent.RunPy(src)
				require.NoError(t, err)
				sum := sha256.Sum256([]byte(got))
				total++
				if hex.EncodeToString(sum[:])[:16] != w[ti][ci][:16] {
					bad++
					name, _, _ := strings.Cut(src, "(")
					perClass[ent.owner[name]]++
					t.Errorf("%s turn %d: %s\n  go:     %s\n  python: %s", e.ID, ti, src, clipText(got), w[ti][ci][17:])
				}
			}
		}
	}
	var classes []string
	for c, n := range perClass {
		classes = append(classes, c+": "+strconv.Itoa(n))
	}
	sort.Strings(classes)
	t.Logf("%d of %d gold call results differ from Python's; by class: %s", bad, total, strings.Join(classes, ", "))
}
