package imageops

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// The crop of DeepEyes' V* evaluation (eval/eval_vstar.py), which Options.PIL selects: the
// model's box goes to PIL's Image.crop as it is, and the crop is resized with that file's own
// smart_resize of the box's size. It differs from ResolveBox on purpose: nothing is clamped,
// grown or refused for its shape, and what lies outside the image is black.

// pilCrop crops img to b as PIL's Image.crop does: right < left and lower < upper are errors,
// the coordinates are rounded half to even (Python's round), and the region outside the image
// is zero, black (transparent black for an image with alpha). The result carries b's own width
// and height, which DeepEyes' smart_resize reads.
func pilCrop(img image.Image, b Box) (image.Image, error) {
	for _, v := range [...]float64{b.X1, b.Y1, b.X2, b.Y2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("bbox_2d %s has a value that is not a finite number", b)
		}
	}
	switch {
	case b.X2 < b.X1:
		return nil, fmt.Errorf("bbox_2d %s: coordinate 'right' is less than 'left'", b)
	case b.Y2 < b.Y1:
		return nil, fmt.Errorf("bbox_2d %s: coordinate 'lower' is less than 'upper'", b)
	}
	bounds := img.Bounds()
	r := image.Rect(roundPy(b.X1), roundPy(b.Y1), roundPy(b.X2), roundPy(b.Y2))
	if r.Empty() || b.X2 == b.X1 || b.Y2 == b.Y1 {
		return nil, fmt.Errorf("bbox_2d %s selects no pixels", b)
	}
	if int64(r.Dx())*int64(r.Dy()) > maxOutputPixels {
		return nil, fmt.Errorf("bbox_2d %s is too large: %d×%d pixels", b, r.Dx(), r.Dy())
	}
	dst := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	if o, ok := img.(interface{ Opaque() bool }); ok && o.Opaque() {
		draw.Draw(dst, dst.Rect, image.NewUniform(color.NRGBA{A: 255}), image.Point{}, draw.Src)
	}
	inside := r.Add(bounds.Min).Intersect(bounds)
	if !inside.Empty() {
		drawSrc(dst.SubImage(inside.Sub(bounds.Min).Sub(r.Min)).(draw.Image), img, inside.Min)
	}
	return boxSized{Image: dst, w: b.X2 - b.X1, h: b.Y2 - b.Y1}, nil
}

// boxSized is a crop together with the size of the box it was cut by.
type boxSized struct {
	image.Image
	w, h float64
}

// roundPy rounds as Python's round does: half to even.
func roundPy(v float64) int { return int(math.RoundToEven(v)) }

// deepEyesSize is the smart_resize of eval_vstar.py, applied to the box's width and height:
// both rounded to multiples of 28 (at least 28), then scaled into 4·28² to 16384·28² pixels. It
// has no aspect limit, unlike Qwen's. An area that would divide by zero is an error, as it is
// there.
func deepEyesSize(w, h float64) (int, int, error) {
	const factor, minPixels, maxPixels = 28.0, 4 * 28 * 28, 16384 * 28 * 28
	byFactor := func(v float64, f func(float64) float64) float64 { return f(v/factor) * factor }
	wBar := max(factor, byFactor(w, math.RoundToEven))
	hBar := max(factor, byFactor(h, math.RoundToEven))
	switch {
	case wBar*hBar > maxPixels:
		beta := math.Sqrt(w * h / maxPixels)
		wBar, hBar = byFactor(w/beta, math.Floor), byFactor(h/beta, math.Floor)
	case wBar*hBar < minPixels:
		if w*h == 0 {
			return 0, 0, fmt.Errorf("the box has no area")
		}
		beta := math.Sqrt(minPixels / (w * h))
		wBar, hBar = byFactor(w*beta, math.Ceil), byFactor(h*beta, math.Ceil)
	}
	if wBar < 1 || hBar < 1 || wBar*hBar > maxOutputPixels {
		return 0, 0, fmt.Errorf("the crop cannot be resized to %g×%g pixels", wBar, hBar)
	}
	return int(wBar), int(hBar), nil
}
