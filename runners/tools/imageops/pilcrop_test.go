package imageops

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPILCrop crops as PIL's Image.crop and DeepEyes' smart_resize do: outside the image is
// black, the box is rounded half to even, its size (not the rounded crop's) is resized, and a
// box PIL refuses is an error.
func TestPILCrop(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 100, 80))
	for i := range src.Pix {
		src.Pix[i] = 200
	}
	crop, err := pilCrop(src, Box{90, 70, 130, 100})
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 40, 30), crop.Bounds())
	assert.Equal(t, color.NRGBA{200, 200, 200, 200}, color.NRGBAModel.Convert(crop.At(5, 5)), "inside the image")
	assert.Equal(t, color.NRGBA{0, 0, 0, 0}, color.NRGBAModel.Convert(crop.At(20, 20)), "outside: zero, as PIL fills an image with alpha")
	opaque := image.NewGray(image.Rect(0, 0, 10, 10))
	crop, err = pilCrop(opaque, Box{-5.5, 0, 4.5, 10})
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 10, 10), crop.Bounds(), "-5.5 and 4.5 round half to even: -6 and 4")
	assert.Equal(t, color.NRGBA{0, 0, 0, 255}, color.NRGBAModel.Convert(crop.At(0, 0)), "black outside an opaque image")
	w, h, err := deepEyesSize(crop.(boxSized).w, crop.(boxSized).h)
	require.NoError(t, err)
	assert.Equal(t, []int{56, 56}, []int{w, h}, "smart_resize of the 10×10 box raised to 3,136 pixels")
	w, h, err = deepEyesSize(1000, 4)
	require.NoError(t, err)
	assert.Equal(t, []int{1008, 28}, []int{w, h}, "no aspect limit")

	for _, b := range []Box{{10, 0, 5, 10}, {0, 10, 10, 5}, {3, 3, 3, 9}, {3.2, 0, 3.4, 9}} {
		_, err := pilCrop(src, b)
		assert.Error(t, err, "%v", b)
	}
}
