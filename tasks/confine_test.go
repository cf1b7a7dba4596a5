package tasks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// confinedSetup makes a suite directory and, beside it, a directory it must not read from:
//
//	base/suite/images/ok.png, images/link-in.png -> ok.png,
//	           images/link-out.png -> ../../outside/secret.png, images/outdir -> ../../outside
//	base/outside/secret.png, link-back.png -> ../suite/images/ok.png
func confinedSetup(t *testing.T) (dir, outside string) {
	t.Helper()
	base := t.TempDir()
	dir, outside = filepath.Join(base, "suite"), filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(dir, "data"), filepath.Join(dir, "images"), outside} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "ok.png"), tinyPNG, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.png"), tinyPNG, 0o644)) // decodes as an image: it would be sent
	require.NoError(t, os.Symlink("ok.png", filepath.Join(dir, "images", "link-in.png")))
	require.NoError(t, os.Symlink("../../outside/secret.png", filepath.Join(dir, "images", "link-out.png")))
	require.NoError(t, os.Symlink("../../outside", filepath.Join(dir, "images", "outdir")))
	require.NoError(t, os.Symlink("../suite/images/ok.png", filepath.Join(outside, "link-back.png")))
	return dir, outside
}

// loadConfined writes dir/suite.yaml, whose data file data/d.jsonl has a record for each ref
// (ids r1, r2 …, one a line) and whose image_root is images, and loads it.
func loadConfined(t *testing.T, dir string, refs ...string) *Suite {
	t.Helper()
	var lines []string
	for i, ref := range refs {
		lines = append(lines, fmt.Sprintf(`{"id": "r%d", "question": "q", "answer": "a", "image": %q}`, i+1, ref))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "d.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644))
	file := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(file, []byte("name: c\ndata:\n  path: data/d.jsonl\n  image_root: images\n  fields: {images: [image]}\njudge: {kind: em}\n"), 0o644))
	s, err := LoadFile(file)
	require.NoError(t, err)
	return s
}

// TestImagePathsConfined reads an image only beneath the suite's directory (or the image
// root): a "../" out of it and a file: URL are refused in the data file, at their record and
// field; an absolute path outside it and a symlink out of it are refused when read (or
// checked), so no byte of them is sent.
func TestImagePathsConfined(t *testing.T) {
	t.Parallel()
	dir, outside := confinedSetup(t)
	secret := filepath.Join(outside, "secret.png")
	s := loadConfined(t, dir,
		"ok.png",                               // r1
		"../images/ok.png",                     // r2: ../ within the suite's directory
		"link-in.png",                          // r3: a symlink within it
		filepath.Join(dir, "images", "ok.png"), // r4: absolute, beneath it
		"../../outside/secret.png",             // r5
		"file://"+secret,                       // r6
		secret,                                 // r7
		"link-out.png",                         // r8
		"outdir/secret.png",                    // r9
		"FILE:"+secret,                         // r10
	)
	ds, err := s.Samples()
	var errs Errors
	require.ErrorAs(t, err, &errs)
	data := filepath.Join(dir, "data", "d.jsonl")
	want := []string{
		fmt.Sprintf(`%s:5: sample "r5": image field "image": "../../outside/secret.png": the path climbs out of the suite's directory (%s), beneath which images are read`, data, dir),
		fmt.Sprintf(`%s:6: sample "r6": image field "image": "file://%s": file: URLs are not read`, data, secret),
		fmt.Sprintf(`%s:10: sample "r10": image field "image": "FILE:%s": file: URLs are not read`, data, secret),
	}
	require.Len(t, errs, len(want), "%v", err)
	for i, w := range want {
		assert.Contains(t, errs[i].Error(), w)
	}

	byID := map[string]ImageRef{}
	for _, sm := range ds.Samples {
		byID[sm.ID] = sm.Images[0]
	}
	require.Len(t, byID, 7)
	for _, id := range []string{"r1", "r2", "r3", "r4"} {
		b, _, err := byID[id].Read(context.Background())
		require.NoError(t, err, id)
		assert.Equal(t, tinyPNG, b, id)
		assert.NoError(t, byID[id].Check(), id)
	}
	for id, why := range map[string]string{
		"r7": "an absolute path outside the suite's directory (" + dir + ") is not read",
		"r8": filepath.Join(dir, "images", "link-out.png") + " leads out of the suite's directory (" + dir + ") through a symlink, which is not followed",
		"r9": filepath.Join(dir, "images", "outdir", "secret.png") + " leads out of the suite's directory",
	} {
		_, _, err := byID[id].Read(context.Background())
		var ie *ImageError
		require.ErrorAs(t, err, &ie, id)
		assert.ErrorIs(t, err, ErrOutside, id)
		assert.Contains(t, err.Error(), why, id)
		err = byID[id].Check()
		assert.ErrorIs(t, err, ErrOutside, "Check refuses what Read refuses: %s", id)
		assert.Contains(t, err.Error(), why, id)
	}

	// The image root lets its own directory be read, an absolute path included, and nothing
	// a symlink leads out of it to.
	s.SetImageRoot(outside)
	_, _, err = byID["r7"].Read(context.Background())
	require.NoError(t, err, "an absolute path beneath the image root")
	back := ImageRef{Ref: "link-back.png", suite: s}
	_, _, err = back.Read(context.Background())
	assert.ErrorIs(t, err, ErrOutside)
	assert.Contains(t, err.Error(), "leads out of the image root (--image-root) ("+outside+") through a symlink")
	up := ImageRef{Ref: "../suite/images/ok.png", suite: s}
	_, _, err = up.Read(context.Background())
	assert.ErrorIs(t, err, ErrOutside)
	assert.Contains(t, err.Error(), "the path climbs out of the image root (--image-root) ("+outside+")")
}

// TestSuiteFilesConfined reads a suite's data file and its judge's template only beneath the
// suite's directory: a symlink out of it is refused as a path written out of it is.
func TestSuiteFilesConfined(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	dir, outside := filepath.Join(base, "suite"), filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "d.jsonl"), []byte(`{"id": 1, "question": "q", "answer": "a"}`+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "t.tmpl"), []byte("{{.Question}} {{.Answer}} {{.Gold}}"), 0o644))
	require.NoError(t, os.Symlink("../outside/d.jsonl", filepath.Join(dir, "d.jsonl")))
	require.NoError(t, os.Symlink("../outside/t.tmpl", filepath.Join(dir, "t.tmpl")))

	file := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(file, []byte("name: c\ndata: {path: d.jsonl}\njudge: {kind: llm, template_file: t.tmpl}\n"), 0o644))
	s, err := LoadFile(file)
	assert.EqualError(t, err, file+":3:35: judge.template_file: "+filepath.Join(dir, "t.tmpl")+
		" leads out of the suite's directory ("+dir+") through a symlink, which is not followed")
	assert.Empty(t, s.Judge.TemplateText)
	_, err = s.Samples()
	assert.ErrorIs(t, err, ErrOutside)
	assert.EqualError(t, err, filepath.Join(dir, "d.jsonl")+" leads out of the suite's directory ("+dir+") through a symlink, which is not followed")

	// A judge file's template is read beneath the judge file's directory.
	jfile := filepath.Join(dir, "judge.yaml")
	require.NoError(t, os.WriteFile(jfile, []byte("kind: llm\ntemplate_file: ../outside/t.tmpl\n"), 0o644))
	_, err = LoadJudgeFile(jfile)
	assert.EqualError(t, err, jfile+`:2:16: judge.template_file "../outside/t.tmpl" is not beneath the judge file's directory (`+dir+"): name a file there, relative to it")
}
