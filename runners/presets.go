package runners

import (
	_ "embed"
	"fmt"
	"sync"
)

// presetsYAML is the models file of the shipped presets.
//
//go:embed presets.yaml
var presetsYAML []byte

// PresetsFile names the shipped presets in messages.
const PresetsFile = "the shipped presets (runners/presets.yaml)"

// presets parses the shipped presets once.
var presets = sync.OnceValues(func() (map[string]ModelEntry, error) {
	return ParseModels("presets.yaml", presetsYAML)
})

// Presets returns the models realx knows by name (runners/presets.yaml): the seed models in the
// protocols they were trained on (deepeyesv2-7b, deepeyes-7b, skywork-r1v4), Qwen2.5-VL and
// Qwen3-VL with tools in the request (-native) or in the prompt (-hermes), and hosted models
// with native tools. A models file's entries override them.
func Presets() map[string]ModelEntry {
	m, err := presets()
	if err != nil {
		panic(fmt.Sprintf("the shipped model presets do not load: %v", err)) // TestPresetsLoad
	}
	return m
}
