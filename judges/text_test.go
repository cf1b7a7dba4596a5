package judges

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/agnivade/levenshtein"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

func TestSQuADNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"The Eiffel Tower", "eiffel tower"},
		{"  An apple, a day!  ", "apple day"},
		{"the-the", "thethe"}, // punctuation goes first, so no article is left
		{"Theater", "theater"},
		{"théâtre the", "théâtre"},
		{"über a", "über"},
		{"Paris (France).", "paris france"},
		{"don't", "dont"},
		{"«Les» Misérables", "«les» misérables"}, // only ASCII punctuation is removed
		{"a_b the_c", "ab thec"},                 // "_" is punctuation too
		{"1,000 km", "1000 km"},
		{"A\u00a0B\tC", "b c"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, SQuADNormalize(tt.in), "%q", tt.in)
	}
}

// TestF1Score follows SQuAD's and MMSearch's get_f1_score: bag-of-token overlap after
// normalisation, with the empty-answer rule.
func TestF1Score(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answer, gold string
		want         float64
	}{
		{"Eiffel Tower", "the Eiffel Tower", 1},
		{"the tower in Paris", "Eiffel Tower", 0.4}, // p = 1/3, r = 1/2
		{"Paris Paris", "Paris", 2.0 / 3},           // p = 1/2, r = 1
		{"Paris", "Paris Paris", 2.0 / 3},           // clipped: p = 1, r = 1/2
		{"London", "Paris", 0},
		{"", "", 1},
		{"The", "a", 1}, // both normalise to nothing
		{"", "Paris", 0},
		{"Paris", "", 0},
		{"yes", "no", 0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, f1Score(tt.answer, tt.gold), 1e-12, "%q vs %q", tt.answer, tt.gold)
	}
}

func TestTextJudges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	golds := &tasks.Sample{ID: "s", Answer: "Eiffel Tower", Alternatives: []string{"La tour Eiffel"}}
	tests := []struct {
		name      string
		spec      tasks.JudgeSpec
		sample    *tasks.Sample
		output    string
		pass      bool
		score     float64
		extracted string
	}{
		{"em normalises", tasks.JudgeSpec{Kind: KindEM}, golds, "<answer>The Eiffel tower.</answer>", true, 1, "eiffel tower"},
		{"em against an alternative", tasks.JudgeSpec{Kind: KindEM}, golds, "la Tour Eiffel", true, 1, "la tour eiffel"},
		{"em fails on extra words", tasks.JudgeSpec{Kind: KindEM}, golds, "It is the Eiffel Tower", false, 0, "it is eiffel tower"},
		{"subem finds the gold inside", tasks.JudgeSpec{Kind: KindSubEM}, golds, "It is the Eiffel Tower!", true, 1, "it is eiffel tower"},
		{"subem is not token-aware", tasks.JudgeSpec{Kind: KindSubEM}, &tasks.Sample{Answer: "cat"}, "concatenate", true, 1, "concatenate"},
		{"subem fails", tasks.JudgeSpec{Kind: KindSubEM}, golds, "Big Ben", false, 0, "big ben"},
		{"f1 full match passes", tasks.JudgeSpec{Kind: KindF1}, golds, "the eiffel tower", true, 1, "the eiffel tower"},
		{"f1 partial is scored, fails at threshold 1", tasks.JudgeSpec{Kind: KindF1}, golds, "tower", false, 2.0 / 3, "tower"},
		{"f1 max over golds", tasks.JudgeSpec{Kind: KindF1}, golds, "tour Eiffel", false, 0.8, "tour Eiffel"},
		{"f1 with a lower threshold", tasks.JudgeSpec{Kind: KindF1, Threshold: ptr(0.5)}, golds, "tower", true, 2.0 / 3, "tower"},
		{"em strips a box", tasks.JudgeSpec{Kind: KindEM}, golds, `So the answer is $\boxed{Eiffel Tower}$.`, true, 1, "eiffel tower"},
		{"subem strips a box", tasks.JudgeSpec{Kind: KindSubEM}, golds, `<think>Big Ben?</think> \boxed{The Eiffel Tower}`, true, 1, "eiffel tower"},
		{"f1 strips a box", tasks.JudgeSpec{Kind: KindF1}, golds, `\boxed{Eiffel Tower}`, true, 1, "Eiffel Tower"},
		{"a box is not stripped when extract says not", tasks.JudgeSpec{Kind: KindEM, Extract: []string{"strip_think"}}, golds, `\boxed{Eiffel Tower}`, false, 0, "boxedeiffel tower"},
		{"exact ignores case", tasks.JudgeSpec{Kind: KindExact}, golds, " eiffel TOWER ", true, 1, "eiffel TOWER"},
		{"exact case-sensitive", tasks.JudgeSpec{Kind: KindExact, CaseSensitive: true}, golds, "eiffel tower", false, 0, "eiffel tower"},
		{"exact is not normalised", tasks.JudgeSpec{Kind: KindExact}, golds, "Eiffel Tower.", false, 0, "Eiffel Tower."},
		{"contains ignores case", tasks.JudgeSpec{Kind: KindContains}, golds, "I see LA TOUR EIFFEL here", true, 1, "I see LA TOUR EIFFEL here"},
		{"contains case-sensitive", tasks.JudgeSpec{Kind: KindContains, CaseSensitive: true}, golds, "the eiffel tower", false, 0, "the eiffel tower"},
		{"regex matches", tasks.JudgeSpec{Kind: KindRegex, Pattern: `^(?i)eiffel\s+tower$`}, golds, "<answer>Eiffel  tower</answer>", true, 1, "Eiffel  tower"},
		{"regex does not match", tasks.JudgeSpec{Kind: KindRegex, Pattern: `^\d+$`}, golds, "12a", false, 0, "12a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(tt.spec)
			require.NoError(t, err)
			v, err := j.Judge(ctx, tt.sample, tt.output)
			require.NoError(t, err)
			assert.Equal(t, tt.pass, v.Pass)
			assert.InDelta(t, tt.score, v.Score, 1e-12)
			assert.Equal(t, tt.extracted, v.Extracted)
			assert.Equal(t, tt.pass, v.Confident, "string judges are confident only when they pass")
			assert.Equal(t, ID(tt.spec), v.JudgeID)
			assert.Equal(t, tt.spec.Kind, v.Step)
		})
	}
}

// TestANLS follows DocVQA's ANLS: 1 − edit distance over the longer text, case and
// surrounding space ignored, 0 below τ = 0.5, best over the golds.
func TestANLS(t *testing.T) {
	t.Parallel()
	j, err := New(tasks.JudgeSpec{Kind: KindANLS})
	require.NoError(t, err)
	ctx := context.Background()
	s := &tasks.Sample{Answer: "Invoice 2023", Alternatives: []string{"inv. 2023"}}
	tests := []struct {
		output string
		score  float64
		pass   bool
	}{
		{"invoice 2023", 1, true},
		{"  INVOICE   2023 ", 1, true},
		{"INVOICE   2024", 1 - 1.0/14, true}, // squeezed, but divided by the raw length 14
		{"Invoice 2024", 1 - 1.0/12, true},
		{"inv 2023", 1 - 1.0/9, true}, // the alternative is closer
		{"2023", 0, false},            // 1 − 5/9 < 0.5 against the alternative
		{"receipt", 0, false},
	}
	for _, tt := range tests {
		v, err := j.Judge(ctx, s, tt.output)
		require.NoError(t, err)
		assert.InDelta(t, tt.score, v.Score, 1e-12, "%q", tt.output)
		assert.Equal(t, tt.pass, v.Pass, "%q", tt.output)
	}

	lenient, err := New(tasks.JudgeSpec{Kind: KindANLS, Threshold: ptr(0.4)})
	require.NoError(t, err)
	v, err := lenient.Judge(ctx, s, "2023")
	require.NoError(t, err)
	assert.InDelta(t, 1-5.0/9, v.Score, 1e-12)
	assert.True(t, v.Pass)
	assert.Equal(t, 1.0, anlsSimilarity("", ""))
}

// pythonText is testdata/python_text.json, written by NLTK and python-Levenshtein
// (testdata/python_oracle.py).
type pythonText struct {
	BLEU1 []struct {
		Answer string  `json:"answer"`
		Gold   string  `json:"gold"`
		Score  float64 `json:"score"`
	} `json:"bleu1"`
	Levenshtein []struct {
		A        string `json:"a"`
		B        string `json:"b"`
		Distance int    `json:"distance"`
	} `json:"levenshtein"`
}

func loadPythonText(t *testing.T) pythonText {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "python_text.json"))
	require.NoError(t, err)
	var pt pythonText
	require.NoError(t, json.Unmarshal(raw, &pt))
	require.NotEmpty(t, pt.BLEU1)
	return pt
}

func TestBLEU1MatchesNLTK(t *testing.T) {
	t.Parallel()
	for _, c := range loadPythonText(t).BLEU1 {
		assert.InDelta(t, c.Score, bleu1(c.Answer, c.Gold), 1e-12, "%q vs %q", c.Answer, c.Gold)
	}
}

// TestLevenshteinMatchesPython checks that the edit distance counts code points, as
// python-Levenshtein does on str, which MathVista's option matching and ANLS rely on.
func TestLevenshteinMatchesPython(t *testing.T) {
	t.Parallel()
	for _, c := range loadPythonText(t).Levenshtein {
		assert.Equal(t, c.Distance, levenshtein.ComputeDistance(c.A, c.B), "%q vs %q", c.A, c.B)
	}
}

// TestRougeL checks pltrdy/rouge's summary-level ROUGE-L on cases worked by hand.
func TestRougeL(t *testing.T) {
	t.Parallel()
	f := func(u, m, n float64) float64 {
		r, p := u/m, u/n
		return 2 * (p * r) / (p + r + 1e-8)
	}
	tests := []struct {
		name, answer, gold string
		want               float64
	}{
		{"identical", "eiffel tower height", "eiffel tower height", f(3, 3, 3)},
		{"subsequence", "height of the eiffel tower", "eiffel tower height", f(2, 3, 5)},
		{"case-sensitive", "Eiffel Tower", "eiffel tower", 0},
		{"distinct words count once", "a a a b", "a b", f(2, 2, 2)},
		{"sentences split at periods", "eiffel. tower height", "eiffel tower height", f(3, 3, 3)},
		{"no sentence scores 0", "...", "eiffel tower", 0},
		{"empty answer scores 0", "", "eiffel tower", 0},
		{"nothing shared", "big ben", "eiffel tower", 0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, rougeL(tt.answer, tt.gold), 1e-12, tt.name)
	}
	// The backtracking of _recon_lcs, not any LCS: for x = gold words "a b", y = answer
	// words "b a", the mismatch at (2, 2) is a tie, which steps back in the answer, so the
	// subsequence kept is "b", not "a".
	assert.Equal(t, []string{"b"}, lcsWords([]string{"a", "b"}, []string{"b", "a"}))
	assert.InDelta(t, f(1, 2, 2), rougeL("b a", "a b"), 1e-12)
}

func TestOverlapJudges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &tasks.Sample{Answer: "eiffel tower height"}
	for _, kind := range []string{KindBLEU1, KindRougeL} {
		j, err := New(tasks.JudgeSpec{Kind: kind})
		require.NoError(t, err)
		v, err := j.Judge(ctx, s, "<answer>eiffel tower height</answer>")
		require.NoError(t, err)
		assert.True(t, v.Pass, kind)
		assert.InDelta(t, 1, v.Score, 1e-7, kind)
		v, err = j.Judge(ctx, s, "big ben")
		require.NoError(t, err)
		assert.False(t, v.Pass, kind)
		assert.Zero(t, v.Score, kind)
		assert.False(t, v.Confident, kind)
	}
}
