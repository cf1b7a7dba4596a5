package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leanOf returns what a lean read keeps of r: the fields decodeLean sets.
func leanOf(r *Result, meta bool) Result {
	out := Result{V: r.V, Run: r.Run, Suite: r.Suite, ID: r.ID, Repeat: r.Repeat, Capability: r.Capability, Model: r.Model,
		Tokens: r.Tokens, Stop: r.Stop, Error: r.Error}
	out.Pass, out.Score, out.Step, out.JudgeID = r.Pass, r.Score, r.Step, r.JudgeID
	if meta {
		out.Metadata = r.Metadata
	}
	return out
}

// TestLeanReadMatchesFullRead reads the records of real runs, and records made to trip a
// careless reader (escapes, keys in another case, duplicates, nulls, metadata), both ways:
// the lean read keeps exactly the fields of the full read that it keeps.
func TestLeanReadMatchesFullRead(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/records.jsonl")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	lines = append(lines,
		`{"v":1,"id":"a\"b\\u00e9","suite":"s\/1","repeat":2,"capability":"x\ty","pass":true,"score":0.25,"metadata":{"k":[1,"2",{"z":null}]},"trajectory":{"turns":[{"text":"\ud83d\ude00 \u0000"}]}}`,
		`{"V":1,"ID":"upper","Suite":"s","Score":1,"PASS":true}`,
		`{"v":1,"id":"dup","id":"second","score":1,"score":0,"error":{"class":"model","message":"503","x":[]}}`,
		`{"v":1,"id":"nulls","suite":null,"score":null,"tokens":null,"error":null,"stop":"max_turns"}`,
		"{\"v\":1,\"id\":\"bad-utf8-\xff\",\"output\":\"\xfe\"}",
		`{"v":1,"\u0069d":"escaped-key","ſcore":1,"\u017fcore":0.5}`,
		` {"v":1,"id":"space", "tokens" : {"prompt" : 3 , "completion":4,"total":7} } `,
	)
	for _, line := range lines {
		var full Result
		require.NoError(t, json.Unmarshal([]byte(line), &full), line)
		for _, meta := range []bool{false, true} {
			mode := leanRecords
			if meta {
				mode = leanWithMetadata
			}
			var lean Result
			require.NoError(t, decodeLean(bytes.TrimSpace([]byte(line)), &lean, mode, interner{}), line)
			assert.Equal(t, leanOf(&full, meta), lean, line)
		}
	}
}

// TestLeanReadRefusesWhatAFullReadRefuses gives the lean read lines that are not JSON, or
// whose kept fields have the wrong type: each is refused.
func TestLeanReadRefusesWhatAFullReadRefuses(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		`{"v":1,"id":"x"`, `{"v":1,"id":"x"}}`, `{"v":1,"id":"x",}`, `[1]`, `{"v":1 "id":"x"}`,
		`{"v":1,"id":"x","output":"a` + "\n" + `b"}`, `{"v":1,"id":"x","trajectory":{"turns":[}}`,
		`{"v":1,"id":"x","output":"\x"}`, `{"v":1,"id":"x","output":"\u12G4"}`, `{"v":1,"id":"x","n":01}`,
		`{"v":1,"id":"x","n":1.}`, `{"v":1,"id":"x","n":-}`, `{"v":1,"id":"x","n":1e}`, `{"v":1,"id":"x","n":tru}`,
		`{"v":"1","id":"x"}`, `{"v":1.5,"id":"x"}`, `{"v":1,"id":5}`, `{"v":1,"id":"x","score":"1"}`,
		`{"v":1,"id":"x","pass":1}`, `{"v":1,"id":"x","tokens":{"prompt":"3"}}`, `{"v":1,"id":"x","tokens":[]}`,
		`{"v":1,"id":"x","error":{"class":3}}`, `{"v":1,"id":"x","error":"model"}`, `{"v":1,"id":"x","repeat":1e3}`,
	} {
		var full Result
		assert.Error(t, json.Unmarshal([]byte(line), &full), line)
		var lean Result
		assert.Error(t, decodeLean([]byte(line), &lean, leanWithMetadata, interner{}), line)
	}
}

// FuzzLeanRead reads arbitrary lines both ways: a line the lean read takes is valid JSON; a
// line the full read takes, the lean read takes too, with the same kept fields.
func FuzzLeanRead(f *testing.F) {
	data, err := os.ReadFile("testdata/records.jsonl")
	require.NoError(f, err)
	for _, line := range bytes.Split(data, []byte("\n")) {
		f.Add(line)
	}
	f.Add([]byte(`{"v":1,"ID":"x","error":{"class":"judge"},"metadata":{"a":[1,2.5e3,true,null]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.TrimSpace(line)
		var lean Result
		lerr := decodeLean(line, &lean, leanWithMetadata, interner{})
		if lerr == nil {
			require.True(t, json.Valid(line), "the lean read took a line that is not JSON: %q", line)
		}
		var full Result
		if json.Unmarshal(line, &full) == nil {
			require.NoError(t, lerr, "%q", line)
			require.Equal(t, leanOf(&full, true), lean)
		}
	})
}
