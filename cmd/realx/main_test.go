package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/realx-bench/realx/runners/runnertest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cliResult is what one realx invocation printed and its exit code.
type cliResult struct {
	stdout, stderr string
	code           int
}

// realxCLI runs the command line args (without the program name) in-process, as main would.
func realxCLI(t *testing.T, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), nil, append([]string{"realx"}, args...), stdin, &out, &errOut)
	code := exitCode(err, &errOut)
	return cliResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	runnertest.Golden(t, filepath.Join("testdata", name), []byte(got))
}

// repoFile returns the path of a file of the repository from this package's directory.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// TestExitCodesOfTheCommandLine gives exit code 2, with a clear message, to an unknown
// command, an unknown flag, a bad flag value and an unknown format.
func TestExitCodesOfTheCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `realx: unknown command "bogus" (want one of compare, data, judge, list, merge, rejudge, report, run, score, search, show, validate, version, view`},
		{[]string{"help", "bogus"}, `unknown command "bogus"`},
		{[]string{"run", "x", "--bogus-flag"}, "realx: run: flag provided but not defined: -bogus-flag"},
		{[]string{"run", "x", "-c", "many"}, `realx: run: invalid value "many" for flag -c`},
		{[]string{"list", "--format", "xml"}, `list: unknown --format "xml" (want one of text, md, csv, json, latex)`},
		{[]string{"report", "x", "--decimals", "-1"}, "report: --decimals must be between 0 and 10, got -1"},
		{[]string{"report", "x", "--table", "tools", "--rows", "a"}, "report: --rows goes with --table paper (or --format latex)"},
		{[]string{"report", "x", "--format", "latex", "--by", "model"}, "a paper table's columns are capabilities or suites"},
	} {
		r := realxCLI(t, nil, tc.args...)
		assert.Equal(t, 2, r.code, "%v: %s", tc.args, r.stderr)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
	r := realxCLI(t, nil, "help", "run")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "realx run")
}

// TestListJSON lists the shipped suites as JSON.
func TestListJSON(t *testing.T) {
	r := realxCLI(t, nil, "list", "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var suites []struct {
		Suite   string `json:"suite"`
		Samples int    `json:"samples"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &suites))
	require.NotEmpty(t, suites)
	assert.Contains(t, suites, struct {
		Suite   string `json:"suite"`
		Samples int    `json:"samples"`
	}{"aime24", 30})
}

// TestVersionCommand prints the version as `realx version` and `realx --version` do alike.
func TestVersionCommand(t *testing.T) {
	r := realxCLI(t, nil, "version")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "realx version "+version+"\n", r.stdout)
	flag := realxCLI(t, nil, "--version")
	require.Equal(t, 0, flag.code, flag.stderr)
	assert.Equal(t, r.stdout, flag.stdout)
	assert.Equal(t, 2, realxCLI(t, nil, "version", "extra").code)
}

// TestBuildVersion takes the version from -ldflags, else from the module version Go records,
// else from the VCS revision.
func TestBuildVersion(t *testing.T) {
	t.Parallel()
	info := func(version string, settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{Main: debug.Module{Version: version}}
			for i := 0; i+1 < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	assert.Equal(t, "v1.0.0", buildVersion("v1.0.0", info("v2.0.0")))
	assert.Equal(t, "v2.0.0", buildVersion("dev", info("v2.0.0")))
	assert.Equal(t, "0123456789ab-dirty", buildVersion("dev", info("(devel)", "vcs.revision", "0123456789abcdef", "vcs.modified", "true")))
	assert.Equal(t, "0123456789ab", buildVersion("dev", info("(devel)", "vcs.revision", "0123456789abcdef", "vcs.modified", "false")))
	assert.Equal(t, "dev", buildVersion("dev", info("(devel)")))
	assert.Equal(t, "dev", buildVersion("dev", func() (*debug.BuildInfo, bool) { return nil, false }))
}
