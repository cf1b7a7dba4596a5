//go:build unix

package realx

import (
	"os"
	"syscall"
)

// ownedBySelf reports whether the file fi describes belongs to the user realx runs as.
func ownedBySelf(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
