package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
)

// countingEndpoint starts an endpoint that answers every request with answer, counting them.
func countingEndpoint(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1", &n
}

// TestRunAgainstADeadEndpointFailsAtOnce: a run against a closed port, or an endpoint that
// refuses the key, fails before its first sample with a clear message and exit 1, having
// asked once, and leaves no run directory behind (the corrected command starts afresh).
func TestRunAgainstADeadEndpointFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	suite := synthSuite(t, dir, 40)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String() + "/v1"
	require.NoError(t, l.Close())
	out := filepath.Join(dir, "closed")
	r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", closed, "--out", out, "--progress", "none")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "realx: the model endpoint "+closed+" (model m) cannot be reached; is the server running, and is the base URL right?")
	assert.Contains(t, r.stderr, "connection refused")
	_, err = os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no run directory is made")

	base, asked := countingEndpoint(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`))
	})
	t.Setenv("FAKE_KEY", "sk-not-a-good-key")
	r = realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", base, "--api-key-env", "FAKE_KEY", "--out", filepath.Join(dir, "refused"), "--progress", "none")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "refuses the key; check the API key variable (--api-key-env) and its value")
	assert.NotContains(t, r.stderr, "sk-not-a-good-key")
	assert.Equal(t, int64(1), asked.Load(), "one request, not 40 samples × 8 attempts")
}

// TestRunStopsAtAnUnknownModel: an endpoint that lists its models but not the one asked for
// passes the preflight (a gateway may serve it); its 404 to the first sample stops the run with
// exit 1, naming the models it lists, rather than being recorded against every sample.
func TestRunStopsAtAnUnknownModel(t *testing.T) {
	dir := t.TempDir()
	suite := synthSuite(t, dir, 40)
	base, asked := countingEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/models") {
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"Qwen2.5-VL-7B","object":"model"}]}`))
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"object":"error","message":"The model ` + "`qwen`" + ` does not exist.","type":"NotFoundError","param":null,"code":404}`))
	})
	out := filepath.Join(dir, "run")
	r := realxCLI(t, nil, "run", suite, "--model", "qwen", "--base-url", base, "--out", out, "--progress", "none", "-c", "2")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "has no such model, or no OpenAI-compatible API at that path")
	assert.Contains(t, r.stderr, "(it lists Qwen2.5-VL-7B)")
	assert.LessOrEqual(t, asked.Load(), int64(3), "the preflight, and the samples in flight: 2")
	recs := readResults(t, out)
	assert.Empty(t, recs, "no sample is recorded with the endpoint's error")
	m, err := reports.ReadManifest(out)
	require.NoError(t, err)
	assert.Equal(t, "qwen", m.Model.Name)
}
