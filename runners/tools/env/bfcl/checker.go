package bfcl

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Call is one call of the model's, as the checker executes it: the function and its JSON
// arguments.
type Call struct {
	Name      string
	Arguments json.RawMessage
}

// The checker's error types, as BFCL names them.
const (
	ErrEmptyTurn     = "multi_turn:empty_turn_model_response"
	ErrStateMismatch = "multi_turn:instance_state_mismatch"
	ErrResponse      = "multi_turn:execution_response_mismatch"
	ErrIrrelevance   = "multi_turn:irrelevance_error:decoder_success"
)

// Result is the checker's verdict on one entry.
type Result struct {
	// Valid is set when every turn passed.
	Valid bool
	// Turn is the first turn that failed, ErrorType its kind (BFCL's error_type) and Message
	// what failed.
	Turn      int
	ErrorType string
	Message   string
}

// Rules choose between the leaderboard's scoring and a stricter one.
type Rules struct {
	// Irrelevance fails an entry whose model calls functions in a turn whose gold has none
	// (BFCL's multi_turn_irrelevance_checker). The leaderboard does not: its eval_runner has
	// the call commented out, so such calls count only through the states of later turns.
	Irrelevance bool
}

// Check grades one entry as BFCL's multi-turn checker does. The model's calls of each turn
// and the gold calls of each turn run on two sets of fresh instances opened from state (the
// entry's EntryState), turn by turn, each set carrying over from turn to turn. At every turn
// whose gold has calls: the model's turn must have calls; each class's public state must
// equal the gold instance's; and the gold calls' results must all be among the results of
// the model's calls so far, in any order (as a multiset). A turn whose gold is empty is not
// checked (its calls still run, so that the next turns' states compare); under
// rules.Irrelevance it must have no calls. The entry passes only if every turn does. An error
// is a problem of the entry itself: a gold call that cannot be read.
func Check(state json.RawMessage, gold [][]string, model [][]Call, rules Rules) (Result, error) {
	me, err := NewEntry(state)
	if err != nil {
		return Result{}, err
	}
	ge, err := NewEntry(state)
	if err != nil {
		return Result{}, err
	}
	var all []string
	irrelevant := -1
	for t, goldTurn := range gold {
		var turn []Call
		if t < len(model) {
			turn = model[t]
		}
		for _, c := range turn {
			args, err := decodeArgs(c.Arguments)
			if err != nil {
				all = append(all, "Error during execution: "+err.Error())
				continue
			}
			text, _ := me.Run(c.Name, args)
			all = append(all, text)
		}
		var goldResults []string
		for _, src := range goldTurn {
			text, _, err := ge.RunPy(src)
			if err != nil {
				return Result{}, fmt.Errorf("turn %d: gold %w", t, err)
			}
			goldResults = append(goldResults, text)
		}
		if len(goldTurn) == 0 {
			if len(turn) > 0 && irrelevant < 0 {
				irrelevant = t
			}
			continue
		}
		if len(turn) == 0 {
			return Result{Turn: t, ErrorType: ErrEmptyTurn, Message: fmt.Sprintf("Model response list is empty for turn %d", t)}, nil
		}
		if diff := compareStates(me, ge); diff != "" {
			return Result{Turn: t, ErrorType: ErrStateMismatch, Message: diff}, nil
		}
		if missing := missingResults(goldResults, all); len(missing) > 0 {
			return Result{Turn: t, ErrorType: ErrResponse, Message: fmt.Sprintf(
				"Model response execution results so far does not contain all the ground truth response execution results for turn %d; missing: %s",
				t, strings.Join(missing, " | "))}, nil
		}
	}
	if rules.Irrelevance && irrelevant >= 0 {
		return Result{Turn: irrelevant, ErrorType: ErrIrrelevance, Message: fmt.Sprintf("Model outputs valid function calls when it should not for turn %d.", irrelevant)}, nil
	}
	return Result{Valid: true}, nil
}

// compareStates compares the public state of each class of the two entries, as JSON values
// (dicts equal whatever their order, 1 equal to 1.0, as in Python); "" when all are equal.
func compareStates(model, gold *Entry) string {
	ms, gs := model.States(), gold.States()
	for _, class := range gold.classes {
		g, m := gs[class], ms[class]
		var diffs []string
		for _, attr := range slices.Sorted(maps.Keys(g)) {
			if !jsonEqual(m[attr], g[attr]) {
				mj, _ := json.Marshal(m[attr])
				gj, _ := json.Marshal(g[attr])
				diffs = append(diffs, fmt.Sprintf("%s: model %s, ground truth %s", attr, clipText(string(mj)), clipText(string(gj))))
			}
		}
		if len(diffs) > 0 {
			return fmt.Sprintf("Model instance for %s does not match the state with ground truth instance: %s", class, strings.Join(diffs, "; "))
		}
	}
	return ""
}

// jsonEqual compares two values by their JSON form, read back without types.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}

// clip shortens a long value for a message.
func clipText(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// missingResults returns the gold results not found among the model's, each model result
// matching one gold result at most (BFCL's _is_subsequence_unordered).
func missingResults(gold, model []string) []string {
	pool := slices.Clone(model)
	var missing []string
	for _, g := range gold {
		if i := slices.Index(pool, g); i >= 0 {
			pool = slices.Delete(pool, i, i+1)
		} else {
			missing = append(missing, clipText(g))
		}
	}
	return missing
}
