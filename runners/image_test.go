package runners

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/realx-bench/realx/tasks"
)

// halves returns a w×h image whose left half is red and right half blue.
func halves(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{R: 255, A: 255}
			if x >= w/2 {
				c = color.NRGBA{B: 255, A: 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func encode(t testing.TB, format string, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	case "bmp":
		err = bmp.Encode(&buf, img)
	default:
		t.Fatalf("unknown format %s", format)
	}
	require.NoError(t, err)
	return buf.Bytes()
}

func TestPrepareImageSendsAcceptedFormatsUnchanged(t *testing.T) {
	t.Parallel()
	webp, err := os.ReadFile("testdata/gradient-40x30.webp")
	require.NoError(t, err)
	img := halves(40, 30)
	cases := []struct {
		format, mime string
		data         []byte
	}{
		{"png", "image/png", encode(t, "png", img)},
		{"jpeg", "image/jpeg", encode(t, "jpeg", img)},
		{"gif", "image/gif", encode(t, "gif", img)},
		{"webp", "image/webp", webp},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			// A policy whose limits this image is within must not touch it.
			got, err := PrepareImage(c.data, tasks.ImagePolicy{MaxPixels: 5000, MinPixels: 100, Detail: "high"})
			require.NoError(t, err)
			assert.Equal(t, c.mime, got.MIME)
			assert.Equal(t, 40, got.Width)
			assert.Equal(t, 30, got.Height)
			assert.Equal(t, "high", got.Detail)
			assert.Equal(t, c.data, got.Data, "bytes were re-encoded")
		})
	}
}

func TestPrepareImageSniffsContent(t *testing.T) {
	t.Parallel()
	// A PNG whose bytes start like nothing else is a PNG, whatever a file name said; garbage
	// and empty input are errors.
	got, err := PrepareImage(encode(t, "png", halves(8, 4)), tasks.ImagePolicy{})
	require.NoError(t, err)
	assert.Equal(t, "image/png", got.MIME)

	_, err = PrepareImage([]byte("GIF89a but not really an image"), tasks.ImagePolicy{})
	require.Error(t, err)
	_, err = PrepareImage([]byte("<html>not an image</html>"), tasks.ImagePolicy{})
	require.ErrorIs(t, err, image.ErrFormat)
	_, err = PrepareImage(nil, tasks.ImagePolicy{})
	require.Error(t, err)
}

func TestPrepareImageReencodesBMPAsPNG(t *testing.T) {
	t.Parallel()
	src := halves(20, 10)
	got, err := PrepareImage(encode(t, "bmp", src), tasks.ImagePolicy{})
	require.NoError(t, err)
	assert.Equal(t, "image/png", got.MIME)
	assert.Equal(t, [2]int{20, 10}, [2]int{got.Width, got.Height})
	dec, err := png.Decode(bytes.NewReader(got.Data))
	require.NoError(t, err)
	for _, p := range []image.Point{{0, 0}, {9, 9}, {10, 0}, {19, 9}} {
		r1, g1, b1, _ := src.At(p.X, p.Y).RGBA()
		r2, g2, b2, _ := dec.At(p.X, p.Y).RGBA()
		assert.Equal(t, [3]uint32{r1, g1, b1}, [3]uint32{r2, g2, b2}, "pixel %v", p)
	}
}

func TestPrepareImageResizesDownKeepingContent(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"jpeg", "png", "gif"} {
		t.Run(format, func(t *testing.T) {
			data := encode(t, format, halves(400, 200))
			got, err := PrepareImage(data, tasks.ImagePolicy{MaxPixels: 5000})
			require.NoError(t, err)
			// sqrt(5000/80000) = 0.25: 100×50 exactly.
			assert.Equal(t, 100, got.Width)
			assert.Equal(t, 50, got.Height)
			want := "image/png"
			if format == "jpeg" {
				want = "image/jpeg"
			}
			assert.Equal(t, want, got.MIME)
			dec, gotFormat, err := image.Decode(bytes.NewReader(got.Data))
			require.NoError(t, err)
			assert.Equal(t, want, "image/"+gotFormat)
			assert.Equal(t, image.Rect(0, 0, 100, 50), dec.Bounds())
			// Left stays red, right stays blue (not mirrored, not smeared).
			r, _, b, _ := dec.At(10, 25).RGBA()
			assert.Greater(t, r>>8, uint32(200))
			assert.Less(t, b>>8, uint32(60))
			r, _, b, _ = dec.At(90, 25).RGBA()
			assert.Less(t, r>>8, uint32(60))
			assert.Greater(t, b>>8, uint32(200))

			// The pixels are Resize's of the decoded source, encoded as PrepareImage encodes.
			src, _, err := image.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			var enc bytes.Buffer
			if format == "jpeg" {
				require.NoError(t, jpeg.Encode(&enc, Resize(src, 100, 50), &jpeg.Options{Quality: JPEGQuality}))
			} else {
				require.NoError(t, png.Encode(&enc, Resize(src, 100, 50)))
			}
			assert.Equal(t, enc.Bytes(), got.Data)
			if format == "jpeg" {
				return
			}
			// Lossless: the edge as PIL 9.4 makes it, Image.resize((100, 50), BICUBIC) of the
			// 400×200 red and blue halves, ringing included.
			for x, c := range [][3]uint8{{255, 0, 0}, {255, 0, 0}, {255, 0, 0}, {235, 0, 20}, {20, 0, 235}, {0, 0, 255}, {0, 0, 255}, {0, 0, 255}} {
				r, g, b, _ := dec.At(46+x, 25).RGBA()
				assert.Equal(t, c, [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}, "x %d", 46+x)
			}
		})
	}
}

func TestPrepareImageSmartResizeSignicade(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../benchmarks/vstar-demo/images/signicade.JPG")
	require.NoError(t, err)
	got, err := PrepareImage(data, tasks.ImagePolicy{MaxPixels: 1003520, Factor: 28, Detail: "auto"})
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", got.MIME)
	assert.Equal(t, 1232, got.Width)
	assert.Equal(t, 784, got.Height)
	assert.Equal(t, "auto", got.Detail)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(got.Data))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, [2]int{1232, 784}, [2]int{cfg.Width, cfg.Height})

	// The photo is Resize's of the decoded photo, at q95. And Resize's pixels are those of PIL
	// 9.4's Image.resize((1232, 784), BICUBIC) of the RGB pixels Go decodes: every byte the same.
	src, _, err := image.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	resized := Resize(src, 1232, 784).(*image.RGBA)
	var want bytes.Buffer
	require.NoError(t, jpeg.Encode(&want, resized, &jpeg.Options{Quality: JPEGQuality}))
	assert.Equal(t, want.Bytes(), got.Data)
	rgb := make([]byte, 0, 1232*784*3)
	for i := 0; i < len(resized.Pix); i += 4 {
		rgb = append(rgb, resized.Pix[i:i+3]...)
	}
	assert.Equal(t, "82d7082a08f5da6adf24d6ad852ab3e98cb3e3d4da1b574ce0423d66248b85c3", fmt.Sprintf("%x", sha256.Sum256(rgb)))
	assert.Equal(t, color.RGBA{19, 26, 11, 255}, resized.RGBAAt(0, 0))
	assert.Equal(t, color.RGBA{89, 85, 80, 255}, resized.RGBAAt(616, 392))
	assert.Equal(t, color.RGBA{175, 182, 186, 255}, resized.RGBAAt(1231, 783))
}

func TestPrepareImageKeepsAlpha(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = 0 // fully transparent black
	}
	for y := 0; y < 64; y++ {
		for x := 32; x < 64; x++ {
			img.SetNRGBA(x, y, color.NRGBA{G: 255, A: 255})
		}
	}
	got, err := PrepareImage(encode(t, "png", img), tasks.ImagePolicy{MaxPixels: 16 * 16})
	require.NoError(t, err)
	dec, err := png.Decode(bytes.NewReader(got.Data))
	require.NoError(t, err)
	_, _, _, a := dec.At(2, 8).RGBA()
	assert.Zero(t, a, "transparent side became opaque")
	_, g, _, a := dec.At(13, 8).RGBA()
	assert.Equal(t, uint32(0xffff), a)
	assert.Equal(t, uint32(0xffff), g)
}

func TestPrepareImageUpscalesToMinPixels(t *testing.T) {
	t.Parallel()
	got, err := PrepareImage(encode(t, "png", halves(10, 5)), tasks.ImagePolicy{MinPixels: 200})
	require.NoError(t, err)
	// sqrt(200/50) = 2: 20×10.
	assert.Equal(t, [2]int{20, 10}, [2]int{got.Width, got.Height})
	cfg, err := png.DecodeConfig(bytes.NewReader(got.Data))
	require.NoError(t, err)
	assert.Equal(t, [2]int{20, 10}, [2]int{cfg.Width, cfg.Height})
}

func TestPrepareImageRefusesDecompressionBombs(t *testing.T) {
	t.Parallel()
	data := encode(t, "png", halves(2, 2))
	// Rewrite the IHDR to claim 20000×20000 pixels (and fix its CRC), as a bomb would.
	binary.BigEndian.PutUint32(data[16:], 20000)
	binary.BigEndian.PutUint32(data[20:], 20000)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	_, err := PrepareImage(data, tasks.ImagePolicy{})
	require.ErrorContains(t, err, "more than")
}

func TestPrepareImageAspectRatioError(t *testing.T) {
	t.Parallel()
	_, err := PrepareImage(encode(t, "png", image.NewGray(image.Rect(0, 0, 402, 2))), tasks.ImagePolicy{Factor: 28})
	require.ErrorContains(t, err, "absolute aspect ratio must be smaller than 200, got 201")
	// Without Factor, Qwen's rule does not apply.
	_, err = PrepareImage(encode(t, "png", image.NewGray(image.Rect(0, 0, 402, 2))), tasks.ImagePolicy{})
	require.NoError(t, err)
}

func TestImageSize(t *testing.T) {
	t.Parallel()
	const qwenMax = 16384 * 28 * 28 // 12845056, qwen_vl_utils' MAX_PIXELS
	cases := []struct {
		name         string
		w, h         int
		policy       tasks.ImagePolicy
		wantW, wantH int
	}{
		// smart_resize, computed by hand from the formula (and checked against the Python).
		// 1080/28 = 38.57 → 39·28 = 1092; 1920/28 = 68.57 → 69·28 = 1932; 2109744 ≤ max.
		{"1080p qwen max", 1920, 1080, tasks.ImagePolicy{Factor: 28, MaxPixels: qwenMax, MinPixels: 3136}, 1932, 1092},
		// 1092·1932 > 1003520: beta = sqrt(2073600/1003520) = 1.43747; 1080/beta/28 = 26.83 → 728;
		// 1920/beta/28 = 47.70 → 1316.
		{"1080p 1280 tokens", 1920, 1080, tasks.ImagePolicy{Factor: 28, MaxPixels: 1003520}, 1316, 728},
		{"1080p portrait", 1080, 1920, tasks.ImagePolicy{Factor: 28, MaxPixels: 1003520}, 728, 1316},
		// beta = sqrt(11448000/1003520) = 3.37755; 2700/beta/28 = 28.55 → 784; 4240/beta/28 = 44.83 → 1232.
		{"4K signicade", 4240, 2700, tasks.ImagePolicy{Factor: 28, MaxPixels: 1003520}, 1232, 784},
		// 2160/28 = 77.14 → 2156; 3840/28 = 137.14 → 3836.
		{"2160p qwen max", 3840, 2160, tasks.ImagePolicy{Factor: 28, MaxPixels: qwenMax}, 3836, 2156},
		// Python rounds half to even: 70/28 = 2.5 → 2 (56, not 84); 98/28 = 3.5 → 4 (112).
		{"half to even", 98, 70, tasks.ImagePolicy{Factor: 28}, 112, 56},
		// 14/28 = 0.5 → 0 → max(factor, 0) = 28; 300/28 = 10.71 → 308.
		{"below factor", 300, 14, tasks.ImagePolicy{Factor: 28}, 308, 28},
		// 56·112 = 6272 < 200704: beta = sqrt(200704/5000) = 6.33568; 50·beta/28 = 11.31 → 336;
		// 100·beta/28 = 22.63 → 644.
		{"min pixels", 100, 50, tasks.ImagePolicy{Factor: 28, MinPixels: 200704, MaxPixels: 1003520}, 644, 336},
		{"ratio exactly 200", 200, 1, tasks.ImagePolicy{Factor: 28}, 196, 28},
		{"factor 14", 1000, 1000, tasks.ImagePolicy{Factor: 14, MaxPixels: 250000}, 490, 490},

		// Plain scaling.
		{"within limits", 640, 480, tasks.ImagePolicy{MaxPixels: 1 << 20, MinPixels: 1000}, 640, 480},
		{"no policy", 5000, 3, tasks.ImagePolicy{}, 5000, 3},
		// sqrt(1003520/11448000) = 0.296075: 4240 → 1255.35, 2700 → 799.40.
		{"cap floors", 4240, 2700, tasks.ImagePolicy{MaxPixels: 1003520}, 1255, 799},
		{"cap exact", 400, 200, tasks.ImagePolicy{MaxPixels: 5000}, 100, 50},
		{"cap keeps a side of 1", 10000, 1, tasks.ImagePolicy{MaxPixels: 100}, 100, 1},
		// sqrt(1000/12) = 9.1287: 4 → 36.5 → 37, 3 → 27.4 → 28.
		{"floor ceils", 4, 3, tasks.ImagePolicy{MinPixels: 1000}, 37, 28},
		{"factor 1 is plain", 400, 200, tasks.ImagePolicy{Factor: 1, MaxPixels: 5000}, 100, 50},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, h, err := ImageSize(c.w, c.h, c.policy)
			require.NoError(t, err)
			assert.Equal(t, [2]int{c.wantW, c.wantH}, [2]int{w, h})
			if c.policy.Factor > 1 {
				assert.Zero(t, w%c.policy.Factor)
				assert.Zero(t, h%c.policy.Factor)
			}
			if c.policy.MaxPixels > 0 {
				assert.LessOrEqual(t, w*h, c.policy.MaxPixels)
			}
		})
	}
}

func TestImageSizeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		w, h   int
		policy tasks.ImagePolicy
		want   string
	}{
		{"aspect ratio", 201, 1, tasks.ImagePolicy{Factor: 28}, "absolute aspect ratio must be smaller than 200, got 201"},
		{"min above max", 10, 10, tasks.ImagePolicy{MinPixels: 200, MaxPixels: 100}, "min_pixels 200 is above max_pixels 100"},
		{"negative", 10, 10, tasks.ImagePolicy{MaxPixels: -1}, "negative"},
		{"empty image", 0, 10, tasks.ImagePolicy{}, "not positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ImageSize(c.w, c.h, c.policy)
			require.ErrorContains(t, err, c.want)
		})
	}
}

func BenchmarkPrepareImage4K(b *testing.B) {
	data, err := os.ReadFile("../benchmarks/vstar-demo/images/signicade.JPG")
	require.NoError(b, err)
	policy := tasks.ImagePolicy{MaxPixels: 1003520, Factor: 28}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PrepareImage(data, policy); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrepareImagePassThrough(b *testing.B) {
	data, err := os.ReadFile("../benchmarks/vstar-demo/images/signicade.JPG")
	require.NoError(b, err)
	policy := tasks.ImagePolicy{MaxPixels: 4240 * 2700}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PrepareImage(data, policy); err != nil {
			b.Fatal(err)
		}
	}
}
