package main

import (
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/reports"
)

// writeGateRun writes a run directory of 400 samples in four capabilities into dir, each
// passing with a chance fixed by the sample, times drop for the capability named dropped,
// drawn from seed.
func writeGateRun(t *testing.T, dir string, seed uint64, dropped string, drop float64) string {
	t.Helper()
	caps := []string{"perception", "reasoning", "search", "integration"}
	info := reports.SuiteInfo{Name: "realx-bench", Capabilities: map[string]int{}, Samples: 400}
	for _, c := range caps {
		info.Capabilities[c] = 100
	}
	require.NoError(t, reports.WriteManifest(dir, &reports.Manifest{V: 1, Run: filepath.Base(dir), Model: reports.ModelInfo{Name: "agent"},
		Suites: []reports.SuiteInfo{info}}))
	w, err := reports.CreateLog(filepath.Join(dir, reports.ResultsFile))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 7))
	for ci, c := range caps {
		for i := range 100 {
			p := float64((i*53+ci*29)%101) / 100
			if c == dropped {
				p *= drop
			}
			pass := rng.Float64() < p
			require.NoError(t, w.Write(&reports.Result{V: 1, Run: filepath.Base(dir), Suite: "realx-bench", ID: fmt.Sprintf("%s-%03d", c, i),
				Capability: c, Model: "agent", Verdict: judges.Verdict{Pass: pass, Score: map[bool]float64{true: 1}[pass]}}))
		}
	}
	require.NoError(t, w.Close())
	return dir
}

// TestCompareGate runs realx compare as CI would: a run whose search capability dropped
// exits 1 and names it (and its Markdown, ready for a pull-request comment, and JUnit file
// say so); a run that differs from the baseline by noise only exits 0; bad input exits 2.
func TestCompareGate(t *testing.T) {
	dir := t.TempDir()
	base := writeGateRun(t, filepath.Join(dir, "base"), 1, "", 1)
	noisy := writeGateRun(t, filepath.Join(dir, "noisy"), 2, "", 1)
	worse := writeGateRun(t, filepath.Join(dir, "worse"), 3, "search", 0.4)

	junit := filepath.Join(dir, "compare.xml")
	r := realxCLI(t, nil, "compare", base, worse, "--max-drop", "2", "--format", "md", "--junit", junit, "--flips", "3")
	require.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: compare: regression: search ")
	clean := func(s string) string { return strings.ReplaceAll(s, dir, "$DIR") }
	golden(t, filepath.Join("compare", "regression.md"), clean(r.stdout))
	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc struct {
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc))
	var failed []string
	for _, c := range doc.Suite.Cases {
		if c.Failure != nil {
			failed = append(failed, c.Name)
		}
	}
	assert.Contains(t, failed, "search")
	assert.NotContains(t, failed, "perception")

	r = realxCLI(t, nil, "compare", base, noisy, "--max-drop", "2")
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	golden(t, filepath.Join("compare", "noise.text"), clean(r.stdout))
	assert.Contains(t, r.stdout, "no significant regression")

	for _, args := range [][]string{
		{"compare", base},
		{"compare", base, filepath.Join(dir, "nothing")},
		{"compare", base, noisy, "--alpha", "1.5"},
		{"compare", base, noisy, "--max-drop", "-1"},
		{"compare", base, noisy, "--by", "bogus"},
		{"compare", base, noisy, "--junit", filepath.Join(noisy, "results.jsonl")},
	} {
		r := realxCLI(t, nil, args...)
		assert.Equal(t, 2, r.code, "%v: %s", args, r.stderr)
	}
}
