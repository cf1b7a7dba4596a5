package tasks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadRecordsObjectOfRecords(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "preds.json")
	require.NoError(t, os.WriteFile(path, []byte("{\n \"7\": {\"response\": \"B\", \"n\": 1.50},\n \"3\": {\"response\": null}\n}\n"), 0o644))
	recs, err := ReadRecords(path, "")
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "7", recs[0].Key)
	assert.Equal(t, 2, recs[0].Line)
	assert.Equal(t, json.Number("1.50"), recs[0].Value["n"])
	assert.Equal(t, "3", recs[1].Key)
	out, ok := Text(recs[1].Value["response"])
	assert.True(t, ok)
	assert.Equal(t, "", out)
}

func TestReadRecordsReportsBadLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "preds.jsonl")
	require.NoError(t, os.WriteFile(path, []byte("{\"id\":1}\n[1,2]\nnot json\n{\"id\":2}\n"), 0o644))
	recs, err := ReadRecords(path, "")
	require.Len(t, recs, 2)
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 2)
	assert.Equal(t, 2, errs[0].Line)
	assert.Contains(t, errs[0].Msg, "not an object")
	assert.Equal(t, 3, errs[1].Line)
}

func TestReadRecordsUnknownFormat(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "preds.txt")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o644))
	_, err := ReadRecords(path, "")
	require.ErrorContains(t, err, ".jsonl, .json, .csv, .tsv or .parquet")
}
