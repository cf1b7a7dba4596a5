package realx_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // decodes the crops
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestCropFallsWhereTheModelPointed runs a DeepEyes zoom on a 4,200×3,150 photo (13.2 MP, over
// Qwen2.5-VL's 12,845,056 pixels): the model reads the box of a red patch off the image it
// was sent, which the protocol's defaults shrank, and the crop it gets back is the red patch.
// With images.tools: original the tools get the file at full resolution, as DeepEyes' own
// evaluation cropped it, and the same box falls beside the patch.
func TestCropFallsWhereTheModelPointed(t *testing.T) {
	t.Parallel()
	const W, H = 4200, 3150
	patch := image.Rect(3400, 2500, 3800, 2900) // in the file's pixels
	dir := t.TempDir()
	m := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(m, m.Rect, image.NewUniform(color.RGBA{230, 230, 230, 255}), image.Point{}, draw.Src)
	draw.Draw(m, patch, image.NewUniform(color.RGBA{220, 0, 0, 255}), image.Point{}, draw.Src)
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.jpg"), buf.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d.jsonl"), []byte(`{"id": "1", "question": "Colour?", "image": "big.jpg", "answer": "red"}`+"\n"), 0o644))

	for _, tc := range []struct {
		tools   string
		redCrop bool
	}{{"", true}, {"original", false}} {
		t.Run("tools="+tc.tools, func(t *testing.T) {
			path := filepath.Join(dir, "s"+tc.tools+".yaml")
			suite := "name: s\ndata: {path: d.jsonl, fields: {images: [image]}}\njudge: {kind: em}\nagent: {protocol: deepeyes, tools: [image_zoom_in_tool]}\n"
			if tc.tools != "" {
				suite += "images: {tools: " + tc.tools + "}\n"
			}
			require.NoError(t, os.WriteFile(path, []byte(suite), 0o644))
			srv := runnertest.NewServer(t)
			var crop image.Image
			srv.Handle(func(r *runnertest.Request) runnertest.Reply {
				imgs := requestImages(t, r)
				if len(imgs) == 1 { // the question: point at the patch as the model sees it
					b := imgs[0].Bounds()
					sx, sy := float64(b.Dx())/W, float64(b.Dy())/H
					box := fmt.Sprintf("[%.0f, %.0f, %.0f, %.0f]", float64(patch.Min.X)*sx, float64(patch.Min.Y)*sy, float64(patch.Max.X)*sx, float64(patch.Max.Y)*sy)
					return runnertest.Reply{Content: `<tool_call>{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": ` + box + `}}</tool_call>`}
				}
				crop = imgs[len(imgs)-1]
				return runnertest.Reply{Content: "<answer>red</answer>"}
			})
			eng, _, p := setup(t, realx.Config{Concurrency: 1}, srv, nil, path, realx.PlanOptions{})
			assert.Equal(t, 12845056, p.Images.MaxPixels, "the protocol's image policy")
			_, err := eng.Run(context.Background(), []*realx.Plan{p}, realx.Run{Dir: filepath.Join(dir, "run"+tc.tools), Model: &realx.Model{Label: "m"}})
			require.NoError(t, err)
			require.NotNil(t, crop)
			sent := requestImages(t, srv.Requests()[0])[0].Bounds()
			assert.Less(t, sent.Dx()*sent.Dy(), W*H, "the model saw a smaller image")
			red := 0
			b := crop.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r, g, _, _ := crop.At(x, y).RGBA()
					if r > 180<<8 && g < 60<<8 {
						red++
					}
				}
			}
			share := float64(red) / float64(b.Dx()*b.Dy())
			if tc.redCrop {
				assert.Greater(t, share, 0.9, "the crop is the patch the model pointed at")
			} else {
				assert.Less(t, share, 0.9, "in the file's own frame the box misses part of the patch")
			}
		})
	}
}

// requestImages decodes the images of a request, in order.
func requestImages(t *testing.T, r *runnertest.Request) []image.Image {
	t.Helper()
	var body struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body))
	var out []image.Image
	for _, m := range body.Messages {
		var parts []struct {
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
		}
		if json.Unmarshal(m.Content, &parts) != nil {
			continue
		}
		for _, p := range parts {
			if _, data, ok := strings.Cut(p.ImageURL.URL, ";base64,"); ok {
				b, err := base64.StdEncoding.DecodeString(data)
				require.NoError(t, err)
				img, _, err := image.Decode(bytes.NewReader(b))
				require.NoError(t, err)
				out = append(out, img)
			}
		}
	}
	return out
}
