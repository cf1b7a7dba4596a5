package judges

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/realx-bench/realx/tasks"
)

// Row fields FromRow reads; every other field goes to the sample's Metadata.
const (
	rowPrediction   = "prediction"
	rowQuestion     = "question"
	rowAnswer       = "answer"
	rowChoices      = "choices"
	rowAlternatives = "alternatives"
	rowAnswers      = "answers"
	rowID           = "id"
	rowPID          = "pid"
	rowMetadata     = "metadata"
)

// FromRow maps one JSONL row of `realx judge` onto a sample and the model output to grade.
// The row must have "prediction" (the model output) and "answer" (the gold answer), a string
// or number, or a list of them (the first the answer, the others alternatives). "question" is
// the question (an LLM judge shows it), "choices" the options (a list, or an object from
// letters to options, read in the order of the letters), "alternatives" or "answers" further
// acceptable answers (a list or one string), "id"
// or "pid" the sample's ID. Every other field goes to
// Metadata under its own name (answer_type, precision and question_type among them, where the
// mathvista judge reads them); a "metadata" object is merged in, without overriding top-level
// fields. Numbers are best decoded with json.Decoder.UseNumber, so that 1.50 stays "1.50"; a
// float64 is written in its shortest form.
func FromRow(row map[string]any) (*tasks.Sample, string, error) {
	output, err := rowString(row, rowPrediction, "the model output")
	if err != nil {
		return nil, "", err
	}
	golds, err := goldAnswers(row)
	if err != nil {
		return nil, "", err
	}
	s := &tasks.Sample{Answer: golds[0], Metadata: map[string]any{}}
	if len(golds) > 1 {
		s.Alternatives = golds[1:]
	}
	if v, ok := row[rowQuestion]; ok && v != nil {
		if s.Question, err = scalarString(v); err != nil {
			return nil, "", fmt.Errorf("row field %q: %w", rowQuestion, err)
		}
	}
	for _, key := range []string{rowID, rowPID} {
		if v, ok := row[key]; ok && v != nil {
			if s.ID, err = scalarString(v); err != nil {
				return nil, "", fmt.Errorf("row field %q: %w", key, err)
			}
			break
		}
	}
	if v := row[rowChoices]; v != nil {
		if s.Choices, err = choiceList(v); err != nil {
			return nil, "", fmt.Errorf("row field %q: %w", rowChoices, err)
		}
	}
	for _, key := range []string{rowAlternatives, rowAnswers} {
		if v := row[key]; v != nil {
			alts, err := stringList(v)
			if err != nil {
				return nil, "", fmt.Errorf("row field %q: %w", key, err)
			}
			s.Alternatives = append(s.Alternatives, alts...)
		}
	}
	for k, v := range row {
		switch k {
		case rowPrediction, rowQuestion, rowAnswer, rowChoices, rowAlternatives, rowAnswers, rowID, rowPID:
		case rowMetadata:
			if m, ok := v.(map[string]any); ok {
				for mk, mv := range m {
					if _, top := row[mk]; !top {
						s.Metadata[mk] = mv
					}
				}
				continue
			}
			s.Metadata[k] = v
		default:
			s.Metadata[k] = v
		}
	}
	if len(s.Metadata) == 0 {
		s.Metadata = nil
	}
	return s, output, nil
}

// goldAnswers returns the gold answers of a row: its "answer", a string or number, or a
// non-empty list of them (the first is the answer, the others alternatives, as a suite's data
// may give them).
func goldAnswers(row map[string]any) ([]string, error) {
	if _, isList := row[rowAnswer].([]any); !isList {
		answer, err := rowString(row, rowAnswer, "the gold answer")
		return []string{answer}, err
	}
	golds, err := stringList(row[rowAnswer])
	switch {
	case err != nil:
		return nil, fmt.Errorf("row field %q (the gold answer): %w", rowAnswer, err)
	case len(golds) == 0:
		return nil, fmt.Errorf("row field %q (the gold answer) is an empty list", rowAnswer)
	}
	return golds, nil
}

// choiceList reads the options of a row: a list (or one scalar), or an object that maps each
// option's letter to its text ({"A": "cat", "B": "dog"}, as MMBench writes them), read in the
// order of its letters.
func choiceList(v any) ([]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return stringList(v)
	}
	keys := sortedKeys(m)
	out := make([]string, len(keys))
	for i, k := range keys {
		s, err := scalarString(m[k])
		if err != nil {
			return nil, fmt.Errorf("option %q: %w", k, err)
		}
		out[i] = s
	}
	return out, nil
}

// rowString returns a required string (or number) field of a row.
func rowString(row map[string]any, key, what string) (string, error) {
	v, ok := row[key]
	if !ok || v == nil {
		return "", fmt.Errorf("row has no %q field (%s); fields: %v", key, what, sortedKeys(row))
	}
	s, err := scalarString(v)
	if err != nil {
		return "", fmt.Errorf("row field %q (%s): %w", key, what, err)
	}
	return s, nil
}

// scalarString writes a string, number or boolean as text.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("want a string or a number, got %T", v)
}

// stringList reads a list of scalars, or one scalar as a list of one.
func stringList(v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		s, err := scalarString(v)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, err := scalarString(it)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

// sortedKeys returns the keys of m in order, for messages.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
