package runners

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the GIF decoder
	"image/jpeg"
	"image/png"
	"math"

	_ "golang.org/x/image/bmp"  // registers the BMP decoder
	_ "golang.org/x/image/webp" // registers the WebP decoder

	"github.com/realx-bench/realx/tasks"
)

// MaxImagePixels is the largest image, in pixels, that PrepareImage accepts: Pillow's
// decompression-bomb limit, so that an image Python tools refuse is refused here too.
const MaxImagePixels = 178956970

// JPEGQuality is the quality at which resized JPEG sources are re-encoded.
const JPEGQuality = 95

// qwenMaxRatio is the largest aspect ratio Qwen's smart_resize accepts.
const qwenMaxRatio = 200

// sendAsIs maps the formats that OpenAI-compatible endpoints accept onto their media types.
// Images in these formats that need no resize are sent unchanged.
var sendAsIs = map[string]string{
	"jpeg": "image/jpeg",
	"png":  "image/png",
	"webp": "image/webp",
	"gif":  "image/gif",
}

// PrepareImage decodes data (jpeg, png, gif, webp, bmp — sniff, never trust extensions) and
// returns it ready to send under policy.
//
// When policy asks for no resize and the format is one endpoints accept (jpeg, png, webp,
// gif), the original bytes are sent unchanged (the returned Data shares data's memory), with
// the sniffed media type and the size read from the header. Otherwise the image is decoded,
// resized to the size ImageSize gives with ResizeWith (PIL's BICUBIC, as the reference pipelines
// resize, or the policy's filter), and re-encoded: JPEG sources as JPEG at the policy's quality
// (JPEGQuality when it sets none), everything else as PNG. Only
// the first frame of an animated GIF is kept when it is resized. EXIF orientation is not
// applied (Pillow, which the reference pipelines use, ignores it too).
func PrepareImage(data []byte, policy tasks.ImagePolicy) (*Image, error) {
	if len(data) == 0 {
		return nil, errors.New("prepare image: no data")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("prepare image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("prepare image: %s image has no pixels (%d×%d)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, fmt.Errorf("prepare image: %d×%d %s image has more than %d pixels", cfg.Width, cfg.Height, format, MaxImagePixels)
	}
	w, h, err := ImageSize(cfg.Width, cfg.Height, policy)
	if err != nil {
		return nil, fmt.Errorf("prepare image: %w", err)
	}
	if mime, ok := sendAsIs[format]; ok && w == cfg.Width && h == cfg.Height {
		return &Image{Data: data, MIME: mime, Width: w, Height: h, Detail: policy.Detail}, nil
	}

	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("prepare image: decode %s: %w", format, err)
	}
	dst := ResizeWith(src, w, h, policy.Filter)
	var buf bytes.Buffer
	mime := "image/png"
	if format == "jpeg" {
		mime = "image/jpeg"
		q := policy.Quality
		if q <= 0 {
			q = JPEGQuality
		}
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: q})
	} else {
		err = png.Encode(&buf, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("prepare image: encode %s: %w", mime, err)
	}
	b := dst.Bounds()
	return &Image{Data: buf.Bytes(), MIME: mime, Width: b.Dx(), Height: b.Dy(), Detail: policy.Detail}, nil
}

// ImageSize returns the size, width then height, at which an image of width×height is sent
// under policy.
//
// With policy.Factor > 1 it is Qwen2.5-VL's smart_resize (qwen_vl_utils), to the pixel: both
// sides rounded to multiples of Factor (half to even, as Python's round), then scaled down
// under MaxPixels or up over MinPixels keeping the aspect ratio; an aspect ratio above 200 is
// an error. A zero MaxPixels means no cap and a zero MinPixels no floor. Where smart_resize
// would return a zero side (tiny MaxPixels with an extreme aspect ratio), the side is Factor
// instead.
//
// Otherwise MaxPixels caps width×height and MinPixels raises it, keeping the aspect ratio
// (sides are floored when scaling down and ceiled when scaling up), and an image within both
// limits keeps its size.
func ImageSize(width, height int, policy tasks.ImagePolicy) (int, int, error) {
	if width <= 0 || height <= 0 {
		return 0, 0, fmt.Errorf("image size %d×%d is not positive", width, height)
	}
	if policy.MaxPixels < 0 || policy.MinPixels < 0 || policy.Factor < 0 {
		return 0, 0, fmt.Errorf("image policy has a negative value (max_pixels %d, min_pixels %d, factor %d)",
			policy.MaxPixels, policy.MinPixels, policy.Factor)
	}
	if policy.MaxPixels > 0 && policy.MinPixels > policy.MaxPixels {
		return 0, 0, fmt.Errorf("image policy min_pixels %d is above max_pixels %d", policy.MinPixels, policy.MaxPixels)
	}
	if policy.Factor > 1 {
		h, w, err := smartResize(height, width, policy.Factor, policy.MinPixels, policy.MaxPixels)
		return w, h, err
	}
	w, h := float64(width), float64(height)
	pixels := w * h
	switch {
	case policy.MaxPixels > 0 && pixels > float64(policy.MaxPixels):
		scale := math.Sqrt(float64(policy.MaxPixels) / pixels)
		tw, th := max(1, int(math.Floor(w*scale))), max(1, int(math.Floor(h*scale)))
		// Guard against rounding in scale: shrink the longer side until the cap holds.
		for tw*th > policy.MaxPixels && (tw > 1 || th > 1) {
			if tw >= th {
				tw--
			} else {
				th--
			}
		}
		return tw, th, nil
	case policy.MinPixels > 0 && pixels < float64(policy.MinPixels):
		scale := math.Sqrt(float64(policy.MinPixels) / pixels)
		return int(math.Ceil(w * scale)), int(math.Ceil(h * scale)), nil
	}
	return width, height, nil
}

// smartResize is qwen_vl_utils.smart_resize; it takes and returns height before width, as the
// Python does. maxPixels 0 means no cap.
func smartResize(height, width, factor, minPixels, maxPixels int) (int, int, error) {
	ratio := float64(max(height, width)) / float64(min(height, width))
	if ratio > qwenMaxRatio {
		return 0, 0, fmt.Errorf("absolute aspect ratio must be smaller than %d, got %v", qwenMaxRatio, ratio)
	}
	f := float64(factor)
	hBar := max(factor, int(math.RoundToEven(float64(height)/f))*factor)
	wBar := max(factor, int(math.RoundToEven(float64(width)/f))*factor)
	switch {
	case maxPixels > 0 && hBar*wBar > maxPixels:
		beta := math.Sqrt(float64(height*width) / float64(maxPixels))
		hBar = int(math.Floor(float64(height)/beta/f)) * factor
		wBar = int(math.Floor(float64(width)/beta/f)) * factor
	case hBar*wBar < minPixels:
		beta := math.Sqrt(float64(minPixels) / float64(height*width))
		hBar = int(math.Ceil(float64(height)*beta/f)) * factor
		wBar = int(math.Ceil(float64(width)*beta/f)) * factor
	}
	return max(factor, hBar), max(factor, wBar), nil
}
