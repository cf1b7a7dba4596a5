package imageops

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// sent encodes img as a sample image in format.
func sent(t testing.TB, img image.Image, format string) *runners.Image {
	t.Helper()
	data, err := Encode(img, format)
	require.NoError(t, err)
	b := img.Bounds()
	return &runners.Image{Data: data, MIME: MIME(format), Width: b.Dx(), Height: b.Dy()}
}

// open opens the tool called name for env.
func open(t testing.TB, name string, opt Options, env *runners.ToolEnv) runners.ToolInstance {
	t.Helper()
	tool, ok := ByName(name, opt)
	require.True(t, ok, name)
	inst, err := tool.Open(context.Background(), env)
	require.NoError(t, err)
	t.Cleanup(func() { inst.Close() })
	return inst
}

// call calls inst with args and requires it to succeed.
func call(t testing.TB, inst runners.ToolInstance, args string) *runners.Observation {
	t.Helper()
	obs, err := inst.Call(context.Background(), json.RawMessage(args))
	require.NoError(t, err)
	require.NotNil(t, obs)
	require.Empty(t, obs.Error, obs.Text)
	require.Len(t, obs.Images, 1)
	return obs
}

// decoded decodes an observation's image and checks its declared size and type.
func decoded(t testing.TB, im *runners.Image) (image.Image, string) {
	t.Helper()
	img, format, err := Decode(im.Data)
	require.NoError(t, err)
	assert.Equal(t, MIME(format), im.MIME)
	assert.Equal(t, image.Rect(0, 0, im.Width, im.Height), img.Bounds())
	return img, format
}

func TestNamesAndDefinitions(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"contrast", "crop", "flip", "image_zoom_in_tool", "resize", "rotate"}, Names())
	for _, name := range Names() {
		for _, opt := range []Options{{}, DeepEyesOptions(), {Normalized: true}} {
			tool, ok := ByName(name, opt)
			require.True(t, ok)
			def := tool.Def()
			assert.Equal(t, name, def.Name)
			assert.NotEmpty(t, def.Description)
			var schema struct {
				Type       string                     `json:"type"`
				Properties map[string]json.RawMessage `json:"properties"`
				Required   []string                   `json:"required"`
			}
			require.NoError(t, json.Unmarshal(def.Parameters, &schema), name)
			assert.Equal(t, "object", schema.Type)
			for _, r := range schema.Required {
				assert.Contains(t, schema.Properties, r, "%s requires a declared argument", name)
			}
		}
	}
	_, ok := ByName("python", Options{})
	assert.False(t, ok)

	// image_zoom_in_tool is declared as DeepEyes declares it, the model being trained on it.
	tool, _ := ByName(ZoomInName, Options{Normalized: true})
	def := tool.Def()
	assert.Equal(t, "Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label.", def.Description)
	assert.JSONEq(t, `{"type":"object","properties":{
		"bbox_2d":{"type":"array","items":{"type":"number"},"minItems":4,"maxItems":4,"description":"The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner."},
		"label":{"type":"string","description":"The name or label of the object in the specified bounding box (optional)."}},
		"required":["bbox_2d"]}`, string(def.Parameters))
	tool, _ = ByName(CropName, Options{Normalized: true})
	assert.Contains(t, string(tool.Def().Parameters), "normalised to 0–1000")
}

func TestZoomIn(t *testing.T) {
	t.Parallel()
	src := pattern(image.Rect(0, 0, 200, 100))
	env := &runners.ToolEnv{SampleID: "s", Images: []*runners.Image{sent(t, src, FormatPNG)}}

	// The crop of a PNG is a PNG with exactly the pixels of the region.
	obs := call(t, open(t, ZoomInName, Options{}, env), `{"bbox_2d": [10, 20, 60, 70], "label": "the thing"}`)
	assert.Equal(t, "Image 1 is the region [10, 20, 60, 70] of image 0, at 50×50 pixels.", obs.Text)
	assert.Equal(t, KindCrop, obs.Kind)
	img, format := decoded(t, obs.Images[0])
	assert.Equal(t, FormatPNG, format)
	assertSamePixels(t, src, img, image.Pt(10, 20), img.Bounds())

	// DeepEyes' options grow a small box to 28 pixels, resize the crop with smart_resize and
	// send it as PNG.
	env = &runners.ToolEnv{Images: []*runners.Image{sent(t, src, FormatJPEG)}}
	obs = call(t, open(t, ZoomInName, DeepEyesOptions(), env), `{"bbox_2d": [100, 50, 110, 60]}`)
	assert.Equal(t, "Image 1 is the region [91, 41, 119, 69] of image 0, at 56×56 pixels.", obs.Text)
	_, format = decoded(t, obs.Images[0])
	assert.Equal(t, FormatPNG, format)
	obs = call(t, open(t, ZoomInName, Options{}, env), `{"bbox_2d": [100, 50, 110, 60]}`)
	_, format = decoded(t, obs.Images[0])
	assert.Equal(t, FormatJPEG, format, "crops of JPEG are JPEG")
	obs = call(t, open(t, ZoomInName, Options{Format: FormatJPEG}, &runners.ToolEnv{Images: []*runners.Image{sent(t, toRGBA(src), FormatPNG)}}), `{"bbox_2d": [0, 0, 10, 10]}`)
	_, format = decoded(t, obs.Images[0])
	assert.Equal(t, FormatPNG, format, "transparent pixels are never sent as JPEG")
	obs = call(t, open(t, ZoomInName, Options{Format: FormatJPEG}, &runners.ToolEnv{Images: []*runners.Image{sent(t, image.NewGray(image.Rect(0, 0, 40, 40)), FormatPNG)}}), `{"bbox_2d": [0, 0, 10, 10]}`)
	_, format = decoded(t, obs.Images[0])
	assert.Equal(t, FormatJPEG, format, "Options.Format chooses")

	// Normalised coordinates, corners swapped, a second image chosen by image_index.
	env = &runners.ToolEnv{Images: []*runners.Image{sent(t, src, FormatJPEG), sent(t, pattern(image.Rect(0, 0, 40, 80)), FormatPNG)}}
	obs = call(t, open(t, ZoomInName, Options{Normalized: true}, env), `{"bbox_2d": [1000, 1000, 500, 0], "image_index": 1}`)
	assert.Equal(t, "Image 2 is the region [20, 0, 40, 80] of image 1, at 20×80 pixels.", obs.Text)

	// Arguments encoded twice, as some models send them, are read.
	obs = call(t, open(t, ZoomInName, Options{}, env), `"{\"bbox_2d\": [0, 0, 20, 10]}"`)
	assert.Equal(t, 20, obs.Images[0].Width)
}

func TestBadArguments(t *testing.T) {
	t.Parallel()
	env := &runners.ToolEnv{Images: []*runners.Image{sent(t, pattern(image.Rect(0, 0, 200, 100)), FormatPNG)}}
	tests := []struct {
		tool, args, want string
	}{
		{ZoomInName, `{}`, `the argument "bbox_2d" is missing`},
		{ZoomInName, ``, `the argument "bbox_2d" is missing`},
		{ZoomInName, `{"bbox": [1, 2, 3, 4]}`, `the argument "bbox_2d" is missing`},
		{ZoomInName, `{"bbox_2d": "10, 20, 30, 40"}`, "bbox_2d must be a list of 4 numbers [x1, y1, x2, y2], got a string"},
		{ZoomInName, `{"bbox_2d": {"x1": 1}}`, "got an object"},
		{ZoomInName, `{"bbox_2d": [10, 20, 30]}`, "bbox_2d must be a list of 4 numbers [x1, y1, x2, y2], got 3"},
		{ZoomInName, `{"bbox_2d": [10, 20, 30, 40, 50]}`, "got 5"},
		{ZoomInName, `{"bbox_2d": [10, "20", 30, 40]}`, "item 2 is a string"},
		{ZoomInName, `{"bbox_2d": [10, null, 30, 40]}`, "item 2 is null"},
		{ZoomInName, `{"bbox_2d": [[10, 20, 30, 40]]}`, "item 1 is a list"},
		{ZoomInName, `{"bbox_2d": [300, 10, 400, 50]}`, "lies outside the image, which is 200×100 pixels"},
		{ZoomInName, `{"bbox_2d": [10, 10, 10, 50]}`, "has no area"},
		{ZoomInName, `{"bbox_2d": [10, 10, 30, 40], "label": 7}`, `the argument "label" must be a string, got a number`},
		{ZoomInName, `{"bbox_2d": [10, 10, 30, 40], "image_index": 1}`, "image_index 1 does not exist: the only image is image_index 0"},
		{ZoomInName, `{"bbox_2d": [10, 10, 30, 40], "image_index": -1}`, `"image_index" must be a whole number of at least 0, got -1`},
		{ZoomInName, `{"bbox_2d": [10, 10, 30, 40], "image_index": 0.5}`, "got 0.5"},
		{ZoomInName, `[10, 10, 30, 40]`, "the arguments must be a JSON object"},
		{ZoomInName, `{"bbox_2d": [10, 10, 30, 40]`, "the arguments must be a JSON object"},
		{ZoomInName, `"just text"`, "the arguments must be a JSON object"},
		{CropName, `{"bbox_2d": [1e400, 0, 1, 1]}`, "item 1 is a number"},
		{RotateName, `{}`, `the argument "angle" is missing`},
		{RotateName, `{"angle": "90"}`, `the argument "angle" must be a number, got a string`},
		{RotateName, `{"angle": true}`, "got a boolean"},
		{RotateName, `{"angle": 90, "image_index": 3}`, "image_index 3 does not exist"},
		{FlipName, `{}`, `the argument "direction" is missing`},
		{FlipName, `{"direction": "diagonal"}`, `the argument "direction" must be "horizontal" or "vertical", got "diagonal"`},
		{ResizeName, `{"width": 10}`, `the argument "height" is missing`},
		{ResizeName, `{"width": 0, "height": 10}`, `"width" must be a whole number of at least 1, got 0`},
		{ResizeName, `{"width": 10.5, "height": 10}`, "got 10.5"},
		{ResizeName, `{"width": 100000, "height": 100000}`, "too large"},
		{ResizeName, `{"width": 1e300, "height": 10}`, "must be a whole number"},
		{ContrastName, `{}`, `the argument "factor" is missing`},
		{ContrastName, `{"factor": -1}`, "between 0 and 100"},
		{ResizeName, `{"width": 1000, "height": 4}`, "the resulting image of 1000×4 pixels is too thin to send"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.args, func(t *testing.T) {
			inst := open(t, tt.tool, DeepEyesOptions(), env)
			obs, err := inst.Call(context.Background(), json.RawMessage(tt.args))
			require.NoError(t, err, "a bad call is not a failure of the tool")
			require.NotNil(t, obs)
			assert.Contains(t, obs.Error, tt.want)
			assert.Equal(t, "Error: "+obs.Error, obs.Text)
			assert.Empty(t, obs.Images)
		})
	}

	// A wrong resize policy is not the model's mistake.
	_, err := open(t, ZoomInName, Options{Resize: tasks.ImagePolicy{MinPixels: 10, MaxPixels: 5}}, env).Call(context.Background(), json.RawMessage(`{"bbox_2d": [0, 0, 10, 10]}`))
	assert.ErrorContains(t, err, "min_pixels 10 is above max_pixels 5")

	// A sample without images.
	obs, err := open(t, ZoomInName, Options{}, &runners.ToolEnv{}).Call(context.Background(), json.RawMessage(`{"bbox_2d": [0, 0, 1, 1]}`))
	require.NoError(t, err)
	assert.Equal(t, "there is no image to work on", obs.Error)
	obs, err = open(t, ZoomInName, Options{}, nil).Call(context.Background(), json.RawMessage(`{"bbox_2d": [0, 0, 1, 1]}`))
	require.NoError(t, err)
	assert.Equal(t, "there is no image to work on", obs.Error)
}

func TestNativeToolsChain(t *testing.T) {
	t.Parallel()
	src := pattern(image.Rect(0, 0, 60, 40))
	env := &runners.ToolEnv{Images: []*runners.Image{sent(t, src, FormatPNG)}}
	rotate := open(t, RotateName, Options{}, env)
	crop := open(t, CropName, Options{}, env)

	// Image 1 is image 0 turned a quarter left; a crop of it comes from the top-right of image 0.
	obs := call(t, rotate, `{"angle": 90}`)
	assert.Equal(t, "Image 1 is image 0 rotated 90 degrees counter-clockwise, at 40×60 pixels.", obs.Text)
	obs = call(t, crop, `{"bbox_2d": [0, 0, 10, 5], "image_index": 1}`)
	assert.Equal(t, "Image 2 is the region [0, 0, 10, 5] of image 1, at 10×5 pixels.", obs.Text)
	img, _ := decoded(t, obs.Images[0])
	for y := 0; y < 5; y++ {
		for x := 0; x < 10; x++ {
			assert.Equal(t, src.NRGBAAt(59-y, x), img.At(x, y))
		}
	}

	obs = call(t, open(t, FlipName, Options{}, env), `{"direction": "horizontal", "image_index": 2}`)
	assert.Equal(t, "Image 3 is image 2 flipped horizontally, at 10×5 pixels.", obs.Text)
	flipped, _ := decoded(t, obs.Images[0])
	assert.Equal(t, img.At(9, 0), flipped.At(0, 0))

	obs = call(t, open(t, ResizeName, Options{}, env), `{"width": 120, "height": 80}`)
	assert.Equal(t, "Image 4 is image 0 resized to 120×80, at 120×80 pixels.", obs.Text)
	obs = call(t, open(t, ResizeName, DeepEyesOptions(), env), `{"width": 120, "height": 80}`)
	assert.Equal(t, "Image 5 is image 0 resized to 120×80, at 112×84 pixels.", obs.Text)

	obs = call(t, open(t, ContrastName, Options{}, env), `{"factor": 0}`)
	assert.Equal(t, "Image 6 is image 0 with its contrast multiplied by 0, at 60×40 pixels.", obs.Text)
	gray, _ := decoded(t, obs.Images[0])
	c0 := color.NRGBAModel.Convert(gray.At(0, 0)).(color.NRGBA)
	c1 := color.NRGBAModel.Convert(gray.At(59, 39)).(color.NRGBA)
	assert.Equal(t, [3]uint8{c0.R, c0.G, c0.B}, [3]uint8{c1.R, c1.G, c1.B}, "uniform gray; alpha kept")

	obs = call(t, rotate, `{"angle": 30, "image_index": 6}`)
	assert.Equal(t, "Image 7 is image 6 rotated 30 degrees counter-clockwise, at 72×66 pixels.", obs.Text)
}

// TestSessions is not parallel: it checks that the package's sessions are all closed.
func TestSessions(t *testing.T) {
	png := sent(t, pattern(image.Rect(0, 0, 60, 40)), FormatPNG)
	env := &runners.ToolEnv{Images: []*runners.Image{png}}
	tool, _ := ByName(ZoomInName, Options{})
	zoom, err := tool.Open(context.Background(), env)
	require.NoError(t, err)
	tool, _ = ByName(RotateName, Options{})
	rotate, err := tool.Open(context.Background(), env)
	require.NoError(t, err)

	// Both tools number the images of the sample alike.
	call(t, rotate, `{"angle": 180}`)
	call(t, zoom, `{"bbox_2d": [0, 0, 10, 10], "image_index": 1}`)

	// Another sample has only its own image.
	other, err := tool.Open(context.Background(), &runners.ToolEnv{Images: []*runners.Image{png}})
	require.NoError(t, err)
	obs, err := other.Call(context.Background(), json.RawMessage(`{"angle": 90, "image_index": 1}`))
	require.NoError(t, err)
	assert.Contains(t, obs.Error, "image_index 1 does not exist")
	require.NoError(t, other.Close())

	require.NoError(t, zoom.Close())
	require.NoError(t, zoom.Close(), "closing twice is harmless")
	_, err = zoom.Call(context.Background(), json.RawMessage(`{"bbox_2d": [0, 0, 10, 10]}`))
	assert.ErrorContains(t, err, "after Close")
	call(t, rotate, `{"angle": 90, "image_index": 2}`)
	require.NoError(t, rotate.Close())
	sessions.Lock()
	assert.Empty(t, sessions.m, "the last Close frees the sample's images")
	sessions.Unlock()
}

func TestInfrastructureErrors(t *testing.T) {
	t.Parallel()
	env := &runners.ToolEnv{Images: []*runners.Image{{Data: []byte("not an image"), MIME: "image/png"}}}
	inst := open(t, ZoomInName, Options{}, env)
	obs, err := inst.Call(context.Background(), json.RawMessage(`{"bbox_2d": [0, 0, 10, 10]}`))
	assert.ErrorContains(t, err, "image 0 of the sample: decoding image")
	assert.Nil(t, obs)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = inst.Call(ctx, json.RawMessage(`{"bbox_2d": [0, 0, 10, 10]}`))
	assert.ErrorIs(t, err, context.Canceled)
}

func TestConcurrentSamples(t *testing.T) {
	t.Parallel()
	png := sent(t, pattern(image.Rect(0, 0, 64, 48)), FormatPNG)
	tool, _ := ByName(ZoomInName, DeepEyesOptions())
	rot, _ := ByName(RotateName, DeepEyesOptions())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := &runners.ToolEnv{SampleID: fmt.Sprint(i), Images: []*runners.Image{png}}
			zoom, err := tool.Open(context.Background(), env)
			assert.NoError(t, err)
			turn, err := rot.Open(context.Background(), env)
			assert.NoError(t, err)
			for j := range 5 {
				obs, err := zoom.Call(context.Background(), json.RawMessage(fmt.Sprintf(`{"bbox_2d": [%d, 0, 40, 40]}`, i+j)))
				assert.NoError(t, err)
				assert.Empty(t, obs.Error)
				obs, err = turn.Call(context.Background(), json.RawMessage(`{"angle": 90}`))
				assert.NoError(t, err)
				assert.Empty(t, obs.Error)
			}
			assert.NoError(t, zoom.Close())
			assert.NoError(t, turn.Close())
		}()
	}
	wg.Wait()
}
