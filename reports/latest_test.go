package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeLog writes records to dir/results.jsonl (appending) and returns its path.
func writeLog(t *testing.T, dir string, records ...*Result) string {
	t.Helper()
	path := filepath.Join(dir, ResultsFile)
	w, err := OpenLog(path)
	require.NoError(t, err)
	for _, r := range records {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
	return path
}

func TestNaturalCompare(t *testing.T) {
	t.Parallel()
	ids := []string{"10", "9", "a10", "a9", "01", "1", "b", "a", "2", "1a", "x2y10", "x2y9", ""}
	slices.SortFunc(ids, NaturalCompare)
	assert.Equal(t, []string{"", "01", "1", "1a", "2", "9", "10", "a", "a9", "a10", "b", "x2y9", "x2y10"}, ids)
	// The order is total and consistent whatever the input order.
	for range 20 {
		shuffled := slices.Clone(ids)
		for i := range shuffled {
			j := (i*7 + 3) % len(shuffled)
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		}
		slices.SortFunc(shuffled, NaturalCompare)
		assert.Equal(t, ids, shuffled)
	}
}

// TestIndexKeepsTheLastRecord indexes a log with a retried sample and a malformed line: the last
// record of each key counts, totals count every record, the bad line is reported once.
func TestIndexKeepsTheLastRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	failed := sampleResult("2", false)
	failed.Error = &Failure{Class: ErrModel, Message: "HTTP 500"}
	failed.Tokens.Total, failed.Tokens.Prompt, failed.Tokens.Completion = 0, 0, 0
	rep := sampleResult("1", true)
	rep.Repeat = 1
	path := writeLog(t, dir, sampleResult("1", true), failed, rep)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("{not json}\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	writeLog(t, dir, sampleResult("2", false))

	lf, err := os.Open(path)
	require.NoError(t, err)
	defer lf.Close()
	var warned []error
	ix, err := IndexLog(lf, "log", func(err error) { warned = append(warned, err) })
	require.NoError(t, err)
	require.Len(t, warned, 1)
	assert.Contains(t, warned[0].Error(), "log:4:")
	assert.Equal(t, 4, ix.Records)
	assert.Equal(t, 45, ix.Tokens.Total, "every record's tokens, superseded ones too")
	latest := ix.Latest()
	require.Len(t, latest, 3)
	assert.Equal(t, []Key{{"s", "1", 0}, {"s", "1", 1}, {"s", "2", 0}}, []Key{latest[0].Key, latest[1].Key, latest[2].Key})
	assert.Equal(t, 5, latest[2].Line)
	assert.True(t, latest[2].Finished())
	assert.Equal(t, ErrorClass(""), latest[2].Class)

	var ids []string
	require.NoError(t, ReadRecords(lf, "log", latest, func(r *Result) error {
		ids = append(ids, r.Key().String())
		assert.NotEmpty(t, r.Output, "full records")
		return nil
	}))
	assert.Equal(t, []string{"s/1", "s/1#1", "s/2"}, ids)
}

// TestEntryFinished settles a sample with a verdict (or an internal error); an input error runs
// again, as infrastructure errors do, since it fails before any model call.
func TestEntryFinished(t *testing.T) {
	t.Parallel()
	for class, want := range map[ErrorClass]bool{
		"": true, ErrInternal: true,
		ErrInput: false, ErrModel: false, ErrTool: false, ErrJudge: false, ErrCanceled: false,
	} {
		e := Entry{Class: class}
		assert.Equal(t, want, e.Finished(), class)
	}
}

// TestIndexCountsARegradeOnce counts the tokens of a judge failure's record once when the next
// record of its sample grades its output again (and repeats its tokens), but counts a record
// that follows another error.
func TestIndexCountsARegradeOnce(t *testing.T) {
	t.Parallel()
	judged := sampleResult("1", false)
	judged.Error = &Failure{Class: ErrJudge, Message: "judge endpoint: HTTP 500"}
	regraded := sampleResult("1", true)
	failed := sampleResult("2", false)
	failed.Error = &Failure{Class: ErrModel, Message: "cut stream"}
	path := writeLog(t, t.TempDir(), judged, regraded, failed, sampleResult("2", true))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	ix, err := IndexLog(f, "log", nil)
	require.NoError(t, err)
	assert.Equal(t, 4, ix.Records)
	assert.Equal(t, 3*sampleResult("1", true).Tokens.Total, ix.Tokens.Total)
}

// TestScanInputsCountsEachSampleOnce reads a log where a sample was retried after a model
// error: the report counts it once, with its last record, whatever order records are in.
func TestScanInputsCountsEachSampleOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	failed := sampleResult("b", false)
	failed.Error = &Failure{Class: ErrModel, Message: "HTTP 500"}
	writeLog(t, dir, sampleResult("c", false), failed, sampleResult("a", true), sampleResult("b", true))

	table := func(path string, stdin []byte) string {
		acc, err := NewAccuracy("")
		require.NoError(t, err)
		var warn bytes.Buffer
		var order []string
		require.NoError(t, ScanInputs([]string{path}, bytes.NewReader(stdin), &warn, func(in *Input, r *Result) error {
			acc.Add(in.Label, r)
			order = append(order, r.ID)
			return nil
		}))
		assert.Equal(t, []string{"a", "b", "c"}, order)
		var out bytes.Buffer
		require.NoError(t, Write(&out, acc.Table(), "csv", 1))
		return out.String()
	}
	got := table(dir, nil)
	assert.Contains(t, got, "overall,m,3,,1,3,0,,,true,2,66.6667")
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	require.NoError(t, err)
	assert.Equal(t, got, table("-", data), "stdin reads the same")

	// The same records in another order give the same bytes.
	other := t.TempDir()
	writeLog(t, other, sampleResult("a", true), failed, sampleResult("b", true), sampleResult("c", false))
	assert.Equal(t, got, table(other, nil))
}
