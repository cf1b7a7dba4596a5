//go:build unix

package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// LockRun takes the lock of run directory dir (creating it), so that two processes never run
// in one directory at once: a second waits, saying so on w, until the first ends or ctx does.
// This is the case of a Kubernetes pod that replaces one still shutting down. The returned
// function releases the lock.
func LockRun(ctx context.Context, dir string, w io.Writer) (func(), error) {
	if err := os.MkdirAll(dir, DirPerm); err != nil {
		return nil, err
	}
	// Never through a symbolic link: the lock file is only ever this directory's own.
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, FilePerm)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	release := func() { f.Close() } // closing the file releases the lock
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == nil {
		return release, nil
	}
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	fmt.Fprintf(w, "realx: another realx is running in %s; waiting for it to end\n", dir)
	done := make(chan error, 1)
	go func() { done <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err := <-done:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		return release, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx) // the process is ending; the lock goes with it
	}
}
