package python

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pngHeader returns the bytes of a PNG whose header says w×h and that holds no pixels.
func pngHeader(w, h int32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", nil)
	chunk("IEND", nil)
	return b.Bytes()
}

// testLimits are small reply limits: 3 images of at most 100 pixels and 300 bytes each, 500
// bytes in all.
var testLimits = replyLimits{maxImages: 3, maxPixels: 100, imageBytes: 300, callBytes: 500, line: 4096}

func images(pngs ...[]byte) string {
	var parts []string
	for _, p := range pngs {
		parts = append(parts, fmt.Sprintf(`{"png": %q, "width": -1, "height": 4611686018427387904}`, base64.StdEncoding.EncodeToString(p)))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestParseExecReply(t *testing.T) {
	small := testImage(t, 4, 5).Data
	require.Less(t, len(small), 300)
	rep, err := parseExecReply([]byte(`{"ok": true, "images": `+images(small)+`, "dropped": 2, "blank": 1, "too_big": 3, "error": "ValueError: bad"}`), testLimits, 1000, false)
	require.NoError(t, err)
	require.Len(t, rep.images, 1)
	assert.Equal(t, [2]int{4, 5}, [2]int{rep.images[0].Width, rep.images[0].Height}, "the sizes are the PNG's, not the reply's")
	assert.Equal(t, "image/png", rep.images[0].MIME)
	assert.Equal(t, [3]int{2, 1, 3}, [3]int{rep.dropped, rep.blank, rep.tooBig})
	assert.Equal(t, "ValueError: bad", rep.err)

	rep, err = parseExecReply([]byte(`{"ok": true, "error": "`+strings.Repeat("e", 5000)+`"}`), testLimits, 1000, false)
	require.NoError(t, err)
	assert.Less(t, len(rep.err), 1100, "the error line is capped")

	pad := func(n int) []byte { return append(pngHeader(1, 1), make([]byte, n)...) }
	for _, tc := range []struct{ name, line, want string }{
		{"not JSON", `{"ok": tru`, "not the driver's JSON"},
		{"the supervisor's error", `{"ok": false, "error": "the code wrote to the kernel's pipe"}`, "the code wrote to the kernel's pipe"},
		{"a failure without a reason", `{"ok": false}`, "the driver reported a failure"},
		{"a negative count", `{"ok": true, "dropped": -1}`, "negative image counts (-1, 0, 0)"},
		{"a wrong type", `{"ok": true, "images": "x"}`, "not the driver's JSON"},
		{"too many images", `{"ok": true, "images": ` + images(small, small, small, small) + `}`, "4 images, at most 3 per call"},
		{"bad base64", `{"ok": true, "images": [{"png": "%%%"}]}`, "image 1: bad base64"},
		{"not a PNG", `{"ok": true, "images": ` + images([]byte("GIF89a......")) + `}`, "image 1: not a PNG"},
		{"a negative width", `{"ok": true, "images": ` + images(pngHeader(-5, 10)) + `}`, "image 1: not a PNG: png: invalid format: non-positive dimension"},
		{"too many pixels", `{"ok": true, "images": ` + images(small, pngHeader(11, 10)) + `}`, "image 2: 11×10 pixels, want a positive size of at most 100 pixels"},
		{"2^30×2^30 pixels", `{"ok": true, "images": ` + images(pngHeader(1<<30, 1<<30)) + `}`, "image 1: not a PNG: png: unsupported feature: dimension overflow"},
		{"an image over its cap", `{"ok": true, "images": ` + images(pad(400)) + `}`, "image 1: over 300 bytes"},
		{"an image just over its cap", `{"ok": true, "images": ` + images(pad(301-len(pngHeader(1, 1)))) + `}`, "image 1: over 300 bytes"},
		{"images over the call's cap", `{"ok": true, "images": ` + images(pad(200), pad(200)) + `}`, "images over 500 bytes in all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseExecReply([]byte(tc.line), testLimits, 1000, false)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestReplyLimitsFollowTheConfig(t *testing.T) {
	c := Config{}.withDefaults()
	l := c.replyLimits()
	assert.Equal(t, replyLimits{maxImages: 10, maxPixels: DefaultMaxImagePixels, imageBytes: 5*DefaultMaxImagePixels + 64<<10,
		callBytes: maxCallImageBytes, line: base64.StdEncoding.EncodedLen(maxCallImageBytes) + 640 + 128<<10}, l)
	c = Config{MaxImagePixels: -1, MaxImages: 2}.withDefaults()
	l = c.replyLimits()
	assert.Equal(t, int64(178956970), l.maxPixels, "no pixel cap is PIL's (and PrepareImage's) largest image")
	assert.Equal(t, maxCallImageBytes, l.imageBytes)
	assert.Equal(t, maxCallImageBytes, l.callBytes)
}

// endless is a reader of endless x without a newline, which counts what was read.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += len(p)
	return len(p), nil
}

func TestReadLineStopsAtTheLimit(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("short\n"+strings.Repeat("y", 99)+"\nrest"), 16)
	line, err := readLine(br, 100)
	require.NoError(t, err)
	assert.Equal(t, "short\n", string(line))
	line, err = readLine(br, 100)
	require.NoError(t, err)
	assert.Len(t, line, 100)
	src := &endless{}
	_, err = readLine(bufio.NewReaderSize(src, 64<<10), 1<<20)
	require.ErrorIs(t, err, errReplyTooLong)
	assert.LessOrEqual(t, src.n, 1<<20+64<<10, "it read no further than the limit and one buffer")
}

// FuzzDriverReply checks that whatever the sandbox sends as a reply, parseExecReply either
// refuses it or returns what the limits allow: PNGs whose decoded sizes it reports.
func FuzzDriverReply(f *testing.F) {
	small := testImage(f, 3, 2).Data
	for _, line := range []string{
		`{"ok": true, "images": [], "dropped": 0, "blank": 0, "too_big": 0, "error": null}`,
		`{"ok": true, "images": ` + images(small) + `, "dropped": 1, "error": "ZeroDivisionError: division by zero"}`,
		`{"ok": true, "images": ` + images(small, small, small, small) + `}`,
		`{"ok": true, "images": ` + images(pngHeader(-5, 1<<31-1)) + `}`,
		`{"ok": true, "images": ` + images(pngHeader(10, 10), pngHeader(11, 10)) + `}`,
		`{"ok": false, "error": "the code wrote to the kernel's pipe to the driver: a line that is not JSON"}`,
		`{"ok": true, "dropped": -3}`,
		`{"ok": true, "images": [{"png": "iVBORw0KGgo="}]}`,
		`not json`,
	} {
		f.Add([]byte(line))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		rep, err := parseExecReply(line, testLimits, 200, false)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(rep.images), testLimits.maxImages)
		require.GreaterOrEqual(t, min(rep.dropped, rep.blank, rep.tooBig), 0)
		require.LessOrEqual(t, len(rep.err), 200+64)
		total := 0
		for _, im := range rep.images {
			total += len(im.Data)
			require.LessOrEqual(t, len(im.Data), testLimits.imageBytes)
			cfg, err := png.DecodeConfig(bytes.NewReader(im.Data))
			require.NoError(t, err)
			require.Equal(t, [2]int{cfg.Width, cfg.Height}, [2]int{im.Width, im.Height})
			require.Positive(t, im.Width)
			require.Positive(t, im.Height)
			require.LessOrEqual(t, int64(im.Width)*int64(im.Height), testLimits.maxPixels)
		}
		require.LessOrEqual(t, total, testLimits.callBytes)
	})
}

// TestJPEGReplies: in the deepeyesv2 mode the images are JPEGs, checked as the PNGs are (their
// size read from their own header, within the caps); a PNG is refused there, and a JPEG in the
// realx mode.
func TestJPEGReplies(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 30, 20)), nil))
	enc := base64.StdEncoding.EncodeToString(buf.Bytes())
	lim := replyLimits{maxImages: 3, maxPixels: 1000, imageBytes: 4000, callBytes: 8000, line: 1 << 16}
	rep, err := parseExecReply([]byte(`{"ok": true, "images": [{"jpeg": "`+enc+`"}]}`), lim, 1000, true)
	require.NoError(t, err)
	require.Len(t, rep.images, 1)
	assert.Equal(t, []any{"image/jpeg", 30, 20}, []any{rep.images[0].MIME, rep.images[0].Width, rep.images[0].Height})
	_, err = parseExecReply([]byte(`{"ok": true, "images": [{"jpeg": "`+enc+`"}]}`), lim, 1000, false)
	assert.ErrorContains(t, err, "not a PNG")
	_, err = parseExecReply([]byte(`{"ok": true, "images": [{"png": "`+base64.StdEncoding.EncodeToString(pngHeader(4, 4))+`"}]}`), lim, 1000, true)
	assert.ErrorContains(t, err, "not a JPEG")
	_, err = parseExecReply([]byte(`{"ok": true, "images": [{"jpeg": "`+base64.StdEncoding.EncodeToString(pngHeader(4, 4))+`"}]}`), lim, 1000, true)
	assert.ErrorContains(t, err, "not a JPEG")
	huge := bytes.Clone(buf.Bytes())
	// The SOF0 marker's height and width, past the pixel cap: refused from the header.
	i := bytes.Index(huge, []byte{0xff, 0xc0})
	require.Positive(t, i)
	huge[i+5], huge[i+6], huge[i+7], huge[i+8] = 0xff, 0xff, 0xff, 0xff
	_, err = parseExecReply([]byte(`{"ok": true, "images": [{"jpeg": "`+base64.StdEncoding.EncodeToString(huge)+`"}]}`), lim, 1000, true)
	assert.ErrorContains(t, err, "pixels")
}
