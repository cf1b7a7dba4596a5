package python

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestSandboxedSessionWritesNoFiles(t *testing.T) {
	needSandbox(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := openSession(t, nil)
	assert.Empty(t, s.dir)
	r := run(t, s, "import os\nprint(image_1.size, sorted(os.listdir('/realx')), sorted(os.listdir('/realx/images')))")
	assert.Equal(t, "(64, 48) ['driver.py', 'images'] ['image_1.png']\n", r.Stdout)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing of the session is written to the temporary directory")
	// A restart reads the driver and the images again.
	r = run(t, s, "import os\nos._exit(1)")
	require.Contains(t, r.Error, "process crashed")
	assertFreshKernel(t, s)
}

func TestUnsafeSessionFilesArePrivate(t *testing.T) {
	s := openSession(t, func(c *Config) { c.Unsafe = true })
	r := run(t, s, "image_1.size")
	require.Equal(t, "(64, 48)\n", r.Stdout, r.Stderr)
	root := os.Geteuid() == 0
	n := 0
	require.NoError(t, filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		fi, err := os.Lstat(path)
		require.NoError(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		rel, _ := filepath.Rel(s.dir, path)
		n++
		assert.Zero(t, fi.Mode().Perm()&0o007, "%s (%v) is not for other users", rel, fi.Mode())
		switch {
		case root && strings.HasPrefix(rel, "work"):
			assert.Equal(t, [2]uint32{DefaultUID, DefaultUID}, [2]uint32{st.Uid, st.Gid}, rel)
			assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), rel)
		case root:
			// Readable by the sandbox's group, written by root alone.
			assert.Equal(t, [2]uint32{0, DefaultUID}, [2]uint32{st.Uid, st.Gid}, rel)
			assert.Zero(t, fi.Mode().Perm()&0o020, "%s is not writable by the sandbox", rel)
		default:
			assert.Equal(t, uint32(os.Geteuid()), st.Uid, rel)
			assert.Zero(t, fi.Mode().Perm()&0o070, rel)
		}
		return nil
	}))
	assert.GreaterOrEqual(t, n, 5, "the directory, driver.py, images/, image_1.png and work/")
	// The code cannot change the driver or the images that a restart would use.
	r = run(t, s, "import glob\nfor p in glob.glob('../*.py') + glob.glob('../images/*'):\n    try:\n        open(p, 'ab')\n        print('WROTE', p)\n    except OSError as e:\n        print('denied', e.strerror)")
	if root {
		assert.NotContains(t, r.Stdout, "WROTE")
		assert.Equal(t, 2, strings.Count(r.Stdout, "denied Permission denied"), r.Stdout)
	}
	dir := s.dir
	require.NoError(t, s.Close())
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err))
}

// startSessionHelper starts a helper process that opens an unsafe session in tmp and keeps it
// until its stdin closes; it returns the process, its stdin and the session's directory.
func startSessionHelper(t *testing.T, tmp string) (*os.Process, io.Closer, string) {
	t.Helper()
	cmd := helperCommand(t, "session", nil, "TMPDIR="+tmp)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if dir, ok := strings.CutPrefix(sc.Text(), "DIR "); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return cmd.Process, stdin, dir
		}
	}
	t.Fatalf("the helper printed no directory: %v", sc.Err())
	return nil, nil, ""
}

func TestLeftoversOfAKilledRealxAreRemoved(t *testing.T) {
	needPython(t)
	tmp := t.TempDir()
	killed, _, killedDir := startSessionHelper(t, tmp)
	_, _, liveDir := startSessionHelper(t, tmp)
	require.DirExists(t, killedDir)
	require.NoError(t, killed.Kill())
	_, err := killed.Wait()
	require.NoError(t, err)
	require.DirExists(t, killedDir, "a killed realx leaves its directory behind")
	// A directory named after a dead pid but locked, as by a live realx in another pid
	// namespace; and files of others that are no session directories.
	lockedDir := filepath.Join(tmp, filepath.Base(killedDir)+"x")
	require.NoError(t, os.Mkdir(lockedDir, 0o700))
	lock, err := lockDir(lockedDir, unix.LOCK_EX)
	require.NoError(t, err)
	defer lock.Close()
	other := filepath.Join(tmp, "realx-python-notapid")
	require.NoError(t, os.Mkdir(other, 0o700))

	// The next realx removes the leftover with its first session.
	_, stop, newDir := startSessionHelper(t, tmp)
	assert.NoDirExists(t, killedDir)
	assert.DirExists(t, liveDir, "a live realx keeps its directory")
	assert.DirExists(t, lockedDir, "a locked directory stays")
	assert.DirExists(t, other)
	assert.DirExists(t, newDir)
	require.NoError(t, stop.Close())
}

func TestRemoveLeftoversLeavesOthersAlone(t *testing.T) {
	tmp := t.TempDir()
	// A dead pid: one above the largest pid the kernel hands out.
	dead := "4194305"
	if b, err := os.ReadFile("/proc/sys/kernel/pid_max"); err == nil {
		dead = strings.TrimSpace(string(b))
	}
	gone := filepath.Join(tmp, dirPrefix+dead+"-1")
	require.NoError(t, os.MkdirAll(filepath.Join(gone, "images"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(gone, "images", "image_1.png"), []byte("x"), 0o600))
	mine := filepath.Join(tmp, dirPrefix+"1-1") // pid 1 is always alive
	require.NoError(t, os.Mkdir(mine, 0o700))
	file := filepath.Join(tmp, dirPrefix+dead+"-2")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	target := t.TempDir()
	link := filepath.Join(tmp, dirPrefix+dead+"-3")
	require.NoError(t, os.Symlink(target, link))
	removeLeftovers(tmp)
	assert.NoDirExists(t, gone)
	assert.DirExists(t, mine)
	assert.FileExists(t, file)
	assert.DirExists(t, target, "a symlink is not followed")
	_, err := os.Lstat(link)
	assert.NoError(t, err, "nor removed")
}
