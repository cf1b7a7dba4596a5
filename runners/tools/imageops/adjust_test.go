package imageops

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestContrast(t *testing.T) {
	t.Parallel()
	// Values from PIL 9.4: ImageEnhance.Contrast(im).enhance(factor) of a 4×2 RGB image whose
	// mean luma rounds to 100.
	src := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	in := []color.NRGBA{{0, 0, 0, 255}, {255, 255, 255, 255}, {10, 200, 30, 255}, {90, 90, 90, 255},
		{250, 20, 20, 255}, {20, 20, 250, 255}, {128, 128, 128, 255}, {60, 70, 80, 255}}
	for i, c := range in {
		src.SetNRGBA(i%4, i/4, c)
	}
	for _, tt := range []struct {
		factor float64
		want   [][3]uint8
	}{
		{0, [][3]uint8{{100, 100, 100}, {100, 100, 100}, {100, 100, 100}, {100, 100, 100}, {100, 100, 100}, {100, 100, 100}, {100, 100, 100}, {100, 100, 100}}},
		{0.5, [][3]uint8{{50, 50, 50}, {177, 177, 177}, {55, 150, 65}, {95, 95, 95}, {175, 60, 60}, {60, 60, 175}, {114, 114, 114}, {80, 85, 90}}},
		{1.7, [][3]uint8{{0, 0, 0}, {255, 255, 255}, {0, 255, 0}, {83, 83, 83}, {255, 0, 0}, {0, 0, 255}, {147, 147, 147}, {32, 49, 66}}},
		{3, [][3]uint8{{0, 0, 0}, {255, 255, 255}, {0, 255, 0}, {70, 70, 70}, {255, 0, 0}, {0, 0, 255}, {184, 184, 184}, {0, 10, 40}}},
	} {
		got := Contrast(src, tt.factor).(*image.NRGBA)
		for i, w := range tt.want {
			assert.Equal(t, color.NRGBA{w[0], w[1], w[2], 255}, got.NRGBAAt(i%4, i/4), "factor %g, pixel %d", tt.factor, i)
		}
	}

	// Factor 1 gives every layout back; 0 makes it one gray, alpha kept.
	for name, img := range samples(7, 5) {
		if _, alpha := img.(*image.Alpha); alpha {
			continue // all black: nothing to see
		}
		assertSamePixels(t, img, Contrast(img, 1), img.Bounds().Min, image.Rect(0, 0, 7, 5))
		flat := Contrast(img, 0).(*image.NRGBA)
		first := flat.NRGBAAt(0, 0)
		for y := 0; y < 5; y++ {
			for x := 0; x < 7; x++ {
				c := flat.NRGBAAt(x, y)
				_, _, _, a := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
				assert.Equal(t, uint8(a>>8), c.A, "%s: alpha kept", name)
				c.A = first.A
				require.Equal(t, first, c, "%s: uniform gray", name)
				assert.True(t, c.R == c.G && c.G == c.B, "%s: gray", name)
			}
		}
	}
	assert.Equal(t, image.Rect(0, 0, 0, 0), Contrast(image.NewRGBA(image.Rectangle{}), 2).Bounds())
}
