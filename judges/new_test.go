package judges

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

func TestKinds(t *testing.T) {
	t.Parallel()
	kinds := Kinds()
	assert.True(t, slices.IsSorted(kinds), "%v", kinds)
	assert.Len(t, kinds, 18)
	for _, k := range kinds {
		if k == KindLLM || k == KindEnvironment {
			continue // it needs an endpoint (llm_test.go), or an episode (environment_test.go)
		}
		spec := tasks.JudgeSpec{Kind: k}
		if k == KindRegex {
			spec.Pattern = "."
		}
		j, err := New(spec)
		require.NoError(t, err, k)
		s := &tasks.Sample{ID: "x", Answer: "A", Choices: []string{"a", "b"}}
		if k == KindNumeric {
			s.Answer = "1"
		}
		v, err := j.Judge(context.Background(), s, "A")
		require.NoError(t, err, k)
		assert.Equal(t, k, v.Step)
		assert.Equal(t, ID(spec), v.JudgeID)
		assert.True(t, strings.HasPrefix(v.JudgeID, k+":"), v.JudgeID)
	}
}

// TestJudgesConcurrently runs every kind from many goroutines at once, for the race detector.
func TestJudgesConcurrently(t *testing.T) {
	t.Parallel()
	letter := &tasks.Sample{ID: "c", Answer: "B", Choices: []string{"x", "y"}, Metadata: map[string]any{"question_type": "multi_choice"}}
	number := &tasks.Sample{ID: "n", Answer: "2"}
	var wg sync.WaitGroup
	for _, k := range Kinds() {
		if k == KindLLM || k == KindEnvironment {
			continue // llm_test.go, environment_test.go
		}
		spec, s := tasks.JudgeSpec{Kind: k}, letter
		switch k {
		case KindRegex:
			spec.Pattern = "B"
		case KindNumeric:
			s = number
		}
		j, err := New(spec)
		require.NoError(t, err)
		for g := range 4 {
			wg.Go(func() {
				_, err := j.Judge(context.Background(), s, fmt.Sprintf("<answer>B %d</answer>", g))
				assert.NoError(t, err, k)
			})
		}
	}
	wg.Wait()
}

func TestJudgeNeedsAGold(t *testing.T) {
	t.Parallel()
	j, err := New(tasks.JudgeSpec{Kind: KindEM})
	require.NoError(t, err)
	_, err = j.Judge(context.Background(), &tasks.Sample{ID: "s9"}, "x")
	assert.ErrorContains(t, err, "sample s9 has no gold answer")
	_, err = j.Judge(context.Background(), nil, "x")
	assert.Error(t, err)
}

func TestNewRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec tasks.JudgeSpec
		want []string
	}{
		{tasks.JudgeSpec{}, []string{"judge.kind: judge kind is missing; known kinds: anls, bleu1, choice"}},
		{tasks.JudgeSpec{Kind: "mathvsta"}, []string{`judge.kind: unknown judge kind "mathvsta" (did you mean "mathvista"?); known: anls,`}},
		{tasks.JudgeSpec{Kind: "MATH"}, []string{`(did you mean "math"?)`}},
		{tasks.JudgeSpec{Kind: "llm_judge_v7"}, []string{`unknown judge kind "llm_judge_v7"; known:`}},
		{tasks.JudgeSpec{Kind: KindMath, Extract: []string{"boxed", "boxd", "answer"}}, []string{
			`judge.extract.1: unknown extractor "boxd" (did you mean "boxed"?)`,
			`judge.extract.2: unknown extractor "answer"`,
		}},
		{tasks.JudgeSpec{Kind: KindRegex}, []string{"judge.pattern: the regex judge needs a pattern: set pattern to a regular expression (--pattern on the command line)"}},
		{tasks.JudgeSpec{Kind: KindRegex, Pattern: "(a"}, []string{"judge.pattern: pattern does not compile: error parsing regexp"}},
		{tasks.JudgeSpec{Kind: KindNumeric, RelTol: ptr(-0.1), AbsTol: ptr(-1.0)}, []string{
			"judge.rel_tol: rel_tol must be a number ≥ 0, not -0.1", "judge.abs_tol: abs_tol must be a number ≥ 0, not -1",
		}},
		{tasks.JudgeSpec{Kind: KindEM, RelTol: ptr(0.1)}, []string{"judge.rel_tol: rel_tol is not read by the em judge"}},
		{tasks.JudgeSpec{Kind: KindF1, Threshold: ptr(1.5)}, []string{"judge.threshold: threshold must be between 0 and 1, not 1.5"}},
		{tasks.JudgeSpec{Kind: KindEM, Threshold: ptr(0.5)}, []string{"judge.threshold: threshold is not read by the em judge"}},
		{tasks.JudgeSpec{Kind: KindEM, Pattern: "x"}, []string{"judge.pattern: pattern is not read by the em judge"}},
		{tasks.JudgeSpec{Kind: KindChoice, CaseSensitive: true}, []string{"judge.case_sensitive: case_sensitive is not read by the choice judge"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.spec), func(t *testing.T) {
			j, err := New(tt.spec)
			require.Error(t, err)
			assert.Nil(t, j)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Len(t, strings.Split(err.Error(), "\n"), len(tt.want))
		})
	}
}

var idForm = regexp.MustCompile(`^[a-zA-Z]+:[0-9a-f]{8}$`)

func TestIDStableAndSensitive(t *testing.T) {
	t.Parallel()
	base := tasks.JudgeSpec{Kind: KindNumeric, RelTol: ptr(0.01)}
	id := ID(base)
	assert.Regexp(t, idForm, id)
	assert.Equal(t, id, ID(base), "stable")
	// Pinned to the canonical JSON written out by hand: results record IDs, so a change in
	// how they are computed must be deliberate (bump rulesVersion when grading changes).
	assert.Equal(t, "numeric:"+sha8(`{"abs_tol":1e-9,"extract":["strip_think","answer_tag","answer_is","boxed","latex","expression","last_number"],"kind":"numeric","rel_tol":0.01}`), id)
	assert.Equal(t, "mathvista:"+sha8(`{"extract":["strip_think","answer_tag","boxed","answer_is"],"kind":"mathvista"}`), ID(tasks.JudgeSpec{Kind: KindMathVista}))

	same := []tasks.JudgeSpec{
		{Kind: KindNumeric, RelTol: ptr(0.01), Extract: DefaultExtract(KindNumeric)},
		{Kind: KindNumeric, RelTol: ptr(0.01), AbsTol: ptr(DefaultAbsTol)},
	}
	for _, s := range same {
		assert.Equal(t, id, ID(s), "spelling out a default: %+v", s)
	}
	different := []tasks.JudgeSpec{
		{Kind: KindNumeric, RelTol: ptr(0.02)},
		{Kind: KindNumeric, RelTol: ptr(0.01), AbsTol: ptr(1.0)},
		{Kind: KindNumeric, RelTol: ptr(0.01), Extract: []string{"boxed"}},
		{Kind: KindNumeric, RelTol: ptr(0.01), Extract: []string{"last_number", "boxed"}},
		{Kind: KindMath, RelTol: ptr(0.01)},
		{Kind: KindNumeric, RelTol: ptr(0.01), CaseSensitive: true},
		{Kind: KindNumeric, RelTol: ptr(0.01), Pattern: "x"},
		{Kind: KindNumeric, RelTol: ptr(0.01), Threshold: ptr(0.5)},
	}
	seen := map[string]bool{id: true}
	for _, s := range different {
		d := ID(s)
		assert.False(t, seen[d], "%+v shares an ID", s)
		seen[d] = true
	}
	assert.NotEqual(t, ID(tasks.JudgeSpec{Kind: KindF1}), ID(tasks.JudgeSpec{Kind: KindF1, Threshold: ptr(0.5)}))
	assert.Equal(t, ID(tasks.JudgeSpec{Kind: KindF1}), ID(tasks.JudgeSpec{Kind: KindF1, Threshold: ptr(DefaultF1Threshold)}))
}

// sha8 returns the first 8 hex digits of the SHA-256 of the rules version line and canonical.
func sha8(canonical string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("realx-rules/%d\n%s", rulesVersion, canonical)))
	return hex.EncodeToString(sum[:4])
}

// checkSuite loads a suite whose judge section is judgeYAML and returns judges.Check's
// problems, written as "line:col: message".
func checkSuite(t *testing.T, judgeYAML string) []string {
	t.Helper()
	src := "name: demo\ndata:\n  path: data.jsonl\nprompt:\n  user: \"{{.Question}}\"\n" + judgeYAML
	fsys := fstest.MapFS{
		"demo/suite.yaml": {Data: []byte(src)},
		"demo/data.jsonl": {Data: []byte(`{"id": "1", "question": "q", "answer": "a"}` + "\n")},
	}
	s, err := tasks.LoadFS(fsys, "demo/suite.yaml")
	require.NotNil(t, s, "%v", err)
	var out []string
	for _, e := range Check(s) {
		assert.Equal(t, "demo/suite.yaml", e.File)
		out = append(out, fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg))
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	assert.Empty(t, checkSuite(t, "judge:\n  kind: math\n  extract: [boxed, answer_is]\n  rel_tol: 0.001\n"))

	got := checkSuite(t, "judge:\n  kind: mathvist\n")
	require.Len(t, got, 1)
	assert.Regexp(t, `^7:9: unknown judge kind "mathvist" \(did you mean "mathvista"\?\); known: anls, bleu1, choice, contains, em, environment, exact, f1, llm, math, mathvista, mathvista-vlmevalkit, mme-realworld, numeric, regex, rougeL, subem, vstar$`, got[0])

	got = checkSuite(t, "judge:\n  kind: math\n  extract:\n    - boxed\n    - last_numbr\n")
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], `10:7: unknown extractor "last_numbr" (did you mean "last_number"?)`), got[0])

	got = checkSuite(t, "judge:\n  kind: regex\n  pattern: \"[a-\"\n")
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "8:12: pattern does not compile"), got[0])

	got = checkSuite(t, "judge:\n  kind: f1\n  threshold: 2\n  rel_tol: .inf\n")
	assert.Equal(t, []string{
		"9:12: rel_tol must be finite",
		"8:14: threshold must be between 0 and 1, not 2",
	}, got)

	// A missing template is reported at the judge (or step) that lacks it, not at its kind.
	got = checkSuite(t, "judge:\n  kind: llm\n  model: m\n")
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "6:1: the llm judge needs a template: set template to a shipped one"), got[0])
	got = checkSuite(t, "judge:\n  steps:\n    - kind: em\n    - kind: llm\n")
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0], "9:7: the llm judge needs a template"), got[0])

	// A missing kind and a negative tolerance are tasks.Load's to report; Check does not
	// repeat them.
	assert.Empty(t, checkSuite(t, "judge:\n  kind: numeric\n  rel_tol: -1\n"))
	assert.Empty(t, checkSuite(t, "judge:\n  extract: [boxed]\n"))
}

// TestJudgeFileProblemsNameTheFile reports the problems of a judge read from a file of its own
// at their place in that file, not in the suite it grades.
func TestJudgeFileProblemsNameTheFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "cascade.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`steps:
  - kind: em
  - kind: llm
    template: equivalence
    model: jm
    base_url: http://127.0.0.1:1/v1
    api_key_env: JKEY
`), 0o644))
	jf, err := tasks.LoadJudgeFile(file)
	require.NoError(t, err)
	_, err = NewWith(jf.Spec, Options{Getenv: func(string) string { return "" }})
	require.Error(t, err)
	assert.Equal(t, file+":3:5: the llm judge's key: the environment variable JKEY is empty", err.Error())
	var te *tasks.Error
	require.ErrorAs(t, err, &te)
	assert.Equal(t, file, te.File)

	require.NoError(t, os.WriteFile(file, []byte("steps:\n  - kind: emm\n  - kind: llm\n"), 0o644))
	jf, err = tasks.LoadJudgeFile(file)
	require.NoError(t, err)
	_, err = New(jf.Spec)
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2)
	assert.True(t, strings.HasPrefix(lines[0], file+`:2:11: unknown judge kind "emm" (did you mean "em"?)`), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], file+":3:5: the llm judge needs a template"), lines[1])

	// A judge not read from a file is named by its path.
	_, err = NewWith(tasks.JudgeSpec{Kind: KindLLM, Template: "equivalence", Model: "m", BaseURL: "u", APIKeyEnv: "JKEY"},
		Options{Getenv: func(string) string { return "" }})
	assert.EqualError(t, err, "judge: the llm judge's key: the environment variable JKEY is empty")
}

// TestEveryKindIsWhole checks the kinds table: every kind has its extractors, and every kind
// but llm (which newLLM builds) a grader; the messages that list kinds read the table.
func TestEveryKindIsWhole(t *testing.T) {
	t.Parallel()
	for _, name := range Kinds() {
		k := kinds[name]
		assert.NotEmpty(t, k.extract, name)
		built := name == KindLLM || name == KindMathVistaVLMEvalKit || name == KindEnvironment // newLLM and newStep build them
		assert.Equal(t, !built, k.grader != nil, name)
	}
	assert.Equal(t, "anls, bleu1, f1 and rougeL", andList(kindsWhere(func(k judgeKind) bool { return k.threshold != nil })))
	assert.Equal(t, "math and numeric", andList(kindsWhere(func(k judgeKind) bool { return k.tolerance })))
	assert.Equal(t, "contains and exact", andList(kindsWhere(func(k judgeKind) bool { return k.caseSensitive })))
}
