package imageops

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"github.com/realx-bench/realx/tasks"
)

// NormalizedScale is the extent of normalised coordinates: Qwen2-VL and Qwen3-VL give boxes in
// 0–1000 whatever the image size.
const NormalizedScale = 1000

// Box is a region the model asks for: (X1, Y1) is the top-left corner and (X2, Y2) the
// bottom-right, in pixels of the image as it was sent to the model, or in 0–1000 normalised
// coordinates when Options.Normalized is set.
type Box struct {
	X1, Y1, X2, Y2 float64
}

// String formats b as the model wrote it: [x1, y1, x2, y2].
func (b Box) String() string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return "[" + f(b.X1) + ", " + f(b.Y1) + ", " + f(b.X2) + ", " + f(b.Y2) + "]"
}

// BoxFromSlice makes a Box of exactly four coordinates [x1, y1, x2, y2]; any other count is an
// error meant for the model.
func BoxFromSlice(v []float64) (Box, error) {
	if len(v) != 4 {
		return Box{}, fmt.Errorf("bbox_2d must be a list of 4 numbers [x1, y1, x2, y2], got %d", len(v))
	}
	return Box{v[0], v[1], v[2], v[3]}, nil
}

// Options says how boxes are read and how the images the tools return are prepared. The zero
// value reads pixel coordinates, keeps any box size and aspect, and returns crops unresized.
type Options struct {
	// Normalized reads box coordinates as 0–1000 of the image's width and height instead of
	// pixels.
	Normalized bool
	// MinSize is the smallest side of a crop in pixels. A box whose width or height is smaller
	// grows around its centre, keeping its aspect ratio, until its shorter side is MinSize (as
	// DeepEyes does, so the crop survives smart_resize); 0 sets no minimum.
	MinSize int
	// MaxAspect refuses boxes whose longer side is more than MaxAspect times the shorter
	// (DeepEyes refuses above 100; Qwen's smart_resize above 200); 0 sets no limit.
	MaxAspect float64
	// Resize prepares every image a tool returns, to the size runners.ImageSize gives: Qwen's
	// smart_resize when Factor > 1, scaled into MinPixels–MaxPixels otherwise. The zero value
	// leaves images at their size.
	Resize tasks.ImagePolicy
	// Format encodes every returned image as FormatPNG or FormatJPEG; empty chooses by the
	// source, as OutputFormat does.
	Format string
	// Quality is the JPEG quality of returned images; 0 means runners.JPEGQuality (95).
	Quality int
	// PIL crops as DeepEyes' V* evaluation does, with PIL's Image.crop (pilCrop): the box is
	// rounded but not clamped, grown or checked for its aspect (MinSize and MaxAspect do not
	// apply), what lies outside the image is black, and the crop is resized with that
	// evaluation's smart_resize of the box's own size (deepEyesSize), bicubic, whatever Resize
	// says. A box whose right is left of its left (or lower above its upper), or that selects
	// no pixels, is an error.
	PIL bool
}

// DeepEyesOptions returns the options DeepEyes evaluates with: pixel boxes, a 28-pixel minimum
// side and an aspect limit of 100 (its training environment's checks), crops resized with
// smart_resize (factor 28, 4×28×28 to 16384×28×28 pixels) and sent as PNG, as its V* evaluation
// sends them (its training fed crops to the model without any encoding).
func DeepEyesOptions() Options {
	return Options{
		MinSize:   28,
		MaxAspect: 100,
		Resize:    tasks.ImagePolicy{Factor: 28, MinPixels: 4 * 28 * 28, MaxPixels: 16384 * 28 * 28},
		Format:    FormatPNG,
	}
}

// ResolveBox turns b into the whole-pixel rectangle to crop from an image with the given
// bounds: normalised coordinates are scaled, swapped corners put in order, the box clamped to
// the image, grown to opt.MinSize around its centre (and moved back inside the image), and its
// edges rounded as PIL's crop rounds them. A box that is not finite, lies outside the image, has
// no area, or is too thin is an error whose text is meant for the model.
func ResolveBox(b Box, bounds image.Rectangle, opt Options) (image.Rectangle, error) {
	w, h := float64(bounds.Dx()), float64(bounds.Dy())
	for _, v := range [...]float64{b.X1, b.Y1, b.X2, b.Y2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return image.Rectangle{}, fmt.Errorf("bbox_2d %s has a value that is not a finite number", b)
		}
	}
	if w <= 0 || h <= 0 {
		return image.Rectangle{}, fmt.Errorf("the image is empty (%d×%d pixels)", bounds.Dx(), bounds.Dy())
	}
	x1, y1, x2, y2 := b.X1, b.Y1, b.X2, b.Y2
	if opt.Normalized {
		x1, x2 = x1*w/NormalizedScale, x2*w/NormalizedScale
		y1, y2 = y1*h/NormalizedScale, y2*h/NormalizedScale
	}
	if x1 > x2 {
		x1, x2 = x2, x1
	}
	if y1 > y2 {
		y1, y2 = y2, y1
	}
	if x1 == x2 || y1 == y2 {
		return image.Rectangle{}, fmt.Errorf("bbox_2d %s has no area: give x1 < x2 and y1 < y2", b)
	}
	if x2 <= 0 || y2 <= 0 || x1 >= w || y1 >= h {
		return image.Rectangle{}, fmt.Errorf("bbox_2d %s lies outside the image, which %s", b, extent(bounds, opt))
	}
	x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
	bw, bh := x2-x1, y2-y1
	if opt.MaxAspect > 0 && max(bw, bh) > opt.MaxAspect*min(bw, bh) {
		return image.Rectangle{}, fmt.Errorf("bbox_2d %s is too thin: within the image its longer side is more than %g times its shorter side", b, opt.MaxAspect)
	}
	var r image.Rectangle
	if m := float64(opt.MinSize); m > 0 && (bw < m || bh < m) {
		// Grow both sides by the same ratio around the centre until the shorter one is m.
		ratio := m / min(bw, bh)
		cx, cy := (x1+x2)/2, (y1+y2)/2
		hw, hh := math.Ceil(bw*ratio/2), math.Ceil(bh*ratio/2)
		r = image.Rect(int(math.Floor(cx-hw)), int(math.Floor(cy-hh)), int(math.Ceil(cx+hw)), int(math.Ceil(cy+hh)))
		r = fitInside(r, bounds.Dx(), bounds.Dy())
	} else {
		r = image.Rect(int(math.RoundToEven(x1)), int(math.RoundToEven(y1)), int(math.RoundToEven(x2)), int(math.RoundToEven(y2)))
		// A sliver thinner than a pixel still gets one.
		if r.Dx() == 0 {
			r.Max.X++
		}
		if r.Dy() == 0 {
			r.Max.Y++
		}
		r = fitInside(r, bounds.Dx(), bounds.Dy())
	}
	return r.Add(bounds.Min), nil
}

// fitInside moves r inside [0,w)×[0,h), shrinking it only where it is larger than the image.
func fitInside(r image.Rectangle, w, h int) image.Rectangle {
	r.Min.X, r.Max.X = fitSpan(r.Min.X, r.Max.X, w)
	r.Min.Y, r.Max.Y = fitSpan(r.Min.Y, r.Max.Y, h)
	return r
}

func fitSpan(lo, hi, n int) (int, int) {
	if hi-lo >= n {
		return 0, n
	}
	if lo < 0 {
		return 0, hi - lo
	}
	if hi > n {
		return n - (hi - lo), n
	}
	return lo, hi
}

// extent describes the coordinate range of an image for an error message.
func extent(bounds image.Rectangle, opt Options) string {
	if opt.Normalized {
		return fmt.Sprintf("spans 0 to %d in both x and y (normalised coordinates)", NormalizedScale)
	}
	return fmt.Sprintf("is %d×%d pixels (x from 0 to %d, y from 0 to %d)", bounds.Dx(), bounds.Dy(), bounds.Dx(), bounds.Dy())
}

// subImager is an image that can share its pixels with a rectangle of itself.
type subImager interface {
	SubImage(r image.Rectangle) image.Image
}

// Crop returns the region of img that b selects, resolved by ResolveBox. When img can share its
// pixels (every image type of the standard library can) the result is a view of img, not a
// copy; the operations of this package never modify their input, so the view stays valid.
func Crop(img image.Image, b Box, opt Options) (image.Image, error) {
	r, err := ResolveBox(b, img.Bounds(), opt)
	if err != nil {
		return nil, err
	}
	return cropRect(img, r), nil
}

// cropRect returns the rectangle r of img, whose origin becomes (0, 0) for images copied here.
func cropRect(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(subImager); ok {
		return s.SubImage(r)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	drawSrc(dst, img, r.Min)
	return dst
}
