//go:build !unix

package reports

import (
	"context"
	"io"
	"os"
)

// LockRun creates run directory dir. Without flock, it does not keep a second process out.
func LockRun(_ context.Context, dir string, _ io.Writer) (func(), error) {
	return func() {}, os.MkdirAll(dir, DirPerm)
}
