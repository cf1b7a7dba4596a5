package main

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/runners/tools/mcp/mcptest"
)

// beMainEnv, set in a test binary's environment, makes it run realx's main instead of the
// tests, so that tests can run realx as a process of its own (and kill it).
const beMainEnv = "REALX_TEST_BE_MAIN"

func TestMain(m *testing.M) {
	if mcptest.Main() {
		return // the test binary as an MCP server
	}
	if os.Getenv(beMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// realxProcess starts realx with args as a process of its own.
func realxProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), beMainEnv+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd
}

// TestKillAndResume kills `realx run` with SIGKILL at random moments, several times, resuming
// it each time (once after a torn record is left at the end of the log), and checks that the
// final results are those of an uninterrupted run, each sample recorded once.
func TestKillAndResume(t *testing.T) {
	srv := runnertest.NewServer(t)
	answer := synthAnswer(t)
	srv.Handle(func(r *runnertest.Request) runnertest.Reply {
		rep := answer(r)
		rep.Delay = time.Duration(2+synthID(r)%13) * time.Millisecond
		return rep
	})
	dir := t.TempDir()
	suite := synthSuite(t, dir, 150)
	args := func(out string) []string {
		return []string{"run", suite, "--model", "m", "--base-url", srv.URL(), "-c", "4", "--seed", "5", "--repeats", "2",
			"--out", out, "--progress", "none"}
	}
	ref := filepath.Join(dir, "ref")
	r := realxCLI(t, nil, args(ref)...)
	require.Equal(t, 0, r.code, r.stderr)
	want := outcomes(t, ref, true)
	require.Len(t, want, 300)

	out := filepath.Join(dir, "killed")
	rng := rand.New(rand.NewPCG(1, 2))
	kills, midRun := 0, 0
	log := filepath.Join(out, "results.jsonl")
	for attempt := 0; attempt < 6; attempt++ {
		before := countLines(t, log)
		cmd := realxProcess(t, args(out)...)
		// Kill at a random moment after the run has got going (whatever the machine's load):
		// once it has written a record, or half the time at once.
		if rng.IntN(2) == 0 {
			waitFor(t, func() bool { return countLines(t, log) > before })
		}
		time.Sleep(time.Duration(rng.IntN(80)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err == nil {
			if werr := cmd.Wait(); werr != nil {
				kills++
				if n := countLines(t, log); n > 0 && n < 300 {
					midRun++
				}
			}
		} else {
			require.NoError(t, cmd.Wait())
		}
		if attempt == 2 {
			// A write cut short by a crash: half a record without its newline.
			f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
			require.NoError(t, err)
			_, err = f.WriteString(`{"v":1,"run":"x","suite":"synth","id":"q1`)
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
	}
	assert.GreaterOrEqual(t, midRun, 2, "kills land in the middle of a run (%d kills)", kills)
	cmd := realxProcess(t, args(out)...)
	require.NoError(t, cmd.Wait(), "the last resume finishes")
	assert.Equal(t, want, outcomes(t, out, true), "the same results, each sample once")
}

// countLines returns the number of newlines in the file at path, 0 when there is none.
func countLines(t *testing.T, path string) int {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return strings.Count(string(data), "\n")
}

// waitFor polls cond every few milliseconds for up to ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out waiting")
}
