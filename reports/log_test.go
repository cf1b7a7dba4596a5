package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
)

func sampleResult(id string, pass bool) *Result {
	score := 0.0
	if pass {
		score = 1
	}
	return &Result{V: SchemaVersion, Run: "r1", Suite: "s", ID: id, Capability: "c", Model: "m",
		Answer: "2", Output: "<answer>2</answer>", Verdict: judges.Verdict{Extracted: "2", Pass: pass, Score: score},
		Metadata: map[string]any{"task": "t", "tags": []any{"a", "b"}},
		Tokens:   runners.Usage{Prompt: 10, Completion: 5, Total: 15}}
}

// TestLogRoundTrip writes records concurrently and reads every one back whole.
func TestLogRoundTrip(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := OpenLog(path)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := sampleResult(strings.Repeat("x", i+1), i%2 == 0)
			r.Output = strings.Repeat("<long output & text>", 500)
			assert.NoError(t, w.Write(r))
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rd := NewReader(f, path)
	ids := map[string]bool{}
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		r := rd.Result()
		ids[r.ID] = true
		assert.Equal(t, strings.Repeat("<long output & text>", 500), r.Output)
		assert.Equal(t, "t", r.Metadata["task"])
	}
	require.NoError(t, rd.Err())
	assert.Len(t, ids, 50)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(data), `\u003c`, "answers are written without HTML escapes")
}

// TestOpenLogCutsTornTail drops the half-written last record a killed run leaves, keeping every
// whole one, and appends after them.
func TestOpenLogCutsTornTail(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := OpenLog(path)
	require.NoError(t, err)
	require.NoError(t, w.Write(sampleResult("1", true)))
	require.NoError(t, w.Write(sampleResult("2", false)))
	require.NoError(t, w.Close())
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"v":1,"run":"r1","suite":"s","id":"3","capabi`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	w, err = OpenLog(path)
	require.NoError(t, err)
	assert.Equal(t, &TornTail{Line: 3, Bytes: int64(len(`{"v":1,"run":"r1","suite":"s","id":"3","capabi`))}, w.Cut(), "what was cut is said")
	require.NoError(t, w.Write(sampleResult("4", true)))
	require.NoError(t, w.Close())
	w, err = OpenLog(path)
	require.NoError(t, err)
	assert.Nil(t, w.Cut(), "a whole log loses nothing")
	require.NoError(t, w.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	rd := NewReader(bytes.NewReader(data), path)
	var ids []string
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		ids = append(ids, rd.Result().ID)
	}
	assert.Equal(t, []string{"1", "2", "4"}, ids)
}

// TestOpenLogAllTorn empties a log whose only line is torn.
func TestOpenLogAllTorn(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	require.NoError(t, os.WriteFile(path, []byte(`{"v":1,"id":"1"`), 0o644))
	w, err := OpenLog(path)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Empty(t, data)
}

// TestReaderReportsBadLinesAndGoesOn gives each malformed line as a positioned, non-fatal error
// and still reads the good ones.
func TestReaderReportsBadLinesAndGoesOn(t *testing.T) {
	t.Parallel()
	in := `{"v":1,"run":"r","suite":"s","id":"1","capability":"c","model":"m","answer":"","output":"","extracted":"","pass":true,"score":1,"tokens":{"prompt":0,"completion":0,"total":0},"latency_ms":0}

not json
{"hello":"world"}
{"v":9,"id":"x"}
{"v":1,"run":"r","suite":"s","id":"2","capability":"c","model":"m","answer":"","output":"","extracted":"","pass":false,"score":0,"tokens":{"prompt":0,"completion":0,"total":0},"latency_ms":0}
{"v":1,"id":"3","run":"r"`
	rd := NewReader(strings.NewReader(in), "log.jsonl")
	var ids []string
	var problems []string
	for rd.Scan() {
		if err := rd.LineErr(); err != nil {
			var se *SyntaxError
			require.True(t, errors.As(err, &se))
			problems = append(problems, err.Error())
			continue
		}
		ids = append(ids, rd.Result().ID)
	}
	require.NoError(t, rd.Err())
	assert.Equal(t, []string{"1", "2"}, ids)
	require.Len(t, problems, 4)
	assert.True(t, strings.HasPrefix(problems[0], "log.jsonl:3: "), problems[0])
	assert.Contains(t, problems[1], "log.jsonl:4: not a realx result record")
	assert.Contains(t, problems[2], "log.jsonl:5: record schema v9 is newer")
	assert.Contains(t, problems[3], "log.jsonl:7: incomplete record")
}

// TestReaderTellsTornFromDamaged calls torn only a last line without its newline that is not a
// record; a malformed line anywhere else, or a last line with its newline, is damage, and
// BadLines says so and counts every one, positioned.
func TestReaderTellsTornFromDamaged(t *testing.T) {
	t.Parallel()
	good := `{"v":1,"run":"r","suite":"s","id":"1"}`
	for _, tc := range []struct {
		in      string
		torn    []bool
		damaged int
	}{
		{good + "\n" + `{"v":1,"id":"2","out`, []bool{true}, 0},
		{good + "\n" + `{"v":1,"id":"2","output":"}`, []bool{true}, 0},
		{good + "\n" + `{"v":1,"id":"2","out` + "\n", []bool{false}, 2},
		{`{"v":1,"id` + "\n" + good + "\n", []bool{false}, 1},
		{"{oops}\n" + good + "\n" + `{"v":1,"id":"2","out`, []bool{false, true}, 1},
	} {
		var bad BadLines
		ix, err := IndexLog(strings.NewReader(tc.in), "log.jsonl", bad.Add)
		require.NoError(t, err)
		assert.Equal(t, 1, ix.Records, tc.in)
		require.Equal(t, len(tc.torn), bad.Len(), tc.in)
		for i, torn := range tc.torn {
			assert.Equal(t, torn, bad.lines[i].Torn, tc.in)
		}
		if tc.damaged == 0 {
			assert.Nil(t, bad.Damaged(), tc.in)
		} else {
			require.NotNil(t, bad.Damaged(), tc.in)
			assert.Equal(t, tc.damaged, bad.Damaged().Line, tc.in)
		}
	}
}

// TestBadLinesWarn gives the first few unreadable lines of each log with their problem, then
// how many there are and where.
func TestBadLinesWarn(t *testing.T) {
	t.Parallel()
	var bad BadLines
	for i := range 12 {
		bad.Add(&SyntaxError{File: "a.jsonl", Line: 2 * (i + 1), Err: errors.New("bad")})
	}
	bad.Add(&SyntaxError{File: "b.jsonl", Line: 5, Err: errTorn, Torn: true})
	var w strings.Builder
	bad.Warn(&w, "left out of the report")
	assert.Equal(t, `warning: a.jsonl:2: bad
warning: a.jsonl:4: bad
warning: a.jsonl:6: bad
warning: a.jsonl: 12 lines could not be read (at line 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 …); left out of the report
warning: b.jsonl:5: incomplete record (torn write)
warning: b.jsonl: 1 line could not be read (at line 5); left out of the report
`, w.String())
}

// TestCreateLogNeverWritesThroughAPlantedPath refuses a log path that exists, a symbolic link
// (dangling or not) included, and leaves what is there alone; OpenLog refuses a link too.
func TestCreateLogNeverWritesThroughAPlantedPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	require.NoError(t, os.WriteFile(victim, []byte("keep"), 0o644))
	for _, target := range []string{victim, filepath.Join(dir, "nowhere")} {
		path := filepath.Join(dir, "link-"+filepath.Base(target))
		require.NoError(t, os.Symlink(target, path))
		_, err := CreateLog(path)
		require.Error(t, err)
		_, err = OpenLog(path)
		require.ErrorContains(t, err, "is a symbolic link")
	}
	_, err := CreateLog(victim)
	require.Error(t, err)
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(data))
	assert.NoFileExists(t, filepath.Join(dir, "nowhere"))
}

// TestBlobsStoreOnceByContent keeps each image once, under its SHA-256.
func TestBlobsStoreOnceByContent(t *testing.T) {
	t.Parallel()
	b := &Blobs{Dir: filepath.Join(t.TempDir(), BlobsDir)}
	k1, err := b.Put([]byte("image bytes"))
	require.NoError(t, err)
	k2, err := b.Put([]byte("image bytes"))
	require.NoError(t, err)
	assert.Equal(t, k1, k2)
	sum := sha256.Sum256([]byte("image bytes"))
	assert.Equal(t, hex.EncodeToString(sum[:]), k1)
	entries, err := os.ReadDir(b.Dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	data, err := b.Get(k1)
	require.NoError(t, err)
	assert.Equal(t, "image bytes", string(data))
}

// TestManifestRoundTrip writes and reads a manifest.
func TestManifestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "run")
	m := &Manifest{V: 1, Run: "r1", Realx: "dev", Model: ModelInfo{Name: "m", APIKeyEnv: "KEY"},
		Suites: []SuiteInfo{{Name: "s", Samples: 3}}}
	require.NoError(t, WriteManifest(dir, m))
	got, err := ReadManifest(dir)
	require.NoError(t, err)
	assert.Equal(t, m.Model, got.Model)
	assert.Equal(t, m.Suites[0].Samples, got.Suites[0].Samples)
}

// TestErrorRecordsHaveNoVerdict writes a record with an error without "pass" and "score", so
// that averaging the log never counts it as wrong; a graded record keeps both, and records
// written before (with "pass":false,"score":0 beside the error) read the same.
func TestErrorRecordsHaveNoVerdict(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), ResultsFile)
	w, err := OpenLog(path)
	require.NoError(t, err)
	wrong := sampleResult("1", false)
	failed := sampleResult("2", false)
	failed.Error = &Failure{Class: ErrModel, Message: "HTTP 500 <html>"}
	require.NoError(t, w.Write(wrong))
	require.NoError(t, w.Write(failed))
	require.NoError(t, w.Close())
	old, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = old.WriteString(`{"v":1,"run":"r0","suite":"s","id":"3","capability":"c","model":"m","answer":"","output":"","extracted":"","pass":false,"score":0,"tokens":{"prompt":0,"completion":0,"total":0},"latency_ms":0,"error":{"class":"model","message":"old"}}` + "\n")
	require.NoError(t, err)
	require.NoError(t, old.Close())

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], `"extracted":"2","pass":false,"score":0,"tokens"`, "a wrong answer keeps its verdict, in place")
	assert.NotContains(t, lines[1], `"pass"`)
	assert.NotContains(t, lines[1], `"score"`)
	assert.Contains(t, lines[1], `"error":{"class":"model","message":"HTTP 500 <html>"}`)

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	ix, err := IndexLog(f, path, nil)
	require.NoError(t, err)
	var got []*Result
	require.NoError(t, ReadRecords(f, path, ix.Latest(), func(r *Result) error {
		got = append(got, r)
		return nil
	}))
	require.Len(t, got, 3)
	assert.Equal(t, wrong, got[0])
	assert.Equal(t, failed, got[1])
	for _, r := range got[1:] {
		assert.False(t, r.Graded())
		assert.False(t, r.Pass)
		assert.Zero(t, r.Score)
	}
}
