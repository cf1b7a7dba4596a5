package imageops

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolveBox(t *testing.T) {
	t.Parallel()
	img := image.Rect(0, 0, 1000, 800)
	deepEyes := DeepEyesOptions()
	norm := Options{Normalized: true}
	tests := []struct {
		name   string
		box    Box
		bounds image.Rectangle
		opt    Options
		want   image.Rectangle
	}{
		{"pixels", Box{10, 20, 110, 220}, img, Options{}, image.Rect(10, 20, 110, 220)},
		{"fractions round half to even as PIL", Box{10.5, 20.5, 100.5, 200.4}, img, Options{}, image.Rect(10, 20, 100, 200)},
		{"fractions round up", Box{11.5, 20.6, 100.7, 200}, img, Options{}, image.Rect(12, 21, 101, 200)},
		{"swapped corners", Box{110, 220, 10, 20}, img, Options{}, image.Rect(10, 20, 110, 220)},
		{"swapped x only", Box{110, 20, 10, 220}, img, Options{}, image.Rect(10, 20, 110, 220)},
		{"clamped", Box{-50, -10, 2000, 900}, img, Options{}, image.Rect(0, 0, 1000, 800)},
		{"clamped on one side", Box{900, 700, 1200, 1000}, img, Options{}, image.Rect(900, 700, 1000, 800)},
		{"whole image", Box{0, 0, 1000, 800}, img, deepEyes, image.Rect(0, 0, 1000, 800)},
		{"normalised", Box{0, 0, 500, 500}, img, norm, image.Rect(0, 0, 500, 400)},
		{"normalised centre", Box{250, 250, 750, 750}, image.Rect(0, 0, 640, 480), norm, image.Rect(160, 120, 480, 360)},
		{"normalised clamped", Box{-10, 0, 1200, 1000}, img, norm, image.Rect(0, 0, 1000, 800)},
		{"normalised swapped", Box{750, 750, 250, 250}, image.Rect(0, 0, 640, 480), norm, image.Rect(160, 120, 480, 360)},
		{"sliver gets a pixel", Box{10, 10, 10.2, 50}, img, Options{}, image.Rect(10, 10, 11, 50)},
		{"sliver at the right edge", Box{999.8, 10, 1000, 50}, img, Options{}, image.Rect(999, 10, 1000, 50)},
		// 10×20 grows by 28/10 around its centre (105, 110) to 28×56.
		{"minimum size keeps aspect", Box{100, 100, 110, 120}, img, deepEyes, image.Rect(91, 82, 119, 138)},
		{"minimum size on both sides", Box{100, 100, 104, 104}, img, Options{MinSize: 28}, image.Rect(88, 88, 116, 116)},
		{"minimum size not needed", Box{100, 100, 130, 140}, img, deepEyes, image.Rect(100, 100, 130, 140)},
		{"minimum size moved inside", Box{0, 0, 5, 5}, img, deepEyes, image.Rect(0, 0, 29, 29)},
		{"minimum size moved inside at the far corner", Box{995, 795, 1000, 800}, img, deepEyes, image.Rect(971, 771, 1000, 800)},
		{"minimum size larger than image", Box{5, 5, 10, 10}, image.Rect(0, 0, 20, 20), deepEyes, image.Rect(0, 0, 20, 20)},
		// 3×30 after clamping grows by 28/3 around (1.5, 25) to 29×280, then moves inside.
		{"minimum size after clamping", Box{-100, 10, 3, 40}, img, Options{MinSize: 28}, image.Rect(0, 0, 29, 280)},
		// 5×4 pixels at (500, 400) grows by 7 around (502.5, 402).
		{"minimum size in normalised coordinates", Box{500, 500, 505, 505}, img, Options{Normalized: true, MinSize: 28}, image.Rect(484, 388, 521, 416)},
		{"offset bounds", Box{0, 0, 50, 50}, image.Rect(100, 100, 200, 200), Options{}, image.Rect(100, 100, 150, 150)},
		{"aspect at the limit, grown to the minimum", Box{0, 0, 1000, 10}, img, deepEyes, image.Rect(0, 0, 1000, 28)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolveBox(tt.box, tt.bounds, tt.opt)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, got.In(tt.bounds), "%v is outside %v", got, tt.bounds)
		})
	}
}

func TestResolveBoxErrors(t *testing.T) {
	t.Parallel()
	img := image.Rect(0, 0, 1000, 800)
	tests := []struct {
		name string
		box  Box
		opt  Options
		want string
	}{
		{"NaN", Box{math.NaN(), 0, 10, 10}, Options{}, "not a finite number"},
		{"infinity", Box{0, 0, math.Inf(1), 10}, Options{}, "not a finite number"},
		{"zero width", Box{10, 10, 10, 50}, Options{}, "no area"},
		{"zero height", Box{10, 50, 60, 50}, DeepEyesOptions(), "no area"},
		{"right of the image", Box{2000, 10, 2100, 50}, Options{}, "lies outside the image, which is 1000×800 pixels"},
		{"above and left of the image", Box{-100, -100, -1, -1}, Options{}, "lies outside the image"},
		{"touching the right edge", Box{1000, 10, 1100, 50}, Options{}, "lies outside the image"},
		{"below the image", Box{10, 800, 50, 900}, DeepEyesOptions(), "lies outside the image"},
		{"outside in normalised coordinates", Box{1001, 0, 1100, 10}, Options{Normalized: true}, "0 to 1000"},
		{"too thin", Box{0, 0, 1000, 5}, DeepEyesOptions(), "too thin"},
		{"too thin after clamping", Box{-5000, 0, 995, 40}, Options{MaxAspect: 20}, "too thin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ResolveBox(tt.box, img, tt.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "bbox_2d")
		})
	}
	_, err := ResolveBox(Box{0, 0, 1, 1}, image.Rectangle{}, Options{})
	assert.ErrorContains(t, err, "empty")
}

func TestBoxFromSlice(t *testing.T) {
	t.Parallel()
	b, err := BoxFromSlice([]float64{1, 2, 3, 4})
	require.NoError(t, err)
	assert.Equal(t, Box{1, 2, 3, 4}, b)
	assert.Equal(t, "[1, 2, 3, 4]", b.String())
	assert.Equal(t, "[1.5, -2, 3e+21, 4]", Box{1.5, -2, 3e21, 4}.String())
	for _, v := range [][]float64{nil, {1, 2, 3}, {1, 2, 3, 4, 5}} {
		_, err := BoxFromSlice(v)
		assert.ErrorContains(t, err, "bbox_2d must be a list of 4 numbers", "%v", v)
	}
}

func TestCrop(t *testing.T) {
	t.Parallel()
	src := pattern(image.Rect(0, 0, 40, 30))
	got, err := Crop(src, Box{10, 5, 20, 25}, Options{})
	require.NoError(t, err)
	assert.Equal(t, image.Rect(10, 5, 20, 25), got.Bounds(), "a view keeps the coordinates of its source")
	assertSamePixels(t, src, got, got.Bounds().Min, got.Bounds())

	// An image without SubImage is copied, its origin at (0, 0).
	got, err = Crop(opaqueOnly{src}, Box{10, 5, 20, 25}, Options{})
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 10, 20), got.Bounds())
	assertSamePixels(t, src, got, image.Pt(10, 5), got.Bounds())

	_, err = Crop(src, Box{50, 50, 60, 60}, Options{})
	assert.ErrorContains(t, err, "outside")
}

// opaqueOnly hides every method of an image but those of image.Image.
type opaqueOnly struct{ image.Image }

// pattern returns an NRGBA image whose every pixel differs from its neighbours.
func pattern(r image.Rectangle) *image.NRGBA {
	m := image.NewNRGBA(r)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x*3 + y*5), uint8(255 - x - y)})
		}
	}
	return m
}

// assertSamePixels checks that got's pixels in r equal want's from offset on.
func assertSamePixels(t *testing.T, want, got image.Image, offset image.Point, r image.Rectangle) {
	t.Helper()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			w := color.NRGBAModel.Convert(want.At(offset.X+x-r.Min.X, offset.Y+y-r.Min.Y))
			g := color.NRGBAModel.Convert(got.At(x, y))
			if w != g {
				t.Fatalf("pixel (%d, %d): got %v, want %v", x, y, g, w)
			}
		}
	}
}
