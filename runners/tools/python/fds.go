package python

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// MarkInheritedCloseOnExec marks every file descriptor above 2 of the calling process
// close-on-exec, so that what the process inherited from its parent without that flag (a
// shell's `exec 7<secret`, make's jobserver, a CI runner's pipe) reaches none of its children:
// not the sandbox, not any other program it starts. The descriptors stay open in the process
// itself. Descriptors that os/exec passes on purpose (Stdin, Stdout, Stderr, ExtraFiles) are
// unaffected: they are duplicated into the child without the flag. realx calls it once at start;
// NewSession and New call it once per process, for programs that use the package as a library.
// It uses close_range(2) with CLOSE_RANGE_CLOEXEC (Linux 5.11), else goes through /proc/self/fd.
func MarkInheritedCloseOnExec() error {
	err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.ENOSYS) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EPERM) {
		return fmt.Errorf("marking inherited file descriptors close-on-exec: close_range: %w", err)
	}
	return markCloseOnExecFromProc()
}

// markCloseOnExecFromProc is MarkInheritedCloseOnExec for kernels without close_range's
// CLOSE_RANGE_CLOEXEC (or where a seccomp filter refuses it): it sets FD_CLOEXEC on each
// descriptor listed in /proc/self/fd.
func markCloseOnExecFromProc() error {
	names, err := readDirNames("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("marking inherited file descriptors close-on-exec: %w", err)
	}
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd <= 2 {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			continue // the directory's own descriptor, closed by now
		}
		if flags&unix.FD_CLOEXEC == 0 {
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags|unix.FD_CLOEXEC); err != nil {
				return fmt.Errorf("marking inherited file descriptor %d close-on-exec: %w", fd, err)
			}
		}
	}
	return nil
}

func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

var (
	inheritedOnce sync.Once
	inheritedErr  error
)

// closeInheritedOnce runs MarkInheritedCloseOnExec the first time it is called in the process.
func closeInheritedOnce() error {
	inheritedOnce.Do(func() { inheritedErr = MarkInheritedCloseOnExec() })
	return inheritedErr
}

// sealedFile returns a read-only, sealed in-memory file (memfd) holding data: bwrap copies it
// into the sandbox with --ro-bind-data, so that no file of the session is ever written to
// disk. It is close-on-exec; startLocked passes it to bwrap explicitly and rewinds it first,
// since bwrap reads it from its current offset.
func sealedFile(name string, data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("python sandbox: memfd for %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, fmt.Errorf("python sandbox: memfd for %s: %w", name, err)
	}
	const seals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("python sandbox: sealing the memfd for %s: %w", name, err)
	}
	return f, nil
}

// streamPair returns a connected pair of Unix stream sockets for one output stream of the
// interpreter: ours (non-blocking, so reads go through Go's poller, and shut for writing) and
// theirs, its fd 1 or 2. Unlike a pipe, a socket cannot be opened again through
// /proc/self/fd/N, so code in the sandbox cannot read what is written to it: the end markers.
func streamPair(name string) (ours, theirs *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("python sandbox: socketpair: %w", err)
	}
	if err := unix.SetNonblock(fds[0], true); err == nil {
		err = unix.Shutdown(fds[0], unix.SHUT_WR)
	}
	if err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return nil, nil, fmt.Errorf("python sandbox: socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), name), os.NewFile(uintptr(fds[1]), name), nil
}
