package tasks

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeFile reports every problem of a file at its position, with the key a misspelt one
// was likely meant to be, decodes the rest, and positions later problems.
func TestDecodeFile(t *testing.T) {
	t.Parallel()
	type entry struct {
		Model      string     `yaml:"model"`
		Generation Generation `yaml:"generation"`
	}
	var v map[string]entry
	doc, err := DecodeFile("m.yaml", []byte("a:\n  model: x\n  generaton: {}\nb:\n  model: [1]\n  generation:\n    temperature: -1\n"), &v)
	require.Error(t, err)
	assert.Equal(t, "m.yaml:3:3: unknown field \"generaton\" in a; did you mean \"generation\"?\n"+
		"m.yaml:5:10: b.model: expected a string, got a list", err.Error())
	assert.Equal(t, "x", v["a"].Model)
	assert.Equal(t, -1.0, *v["b"].Generation.Temperature)
	assert.Equal(t, "m.yaml:7:18: bad", doc.Errorf([]string{"b", "generation", "temperature"}, "bad").Error())
	assert.Equal(t, []Problem{{Key: "temperature", Msg: "must be ≥ 0, got -1"}}, v["b"].Generation.Check())

	_, err = DecodeFile("m.yaml", []byte("a: [\n"), &v)
	assert.ErrorContains(t, err, "m.yaml:")
	assert.ErrorContains(t, err, "invalid YAML")
	doc, err = DecodeFile("m.yaml", nil, &v)
	require.NoError(t, err)
	assert.Equal(t, "m.yaml: bad", doc.Errorf([]string{"a"}, "bad").Error())
}
