package bfcl

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeclarationsMatchBFCL compares the functions as the bfcl environment declares them with
// BFCL's own declarations (testdata/python_declarations.json, written by
// record_python_declarations.py from bfcl_eval/model_handler/utils.py at the data's commit):
// under native function calling, each function's description and JSON Schema as BFCL converts
// them for OpenAI; in prompting mode, the system prompt of an entry's functions.
func TestDeclarationsMatchBFCL(t *testing.T) {
	b, err := os.ReadFile("testdata/python_declarations.json")
	require.NoError(t, err)
	var want struct {
		Tools map[string][]struct {
			Name, Description string
			Parameters        json.RawMessage
		}
		System map[string]string
	}
	require.NoError(t, json.Unmarshal(b, &want))
	require.Len(t, want.Tools, 8)
	for class, tools := range want.Tools {
		docs, err := ClassDocs(class)
		require.NoError(t, err)
		require.Len(t, docs, len(tools), class)
		for i, w := range tools {
			got := docs[i].ToolDef()
			assert.Equal(t, w.Name, got.Name)
			assert.Equal(t, w.Description, got.Description, "%s.%s", class, w.Name)
			var gp, wp any
			require.NoError(t, json.Unmarshal(got.Parameters, &gp))
			require.NoError(t, json.Unmarshal(w.Parameters, &wp))
			assert.True(t, reflect.DeepEqual(wp, gp), "%s.%s parameters:\n got %s\nwant %s", class, w.Name, got.Parameters, w.Parameters)
		}
	}
	require.Len(t, want.System, 2)
	for classes, prompt := range want.System {
		var docs []FuncDoc
		for _, c := range strings.Split(classes, "+") {
			d, err := ClassDocs(c)
			require.NoError(t, err)
			docs = append(docs, d...)
		}
		assert.Equal(t, prompt, PromptingSystem(docs), classes)
	}
}
