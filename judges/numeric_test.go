package judges

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

func TestParseNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"42", 42, true},
		{" -3.5 ", -3.5, true},
		{"+2", 2, true},
		{"−2", -2, true},
		{"1,234.5", 1234.5, true},
		{"$1,000", 1000, true},
		{"50%", 50, true},
		{"12.", 12, true},
		{".5", 0.5, true},
		{"3e2", 300, true},
		{"3/4", 0.75, true},
		{"-1/8", -0.125, true},
		{"1/0", 0, false},
		{"1,23", 0, false},
		{"inf", 0, false},
		{"NaN", 0, false},
		{"0x10", 0, false},
		{"1e999", 0, false},
		{"12 apples", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseNumber(tt.in)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		assert.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestNumericJudge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &tasks.Sample{ID: "n", Answer: "100"}
	tests := []struct {
		name      string
		spec      tasks.JudgeSpec
		output    string
		pass      bool
		confident bool
	}{
		{"equal", tasks.JudgeSpec{Kind: KindNumeric}, "The answer is 100.", true, true},
		{"within the default tolerance", tasks.JudgeSpec{Kind: KindNumeric}, `\boxed{100.00001}`, true, true},
		{"outside the default tolerance", tasks.JudgeSpec{Kind: KindNumeric}, "100.01", false, true},
		{"relative tolerance", tasks.JudgeSpec{Kind: KindNumeric, RelTol: ptr(0.01)}, "so about 101", true, true},
		{"relative tolerance exceeded", tasks.JudgeSpec{Kind: KindNumeric, RelTol: ptr(0.01)}, "so about 101.5", false, true},
		{"absolute tolerance", tasks.JudgeSpec{Kind: KindNumeric, AbsTol: ptr(2.0)}, "<answer>98</answer>", true, true},
		{"last number extracted", tasks.JudgeSpec{Kind: KindNumeric}, "I counted 3 rows of 1,00 and then 100", true, true},
		{"no number is not confident", tasks.JudgeSpec{Kind: KindNumeric}, "I don't know", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := New(tt.spec)
			require.NoError(t, err)
			v, err := j.Judge(ctx, s, tt.output)
			require.NoError(t, err)
			assert.Equal(t, tt.pass, v.Pass)
			assert.Equal(t, tt.confident, v.Confident)
		})
	}

	j, err := New(tasks.JudgeSpec{Kind: KindNumeric})
	require.NoError(t, err)
	v, err := j.Judge(ctx, &tasks.Sample{Answer: "n/a", Alternatives: []string{"0.5"}}, "1/2")
	require.NoError(t, err)
	assert.True(t, v.Pass, "a gold that is no number is skipped")
	_, err = j.Judge(ctx, &tasks.Sample{ID: "bad", Answer: "many"}, "3")
	assert.ErrorContains(t, err, "no gold answer is a number")
}

// TestMathJudge checks the math judge's wiring to mathequiv: extraction, any gold, the
// outcome's reason and confidence. The equivalence rules themselves are mathequiv's tests.
func TestMathJudge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	j, err := New(tasks.JudgeSpec{Kind: KindMath})
	require.NoError(t, err)
	s := &tasks.Sample{ID: "m", Answer: "12", Alternatives: []string{"twelve"}}

	v, err := j.Judge(ctx, s, `<think>maybe \boxed{11}</think>Thus \boxed{12}.`)
	require.NoError(t, err)
	assert.True(t, v.Pass)
	assert.Equal(t, 1.0, v.Score)
	assert.True(t, v.Confident)
	assert.NotEmpty(t, v.Reason)
	assert.Equal(t, KindMath, v.Step)

	v, err = j.Judge(ctx, s, "The final answer is twelve")
	require.NoError(t, err)
	assert.True(t, v.Pass, "an alternative gold")

	v, err = j.Judge(ctx, s, `\boxed{13}`)
	require.NoError(t, err)
	assert.False(t, v.Pass)
	assert.Zero(t, v.Score)
	assert.NotEmpty(t, v.Reason)
}
