package judges

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

// TestCanInfer re-expresses VLMEvalKit's can_infer behaviour: a lone option letter among
// the last four tokens, else exactly one option's text in a short enough answer, else
// nothing; refusals and a bare "Z" are option Z.
func TestCanInfer(t *testing.T) {
	t.Parallel()
	animals := []string{"cat", "dog", "bird", "fish"} // 14 characters: text answers up to 28
	long := []string{"the red car", "a blue bicycle"} // 25 characters: up to 50
	tests := []struct {
		name    string
		answer  string
		choices []string
		letter  string
		how     string
	}{
		{"bare letter", "B", animals, "B", "letter"},
		{"sentence ending in the letter", "The answer is B.", animals, "B", "letter"},
		{"letter then text", "B. dog", animals, "B", "letter"},
		{"markdown bold", "**B**", animals, "B", "letter"},
		{"braces", `\boxed{C}`, animals, "C", "letter"},
		{"letter first in four tokens", "B is the answer", animals, "B", "letter"},
		{"article in a short answer reads as A", "A cat", animals, "A", "letter"},
		{"article far from the end is not a letter, and the text is too long", "A cat is sitting on the mat in the picture", animals, "", ""},
		{"letter too early", "The correct option is B, as shown in the figure above here", animals, "", ""},
		{"two letters", "I think C, not B", animals, "", ""},
		{"lower-case letter is no letter", "(b)", animals, "", ""},
		{"text of one option", "dog", animals, "B", "text"},
		{"text inside a short answer", "It is a Dog.", animals, "B", "text"},
		{"text of two options", "hot dog or cat", animals, "", ""},
		{"refusal", "Sorry, Cannot determine the answer from this.", animals, "Z", "refusal"},
		{"refusal wins over a letter", "I can't process this file. B", animals, "Z", "refusal"},
		{"lone Z", "Z", animals, "Z", "letter"},
		{"Z beside a letter is the letter", "B Z", animals, "B", "letter"},
		{"API failure skips the letter rule", "Failed to obtain answer via API B", long, "", ""},
		{"API failure still reads text", "Failed to obtain answer via API: a blue bicycle", long, "B", "text"},
		{"empty", "", animals, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			letter, how := canInfer(tt.answer, tt.choices)
			assert.Equal(t, tt.letter, letter)
			assert.Equal(t, tt.how, how)
		})
	}
}

func TestChoiceJudge(t *testing.T) {
	t.Parallel()
	j, err := New(tasks.JudgeSpec{Kind: KindChoice})
	require.NoError(t, err)
	ctx := context.Background()
	s := &tasks.Sample{ID: "q1", Answer: "B", Choices: []string{"cat", "dog", "bird"}}

	tests := []struct {
		name       string
		sample     *tasks.Sample
		output     string
		pass       bool
		extracted  string
		confident  bool
		wantReason string
	}{
		{"right letter", s, "<think>A or B?</think><answer>B</answer>", true, "B", true, "option by letter"},
		{"wrong letter is a confident fail", s, "The answer is C.", false, "C", true, "option by letter"},
		{"boxed letter", s, `So \boxed{B}`, true, "B", true, "option by letter"},
		{"by text", s, "<answer>the dog</answer>", true, "B", true, "option by text"},
		{"no option", s, "I am not sure what this shows at all, maybe both.", false, "Z", false, "no option"},
		{"lone Z", s, "Z", false, "Z", false, "no option"},
		{"refusal", s, "Cannot determine the answer", false, "Z", false, "no option (refusal)"},
		{"gold given as text", &tasks.Sample{ID: "q2", Answer: "Dog", Choices: []string{"cat", "dog"}}, "B", true, "B", true, "option by letter"},
		{"gold given as (b)", &tasks.Sample{ID: "q3", Answer: "(b)", Choices: []string{"cat", "dog"}}, "B", true, "B", true, "option by letter"},
		{"an alternative gold letter", &tasks.Sample{ID: "q4", Answer: "A", Alternatives: []string{"C"}, Choices: []string{"x", "y", "z"}}, "C", true, "C", true, "option by letter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := j.Judge(ctx, tt.sample, tt.output)
			require.NoError(t, err)
			assert.Equal(t, tt.pass, v.Pass)
			assert.Equal(t, tt.extracted, v.Extracted)
			assert.Equal(t, tt.confident, v.Confident)
			assert.Equal(t, tt.wantReason, v.Reason)
			assert.Equal(t, KindChoice, v.Step)
			if tt.pass {
				assert.Equal(t, 1.0, v.Score)
			} else {
				assert.Zero(t, v.Score)
			}
		})
	}

	_, err = j.Judge(ctx, &tasks.Sample{ID: "q5", Answer: "B"}, "B")
	assert.ErrorContains(t, err, "choices")
	_, err = j.Judge(ctx, &tasks.Sample{ID: "q6", Answer: "horse", Choices: []string{"cat", "dog"}}, "B")
	assert.ErrorContains(t, err, `"horse" is neither an option letter nor an option's text`)
}
