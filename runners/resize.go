package runners

import (
	"image"
	"image/draw"
	"math"

	"github.com/realx-bench/realx/tasks"
)

// Resize scales img to w×h pixels as PIL's Image.resize with BICUBIC does, the filter that
// qwen_vl_utils.fetch_image, Hugging Face's Qwen2-VL image processor and DeepEyes resize with: a
// separable Keys cubic (a = -0.5) whose support widens when shrinking, in PIL's 22-bit fixed
// point, on premultiplied RGBA, so an RGB image comes out as PIL makes it from the same pixels.
// Sizes below one pixel are raised to one. The result is a new *image.RGBA; img is returned as
// it is when it already has that size.
//
// As in PIL, the horizontal pass runs first, only over the rows the vertical pass reads, and its
// result is rounded to 8 bits; where a side keeps its size, its pass leaves the pixels as they
// are. Here the passes are interleaved: the source is converted to RGBA one row at a time, as
// image/draw would convert it, and only the rows of the horizontal pass that one output row
// needs are kept, so a large source is never held in RGBA.
func Resize(img image.Image, w, h int) image.Image {
	return ResizeWith(img, w, h, tasks.FilterBicubic)
}

// ResizeWith is Resize with PIL's filter called filter: tasks.FilterBicubic (also when empty) or
// tasks.FilterBilinear, PIL's triangle filter, with which DeepEyesV2's evaluation resizes.
func ResizeWith(img image.Image, w, h int, filter string) image.Image {
	f := bicubicFilter
	if filter == tasks.FilterBilinear {
		f = bilinearFilter
	}
	w, h = max(w, 1), max(h, 1)
	b := img.Bounds()
	if b.Dx() == w && b.Dy() == h {
		return img
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if b.Empty() {
		return dst
	}
	src := newSourceRows(img)
	var horiz []span
	if w != b.Dx() {
		horiz = resampleSpans(b.Dx(), w, f)
	}
	// Where the height is kept, these spans give every row back as it is (weights 0, 1, 0).
	vert := resampleSpans(b.Dy(), h, f)
	// The rows of the horizontal pass, in a ring of as many as one output row reads: the spans
	// move down monotonically, so each row is made once and kept while a span needs it.
	n := 0
	for _, sp := range vert {
		n = max(n, len(sp.k))
	}
	ring, all := make([]lanes, n), make(lanes, n*2*w)
	for i := range ring {
		ring[i] = all[i*2*w : (i+1)*2*w : (i+1)*2*w]
	}
	sum := make(lanes, 2*w)
	next := vert[0].start // the next row of the horizontal pass to make
	for y, sp := range vert {
		for ; next < sp.start+len(sp.k); next++ {
			if horiz == nil {
				copy(ring[next%n], src.row(b.Min.Y+next))
			} else {
				resampleRow(ring[next%n], src.row(b.Min.Y+next), horiz)
			}
		}
		for i := range sum {
			sum[i] = halfLanes
		}
		for j, k := range sp.k {
			k := int64(k)
			for i, v := range ring[(sp.start+j)%n][:len(sum)] {
				sum[i] += v * k
			}
		}
		sum.clip(dst.Pix[y*dst.Stride : y*dst.Stride+w*4])
	}
	return dst
}

// lanes is a row of w RGBA pixels as 2w int64: red and green of pixel x in l[x], blue and alpha
// in l[w+x], each in a 32-bit lane. A fixed-point sum of samples times a weight is made for two
// samples at once by one multiplication and one addition: the low lane's sum, which fits 32
// bits, is the low 32 bits, and the high lane's is what remains, shifted down (all modulo 2⁶⁴,
// so exact).
type lanes []int64

// halfLanes is half in both lanes, the start of every sum.
const halfLanes = half | half<<32

// pack puts two samples in lanes.
func pack(lo, hi uint8) int64 { return int64(lo) | int64(hi)<<32 }

// split returns the sums in the low and the high lane of v.
func split(v int64) (lo, hi int32) {
	lo = int32(v)
	return lo, int32((v - int64(lo)) >> 32)
}

// set loads RGBA bytes, 4 a pixel, into l.
func (l lanes) set(rgba []byte) {
	w := len(l) / 2
	rg, ba := l[:w], l[w:2*w]
	rgba = rgba[:w*4]
	for x := range rg {
		p := rgba[x*4 : x*4+4 : x*4+4]
		rg[x], ba[x] = pack(p[0], p[1]), pack(p[2], p[3])
	}
}

// clip writes the fixed-point sums of l as RGBA bytes, each rounded and clipped as PIL's clip8.
func (l lanes) clip(rgba []byte) {
	w := len(l) / 2
	rg, ba := l[:w], l[w:2*w]
	rgba = rgba[:w*4]
	for x := range rg {
		r, g := split(rg[x])
		b, a := split(ba[x])
		p := rgba[x*4 : x*4+4 : x*4+4]
		p[0], p[1], p[2], p[3] = clip8(r), clip8(g), clip8(b), clip8(a)
	}
}

// sourceRows reads the rows of an image as lanes of premultiplied RGBA.
type sourceRows struct {
	img    image.Image
	b      image.Rectangle
	out    lanes
	rgba   *image.RGBA  // img, when its rows are read in place
	ycbcr  *image.YCbCr // img, when its rows are converted here
	shift  uint         // log2 of the luma samples across per chroma sample
	terms  [][3]int32   // a row's chroma terms of red, green and blue
	onerow image.RGBA   // the row image/draw converts any other image into
}

func newSourceRows(img image.Image) *sourceRows {
	b := img.Bounds()
	r := &sourceRows{img: img, b: b, out: make(lanes, 2*b.Dx())}
	switch m := img.(type) {
	case *image.RGBA:
		r.rgba = m
		return r
	case *image.YCbCr:
		// Chroma sample i covers luma samples [i·s, (i+1)·s) from the origin; x>>shift is x/s only
		// for x ≥ 0.
		if b.Min.X >= 0 {
			switch m.SubsampleRatio {
			case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio440:
				r.ycbcr, r.shift = m, 0
			case image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420:
				r.ycbcr, r.shift = m, 1
			case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
				r.ycbcr, r.shift = m, 2
			}
			if r.ycbcr != nil {
				r.terms = make([][3]int32, b.Dx())
				return r
			}
		}
	}
	r.onerow = image.RGBA{Pix: make([]byte, 4*b.Dx()), Stride: 4 * b.Dx(), Rect: image.Rect(0, 0, b.Dx(), 1)}
	return r
}

// row returns row y (in img's coordinates), valid until the next call.
func (r *sourceRows) row(y int) lanes {
	switch {
	case r.rgba != nil:
		i := r.rgba.PixOffset(r.b.Min.X, y)
		r.out.set(r.rgba.Pix[i : i+4*r.b.Dx()])
	case r.ycbcr != nil:
		r.setYCbCr(y)
	default:
		draw.Draw(&r.onerow, r.onerow.Rect, r.img, image.Pt(r.b.Min.X, y), draw.Src)
		r.out.set(r.onerow.Pix)
	}
	return r.out
}

// setYCbCr converts row y of r.ycbcr into r.out as color.YCbCrToRGB (and so image/draw) does,
// taking the chroma terms once per chroma sample.
func (r *sourceRows) setYCbCr(y int) {
	m, x0, w, shift := r.ycbcr, r.b.Min.X, r.b.Dx(), r.shift
	c0 := m.COffset(x0, y) // the chroma sample of the first pixel
	first := x0 >> shift
	terms := r.terms[:(x0+w-1)>>shift-first+1]
	cbs, crs := m.Cb[c0:c0+len(terms)], m.Cr[c0:c0+len(terms)]
	for c := range terms {
		terms[c] = chromaTerms(cbs[c], crs[c])
	}
	ys := m.Y[m.YOffset(x0, y):][:w]
	rg, ba := r.out[:w], r.out[w:2*w]
	for i, v := range ys {
		// As color.YCbCrToRGB: (65536·y + 257·y + term) >> 16, clamped to 0..255.
		t := &terms[(x0+i)>>shift-first]
		yy1 := int32(v) * 0x10101
		r, g, b := clamp8[uint32(yy1+t[0])>>16&1023], clamp8[uint32(yy1+t[1])>>16&1023], clamp8[uint32(yy1+t[2])>>16&1023]
		rg[i], ba[i] = pack(r, g), pack(b, 0xff)
	}
}

// chromaTerms returns what a chroma sample adds to 65536 × luma for red, green and blue in
// color.YCbCrToRGB, plus 512 × 65536 so that the sum, shifted down 16, indexes clamp8.
func chromaTerms(cb, cr uint8) [3]int32 {
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	const offset = 512 << 16
	return [3]int32{91881*cr1 + offset, -22554*cb1 - 46802*cr1 + offset, 116130*cb1 + offset}
}

// clamp8 maps v+512 to v clamped to 0..255, for v from -512 to 511: a table, as a lookup is
// faster here than comparisons.
var clamp8 = func() (t [1024]uint8) {
	for i := range t {
		t[i] = uint8(min(max(i-512, 0), 255))
	}
	return t
}()

// precisionBits is the fixed-point precision of PIL's 8-bit resampling.
const precisionBits = 32 - 8 - 2

// half is one half in fixed point, the start of every sum so that it rounds.
const half = 1 << (precisionBits - 1)

// span is the source pixels one output pixel is made of: from start, one weight each.
type span struct {
	start int
	k     []int32
}

// bicubic is PIL's bicubic filter, Keys' cubic with a = -0.5.
func bicubic(x float64) float64 {
	const a = -0.5
	x = math.Abs(x)
	switch {
	case x < 1:
		return ((a+2)*x-(a+3))*x*x + 1
	case x < 2:
		return (((x-5)*x+8)*x - 4) * a
	}
	return 0
}

// filter is one of PIL's resampling filters: its kernel and the support of the kernel.
type filter struct {
	support float64
	kernel  func(float64) float64
}

var (
	bicubicFilter  = filter{2, bicubic}
	bilinearFilter = filter{1, func(x float64) float64 { return max(0, 1-math.Abs(x)) }}
)

// resampleSpans computes, as PIL's precompute_coeffs and normalize_coeffs_8bpc do, the spans
// and fixed-point weights that resample in pixels to out with filter f.
func resampleSpans(in, out int, f filter) []span {
	scale := float64(in) / float64(out)
	filterScale := max(scale, 1)
	support := f.support * filterScale
	spans := make([]span, out)
	taps := int(math.Ceil(support))*2 + 1
	weights := make([]float64, taps)
	all := make([]int32, 0, out*taps) // every span's weights, in one allocation
	for i := range spans {
		center := (float64(i) + 0.5) * scale
		lo := max(int(center-support+0.5), 0)
		hi := min(int(center+support+0.5), in)
		ws := weights[:hi-lo]
		var sum float64
		for j := range ws {
			ws[j] = f.kernel((float64(j+lo) - center + 0.5) / filterScale)
			sum += ws[j]
		}
		n := len(all)
		for _, v := range ws {
			if sum != 0 {
				v /= sum
			}
			if v < 0 {
				all = append(all, int32(-0.5+v*(1<<precisionBits)))
			} else {
				all = append(all, int32(0.5+v*(1<<precisionBits)))
			}
		}
		spans[i] = span{start: lo, k: all[n:len(all):len(all)]}
	}
	return spans
}

// clip8 turns a fixed-point sum into a sample, as PIL's clip8.
func clip8(v int32) uint8 {
	switch {
	case v >= 255<<precisionBits:
		return 255
	case v <= 0:
		return 0
	}
	return uint8(v >> precisionBits)
}

// resampleRow resamples the lanes s into d, rounding each sample to 8 bits, by spans.
func resampleRow(d, s lanes, spans []span) {
	sw, w := len(s)/2, len(spans)
	srg, sba := s[:sw], s[sw:2*sw]
	drg, dba := d[:w], d[w:2*w]
	for x, sp := range spans {
		rg, ba := dot2(srg[sp.start:], sba[sp.start:], sp.k)
		r, g := split(rg)
		b, a := split(ba)
		drg[x], dba[x] = pack(clip8(r), clip8(g)), pack(clip8(b), clip8(a))
	}
}

// dot2 returns the fixed-point sums of a and b times k, from half: the lanes of one output pixel.
// It is a function of its own, never inlined, so that its sums stay in registers.
//
//go:noinline
func dot2(a, b []int64, k []int32) (int64, int64) {
	a, b = a[:len(k)], b[:len(k)]
	sa, sb := int64(halfLanes), int64(halfLanes)
	for j, w := range k {
		sa += a[j] * int64(w)
		sb += b[j] * int64(w)
	}
	return sa, sb
}
