package imageops

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demo is the folder of the V* demo photos shipped with the repository.
const demo = "../../../benchmarks/vstar-demo/images/"

func readDemo(t testing.TB, name string) []byte {
	t.Helper()
	data, err := readFile(demo + name)
	require.NoError(t, err)
	return data
}

var readFile = os.ReadFile

func TestDecodeEncode(t *testing.T) {
	t.Parallel()
	src := pattern(image.Rect(0, 0, 9, 6))
	for _, format := range []string{FormatJPEG, FormatPNG, FormatGIF, FormatBMP} {
		data, err := Encode(src, format)
		require.NoError(t, err, format)
		img, got, err := Decode(data)
		require.NoError(t, err, format)
		assert.Equal(t, format, got)
		assert.Equal(t, image.Rect(0, 0, 9, 6), img.Bounds(), format)
		if format == FormatPNG {
			assertSamePixels(t, src, img, image.Point{}, img.Bounds())
		}
	}
	_, err := Encode(src, FormatWebP)
	assert.ErrorContains(t, err, `unsupported format "webp"`)

	// Formats are sniffed from the content, never from the name: nba.png is a JPEG.
	for name, want := range map[string]string{"nba.png": FormatJPEG, "instrument.webp": FormatWebP} {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(readDemo(t, name)))
		require.NoError(t, err)
		img, format, err := Decode(readDemo(t, name))
		require.NoError(t, err, name)
		assert.Equal(t, want, format, name)
		assert.Equal(t, image.Rect(0, 0, cfg.Width, cfg.Height), img.Bounds(), name)
	}

	_, _, err = Decode([]byte("not an image"))
	assert.ErrorContains(t, err, "decoding image")
	jpg, err := Encode(pattern(image.Rect(0, 0, 64, 64)), FormatJPEG)
	require.NoError(t, err)
	_, _, err = Decode(jpg[:len(jpg)-100])
	assert.ErrorContains(t, err, "decoding jpeg image")
	// A GIF header claiming 65535×65535 pixels is refused before any pixel is allocated.
	bomb := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00")
	_, _, err = Decode(bomb)
	assert.ErrorContains(t, err, "65535×65535 pixels is outside the accepted size")
}

func TestOutputFormat(t *testing.T) {
	t.Parallel()
	assert.Equal(t, FormatPNG, OutputFormat(FormatPNG))
	for _, f := range []string{FormatJPEG, FormatGIF, FormatWebP, FormatBMP, ""} {
		assert.Equal(t, FormatJPEG, OutputFormat(f))
	}
	assert.Equal(t, "image/jpeg", MIME(FormatJPEG))
	assert.Equal(t, "image/png", MIME(FormatPNG))
	assert.Equal(t, "image/webp", MIME(FormatWebP))
	assert.Equal(t, "", MIME(""))
}

func TestCropRealPhotos(t *testing.T) {
	t.Parallel()
	// signicade.JPG is a 4240×2700 photo; crop a 512×512 region and encode it as a tool would.
	img, format, err := Decode(readDemo(t, "signicade.JPG"))
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 4240, 2700), img.Bounds())
	crop, err := Crop(img, Box{3000, 1500, 3512, 2012}, DeepEyesOptions())
	require.NoError(t, err)
	assert.Equal(t, image.Rect(3000, 1500, 3512, 2012), crop.Bounds())
	data, err := Encode(crop, OutputFormat(format))
	require.NoError(t, err)
	back, got, err := Decode(data)
	require.NoError(t, err)
	assert.Equal(t, FormatJPEG, got)
	assert.Equal(t, image.Rect(0, 0, 512, 512), back.Bounds())
	assert.Less(t, colorDistance(img.At(3256, 1756), back.At(256, 256)), 24, "the centre of the crop is the centre of the region")

	// nba.png is really a JPEG, so its crops are JPEG too; boxes here are normalised.
	img, format, err = Decode(readDemo(t, "nba.png"))
	require.NoError(t, err)
	assert.Equal(t, FormatJPEG, format)
	b := img.Bounds()
	crop, err = Crop(img, Box{0, 0, 500, 500}, Options{Normalized: true})
	require.NoError(t, err)
	half := func(n int) int { return int(math.RoundToEven(float64(n) / 2)) }
	assert.Equal(t, image.Rect(0, 0, half(b.Dx()), half(b.Dy())), crop.Bounds())
	assert.Equal(t, FormatJPEG, OutputFormat(format))
}

// colorDistance is the largest difference of the 8-bit RGB channels of a and b.
func colorDistance(a, b color.Color) int {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := 0
	for _, p := range [][2]uint32{{ar, br}, {ag, bg}, {ab, bb}} {
		d = max(d, abs(int(p[0]>>8)-int(p[1]>>8)))
	}
	return d
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
