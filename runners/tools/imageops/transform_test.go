package imageops

import (
	"image"
	"image/color"
	"image/color/palette"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samples returns images of every layout the exact operations handle, all w×h with distinct
// pixels, some of them views with an offset origin.
func samples(w, h int) map[string]image.Image {
	r := image.Rect(0, 0, w, h)
	nrgba := pattern(r)
	out := map[string]image.Image{
		"NRGBA":       nrgba,
		"NRGBA view":  pattern(image.Rect(-3, -5, w+4, h+2)).SubImage(image.Rect(1, 1, w+1, h+1)),
		"RGBA":        toRGBA(nrgba),
		"generic":     opaqueOnly{nrgba},
		"YCbCr 4:4:4": ycbcr(r, image.YCbCrSubsampleRatio444),
		"NYCbCrA 4:4:4": &image.NYCbCrA{
			YCbCr: *ycbcr(r, image.YCbCrSubsampleRatio444), A: nrgba.Pix[:w*h], AStride: w,
		},
	}
	gray, gray16, pal, cmyk := image.NewGray(r), image.NewGray16(r), image.NewPaletted(r, palette.Plan9), image.NewCMYK(r)
	rgba64, nrgba64, alpha := image.NewRGBA64(r), image.NewNRGBA64(r), image.NewAlpha(r)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := y*w + x
			gray.SetGray(x, y, color.Gray{uint8(i)})
			gray16.SetGray16(x, y, color.Gray16{uint16(i * 257)})
			pal.SetColorIndex(x, y, uint8(i))
			cmyk.SetCMYK(x, y, color.CMYK{uint8(i), uint8(i * 3), 7, uint8(i * 5)})
			rgba64.SetRGBA64(x, y, color.RGBA64{uint16(i * 100), uint16(i * 50), uint16(i), 0xffff})
			nrgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(i * 100), uint16(i * 50), uint16(i), uint16(60000 - i)})
			alpha.SetAlpha(x, y, color.Alpha{uint8(255 - i)})
		}
	}
	out["Gray"], out["Gray16"], out["Paletted"], out["CMYK"] = gray, gray16, pal, cmyk
	out["RGBA64"], out["NRGBA64"], out["Alpha"] = rgba64, nrgba64, alpha
	return out
}

// ycbcr returns a YCbCr image whose every luma and chroma sample differs from its neighbours.
func ycbcr(r image.Rectangle, ratio image.YCbCrSubsampleRatio) *image.YCbCr {
	m := image.NewYCbCr(r, ratio)
	for i := range m.Y {
		m.Y[i] = uint8(i*7 + 1)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = uint8(i*13+40), uint8(200-i*3)
	}
	return m
}

// mapping gives, for a pixel (x, y) of the result, the pixel of a w×h source it comes from.
type mapping func(x, y, w, h int) (int, int)

func TestExactOperations(t *testing.T) {
	t.Parallel()
	const w, h = 5, 3
	ops := []struct {
		name   string
		apply  func(image.Image) image.Image
		dw, dh int
		from   mapping
	}{
		// PIL's ROTATE_90 turns counter-clockwise: the top-right corner comes to the top-left.
		{"rotate 90", func(m image.Image) image.Image { return Rotate(m, 90, nil) }, h, w,
			func(x, y, w, h int) (int, int) { return w - 1 - y, x }},
		{"rotate 180", func(m image.Image) image.Image { return Rotate(m, 180, nil) }, w, h,
			func(x, y, w, h int) (int, int) { return w - 1 - x, h - 1 - y }},
		{"rotate 270", func(m image.Image) image.Image { return Rotate(m, 270, nil) }, h, w,
			func(x, y, w, h int) (int, int) { return y, h - 1 - x }},
		{"rotate -90 is 270", func(m image.Image) image.Image { return Rotate(m, -90, nil) }, h, w,
			func(x, y, w, h int) (int, int) { return y, h - 1 - x }},
		{"rotate 450 is 90", func(m image.Image) image.Image { return Rotate(m, 450, nil) }, h, w,
			func(x, y, w, h int) (int, int) { return w - 1 - y, x }},
		{"rotate 360", func(m image.Image) image.Image { return Rotate(m, 360, nil) }, w, h,
			func(x, y, w, h int) (int, int) { return x, y }},
		{"flip horizontal", func(m image.Image) image.Image { return Flip(m, true) }, w, h,
			func(x, y, w, h int) (int, int) { return w - 1 - x, y }},
		{"flip vertical", func(m image.Image) image.Image { return Flip(m, false) }, w, h,
			func(x, y, w, h int) (int, int) { return x, h - 1 - y }},
	}
	for name, src := range samples(w, h) {
		for _, op := range ops {
			t.Run(op.name+"/"+name, func(t *testing.T) {
				got := op.apply(src)
				require.Equal(t, op.dw, got.Bounds().Dx())
				require.Equal(t, op.dh, got.Bounds().Dy())
				if _, generic := src.(opaqueOnly); !generic {
					assert.IsType(t, src, got, "the image type is kept")
				}
				sb, gb := src.Bounds(), got.Bounds()
				for y := 0; y < op.dh; y++ {
					for x := 0; x < op.dw; x++ {
						sx, sy := op.from(x, y, w, h)
						want := color.NRGBA64Model.Convert(src.At(sb.Min.X+sx, sb.Min.Y+sy))
						have := color.NRGBA64Model.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
						if want != have {
							t.Fatalf("(%d, %d): got %v, want %v from (%d, %d)", x, y, have, want, sx, sy)
						}
					}
				}
			})
		}
	}
}

func TestExactOperationsSubsampledChroma(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ratio, turned image.YCbCrSubsampleRatio
	}{
		{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio420},
		{image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440},
		{image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio422},
	} {
		src := ycbcr(image.Rect(0, 0, 6, 4), tt.ratio)
		turned, ok := Rotate(src, 90, nil).(*image.YCbCr)
		require.True(t, ok, "%v", tt.ratio)
		assert.Equal(t, tt.turned, turned.SubsampleRatio)
		assert.Equal(t, image.Rect(0, 0, 4, 6), turned.Rect)
		// Four quarter turns and two flips give the image back exactly, chroma included.
		var back image.Image = turned
		for range 3 {
			back = Rotate(back, 90, nil)
		}
		assert.Equal(t, src, back, "%v", tt.ratio)
		assert.Equal(t, src, Flip(Flip(src, true), true), "%v", tt.ratio)
		assert.Equal(t, src, Rotate(Rotate(src, 180, nil), 180, nil), "%v", tt.ratio)
		for y := 0; y < 6; y++ {
			for x := 0; x < 4; x++ {
				assert.Equal(t, src.YCbCrAt(5-y, x).Y, turned.YCbCrAt(x, y).Y)
			}
		}
	}

	// 4:1:1 has no quarter-turned layout, and a view at an odd origin splits chroma samples:
	// both are turned through RGBA.
	src := ycbcr(image.Rect(0, 0, 8, 4), image.YCbCrSubsampleRatio411)
	assert.IsType(t, &image.RGBA{}, Rotate(src, 90, nil))
	assert.IsType(t, &image.YCbCr{}, Flip(src, true))
	odd := ycbcr(image.Rect(0, 0, 8, 8), image.YCbCrSubsampleRatio420).SubImage(image.Rect(1, 1, 7, 7))
	got := Rotate(odd, 90, nil)
	assert.IsType(t, &image.RGBA{}, got)
	for y := 0; y < 6; y++ {
		for x := 0; x < 6; x++ {
			assert.Equal(t, color.RGBAModel.Convert(odd.At(1+5-y, 1+x)), got.At(x, y))
		}
	}
}

func TestRotateArbitraryAngle(t *testing.T) {
	t.Parallel()
	// Sizes from PIL 9.4: Image.new("RGB", (w, h)).rotate(angle, expand=True).size.
	for _, tt := range []struct {
		w, h   int
		angle  float64
		ww, wh int
	}{
		{100, 50, 45, 108, 108},
		{100, 50, 30, 112, 94},
		{4240, 2700, 17, 4846, 3822},
		{3, 2, 10, 5, 4},
		{640, 480, -33.3, 800, 754},
		{101, 37, 135, 99, 99},
	} {
		w, h, _ := rotation(tt.w, tt.h, tt.angle)
		assert.Equal(t, [2]int{tt.ww, tt.wh}, [2]int{w, h}, "%d×%d by %g", tt.w, tt.h, tt.angle)
		if tt.w < 1000 {
			got := Rotate(image.NewGray(image.Rect(0, 0, tt.w, tt.h)), tt.angle, nil)
			assert.Equal(t, image.Rect(0, 0, tt.ww, tt.wh), got.Bounds(), "%d×%d by %g", tt.w, tt.h, tt.angle)
		}
	}

	// Pixels from PIL 9.4: a 4×3 RGB image of (20i, 10i, 255-20i), rotate(30, expand=True,
	// resample=BILINEAR).
	src := image.NewRGBA(image.Rect(0, 0, 4, 3))
	for i := range 12 {
		src.Set(i%4, i/4, color.RGBA{uint8(i * 20), uint8(i * 10), uint8(255 - i*20), 255})
	}
	want := [][]color.RGBA{
		{{}, {}, {}, {58, 29, 196, 255}, {}, {}},
		{{}, {}, {31, 15, 223, 255}, {79, 39, 175, 255}, {130, 65, 124, 255}, {}},
		{{}, {24, 12, 230, 255}, {81, 40, 173, 255}, {138, 69, 116, 255}, {195, 97, 59, 255}, {}},
		{{}, {89, 44, 165, 255}, {140, 70, 114, 255}, {188, 94, 66, 255}, {}, {}},
		{{}, {}, {161, 80, 93, 255}, {}, {}, {}},
	}
	fill := color.RGBA{1, 2, 3, 255}
	got := Rotate(src, 30, fill).(*image.RGBA)
	require.Equal(t, image.Rect(0, 0, 6, 5), got.Rect)
	for y, row := range want {
		for x, c := range row {
			if c == (color.RGBA{}) {
				c = fill
			}
			assert.Equal(t, c, got.RGBAAt(x, y), "(%d, %d)", x, y)
		}
	}
	black := Rotate(src, 30, nil).(*image.RGBA)
	assert.Equal(t, color.RGBA{0, 0, 0, 255}, black.RGBAAt(0, 0), "nil fills opaque black")

	assert.Same(t, src, Rotate(src, 0, nil))
	assert.Equal(t, image.Image(src), Rotate(src, 720, nil))
}
