package reports

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReader puts arbitrary bytes through the results-log reader, the index and the reading of
// the indexed records, as resume and report do. Whatever the bytes, nothing panics; each line
// read is either a record (with a schema version this realx reads and an id) or a positioned
// problem; lines and spans move forward within the input; only a last line without its newline
// is ever called torn; and every key the index keeps is either read back whole or counted
// among the lines that could not be read. The seeds are real records (testdata/records.jsonl,
// written by realx runs) one by one, three together, and cut short.
func FuzzReader(f *testing.F) {
	data, err := os.ReadFile("testdata/records.jsonl")
	require.NoError(f, err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	f.Add(bytes.Join(lines[len(lines)-3:], nil))
	for _, line := range lines {
		f.Add(line)
		f.Add(line[:len(line)/2])
		f.Add(bytes.Replace(line, []byte(`"output":"`), []byte(`"output":5,"x":"`), 1))
	}
	f.Add([]byte("not json\n\n{\"v\":1,\"id\":\"1\"}\n{\"v\":1,\"id\":\"1\""))
	f.Add([]byte("{\"v\":2,\"id\":\"x\"}\r\n   \n{}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const name = "fuzz.jsonl"
		rd := NewReader(bytes.NewReader(in), name)
		line, end := 0, int64(0)
		for rd.Scan() {
			res, lerr := rd.Result(), rd.LineErr()
			require.True(t, (res == nil) != (lerr == nil), "a record or a problem, not both")
			require.Greater(t, rd.Line(), line)
			line = rd.Line()
			start, stop := rd.Span()
			require.GreaterOrEqual(t, start, end)
			require.Greater(t, stop, start)
			require.LessOrEqual(t, stop, int64(len(in)))
			end = stop
			if res != nil {
				require.NotEmpty(t, res.ID)
				require.True(t, res.V >= 1 && res.V <= SchemaVersion, "schema v%d", res.V)
				continue
			}
			var se *SyntaxError
			require.True(t, errors.As(lerr, &se))
			require.Equal(t, name, se.File)
			require.Equal(t, line, se.Line)
			if se.Torn {
				require.Equal(t, int64(len(in)), stop, "only the last line is torn")
				require.NotEqual(t, byte('\n'), in[len(in)-1])
			}
		}
		require.NoError(t, rd.Err())

		var bad BadLines
		ix, err := IndexLog(bytes.NewReader(in), name, bad.Add)
		require.NoError(t, err)
		require.LessOrEqual(t, ix.Records+bad.Len(), line)
		indexed := bad.Len()
		read := 0
		require.NoError(t, readLatest(bytes.NewReader(in), name, ix, &bad, func(r *Result) error {
			read++
			require.NotEmpty(t, r.ID)
			return nil
		}))
		require.Equal(t, ix.Len(), read+bad.Len()-indexed, "every key is read back or counted as unreadable")
		bad.Warn(&bytes.Buffer{}, "left out")
	})
}
