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
	return pyCopy(longVals[name])
}
