package python

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // decode sizes of returned GIFs
	"image/jpeg"  // and JPEGs
	_ "image/png" // and PNGs
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// Remote is the code tool backed by a sandbox server that users already run: the Jupyter
// sandbox DeepEyesV2 was trained and evaluated with (ChenShawn/MultiModal-Jupyter-Sandbox), or
// anything speaking its protocol. Each call POSTs
//
//	{"session_id": "…", "code": "…", "timeout": 60}
//
// to URL and reads
//
//	{"status": "success", "execution_time": 0.1,
//	 "output": {"stdout": "…", "stderr": "…", "result": "…", "images": ["<base64>", …]}}
//
// where "output" is a string when the server failed, "result" (older servers) is the value of
// the last expression, and images may be data: URLs. The server keeps the session's state; the
// first call of a sample first runs a cell that opens the sample's images as image_1, image_2, …
// (sent inline as base64, since the server does not share realx's files). Remote implements
// runners.Tool and is safe for concurrent use.
type Remote struct {
	// URL is the execution endpoint, e.g. http://localhost:18901/run_jupyter (DeepEyesV2's
	// default is http://localhost:80/jupyter_sandbox).
	URL string
	// ClearURL, when set, is POSTed {"session_id": "…"} when a sample ends (the server's
	// /clear_session), so that the server can free the session.
	ClearURL string
	// Client sends the requests; default a client with RequestTimeout.
	Client *http.Client
	// Name is the function declared to the model; default "code".
	Name string
	// CodeTimeout is sent as "timeout"; default 60 s.
	CodeTimeout time.Duration
	// RequestTimeout bounds one request; default 120 s, as DeepEyesV2.
	RequestTimeout time.Duration
	// MaxOutputBytes caps stdout and stderr, each; default 64 KiB.
	MaxOutputBytes int
	// MaxImages caps the images of one call; default 10.
	MaxImages int
	// DropBlankImages drops returned images whose every channel is ≥ 250, as DeepEyesV2's
	// evaluation drops them.
	DropBlankImages bool
	// Mode is the sandbox's mode (Config.Mode). With ModeDeepEyesV2 the images the server
	// returns are resized with smart_resize (bilinear) and sent as JPEG, as DeepEyesV2's client
	// did; the server does the rest itself.
	Mode string
}

func (r *Remote) name() string {
	if r.Name == "" {
		return DefaultName
	}
	return r.Name
}

func (r *Remote) codeTimeout() time.Duration {
	if r.CodeTimeout <= 0 {
		return DefaultCallTimeout
	}
	return r.CodeTimeout
}

func (r *Remote) requestTimeout() time.Duration {
	if r.RequestTimeout <= 0 {
		return 2 * DefaultCallTimeout
	}
	return r.RequestTimeout
}

func (r *Remote) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return http.DefaultClient
}

// Def declares the tool as a function of one string argument, "code".
func (r *Remote) Def() runners.ToolDef {
	return toolDef(r.name(), r.codeTimeout().String())
}

// Open returns the sample's instance; nothing is sent until the first call.
func (r *Remote) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	var id string
	var images []*runners.Image
	if env != nil {
		id, images = env.SampleID, env.Images
	}
	return &Instance{Executor: r.NewSession(id, images)}, nil
}

// NewSession returns a session on the server for one sample. Its id is sampleID with a random
// suffix, so that repeats and reruns of a sample never share the server's state.
func (r *Remote) NewSession(sampleID string, images []*runners.Image) *RemoteSession {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	if sampleID != "" {
		id = sampleID + "-" + id
	}
	return &RemoteSession{r: r, ID: id, images: images}
}

// RemoteSession is one sample's session on a remote sandbox.
type RemoteSession struct {
	r *Remote
	// ID is the session id sent to the server.
	ID     string
	images []*runners.Image

	mu     sync.Mutex
	loaded bool
}

// Exec runs code on the server, after the cell that loads the images if it has not run yet.
// A returned error means the server could not be reached or answered out of protocol.
func (s *RemoteSession) Exec(ctx context.Context, code string) (*Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t0 := time.Now()
	if !s.loaded && len(s.images) > 0 {
		res, err := s.post(ctx, initCell(s.images))
		if err != nil {
			return nil, err
		}
		if res.Error != "" {
			return nil, fmt.Errorf("remote python sandbox: loading the images failed: %s", res.Error)
		}
	}
	s.loaded = true
	res, err := s.post(ctx, code)
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(t0)
	return res, nil
}

// Close asks the server to drop the session when ClearURL is set.
func (s *RemoteSession) Close() error {
	if s.r.ClearURL == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := s.r.do(ctx, s.r.ClearURL, map[string]any{"session_id": s.ID})
	return err
}

// initCell is the cell that opens the images, in the spirit of DeepEyesV2's init code
// (`from PIL import Image; image_1 = Image.open(path)`), with the bytes inline.
func initCell(images []*runners.Image) string {
	var b strings.Builder
	b.WriteString("from PIL import Image\nimport base64 as _realx_b64, io as _realx_io\n")
	for i, img := range images {
		fmt.Fprintf(&b, "image_%d = Image.open(_realx_io.BytesIO(_realx_b64.b64decode(%q)))\n",
			i+1, base64.StdEncoding.EncodeToString(img.Data))
	}
	b.WriteString("del _realx_b64, _realx_io\n")
	return b.String()
}

// remoteOutput is the "output" object of the server's reply.
type remoteOutput struct {
	Stdout string   `json:"stdout"`
	Stderr string   `json:"stderr"`
	Result any      `json:"result"`
	Images []string `json:"images"`
}

func (s *RemoteSession) post(ctx context.Context, code string) (*Result, error) {
	body, err := s.r.do(ctx, s.r.URL, map[string]any{
		"session_id": s.ID,
		"code":       code,
		"timeout":    s.r.codeTimeout().Seconds(),
	})
	if err != nil {
		return nil, err
	}
	var reply struct {
		Status string          `json:"status"`
		Output json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return nil, fmt.Errorf("remote python sandbox: reply is not JSON: %v", err)
	}
	res := &Result{}
	var out remoteOutput
	var msg string
	switch {
	case json.Unmarshal(reply.Output, &out) == nil:
	case json.Unmarshal(reply.Output, &msg) == nil:
		out.Stderr = msg
	default:
		return nil, fmt.Errorf("remote python sandbox: unexpected output %.200s", reply.Output)
	}
	limit := s.r.MaxOutputBytes
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	// The server's "result" is the value of the last expression, which its stdout already
	// shows ("Out[1]: …"), or "None": DeepEyesV2's client never sends it to the model.
	res.Stdout = capString(stripANSI(out.Stdout), limit)
	res.Stderr = capString(stripANSI(out.Stderr), limit)
	if reply.Status != "success" {
		res.Error = firstNonEmpty(strings.TrimSpace(msg), "sandbox status "+reply.Status)
	} else {
		res.Error = exceptionLine(res.Stderr)
	}
	maxImages := s.r.MaxImages
	if maxImages <= 0 {
		maxImages = DefaultMaxImages
	}
	total, tooBig := 0, 0
	for _, enc := range out.Images {
		img, err := decodeImage(enc)
		if err == nil && (s.r.DropBlankImages || s.r.Mode == ModeDeepEyesV2) {
			var blank bool
			if img, blank, err = s.r.prepare(img); err == nil && blank {
				res.DroppedImages++
				continue
			}
		}
		if err != nil {
			res.Stderr = appendLine(res.Stderr, "Note: an image could not be decoded: "+err.Error())
			continue
		}
		switch {
		case len(res.Images) == maxImages:
			res.DroppedImages++
		case total+len(img.Data) > maxCallImageBytes:
			tooBig++
		default:
			total += len(img.Data)
			res.Images = append(res.Images, img)
		}
	}
	if res.DroppedImages > 0 {
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf("Note: %d more image(s) not shown: at most %d per call.", res.DroppedImages, maxImages))
	}
	if tooBig > 0 {
		res.DroppedImages += tooBig
		res.Stderr = appendLine(res.Stderr, fmt.Sprintf("Note: %d image(s) not shown: at most %d bytes of images per call.", tooBig, maxCallImageBytes))
	}
	return res, nil
}

// do POSTs v as JSON and returns the body of a 2xx reply.
func (r *Remote) do(ctx context.Context, url string, v any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, r.requestTimeout())
	defer cancel()
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("remote python sandbox: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("remote python sandbox: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("remote python sandbox: reading the reply: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("remote python sandbox: %s: %.200s", resp.Status, body)
	}
	return body, nil
}

// decodeImage decodes a base64 image, bare or as a data: URL.
func decodeImage(enc string) (*runners.Image, error) {
	if strings.HasPrefix(enc, "data:") {
		if _, after, ok := strings.Cut(enc, ","); ok {
			enc = after
		}
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return nil, err
	}
	return checkedImage(data, "", runners.MaxImagePixels)
}

// prepare processes an image the server returned as the client of the mode did: resized
// with smart_resize and encoded as JPEG in the deepeyesv2 mode; and reports whether it is
// blank (every channel ≥ 250, after the resize), when blank images are dropped.
func (r *Remote) prepare(img *runners.Image) (*runners.Image, bool, error) {
	m, _, err := image.Decode(bytes.NewReader(img.Data))
	if err != nil {
		return nil, false, err
	}
	if r.Mode == ModeDeepEyesV2 {
		policy := tasks.ImagePolicy{Factor: 28, MinPixels: 4 * 28 * 28, MaxPixels: 16384 * 28 * 28, Filter: tasks.FilterBilinear}
		w, h, err := runners.ImageSize(img.Width, img.Height, policy)
		if err != nil {
			return nil, false, err
		}
		m = runners.ResizeWith(m, w, h, policy.Filter)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 75}); err != nil {
			return nil, false, err
		}
		img = &runners.Image{Data: buf.Bytes(), MIME: "image/jpeg", Width: w, Height: h}
	}
	return img, r.DropBlankImages && isBlank(m), nil
}

// isBlank reports whether every channel of every pixel of m is at least 250.
func isBlank(m image.Image) bool {
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := m.At(x, y).RGBA()
			if min(r, g, bl, a) < 250*0x101 {
				return false
			}
		}
	}
	return true
}

var (
	ansiRe      = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]`)
	exceptionRe = regexp.MustCompile(`^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning|Exceeded)\b(:.*)?$`)
)

func stripANSI(s string) string { return ansiRe.ReplaceAllString(s, "") }

// exceptionLine returns the last line of a traceback in stderr ("ValueError: bad"), or "".
func exceptionLine(stderr string) string {
	if !strings.Contains(stderr, "Traceback (most recent call last)") && !strings.Contains(stderr, "Error") {
		return ""
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if exceptionRe.MatchString(l) && !strings.Contains(l, "Warning") {
			return l
		}
		return ""
	}
	return ""
}

func capString(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	c := newCapped(limit)
	c.write([]byte(s))
	return c.String()
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
