package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The environment variables the command reads an uploader's settings from.
const (
	// UploadCommandVar holds a shell command that uploads an image: see CommandUploader.
	UploadCommandVar = "REALX_SEARCH_UPLOAD_CMD"
	// ImageURLPrefixVar holds a public URL prefix under which images are served by name: see
	// PrefixUploader.
	ImageURLPrefixVar = "REALX_SEARCH_IMAGE_URL_PREFIX"
	// ImageDirVar holds the directory a PrefixUploader writes the images to (a directory the
	// prefix serves, a mounted bucket); unset, the images must be there already.
	ImageDirVar = "REALX_SEARCH_IMAGE_DIR"
)

// Uploader puts an image where a search provider can download it (reverse image search by
// URL: Serper's and SerpAPI's Google Lens) and returns its public URL.
type Uploader interface {
	Upload(ctx context.Context, data []byte, mime string) (string, error)
}

// ImageName returns the name an image is uploaded under: its SHA-256 in hex and the extension
// of its media type ("…9f.png").
func ImageName(data []byte, mime string) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) + extOf(mime)
}

// extOf returns the file extension of an image media type.
func extOf(mime string) string {
	switch mime {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/bmp":
		return ".bmp"
	}
	return ""
}

// CommandUploader uploads an image by running a shell command (sh -c Command) with the image on
// its standard input and, in its environment, REALX_IMAGE_NAME (ImageName), REALX_IMAGE_SHA256
// and REALX_IMAGE_MIME. The first line the command prints is the image's public URL. Each image
// is uploaded once per process.
//
// For example, to an S3 bucket that serves its objects:
//
//	aws s3 cp - "s3://bucket/realx/$REALX_IMAGE_NAME" --content-type "$REALX_IMAGE_MIME" &&
//	  echo "https://bucket.s3.amazonaws.com/realx/$REALX_IMAGE_NAME"
type CommandUploader struct {
	Command string
	// Timeout bounds one upload; default a minute.
	Timeout time.Duration

	mu   sync.Mutex
	done map[string]string
}

// Upload runs the command for one image.
func (u *CommandUploader) Upload(ctx context.Context, data []byte, mime string) (string, error) {
	name := ImageName(data, mime)
	u.mu.Lock()
	if got, ok := u.done[name]; ok {
		u.mu.Unlock()
		return got, nil
	}
	u.mu.Unlock()
	timeout := u.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", u.Command)
	cmd.Stdin = bytes.NewReader(data)
	cmd.Env = append(os.Environ(), "REALX_IMAGE_NAME="+name, "REALX_IMAGE_SHA256="+strings.TrimSuffix(name, extOf(mime)), "REALX_IMAGE_MIME="+mime)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("image upload command (%s) failed: %v: %s", UploadCommandVar, err, shorten(stderr.String(), 300))
	}
	line, _, _ := strings.Cut(stdout.String(), "\n")
	line = strings.TrimSpace(line)
	if !isHTTPURL(line) {
		return "", fmt.Errorf("image upload command (%s) printed %q, not the image's http(s) URL on its first line", UploadCommandVar, shorten(line, 200))
	}
	u.mu.Lock()
	if u.done == nil {
		u.done = map[string]string{}
	}
	u.done[name] = line
	u.mu.Unlock()
	return line, nil
}

// PrefixUploader gives an image the URL Prefix + ImageName: a web server or bucket serves the
// images under Prefix. When Dir is set, it writes the image there first (once: a file of that
// name holds the same bytes); otherwise the images must already be served.
type PrefixUploader struct {
	Prefix string
	Dir    string
}

// Upload writes the image to Dir, when set, and returns its URL.
func (u *PrefixUploader) Upload(_ context.Context, data []byte, mime string) (string, error) {
	if !isHTTPURL(u.Prefix) {
		return "", fmt.Errorf("image URL prefix (%s) %q is not an http(s) URL", ImageURLPrefixVar, u.Prefix)
	}
	name := ImageName(data, mime)
	if u.Dir != "" {
		path := filepath.Join(u.Dir, name)
		if _, err := os.Stat(path); err != nil {
			tmp, err := os.CreateTemp(u.Dir, ".upload-*")
			if err != nil {
				return "", fmt.Errorf("image directory (%s): %w", ImageDirVar, err)
			}
			_, werr := tmp.Write(data)
			cerr := tmp.Close()
			if werr == nil {
				werr = cerr
			}
			if werr == nil {
				werr = os.Chmod(tmp.Name(), 0o644)
			}
			if werr == nil {
				werr = os.Rename(tmp.Name(), path)
			}
			if werr != nil {
				os.Remove(tmp.Name())
				return "", fmt.Errorf("image directory (%s): %w", ImageDirVar, werr)
			}
		}
	}
	prefix := u.Prefix
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + name, nil
}

// isHTTPURL reports whether s is an absolute http(s) URL.
func isHTTPURL(s string) bool {
	p, err := url.Parse(s)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}
