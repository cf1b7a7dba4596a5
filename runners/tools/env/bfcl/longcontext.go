package bfcl

import (
	_ "embed"
	"sync"
)

// longContextJSON holds the published long-context filler (bfcl_eval/eval_checker/
// multi_turn_eval/func_source_code/long_context.py), its constants as JSON by their names.
//
//go:embed data/long_context.json
var longContextJSON []byte

var (
	longOnce sync.Once
	longVals map[string]any
)

// longContext returns the long-context constant called name, with Python's numbers.
func longContext(name string) any {
	longOnce.Do(func() {
		v, err := decodePlain(longContextJSON)
		if err != nil {
			panic("bfcl: data/long_context.json: " + err.Error())
		}
		longVals = v.(map[string]any)
	})
	return cloneValue(longVals[name])
}

// cloneValue deep-copies a JSON-like value, as Python's deepcopy does the scenario.
func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = cloneValue(e)
		}
		return l
	case Dict:
		d := make(Dict, len(x))
		for i, it := range x {
			d[i] = Item{Key: it.Key, Value: cloneValue(it.Value)}
		}
		return d
	}
	return v
}
