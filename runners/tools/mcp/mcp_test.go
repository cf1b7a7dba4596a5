package mcp_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/mcp"
	"github.com/realx-bench/realx/runners/tools/mcp/mcptest"
	"github.com/realx-bench/realx/runners/tools/search"
	"github.com/realx-bench/realx/runners/tools/search/store"
)

func TestMain(m *testing.M) {
	if mcptest.Main() {
		return
	}
	os.Exit(m.Run())
}

// stdio is the test binary as a server over stdio.
func stdio() []string { return []string{os.Args[0], mcptest.Arg} }

// call calls a tool of s as a sample does.
func call(t *testing.T, s *mcp.Server, name, args string) *runners.Observation {
	t.Helper()
	inst, err := s.Open(context.Background(), &runners.ToolEnv{})
	require.NoError(t, err)
	obs, err := inst.(runners.Toolbox).CallFunction(context.Background(), name, json.RawMessage(args))
	require.NoError(t, err)
	return obs
}

// names lists the functions of s.
func names(s *mcp.Server) []string {
	var out []string
	for _, f := range s.Functions() {
		out = append(out, f.Name)
	}
	return out
}

// TestStdioServer starts the test server as a command: its tools are listed and called (text,
// an image, an error, arguments the server refuses), its environment is clean but for the
// variable allowed (whose value it cannot echo back), and Close stops it and the child it
// left in its process group.
func TestStdioServer(t *testing.T) {
	t.Parallel()
	s, err := mcp.Start(context.Background(), mcp.Config{Name: "t", Command: stdio(), Env: []string{"ALLOWED_TOKEN=value-of-the-token"}})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []string{"add", "echo", "env", "fail", "fds", "image", "pid"}, names(s))
	assert.Equal(t, "mcp:t", s.Def().Name)

	assert.Equal(t, "echo: hi", call(t, s, "echo", `{"text": "hi"}`).Text)
	assert.Equal(t, "5", call(t, s, "add", `{"a": 2, "b": 3}`).Text)
	img := call(t, s, "image", `{}`)
	assert.Equal(t, "a red image", img.Text)
	require.Len(t, img.Images, 1)
	assert.Equal(t, []any{"image/png", 4, 2}, []any{img.Images[0].MIME, img.Images[0].Width, img.Images[0].Height})
	fail := call(t, s, "fail", `{}`)
	assert.Equal(t, "it failed", fail.Error)
	assert.Equal(t, "Error: it failed", fail.Text)
	bad := call(t, s, "add", `{"a": "two"}`)
	assert.NotEmpty(t, bad.Error, "arguments the server's schema refuses go back to the model")
	unknown := call(t, s, "nope", `{}`)
	assert.NotEmpty(t, unknown.Error)

	environ := call(t, s, "env", `{}`).Text
	vars := map[string]string{}
	for _, kv := range strings.Split(environ, "\n") {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	assert.Equal(t, "[redacted]", vars["ALLOWED_TOKEN"], "the allowed variable is passed, and its value kept from the model")
	assert.Equal(t, "/usr/local/bin:/usr/bin:/bin", vars["PATH"])
	for k := range vars {
		assert.Contains(t, []string{"PATH", "LANG", "HOME", "TMPDIR", "ALLOWED_TOKEN"}, k, "a variable of realx's reached the server")
	}

	var pids mcptest.PIDs
	require.NoError(t, json.Unmarshal([]byte(call(t, s, "pid", `{}`).Text), &pids))
	assert.Equal(t, s.PID(), pids.PID)
	require.NoError(t, s.Close())
	mcptest.WaitGone(t, pids.PID)
	mcptest.WaitGone(t, pids.Child)
	_, err = s.Open(context.Background(), &runners.ToolEnv{})
	require.NoError(t, err)
	inst, _ := s.Open(context.Background(), &runners.ToolEnv{})
	_, err = inst.(runners.Toolbox).CallFunction(context.Background(), "echo", json.RawMessage(`{"text":"x"}`))
	assert.ErrorContains(t, err, "MCP server t is closed")
}

// TestHTTPServer reaches the test server over streamable HTTP; a loopback address is refused
// unless private addresses are allowed.
func TestHTTPServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(mcptest.Handler())
	defer srv.Close()
	_, err := mcp.Start(context.Background(), mcp.Config{Name: "web", URL: srv.URL})
	assert.ErrorContains(t, err, "is loopback")

	s, err := mcp.Start(context.Background(), mcp.Config{Name: "web", URL: srv.URL, AllowPrivate: true, Tools: []string{"echo", "image"}})
	require.NoError(t, err)
	defer s.Close()
	assert.Equal(t, []string{"echo", "image"}, names(s), "only the tools allowed")
	assert.Equal(t, "echo: over http", call(t, s, "echo", `{"text": "over http"}`).Text)
	assert.Zero(t, s.PID())

	_, err = mcp.Start(context.Background(), mcp.Config{Name: "web", URL: srv.URL, AllowPrivate: true, Tools: []string{"echo", "teleport"}})
	assert.ErrorContains(t, err, "MCP server web has no tool teleport")
}

// TestRecordAndReplay records a server's tools and answers in a store, then replays them with
// no server at all (its command does not exist); a call the store lacks fails as a search
// replay's miss does.
func TestRecordAndReplay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := store.Open(dir)
	require.NoError(t, err)
	s, err := mcp.Start(context.Background(), mcp.Config{Name: "t", Command: stdio(), Mode: search.Record, Store: st})
	require.NoError(t, err)
	live := []*runners.Observation{call(t, s, "echo", `{"text": "a", "extra": {"y": 1, "x": 2}}`), call(t, s, "image", `{}`), call(t, s, "fail", `{}`)}
	require.NoError(t, s.Close())

	st, err = store.Open(dir)
	require.NoError(t, err)
	r, err := mcp.Start(context.Background(), mcp.Config{Name: "t", Command: []string{"/nonexistent/server"}, Mode: search.Replay, Store: st})
	require.NoError(t, err)
	defer r.Close()
	assert.Zero(t, r.PID(), "a replay starts no server")
	assert.Equal(t, []string{"add", "echo", "env", "fail", "fds", "image", "pid"}, names(r))
	replayed := []*runners.Observation{call(t, r, "echo", `{"extra": {"x": 2, "y": 1}, "text": "a"}`), call(t, r, "image", `{}`), call(t, r, "fail", `{}`)}
	for i := range live {
		assert.Equal(t, live[i].Text, replayed[i].Text)
		assert.Equal(t, live[i].Error, replayed[i].Error)
		require.Equal(t, len(live[i].Images), len(replayed[i].Images))
		for j := range live[i].Images {
			assert.Equal(t, live[i].Images[j].Data, replayed[i].Images[j].Data)
		}
	}
	inst, _ := r.Open(context.Background(), &runners.ToolEnv{})
	_, err = inst.(runners.Toolbox).CallFunction(context.Background(), "echo", json.RawMessage(`{"text": "b"}`))
	var miss *search.MissError
	require.ErrorAs(t, err, &miss)
	assert.Contains(t, err.Error(), `call of echo on MCP server "t" with {"text":"b"}`)
}

// TestInheritedDescriptorsDoNotReachTheServer opens a file as an inherited descriptor is open
// (without close-on-exec) and starts a server: the server holds no descriptor of it.
func TestInheritedDescriptorsDoNotReachTheServer(t *testing.T) {
	t.Parallel()
	secret := filepath.Join(t.TempDir(), "inherited-secret")
	require.NoError(t, os.WriteFile(secret, []byte("key"), 0o600))
	fd, err := syscall.Open(secret, syscall.O_RDONLY, 0) // no O_CLOEXEC, as a shell's `exec 7<file`
	require.NoError(t, err)
	defer syscall.Close(fd)
	s, err := mcp.Start(context.Background(), mcp.Config{Name: "t", Command: stdio(), Tools: []string{"fds"}})
	require.NoError(t, err)
	defer s.Close()
	fds := call(t, s, "fds", `{}`).Text
	assert.Contains(t, fds, "0 pipe:", "the server's own descriptors are listed")
	assert.NotContains(t, fds, "inherited-secret")
}
