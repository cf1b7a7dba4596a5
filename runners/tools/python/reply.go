package python

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// maxCallImageBytes caps the PNG bytes of the images that one call returns, together.
const maxCallImageBytes = 64 << 20

// replyLimits bound what the driver may send back for one call. The driver keeps its images
// within them (it drops the others, with a note); realx checks them again, since everything
// that comes out of the sandbox is untrusted.
type replyLimits struct {
	maxImages  int
	maxPixels  int64 // of one image, after the driver's downscale
	imageBytes int   // PNG bytes of one image
	callBytes  int   // PNG bytes of the call's images together
	// line caps the bytes of one reply of the kernel to the supervisor; realx reads the
	// supervisor's replies with a cap a little above it (readLimit).
	line int
}

// replyLimits derives the bounds from the configuration: at most MaxImages images of at most
// MaxImagePixels pixels (runners.MaxImagePixels when there is no cap), each at most 5 bytes a
// pixel as PNG (RGBA, a filter byte per row, chunk overhead), and maxCallImageBytes in all.
func (c *Config) replyLimits() replyLimits {
	px := c.MaxImagePixels
	if px <= 0 || px > runners.MaxImagePixels {
		px = runners.MaxImagePixels
	}
	l := replyLimits{maxImages: c.MaxImages, maxPixels: px, callBytes: maxCallImageBytes}
	l.imageBytes = int(min(5*px+64<<10, maxCallImageBytes))
	l.callBytes = min(c.MaxImages*l.imageBytes, maxCallImageBytes)
	// Base64 of the images, their JSON, and the counts and the error line (at most 4096
	// characters, 12 bytes each when escaped).
	l.line = base64.StdEncoding.EncodedLen(l.callBytes) + 64*l.maxImages + 128<<10
	return l
}

// readLimit is the longest reply line realx reads from the supervisor: the kernel's reply as
// the supervisor passes it on, with room for its own fields.
func (l replyLimits) readLimit() int { return l.line + 64<<10 }

// errReplyTooLong is the error of readLine for a line over its limit.
var errReplyTooLong = errors.New("reply too long")

// readLine reads one line of at most limit bytes (the newline included), so that a flood
// without newlines costs at most limit bytes of memory. Past the limit it returns
// errReplyTooLong and stops reading.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > limit {
			return nil, errReplyTooLong
		}
		line = append(line, frag...)
		if err != bufio.ErrBufferFull {
			return line, err
		}
	}
}

// driverReply is the supervisor's answer to a request.
type driverReply struct {
	OK bool `json:"ok"`
	// Err is, for init, why it failed; for exec, the exception's last line, or, when OK is
	// false, why the supervisor found the kernel's reply garbled.
	Err string `json:"error"`
	// Images are each a PNG, or in the deepeyesv2 mode a JPEG, in base64.
	Images []struct {
		PNG  string `json:"png"`
		JPEG string `json:"jpeg"`
	} `json:"images"`
	// Dropped counts images over MaxImages, Blank the blank ones dropped, TooBig those over the
	// byte caps.
	Dropped int `json:"dropped"`
	Blank   int `json:"blank"`
	TooBig  int `json:"too_big"`
}

// execReply is a checked reply to exec.
type execReply struct {
	images                 []*runners.Image
	dropped, blank, tooBig int
	err                    string
}

// parseExecReply parses and checks the supervisor's reply to exec. Any reply that the driver
// cannot have written on its own is an error, which describes it: at most maxImages images,
// each a PNG, or when jpeg (the deepeyesv2 mode) a JPEG, whose width and height are read from
// the image's own header, never from the reply, of positive size within maxPixels and
// imageBytes, all within callBytes; counts that are not negative. The error line is capped at
// maxErr bytes.
func parseExecReply(line []byte, l replyLimits, maxErr int, jpeg bool) (*execReply, error) {
	var rep driverReply
	if err := json.Unmarshal(line, &rep); err != nil {
		return nil, fmt.Errorf("not the driver's JSON: %v", err)
	}
	if !rep.OK {
		if rep.Err == "" {
			rep.Err = "the driver reported a failure"
		}
		return nil, errors.New(capString(rep.Err, maxErr))
	}
	if rep.Dropped < 0 || rep.Blank < 0 || rep.TooBig < 0 {
		return nil, fmt.Errorf("negative image counts (%d, %d, %d)", rep.Dropped, rep.Blank, rep.TooBig)
	}
	if len(rep.Images) > l.maxImages {
		return nil, fmt.Errorf("%d images, at most %d per call", len(rep.Images), l.maxImages)
	}
	out := &execReply{dropped: rep.Dropped, blank: rep.Blank, tooBig: rep.TooBig, err: capString(rep.Err, maxErr)}
	total := 0
	for i, im := range rep.Images {
		enc, format := im.PNG, "png"
		if jpeg {
			enc, format = im.JPEG, "jpeg"
		}
		if (jpeg && im.PNG != "") || (!jpeg && im.JPEG != "") {
			return nil, fmt.Errorf("image %d: not a %s", i+1, strings.ToUpper(format))
		}
		// Checked before decoding too: base64 may hold up to 2 bytes of padding.
		tooBig := fmt.Errorf("image %d: over %d bytes", i+1, l.imageBytes)
		if base64.StdEncoding.DecodedLen(len(enc)) > l.imageBytes+2 {
			return nil, tooBig
		}
		data, err := base64.StdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("image %d: bad base64: %v", i+1, err)
		}
		if len(data) > l.imageBytes {
			return nil, tooBig
		}
		if total += len(data); total > l.callBytes {
			return nil, fmt.Errorf("images over %d bytes in all", l.callBytes)
		}
		img, err := checkedImage(data, format, l.maxPixels)
		if err != nil {
			return nil, fmt.Errorf("image %d: %v", i+1, err)
		}
		out.images = append(out.images, img)
	}
	return out, nil
}

// checkedImage returns data as an image whose width and height are read from its header: a
// PNG when want is "png", a JPEG when it is "jpeg", else any format that the image package
// decodes. The size must be positive and at most maxPixels: the header, not whoever sent it,
// says what a later decode would take.
func checkedImage(data []byte, want string, maxPixels int64) (*runners.Image, error) {
	var cfg image.Config
	format, err := want, error(nil)
	switch want {
	case "png":
		if cfg, err = png.DecodeConfig(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("not a PNG: %v", err)
		}
	case "jpeg":
		if cfg, err = jpeg.DecodeConfig(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("not a JPEG: %v", err)
		}
	default:
		if cfg, format, err = image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return nil, err
		}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%d×%d pixels, want a positive size of at most %d pixels", cfg.Width, cfg.Height, maxPixels)
	}
	return &runners.Image{Data: data, MIME: "image/" + format, Width: cfg.Width, Height: cfg.Height}, nil
}
