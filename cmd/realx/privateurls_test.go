package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
)

// TestRunAllowPrivateURLs refuses an image URL on this machine (an input error, nothing
// fetched, no model call), unless --allow-private-urls is given.
func TestRunAllowPrivateURLs(t *testing.T) {
	var png bytes.Buffer
	require.NoError(t, pngEncode(&png))
	var hits atomic.Int32
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write(png.Bytes())
	}))
	t.Cleanup(images.Close)

	srv, dir, _ := synthSetup(t, 0)
	writeFile(t, dir, "url.jsonl", `{"id":"q0","question":"q0: what is 0 plus 7?","answer":"7","image":"`+images.URL+`/internal-admin"}`+"\n")
	suite := writeFile(t, dir, "url.yaml", "name: url\ndata: {path: url.jsonl, fields: {images: [image]}}\nprompt: {user: \"{{.Question}}\"}\njudge: {kind: exact}\n")
	args := []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "--out", filepath.Join(dir, "refused"), "--progress", "none"}

	r := realxCLI(t, nil, args...)
	require.Equal(t, exitIncomplete, r.code, r.stderr)
	res := byID(t, filepath.Join(dir, "refused"))["q0"]
	require.NotNil(t, res.Error)
	assert.Equal(t, reports.ErrInput, res.Error.Class)
	assert.Contains(t, res.Error.Message, "is loopback: a suite's URLs may not reach local or private addresses (realx run --allow-private-urls allows them)")
	assert.Zero(t, hits.Load())
	assert.Empty(t, srv.Requests())

	args[len(args)-3] = filepath.Join(dir, "allowed")
	r = realxCLI(t, nil, append(args, "--allow-private-urls")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.True(t, byID(t, filepath.Join(dir, "allowed"))["q0"].Pass)
	assert.Equal(t, int32(1), hits.Load())
	require.Len(t, srv.Requests(), 1)
	assert.Equal(t, 1, srv.Requests()[0].Last().Images)
}
