//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners/runnertest"
)

// TestRunDirectoriesFollowTheUmask runs shards, merges them, rejudges the merge and writes a
// report under two umasks: every file and directory realx makes there has the permissions the
// umask leaves (a teammate's merge job reads them), none the 0600 of a temporary file.
func TestRunDirectoriesFollowTheUmask(t *testing.T) {
	for _, mask := range []int{0o027, 0o002} {
		t.Run(fmt.Sprintf("%04o", mask), func(t *testing.T) {
			old := syscall.Umask(mask)
			defer syscall.Umask(old)
			srv := runnertest.NewServer(t)
			srv.Handle(synthAnswer(t))
			dir := t.TempDir()
			suite := synthSuite(t, dir, 6)
			runs := filepath.Join(dir, "runs")
			for _, shard := range []string{"0/2", "1/2"} {
				r := realxCLI(t, nil, "run", suite, "--model", "m", "--base-url", srv.URL(), "--shard", shard,
					"--out", filepath.Join(runs, "shard"+shard[:1]), "--progress", "none")
				require.Equal(t, 0, r.code, r.stderr)
			}
			r := realxCLI(t, nil, "merge", filepath.Join(runs, "shard0"), filepath.Join(runs, "shard1"), "--out", filepath.Join(runs, "merged"))
			require.Equal(t, 0, r.code, r.stderr)
			r = realxCLI(t, nil, "rejudge", filepath.Join(runs, "merged"), "--judge", "contains", "--progress", "none")
			require.Equal(t, 0, r.code, r.stderr)
			r = realxCLI(t, nil, "report", filepath.Join(runs, "merged-rejudged"), "-o", filepath.Join(runs, "report.md"), "--format", "md")
			require.Equal(t, 0, r.code, r.stderr)

			files, dirs := 0, 0
			require.NoError(t, filepath.WalkDir(runs, func(path string, d fs.DirEntry, err error) error {
				require.NoError(t, err)
				info, err := d.Info()
				require.NoError(t, err)
				want := fs.FileMode(0o666 &^ mask)
				if d.IsDir() {
					want, dirs = fs.FileMode(0o777&^mask), dirs+1
				} else {
					files++
				}
				assert.Equal(t, want.String(), info.Mode().Perm().String(), path)
				return nil
			}))
			assert.GreaterOrEqual(t, files, 10, "manifests, logs, the lock files, the report")
			assert.GreaterOrEqual(t, dirs, 5)
		})
	}
}
