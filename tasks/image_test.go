package tasks

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	vstarImages     = "../benchmarks/vstar-demo/images"
	mathvistaImages = "../benchmarks/mathvista-testmini/images"
)

// tinyPNG is the smallest PNG image: one transparent pixel.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

func TestReadSniffsTheBytesNotTheExtension(t *testing.T) {
	t.Parallel()
	cases := []struct{ dir, file, want string }{
		{vstarImages, "nba.png", "image/jpeg"}, // a JPEG named .png
		{vstarImages, "instrument.webp", "image/webp"},
		{vstarImages, "blackmug.JPG", "image/jpeg"},
		{mathvistaImages, "106.jpg", "image/png"}, // a PNG named .jpg
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			root, err := filepath.Abs(tc.dir)
			require.NoError(t, err)
			b, typ, err := ImageRef{Ref: tc.file, tree: diskTree(root, suiteDir)}.Read(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tc.want, typ)
			want, err := os.ReadFile(filepath.Join(tc.dir, tc.file))
			require.NoError(t, err)
			assert.Equal(t, want, b)
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	_, _, err := ImageRef{Ref: "images/7.jpg", tree: diskTree(root, suiteDir)}.Read(context.Background())
	var ie *ImageError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, "images/7.jpg", ie.Ref)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, `image "images/7.jpg": open `+filepath.Join(root, "images", "7.jpg")+`: no such file or directory`, err.Error())
}

func TestReadNotAnImage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.png"), []byte("just some text\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.png"), nil, 0o644))

	_, _, err := ImageRef{Ref: "notes.png", tree: diskTree(dir, suiteDir)}.Read(context.Background())
	var ie *ImageError
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, `image "notes.png": not an image: the bytes look like text/plain; charset=utf-8`, err.Error())

	_, _, err = ImageRef{Ref: "empty.png", tree: diskTree(dir, suiteDir)}.Read(context.Background())
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "empty")
}

func TestReadFromFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"suite/images/a.gif": {Data: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")}}
	_, typ, err := ImageRef{Ref: "images/a.gif", tree: tree{fsys: fsys, dir: "suite"}}.Read(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "image/gif", typ)

	_, _, err = ImageRef{Ref: "images/b.gif", tree: tree{fsys: fsys, dir: "suite"}}.Read(context.Background())
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), `image "images/b.gif": open suite/images/b.gif`)
}

func TestReadInline(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString(tinyPNG)
	cases := map[string]string{
		"data URL":          "data:image/png;base64," + b64,
		"data URL, no type": "data:;base64," + b64,
		"bare base64":       b64,
		"unpadded":          strings.TrimRight(b64, "="),
		"URL-safe":          base64.RawURLEncoding.EncodeToString(tinyPNG),
		"wrapped":           b64[:40] + "\n" + b64[40:],
	}
	for name, ref := range cases {
		t.Run(name, func(t *testing.T) {
			b, typ, err := ImageRef{Ref: ref}.Read(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "image/png", typ)
			assert.Equal(t, tinyPNG, b)
			assert.Empty(t, ImageRef{Ref: ref}.Path(), "inline data has no path")
		})
	}

	_, _, err := ImageRef{Ref: "data:image/png;base64,!!!not base64!!!"}.Read(context.Background())
	var ie *ImageError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "invalid base64")
	assert.Less(t, len(ie.Error()), 200)

	_, _, err = ImageRef{Ref: "data:text/plain,hello%20world"}.Read(context.Background())
	assert.ErrorContains(t, err, "not an image")

	_, _, err = ImageRef{}.Read(context.Background())
	assert.ErrorContains(t, err, "empty reference")
}

func TestImageErrorShortensInlineData(t *testing.T) {
	t.Parallel()
	e := &ImageError{Ref: strings.Repeat("A", 5000), Err: errors.New("bad")}
	assert.Less(t, len(e.Error()), 120)
	assert.True(t, strings.HasSuffix(e.Error(), `…": bad`))
}

func TestReadInlineIsCapped(t *testing.T) {
	t.Parallel()
	huge := "data:image/png;base64," + strings.Repeat("A", MaxImageBytes/3*4+8192)
	_, _, err := ImageRef{Ref: huge}.Read(context.Background())
	assert.ErrorContains(t, err, "larger than 64 MiB")
}

func TestReadInlineDecodedIsCapped(t *testing.T) {
	t.Parallel()
	_, _, err := ImageRef{Ref: "data:," + strings.Repeat("x", MaxImageBytes+1)}.Read(context.Background())
	assert.ErrorContains(t, err, "larger than 64 MiB")
}
