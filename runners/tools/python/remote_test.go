package python

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
)

// fakeJupyter answers like ChenShawn/MultiModal-Jupyter-Sandbox's /run_jupyter and
// /clear_session, with replies scripted by the code they get.
type fakeJupyter struct {
	t        *testing.T
	mu       sync.Mutex
	requests []map[string]any
	cleared  []string
	png      string
}

func (f *fakeJupyter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	require.NoError(f.t, json.NewDecoder(r.Body).Decode(&req))
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/clear_session" {
		f.cleared = append(f.cleared, req["session_id"].(string))
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success"})
		return
	}
	f.requests = append(f.requests, req)
	code, _ := req["code"].(string)
	var reply any
	switch {
	case strings.Contains(code, "broken-server"):
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	case strings.TrimSpace(code) == "":
		reply = map[string]any{"output": "Error: No code provided", "status": "error", "execution_time": 0.0}
	case strings.HasPrefix(code, "from PIL import Image"):
		reply = map[string]any{"status": "success", "execution_time": 0.01,
			"output": map[string]any{"stdout": "", "stderr": "", "images": []string{}}}
	case strings.Contains(code, "plt.show()"):
		reply = map[string]any{"status": "success", "execution_time": 0.2,
			"output": map[string]any{"stdout": "plotted\n", "stderr": "", "stdout_raw": "plotted\n",
				"images": []string{"data:image/png;base64," + f.png, f.png}}}
	case strings.Contains(code, "1/0"):
		reply = map[string]any{"status": "success", "execution_time": 0.01,
			"output": map[string]any{"stdout": "", "images": []string{}, "stderr": "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m\n" +
				"\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)\n" +
				"Cell \x1b[0;32mIn[2], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m\n\n" +
				"\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"}}
	default:
		reply = map[string]any{"status": "success", "execution_time": 0.01,
			"output": map[string]any{"stdout": "42\n", "stderr": "", "result": "'value'", "images": []string{}}}
	}
	_ = json.NewEncoder(w).Encode(reply)
}

func TestRemoteSpeaksDeepEyesV2Protocol(t *testing.T) {
	img := testImage(t, 8, 6)
	fake := &fakeJupyter{t: t, png: base64.StdEncoding.EncodeToString(img.Data)}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var tool runners.Tool = &Remote{URL: srv.URL + "/run_jupyter", ClearURL: srv.URL + "/clear_session", CodeTimeout: 30 * time.Second}
	assert.Equal(t, "code", tool.Def().Name)
	inst, err := tool.Open(context.Background(), &runners.ToolEnv{SampleID: "vstar/7", Images: []*runners.Image{img}})
	require.NoError(t, err)

	obs, err := inst.Call(context.Background(), json.RawMessage(`{"code": "import matplotlib.pyplot as plt\nplt.imshow(image_1.crop((0, 0, 4, 4)))\nplt.show()"}`))
	require.NoError(t, err)
	assert.Equal(t, "plotted\n", obs.Stdout)
	assert.Empty(t, obs.Error)
	assert.Equal(t, KindCrop, obs.Kind)
	require.Len(t, obs.Images, 2)
	assert.Equal(t, &runners.Image{Data: img.Data, MIME: "image/png", Width: 8, Height: 6}, obs.Images[0])

	// The first request loaded the image; every request carries the session and the timeout.
	require.Len(t, fake.requests, 2)
	init := fake.requests[0]["code"].(string)
	assert.Contains(t, init, "image_1 = Image.open(")
	assert.Contains(t, init, base64.StdEncoding.EncodeToString(img.Data))
	id := fake.requests[0]["session_id"].(string)
	assert.True(t, strings.HasPrefix(id, "vstar/7-"), id)
	for _, r := range fake.requests {
		assert.Equal(t, id, r["session_id"])
		assert.Equal(t, 30.0, r["timeout"])
	}

	obs, err = inst.Call(context.Background(), json.RawMessage(`{"code": "1/0"}`))
	require.NoError(t, err)
	assert.Equal(t, "ZeroDivisionError: division by zero", obs.Error)
	assert.NotContains(t, obs.Stderr, "\x1b[")
	assert.Len(t, fake.requests, 3, "the images are loaded once")

	obs, err = inst.Call(context.Background(), json.RawMessage(`{"code": "x"}`))
	require.NoError(t, err)
	assert.Equal(t, "42\n", obs.Stdout, "the server's result field is not appended: DeepEyesV2's client never sent it")

	obs, err = inst.Call(context.Background(), json.RawMessage(`{"code": "   "}`))
	require.NoError(t, err)
	assert.Contains(t, obs.Error, `"code" is missing or empty`)

	_, err = inst.Call(context.Background(), json.RawMessage(`{"code": "broken-server"}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "500")

	require.NoError(t, inst.Close())
	assert.Equal(t, []string{id}, fake.cleared)
}

func TestRemoteErrorStatusAndLimits(t *testing.T) {
	img := testImage(t, 8, 6)
	fake := &fakeJupyter{t: t, png: base64.StdEncoding.EncodeToString(img.Data)}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	r := &Remote{URL: srv.URL + "/run_jupyter", MaxImages: 1}
	s := r.NewSession("", nil)
	res, err := s.Exec(context.Background(), "")
	require.NoError(t, err)
	assert.Equal(t, "Error: No code provided", res.Error)
	res, err = s.Exec(context.Background(), "plt.show()")
	require.NoError(t, err)
	assert.Len(t, res.Images, 1)
	assert.Equal(t, 1, res.DroppedImages)
	assert.Contains(t, res.Stderr, "1 more image(s) not shown")
	require.NoError(t, s.Close(), "no ClearURL: nothing to do")

	_, err = (&Remote{URL: "http://127.0.0.1:1/run_jupyter"}).NewSession("x", nil).Exec(context.Background(), "1")
	require.Error(t, err, "an unreachable server is an infrastructure error")
}

func TestExceptionLine(t *testing.T) {
	for stderr, want := range map[string]string{
		"Traceback (most recent call last):\n  File \"<cell>\", line 1\nValueError: bad value\n": "ValueError: bad value",
		"numpy.linalg.LinAlgError: Singular matrix":                                              "numpy.linalg.LinAlgError: Singular matrix",
		"Traceback (most recent call last):\nKeyboardInterrupt\n":                                "KeyboardInterrupt",
		"/usr/lib/x.py:3: UserWarning: careful\n  warn()\n":                                      "",
		"some Error text in the middle\nthen a normal line":                                      "",
		"": "",
	} {
		assert.Equal(t, want, exceptionLine(stderr), stderr)
	}
}

func TestRemoteRefusesImagesOfAbsurdSizes(t *testing.T) {
	var images []string
	for _, data := range [][]byte{pngHeader(1<<20, 1<<20), pngHeader(-5, 10), testImage(t, 3, 2).Data} {
		images = append(images, base64.StdEncoding.EncodeToString(data))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success",
			"output": map[string]any{"stdout": "", "stderr": "", "images": images}})
	}))
	defer srv.Close()
	res, err := (&Remote{URL: srv.URL}).NewSession("s", nil).Exec(context.Background(), "display()")
	require.NoError(t, err)
	require.Len(t, res.Images, 1)
	assert.Equal(t, [2]int{3, 2}, [2]int{res.Images[0].Width, res.Images[0].Height})
	assert.Contains(t, res.Stderr, "Note: an image could not be decoded: 1048576×1048576 pixels, want a positive size of at most 178956970 pixels")
	assert.Contains(t, res.Stderr, "Note: an image could not be decoded: png: invalid format: non-positive dimension")
}

// TestRemoteAsDeepEyesV2sClient: in the deepeyesv2 mode the remote backend treats the server's
// images as DeepEyesV2's client did: an all-white one dropped, the others resized with
// smart_resize (100×70 to 112×56: 2.5 rounds to even) and sent as JPEG; the server's result
// is never appended.
func TestRemoteAsDeepEyesV2sClient(t *testing.T) {
	t.Parallel()
	white := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range white.Pix {
		white.Pix[i] = 255
	}
	var w, c bytes.Buffer
	require.NoError(t, png.Encode(&w, white))
	require.NoError(t, png.Encode(&c, image.NewRGBA(image.Rect(0, 0, 100, 70))))
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(rw).Encode(map[string]any{"status": "success", "output": map[string]any{
			"stdout": "", "stderr": "", "result": "None",
			"images": []string{base64.StdEncoding.EncodeToString(w.Bytes()), base64.StdEncoding.EncodeToString(c.Bytes())}}})
	}))
	defer srv.Close()
	r := &Remote{URL: srv.URL, DropBlankImages: true, Mode: ModeDeepEyesV2}
	res, err := r.NewSession("s", nil).Exec(context.Background(), "plt.show()")
	require.NoError(t, err)
	assert.Empty(t, res.Stdout, "no None appended")
	require.Len(t, res.Images, 1, "the white image is dropped")
	assert.Equal(t, 1, res.DroppedImages)
	assert.Equal(t, []any{"image/jpeg", 112, 56}, []any{res.Images[0].MIME, res.Images[0].Width, res.Images[0].Height})
}
