package runners

import (
	"bytes"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/tasks"
)

func TestResize(t *testing.T) {
	t.Parallel()
	src := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range src.Pix {
		src.Pix[i] = []uint8{200, 100, 50, 255}[i%4]
	}
	for _, size := range [][2]int{{20, 15}, {80, 60}, {7, 50}, {1, 1}} {
		got := Resize(src, size[0], size[1])
		require.Equal(t, image.Rect(0, 0, size[0], size[1]), got.Bounds())
		assert.Equal(t, color.RGBA{200, 100, 50, 255}, got.At(size[0]/2, size[1]/2), "a uniform image stays uniform")
	}
	assert.Same(t, src, Resize(src, 40, 30))
	assert.Equal(t, image.Rect(0, 0, 1, 1), Resize(src, 0, -3).Bounds())
}

// pilSource is the 7×5 RGB image whose resizes by PIL 9.4 the tests compare with.
func pilSource() *image.RGBA {
	src := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for y := 0; y < 5; y++ {
		for x := 0; x < 7; x++ {
			src.SetRGBA(x, y, color.RGBA{uint8((x*37 + y*11) % 256), uint8((x*5 + y*60) % 256), uint8((255 - x*30 - y*7) % 256), 255})
		}
	}
	return src
}

func TestResizeMatchesPIL(t *testing.T) {
	t.Parallel()
	// Values from PIL 9.4: a 7×5 RGB image resized with resample=BICUBIC.
	src := pilSource()
	for _, tt := range []struct {
		w, h int
		want [][3]uint8
	}{
		{11, 3, [][3]uint8{{3, 21, 253}, {17, 23, 242}, {44, 26, 220}, {68, 30, 201}, {91, 33, 182}, {115, 36, 163}, {139, 39, 144}, {162, 42, 125}, {186, 46, 106}, {213, 49, 84}, {229, 51, 71}, {19, 120, 243}, {35, 122, 230}, {62, 125, 208}, {86, 129, 189}, {109, 132, 170}, {133, 135, 151}, {157, 144, 132}, {180, 151, 113}, {204, 155, 94}, {237, 158, 72}, {255, 160, 59}, {37, 219, 231}, {53, 221, 218}, {80, 224, 196}, {104, 228, 177}, {127, 233, 158}, {151, 234, 139}, {175, 137, 120}, {202, 87, 101}, {227, 94, 82}, {161, 97, 60}, {107, 99, 47}}},
		{3, 8, [][3]uint8{{26, 0, 234}, {110, 11, 166}, {194, 22, 98}, {31, 25, 231}, {115, 36, 163}, {199, 47, 95}, {39, 68, 226}, {123, 79, 158}, {207, 90, 90}, {46, 105, 221}, {130, 116, 153}, {214, 127, 85}, {52, 142, 217}, {136, 156, 149}, {224, 174, 81}, {59, 180, 212}, {143, 193, 144}, {230, 210, 76}, {67, 229, 207}, {156, 190, 139}, {176, 85, 71}, {72, 255, 204}, {164, 180, 136}, {135, 0, 68}}},
		{4, 4, [][3]uint8{{17, 10, 242}, {79, 18, 192}, {147, 28, 136}, {209, 36, 86}, {30, 84, 233}, {92, 92, 183}, {160, 102, 127}, {222, 110, 77}, {44, 160, 225}, {106, 168, 175}, {174, 184, 119}, {241, 195, 69}, {57, 234, 216}, {119, 246, 166}, {196, 101, 110}, {135, 44, 60}}},
	} {
		got := Resize(src, tt.w, tt.h).(*image.RGBA)
		require.Equal(t, image.Rect(0, 0, tt.w, tt.h), got.Rect)
		for i, w := range tt.want {
			assert.Equal(t, color.RGBA{w[0], w[1], w[2], 255}, got.RGBAAt(i%tt.w, i/tt.w), "%d×%d pixel %d", tt.w, tt.h, i)
		}
	}
	// One pass only when one side keeps its size.
	assert.Equal(t, image.Rect(0, 0, 7, 9), Resize(src, 7, 9).Bounds())
	assert.Equal(t, image.Rect(0, 0, 12, 5), Resize(src, 12, 5).Bounds())
}

// plainResize is Resize as PIL's ImagingResample writes it: the horizontal pass over the rows
// the vertical pass reads, into a whole intermediate image, then the vertical pass, sample by
// sample.
func plainResize(src *image.RGBA, w, h int) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	at := func(m *image.RGBA, x, y, c int) int32 { return int32(m.Pix[y*m.Stride+x*4+c]) }
	tmp, first := src, 0
	var vert []span
	if h != sh {
		vert = resampleSpans(sh, h, bicubicFilter)
		first = vert[0].start
	}
	if w != sw {
		last := sh
		if vert != nil {
			last = vert[h-1].start + len(vert[h-1].k)
		}
		tmp = image.NewRGBA(image.Rect(0, 0, w, last-first))
		for y := first; y < last; y++ {
			for x, sp := range resampleSpans(sw, w, bicubicFilter) {
				for c := range 4 {
					sum := int32(half)
					for j, k := range sp.k {
						sum += at(src, sp.start+j, y, c) * k
					}
					tmp.Pix[(y-first)*tmp.Stride+x*4+c] = clip8(sum)
				}
			}
		}
		first = 0
	}
	if vert == nil {
		return tmp
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y, sp := range vert {
		for x := range w {
			for c := range 4 {
				sum := int32(half)
				for j, k := range sp.k {
					sum += at(tmp, x, sp.start-first+j, c) * k
				}
				dst.Pix[y*dst.Stride+x*4+c] = clip8(sum)
			}
		}
	}
	return dst
}

// noise returns a w×h RGBA image of pseudo-random samples, alpha included.
func noise(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	v := uint32(1)
	for i := range m.Pix {
		v = v*1664525 + 1013904223
		m.Pix[i] = uint8(v >> 24)
	}
	return m
}

func TestResizeIsPILsTwoPasses(t *testing.T) {
	t.Parallel()
	// Resize interleaves the passes, keeps a ring of rows and sums two samples at a time; the
	// pixels must be those of the two passes done plainly, at every kind of scale.
	src := noise(61, 47)
	for _, size := range [][2]int{{13, 7}, {1, 1}, {200, 3}, {5, 150}, {61, 20}, {61, 100}, {30, 47}, {122, 47}, {122, 94}, {60, 46}, {2, 47}} {
		want := plainResize(src, size[0], size[1])
		got := Resize(src, size[0], size[1]).(*image.RGBA)
		require.Equal(t, want.Rect, got.Rect)
		require.Equal(t, want.Pix, got.Pix, "%d×%d", size[0], size[1])
	}
}

// toRGBAByDraw returns img converted to an *image.RGBA at the origin by image/draw.
func toRGBAByDraw(img image.Image) *image.RGBA {
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

func TestResizeReadsEveryLayoutAsImageDraw(t *testing.T) {
	t.Parallel()
	// Whatever the source's type, Resize works on the RGBA pixels image/draw would make of it.
	r := image.Rect(0, 0, 37, 23)
	n := noise(37, 23)
	layouts := map[string]image.Image{
		"RGBA view": n.SubImage(image.Rect(3, 1, 30, 20)),
		"NRGBA":     &image.NRGBA{Pix: n.Pix, Stride: n.Stride, Rect: r},
		"Gray":      &image.Gray{Pix: n.Pix[:37*23], Stride: 37, Rect: r},
		"CMYK":      &image.CMYK{Pix: n.Pix, Stride: n.Stride, Rect: r},
		"Paletted":  &image.Paletted{Pix: n.Pix[:37*23], Stride: 37, Rect: r, Palette: palette.Plan9},
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(image.Rect(1, 2, 40, 27), ratio)
		copy(m.Y, n.Pix)
		copy(m.Cb, n.Pix[len(m.Y):])
		copy(m.Cr, n.Pix[len(m.Y)+len(m.Cb):])
		layouts[ratio.String()] = m
		// A view whose left edge falls inside a chroma sample.
		layouts[ratio.String()+" view"] = m.SubImage(image.Rect(6, 3, 38, 26))
	}
	for name, img := range layouts {
		ref := toRGBAByDraw(img)
		for _, size := range [][2]int{{11, 7}, {ref.Rect.Dx(), 9}, {15, ref.Rect.Dy()}, {50, 40}} {
			want := Resize(ref, size[0], size[1]).(*image.RGBA)
			got := Resize(img, size[0], size[1]).(*image.RGBA)
			require.Equal(t, want.Pix, got.Pix, "%s to %d×%d", name, size[0], size[1])
		}
	}
}

func TestResizeConvertsYCbCrAsColorPackage(t *testing.T) {
	t.Parallel()
	// Every luma and chroma triple converts as color.YCbCrToRGB converts it.
	m := image.NewYCbCr(image.Rect(0, 0, 1<<16, 1), image.YCbCrSubsampleRatio444)
	for x := range m.Y {
		m.Y[x], m.Cb[x] = uint8(x), uint8(x>>8)
	}
	rows := newSourceRows(m)
	for cr := range 256 {
		for x := range m.Cr {
			m.Cr[x] = uint8(cr)
		}
		l := rows.row(0)
		for x, y := range m.Y {
			r, g, b := color.YCbCrToRGB(y, m.Cb[x], uint8(cr))
			if l[x] != pack(r, g) || l[len(m.Y)+x] != pack(b, 0xff) {
				t.Fatalf("Y %d Cb %d Cr %d: got lanes %#x %#x, want RGB %d %d %d", y, m.Cb[x], cr, l[x], l[len(m.Y)+x], r, g, b)
			}
		}
	}
}

// BenchmarkResize4K brings the decoded 4K photo (YCbCr 4:2:0) to 1232×784, as PrepareImage
// does for a Qwen2.5-VL endpoint.
func BenchmarkResize4K(b *testing.B) {
	data, err := os.ReadFile("../benchmarks/vstar-demo/images/signicade.JPG")
	require.NoError(b, err)
	src, _, err := image.Decode(bytes.NewReader(data))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		Resize(src, 1232, 784)
	}
}

func TestResizeBilinearMatchesPIL(t *testing.T) {
	t.Parallel()
	// Values from PIL 9.4: the image of TestResizeMatchesPIL resized with resample=BILINEAR, as
	// DeepEyesV2's evaluation resizes (maybe_resize_image_v2).
	src := pilSource()
	for _, tt := range []struct {
		w, h int
		want [][3]uint8
	}{
		{11, 3, [][3]uint8{{5, 26, 252}, {22, 28, 238}, {45, 31, 219}, {69, 35, 200}, {92, 38, 181}, {116, 41, 162}, {140, 44, 143}, {163, 47, 124}, {187, 51, 105}, {210, 54, 86}, {227, 56, 72}, {22, 120, 241}, {39, 122, 227}, {62, 125, 208}, {86, 129, 189}, {109, 132, 170}, {133, 135, 151}, {157, 138, 132}, {180, 141, 113}, {204, 145, 94}, {227, 148, 75}, {244, 150, 61}, {39, 214, 230}, {56, 216, 216}, {79, 219, 197}, {103, 223, 178}, {126, 226, 159}, {150, 229, 140}, {174, 139, 121}, {197, 89, 102}, {221, 93, 83}, {165, 96, 64}, {115, 98, 50}}},
		{3, 8, [][3]uint8{{32, 4, 229}, {111, 15, 165}, {190, 26, 101}, {37, 30, 226}, {116, 41, 162}, {195, 52, 98}, {44, 68, 222}, {123, 79, 158}, {202, 90, 94}, {51, 105, 217}, {130, 116, 153}, {209, 127, 89}, {57, 143, 213}, {136, 154, 149}, {215, 165, 85}, {64, 180, 208}, {143, 191, 144}, {222, 202, 80}, {71, 218, 204}, {150, 187, 140}, {178, 96, 76}, {76, 244, 201}, {155, 180, 137}, {143, 10, 73}}},
		{4, 4, [][3]uint8{{22, 18, 237}, {80, 25, 191}, {148, 35, 135}, {206, 42, 89}, {35, 88, 229}, {93, 95, 183}, {161, 105, 127}, {219, 112, 81}, {47, 158, 221}, {105, 165, 175}, {173, 175, 119}, {231, 182, 73}, {60, 228, 213}, {118, 235, 167}, {186, 106, 111}, {144, 60, 65}}},
	} {
		got := ResizeWith(src, tt.w, tt.h, tasks.FilterBilinear).(*image.RGBA)
		for i, w := range tt.want {
			assert.Equal(t, color.RGBA{w[0], w[1], w[2], 255}, got.RGBAAt(i%tt.w, i/tt.w), "%d×%d pixel %d", tt.w, tt.h, i)
		}
	}
}
