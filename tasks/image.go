package tasks

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// MaxImageBytes caps the size of one image read by ImageRef.Read.
const MaxImageBytes = 64 << 20

// ImageRef points at one image of a sample: a file path (relative paths resolve against the
// suite's image directory), an http(s) URL, inline base64 (a data URL or bare base64), or
// bytes embedded in the data file (a Parquet file's image column).
//
// A path is read only beneath the suite's directory, or beneath the image root when one is set
// (Suite.SetImageRoot): a relative path may not climb above it, an absolute path must lie
// beneath it, a symlink may not lead out of it, and file: URLs are refused; each such path is
// an *ImageError whose cause is ErrOutside. A URL is fetched with timeouts and a size cap, and
// not from loopback, link-local, private or other local addresses unless the suite allows
// them (Suite.AllowPrivateURLs).
type ImageRef struct {
	// Ref is the reference as written in the record; for an image embedded in the data (a
	// Parquet file's image bytes), a description of where it is.
	Ref string

	inline []byte // the image's bytes, when it is embedded in the data

	tree  tree   // the suite's files, which a path is confined beneath
	base  string // what a relative path is relative to: a local path within tree
	suite *Suite // the suite read from, whose SetImageRoot and AllowPrivateURLs apply
}

// location returns the tree a relative image path is read from and the directory within it
// that the path is relative to: the suite's SetImageRoot directory, when one was set (before
// or after the sample was read), else the image directory the sample was read with.
func (r ImageRef) location() (tree, string) {
	if r.suite != nil && r.suite.imageRoot.dir != "" {
		return r.suite.imageRoot, "."
	}
	if r.base == "" {
		return r.tree, "."
	}
	return r.tree, r.base
}

// file returns the tree that an image path is read from and the path within it, or why the
// path may not be read (with ErrOutside as its cause). An absolute path is read from the image
// root or the suite's directory, whichever holds it.
func (r ImageRef) file() (tree, string, error) {
	if err := r.confined(); err != nil {
		return tree{}, "", err
	}
	t, base := r.location()
	if !filepath.IsAbs(r.Ref) {
		rel, _ := joinLocal(base, r.Ref) // confined checked that it stays within t
		return t, rel, nil
	}
	var where []string
	for _, cand := range []tree{t, r.tree} {
		if rel, ok := cand.within(r.Ref); ok {
			return cand, rel, nil
		}
		if cand.fsys == nil && cand.dir != "" && !slices.Contains(where, cand.where()) {
			where = append(where, cand.where())
		}
	}
	if len(where) == 0 {
		return tree{}, "", refuse("an absolute path is read only beneath the image root (--image-root)")
	}
	return tree{}, "", refuse("an absolute path outside %s is not read (--image-root names a directory images may be read from)", strings.Join(where, " and "))
}

// confined returns what makes the reference one that may not be read whatever image root is
// set: a file: URL, or a relative path that climbs above the directory it is relative to
// (which climbs above any image root, too). Samples reports these in the data file.
func (r ImageRef) confined() error {
	if r.inline != nil {
		return nil
	}
	switch ref := r.Ref; {
	case isFileURL(ref):
		return refuse("file: URLs are not read: name an image by a path relative to the data (or to --image-root), an http(s) URL or inline data")
	case ref == "" || filepath.IsAbs(ref) || isURL(ref) || isDataURL(ref) || looksBase64(ref):
		return nil
	}
	t, base := r.location()
	if _, ok := joinLocal(base, r.Ref); !ok {
		return refuse("the path climbs out of %s, beneath which images are read", t.where())
	}
	return nil
}

// ImageError is what ImageRef.Read returns on any failure: the reference as written, and what
// went wrong with it (a missing file, an HTTP status, bytes that are not an image).
type ImageError struct {
	Ref string
	Err error
}

// Error says which image failed and why: `image "images/7.jpg": open /data/images/7.jpg: no
// such file or directory`. Inline images are shortened.
func (e *ImageError) Error() string {
	return fmt.Sprintf("image %q: %v", shorten(e.Ref, 80), e.Err)
}

// Unwrap returns the cause, so that errors.Is(err, fs.ErrNotExist) holds for a missing file.
func (e *ImageError) Unwrap() error { return e.Err }

// imageTypes are the media types Read accepts, as net/http.DetectContentType names them.
var imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp"}

// Read returns the image's bytes and its media type, sniffed from the bytes
// (net/http.DetectContentType), never taken from a file extension or a server's header.
// URLs are fetched under ctx, with timeouts of their own (a connection, a TLS handshake, the
// response headers, the whole request) and refused addresses (see ImageRef). Every failure,
// bytes that are not a JPEG, PNG, GIF, WebP or BMP image included, is an *ImageError.
func (r ImageRef) Read(ctx context.Context) ([]byte, string, error) {
	b, err := r.bytes(ctx)
	if err != nil {
		return nil, "", &ImageError{Ref: r.Ref, Err: err}
	}
	typ, err := imageType(b)
	if err != nil {
		return nil, "", &ImageError{Ref: r.Ref, Err: err}
	}
	return b, typ, nil
}

// imageType returns the media type of an image's bytes, or why they are not an image Read
// accepts.
func imageType(b []byte) (string, error) {
	typ := http.DetectContentType(b)
	for _, t := range imageTypes {
		if typ == t {
			return typ, nil
		}
	}
	if len(b) == 0 {
		return "", errors.New("empty")
	}
	return "", fmt.Errorf("not an image: the bytes look like %s", typ)
}

// Check finds what would make Read fail, reading no file: a path that may not be read, or
// whose file is missing, is not a regular file or is empty (its file is only stat'ed), or
// inline data that does not decode to an image. URLs are not fetched: Check returns nil for
// them. A problem is an *ImageError.
func (r ImageRef) Check() error {
	var err error
	switch ref := r.Ref; {
	case r.inline != nil:
		_, err = imageType(r.inline)
	case ref == "":
		err = errors.New("empty reference")
	case isURL(ref):
	case isDataURL(ref), looksBase64(ref):
		var b []byte
		if b, err = r.bytes(context.Background()); err == nil {
			_, err = imageType(b)
		}
	default:
		var t tree
		var rel string
		var st fs.FileInfo
		if t, rel, err = r.file(); err != nil {
			break
		}
		switch st, err = t.stat(rel); {
		case err != nil:
		case !st.Mode().IsRegular():
			err = fmt.Errorf("%s is not a regular file", t.name(rel))
		case st.Size() == 0:
			err = errors.New("empty")
		}
	}
	if err != nil {
		return &ImageError{Ref: r.Ref, Err: err}
	}
	return nil
}

// Path returns the file an image path resolves to (an absolute path on disk, a slash-separated
// name within the embedded benchmarks), or "" when the reference is a URL, inline data or a
// path written out of the directories it may be read from. (Symlinks are not looked at:
// one out of them fails Read and Check.)
func (r ImageRef) Path() string {
	if r.inline != nil || isURL(r.Ref) || isDataURL(r.Ref) || looksBase64(r.Ref) {
		return ""
	}
	t, rel, err := r.file()
	if err != nil {
		return ""
	}
	return t.name(rel)
}

// bytes reads the referenced bytes, whatever kind of reference it is.
func (r ImageRef) bytes(ctx context.Context) ([]byte, error) {
	ref := r.Ref
	switch {
	case r.inline != nil:
		if len(r.inline) > MaxImageBytes {
			return nil, errTooLarge
		}
		return r.inline, nil
	case ref == "":
		return nil, errors.New("empty reference")
	case isURL(ref):
		return r.fetcher().get(ctx, ref)
	case isDataURL(ref) || looksBase64(ref):
		if len(ref) > MaxImageBytes/3*4+4096 { // as base64, with room for a header and line breaks
			return nil, errTooLarge
		}
		decode := decodeBase64
		if isDataURL(ref) {
			decode = decodeDataURL
		}
		b, err := decode(ref)
		if err == nil && len(b) > MaxImageBytes {
			return nil, errTooLarge
		}
		return b, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, rel, err := r.file()
	if err != nil {
		return nil, err
	}
	f, err := t.open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f)
}

// fetcher returns the client that fetches the image's URL: one that reaches private addresses
// only when the suite allows them.
func (r ImageRef) fetcher() *fetcher {
	if r.suite != nil && r.suite.privateURLs {
		return privateFetcher()
	}
	return publicFetcher()
}

// errTooLarge is the error of an image larger than MaxImageBytes.
var errTooLarge = fmt.Errorf("larger than %d MiB", MaxImageBytes>>20)

// readCapped reads r up to MaxImageBytes.
func readCapped(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxImageBytes {
		return nil, errTooLarge
	}
	return b, nil
}

func isDataURL(ref string) bool {
	return len(ref) > 5 && strings.EqualFold(ref[:5], "data:")
}

// decodeDataURL decodes "data:[<media type>][;base64],<data>".
func decodeDataURL(ref string) ([]byte, error) {
	meta, data, ok := strings.Cut(ref[len("data:"):], ",")
	if !ok {
		return nil, errors.New("data URL without a comma")
	}
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return decodeBase64(data)
	}
	s, err := url.PathUnescape(data)
	if err != nil {
		return nil, fmt.Errorf("data URL: %w", err)
	}
	return []byte(s), nil
}

// looksBase64 tells bare base64 from a path: long, no dot, only base64 letters. (A path of
// 32 letters or more without an extension is read as base64, and fails as such.)
func looksBase64(ref string) bool {
	if len(ref) < 32 || strings.Contains(ref, ".") {
		return false
	}
	for _, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '+', c == '/', c == '=', c == '-', c == '_', c == '\n', c == '\r':
		default:
			return false
		}
	}
	return true
}

// decodeBase64 decodes standard or URL-safe base64, padded or not, ignoring line breaks.
func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("invalid base64: %w", err)
}

// shorten cuts s to at most n bytes, marking the cut.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
