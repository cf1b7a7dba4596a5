package python

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/realx-bench/realx/runners"
)

// The session's files: the driver and the sample's images, which the interpreter reads.
//
// In the sandbox nothing is written to disk: each file is a sealed memfd that bwrap copies into
// the sandbox with --ro-bind-data. Without the sandbox (Unsafe) they are written to a private
// directory, realx-python-<pid>-<random> under the temporary directory, readable by no other
// user (as root: by the sandbox's group only, and writable by no one but root), and held with
// an flock while the session lives. The first session of a process removes the directories
// that an earlier realx, since killed, left behind.

// dirPrefix starts the name of a session directory: dirPrefix<pid>-<random>.
const dirPrefix = "realx-python-"

// boundFile is a file bound into the sandbox with --ro-bind-data.
type boundFile struct {
	f    *os.File // a sealed memfd
	dest string   // its path in the sandbox
}

// sessionFiles lays out the session's files and sets s.images: memfds in s.data, or, when
// unsafe, files in a new private directory s.dir.
func (s *Session) sessionFiles(driver []byte, images []*runners.Image) error {
	names := make([]string, len(images))
	for i, img := range images {
		if img == nil || len(img.Data) == 0 {
			return fmt.Errorf("image_%d is empty", i+1)
		}
		names[i] = fmt.Sprintf("image_%d%s", i+1, imageExt(img.MIME))
	}
	if s.cfg.Unsafe {
		if err := s.writeDir(driver, images, names); err != nil {
			return err
		}
		s.images = s.cfg.imagePaths(s.dir, names)
		return nil
	}
	add := func(name string, data []byte, dest string) error {
		f, err := sealedFile(name, data)
		if err == nil {
			s.data = append(s.data, boundFile{f, dest})
		}
		return err
	}
	if err := add("driver.py", driver, sandboxDriver); err != nil {
		return err
	}
	s.images = s.cfg.imagePaths("", names)
	for i, img := range images {
		if err := add(names[i], img.Data, s.images[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeDir writes driver.py, images/ and work/ to a new private directory, and locks it.
// When realx runs as root, the interpreter runs as cfg.UID: the directory and its files then
// belong to root and to cfg.GID, readable by that group (0o750, 0o640), and work/ belongs to
// cfg.UID (0o700). Otherwise everything is the user's own (0o700, 0o600).
func (s *Session) writeDir(driver []byte, images []*runners.Image, names []string) (err error) {
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dirPrefix, os.Getpid()))
	if err != nil {
		return err
	}
	s.dir = dir
	if s.lock, err = lockDir(dir, unix.LOCK_EX); err != nil {
		return err
	}
	root := os.Geteuid() == 0
	dirMode, fileMode := os.FileMode(0o700), os.FileMode(0o600)
	if root {
		dirMode, fileMode = 0o750, 0o640
	}
	// own makes path readable by the sandbox's group when root.
	own := func(path string, mode os.FileMode) error {
		if root {
			if err := os.Chown(path, 0, s.cfg.GID); err != nil {
				return err
			}
		}
		return os.Chmod(path, mode)
	}
	write := func(path string, data []byte) error {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
		return own(path, fileMode)
	}
	if err := write(filepath.Join(dir, "driver.py"), driver); err != nil {
		return err
	}
	imgDir := filepath.Join(dir, "images")
	if err := os.Mkdir(imgDir, 0o700); err != nil {
		return err
	}
	for i, img := range images {
		if err := write(filepath.Join(imgDir, names[i]), img.Data); err != nil {
			return err
		}
	}
	if err := own(imgDir, dirMode); err != nil {
		return err
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		return err
	}
	if root {
		if err := os.Chown(work, s.cfg.UID, s.cfg.GID); err != nil {
			return err
		}
	}
	return own(dir, dirMode)
}

// lockDir opens dir (not following a symlink) and takes an flock on it; how is LOCK_EX, with
// LOCK_NB to fail instead of waiting. The lock lasts until the returned file is closed, or the
// process ends.
func lockDir(dir string, how int) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	if err := unix.Flock(fd, how); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir), nil
}

var leftoversOnce sync.Once

// removeLeftoversOnce runs removeLeftovers on the temporary directory the first time it is
// called in the process.
func removeLeftoversOnce() {
	leftoversOnce.Do(func() { removeLeftovers(os.TempDir()) })
}

// removeLeftovers removes the session directories in tmp that a realx killed before it could
// clean up left behind: those named dirPrefix<pid>-… that belong to this user, whose pid is
// not running and whose flock is free. The lock protects directories of a live realx in
// another pid namespace, or whose pid was reused; the pid protects a directory that its
// session has created but not yet locked. Errors are ignored: a directory that stays is
// tried again by the next realx.
func removeLeftovers(tmp string) {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), dirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		path := filepath.Join(tmp, e.Name())
		var st syscall.Stat_t
		if syscall.Lstat(path, &st) != nil || int(st.Uid) != os.Geteuid() {
			continue
		}
		lock, err := lockDir(path, unix.LOCK_EX|unix.LOCK_NB)
		if err != nil {
			continue
		}
		_ = os.RemoveAll(path)
		lock.Close()
	}
}

// processAlive reports whether a process with that pid exists (signal 0 reaches it, or it
// exists but belongs to another user).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}
