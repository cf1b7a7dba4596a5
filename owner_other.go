//go:build !unix

package realx

import "os"

// ownedBySelf reports whether the file fi describes belongs to the user realx runs as: on
// systems without Unix owners, whether it is there at all.
func ownedBySelf(fi os.FileInfo) bool { return fi != nil }
