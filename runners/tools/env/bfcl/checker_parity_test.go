package bfcl

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckerMatchesPython runs BFCL's own checker's cases through Check: altered replays of
// every entry's gold calls (the gold itself, its last turn with calls skipped, an extra call,
// a failing call, a wrong string argument, two calls swapped, a later turn's calls made early),
// whose verdicts testdata/python_checker_verdicts.json.gz records from multi_turn_checker and
// multi_turn_irrelevance_checker at the data's commit (record_python_checker.py). The verdict
// and its error type must be the Python ones, under the leaderboard's rules and the strict
// ones. Mismatches are listed and counted by the entry's classes.
func TestCheckerMatchesPython(t *testing.T) {
	f, err := os.Open("testdata/python_checker_verdicts.json.gz")
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	var cases map[string][]struct {
		Variant          string     `json:"variant"`
		Model            [][]string `json:"model"`
		Valid            bool       `json:"valid"`
		ErrorType        string     `json:"error_type"`
		IrrelevanceValid bool       `json:"irrelevance_valid"`
	}
	require.NoError(t, json.NewDecoder(zr).Decode(&cases))
	bad := map[string]int{}
	total, failing := 0, 0
	for _, e := range readEntries(t) {
		if len(missingClasses(t, e)) > 0 {
			continue
		}
		ent, err := NewEntry(e.State)
		require.NoError(t, err)
		var st EntryState
		require.NoError(t, json.Unmarshal(e.State, &st))
		for _, c := range cases[e.ID] {
			model := make([][]Call, len(c.Model))
			for i, turn := range c.Model {
				for _, src := range turn {
					name, args, err := ent.Bind(src)
					require.NoError(t, err, "%s %s: %s", e.ID, c.Variant, src)
					model[i] = append(model[i], Call{Name: name, Arguments: args})
				}
			}
			total++
			if !c.Valid {
				failing++
			}
			res, err := Check(e.State, e.GroundTruth, model, Rules{})
			require.NoError(t, err)
			strict, err := Check(e.State, e.GroundTruth, model, Rules{Irrelevance: true})
			require.NoError(t, err)
			wantStrict := c.Valid && c.IrrelevanceValid
			if res.Valid != c.Valid || res.ErrorType != c.ErrorType || strict.Valid != wantStrict {
				bad[strings.Join(st.InvolvedClasses, "+")]++
				t.Errorf("%s %s: go valid=%v %s (strict %v), python valid=%v %s (strict %v): %s",
					e.ID, c.Variant, res.Valid, res.ErrorType, strict.Valid, c.Valid, c.ErrorType, wantStrict, clipText(res.Message))
			}
		}
	}
	var by []string
	for k, n := range bad {
		by = append(by, k+": "+strconv.Itoa(n))
	}
	sort.Strings(by)
	t.Logf("%d cases (%d failing in Python); mismatches by classes: %s", total, failing, strings.Join(by, ", "))
}
