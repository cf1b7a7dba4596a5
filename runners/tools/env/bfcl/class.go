// Package bfcl owns BFCL v3's multi-turn environments (ShishirPatil/gorilla,
// berkeley-function-call-leaderboard, Apache-2.0): the simulated API classes written in Go from
// their published behaviour, the entries of the four multi-turn categories, and the checker
// that executes the model's and the gold calls turn by turn and compares states and results.
package bfcl

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Class is one of BFCL's simulated API classes (GorillaFileSystem, MathAPI, MessageAPI,
// TwitterAPI, TicketAPI, TradingBot, TravelAPI, VehicleControlAPI): one instance per entry,
// loaded from the entry's initial_config, called by method name, compared by its public state.
type Class interface {
	// Load sets the instance's state from its scenario, the entry's initial_config under the
	// class's name (nil when the entry gives none: the class's defaults), as the Python
	// class's _load_scenario does; longContext is set for the long-context category, whose
	// instances carry the published filler.
	Load(scenario json.RawMessage, longContext bool) error
	// Call runs the method called name on the keyword arguments, as BFCL's executor calls it,
	// and returns what the Python method returns (a map, a list, a string, a number …). An
	// error is what the Python call raises (an unknown method, an argument missing or of the
	// wrong type, an exception of the method); the executor reports it to the model as the
	// Python one is reported.
	Call(name string, args map[string]any) (any, error)
	// State returns the instance's public attributes (those whose Python names do not start
	// with "_"), by their Python names, as JSON values: the state check compares them.
	State() map[string]any
}

// classes are the registered classes, by their Python class names.
var classes = map[string]func() Class{}

// registerClass adds a class under its Python name. A name registered twice panics: it is
// the package's own wiring, done at init.
func registerClass(name string, newClass func() Class) {
	if _, taken := classes[name]; taken {
		panic(fmt.Sprintf("bfcl: class %s is registered twice", name))
	}
	classes[name] = newClass
}

// newClass returns a fresh instance of the class called name.
func newClass(name string) (Class, error) {
	f, ok := classes[name]
	if !ok {
		return nil, fmt.Errorf("bfcl: no class %s (the classes are %v)", name, classNames())
	}
	return f(), nil
}

// classNames lists the registered classes, sorted.
func classNames() []string { return slices.Sorted(maps.Keys(classes)) }
