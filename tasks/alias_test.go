package tasks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bomb writes a "billion laughs": levels of anchors, each a list of nine aliases of the one
// before, under key (indented by indent), whose last level expands to 9^levels values.
func bomb(key, indent string, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s:\n", indent, key)
	fmt.Fprintf(&b, "%s  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n", indent)
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "%s  l%d: &l%d [%s]\n", indent, i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 9), ", "))
	}
	return b.String()
}

// TestAliasesExpandedOrRefused decodes what aliases say, and refuses an alias bomb and an
// alias inside what it names, at the alias, wherever values are kept as YAML (a suite's
// generation.extra, a models file, a judge file), instead of dropping the values.
func TestAliasesExpandedOrRefused(t *testing.T) {
	t.Parallel()
	head := "name: a\ndata: {path: d.jsonl}\njudge: {kind: em}\ngeneration:\n"

	// Three levels: 9³ values, under the budget, all decoded.
	s, err := loadString(t, head+bomb("extra", "  ", 3))
	require.NoError(t, err)
	l2, ok := s.Generation.Extra["l2"].([]any)
	require.True(t, ok, "extra holds the expanded lists: %v", s.Generation.Extra)
	require.Len(t, l2, 9)
	assert.Equal(t, []any{"lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"}, l2[8].([]any)[8])

	// Nine levels: 9⁹ values. yaml.v3 alone fails the whole decode, which left the suite
	// without its extra while validate said ok.
	_, err = loadString(t, head+bomb("extra", "  ", 9))
	require.Error(t, err)
	assert.Regexp(t, `^x\.yaml:\d+:\d+: invalid YAML: the aliases of this file expand to more than 10000 values, from alias \*l\d on \(an alias bomb\?\)`, err.Error())

	var models map[string]struct {
		Generation Generation `yaml:"generation"`
	}
	_, err = DecodeFile("models.yaml", []byte("m:\n  generation:\n"+bomb("extra", "    ", 9)), &models)
	assert.ErrorContains(t, err, "models.yaml:8:16: invalid YAML: the aliases of this file expand to more than 10000 values, from alias *l3 on")
	assert.ErrorContains(t, err, "(an alias bomb?)")

	_, err = DecodeFile("models.yaml", []byte("m: &m\n  generation: {extra: {again: *m}}\n"), &models)
	assert.EqualError(t, err, "models.yaml:2:31: invalid YAML: alias *m is inside the value it names, which would repeat forever")

	file := filepath.Join(t.TempDir(), "judge.yaml")
	require.NoError(t, os.WriteFile(file, []byte("kind: cascade\nsteps: &s\n  - kind: em\n  - {steps: *s}\n"), 0o644))
	_, err = LoadJudgeFile(file)
	assert.EqualError(t, err, file+":4:13: invalid YAML: alias *s is inside the value it names, which would repeat forever")
}
