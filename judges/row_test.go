package judges

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

func decodeRow(t *testing.T, line string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(line)))
	dec.UseNumber()
	var row map[string]any
	require.NoError(t, dec.Decode(&row))
	return row
}

func TestFromRow(t *testing.T) {
	t.Parallel()
	row := decodeRow(t, `{"pid": 7, "prediction": "(B) 4 cm", "answer": "4 cm", "choices": ["3 cm", "4 cm"],
		"question_type": "multi_choice", "answer_type": "text", "precision": null, "unit": "cm",
		"metadata": {"source": "IconQA", "unit": "ignored"}}`)
	s, output, err := FromRow(row)
	require.NoError(t, err)
	assert.Equal(t, "(B) 4 cm", output)
	assert.Equal(t, &tasks.Sample{
		ID: "7", Answer: "4 cm", Choices: []string{"3 cm", "4 cm"},
		Metadata: map[string]any{
			"question_type": "multi_choice", "answer_type": "text", "precision": nil, "unit": "cm",
			"source": "IconQA",
		},
	}, s)

	j, err := New(tasks.JudgeSpec{Kind: KindMathVista})
	require.NoError(t, err)
	v, err := j.Judge(context.Background(), s, output)
	require.NoError(t, err)
	assert.True(t, v.Pass)
}

func TestFromRowValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line string
		want       *tasks.Sample
		output     string
	}{
		{"numbers keep their text", `{"id": "a", "prediction": 1.50, "answer": 2}`,
			&tasks.Sample{ID: "a", Answer: "2"}, "1.50"},
		{"alternatives as a list", `{"prediction": "x", "answer": "y", "alternatives": ["z", 3]}`,
			&tasks.Sample{Answer: "y", Alternatives: []string{"z", "3"}}, "x"},
		{"answers as one string", `{"prediction": "x", "answer": "y", "answers": "w"}`,
			&tasks.Sample{Answer: "y", Alternatives: []string{"w"}}, "x"},
		{"id before pid", `{"id": "i", "pid": "p", "prediction": "", "answer": "y"}`,
			&tasks.Sample{ID: "i", Answer: "y"}, ""},
		{"a list of gold answers", `{"prediction": "x", "answer": ["y", 2], "alternatives": ["z"]}`,
			&tasks.Sample{Answer: "y", Alternatives: []string{"2", "z"}}, "x"},
		{"a list of one gold answer", `{"prediction": "x", "answer": ["y"]}`,
			&tasks.Sample{Answer: "y"}, "x"},
		{"choices by letter, in the letters' order", `{"prediction": "B", "answer": "B", "choices": {"C": "bird", "A": "cat", "B": 7}}`,
			&tasks.Sample{Answer: "B", Choices: []string{"cat", "7", "bird"}}, "B"},
		{"metadata that is not an object is kept as it is", `{"prediction": "x", "answer": "y", "metadata": "m"}`,
			&tasks.Sample{Answer: "y", Metadata: map[string]any{"metadata": "m"}}, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, output, err := FromRow(decodeRow(t, tt.line))
			require.NoError(t, err)
			assert.Equal(t, tt.want, s)
			assert.Equal(t, tt.output, output)
		})
	}

	// Without UseNumber a float64 is written in its shortest form.
	s, output, err := FromRow(map[string]any{"prediction": 0.1, "answer": 3.0})
	require.NoError(t, err)
	assert.Equal(t, "0.1", output)
	assert.Equal(t, "3", s.Answer)
}

func TestFromRowErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want string }{
		{`{"answer": "y", "response": "x"}`, `row has no "prediction" field (the model output); fields: [answer response]`},
		{`{"prediction": "x"}`, `row has no "answer" field (the gold answer)`},
		{`{"prediction": "x", "answer": null}`, `row has no "answer" field`},
		{`{"prediction": {"a": 1}, "answer": "y"}`, `row field "prediction" (the model output): want a string or a number, got map[string]interface {}`},
		{`{"prediction": "x", "answer": "y", "choices": [["a"]]}`, `row field "choices": item 0: want a string or a number`},
		{`{"prediction": "x", "answer": "y", "id": [1]}`, `row field "id": want a string or a number`},
		{`{"prediction": "x", "answer": []}`, `row field "answer" (the gold answer) is an empty list`},
		{`{"prediction": "x", "answer": [{"a": 1}]}`, `row field "answer" (the gold answer): item 0: want a string or a number`},
		{`{"prediction": "x", "answer": "y", "choices": {"A": ["a"]}}`, `row field "choices": option "A": want a string or a number`},
	}
	for _, tt := range tests {
		_, _, err := FromRow(decodeRow(t, tt.line))
		assert.ErrorContains(t, err, tt.want, tt.line)
	}
}
