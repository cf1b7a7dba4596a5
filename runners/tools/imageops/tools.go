package imageops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"

	"github.com/realx-bench/realx/runners"
)

// The names of the tools, as the model calls them.
const (
	ZoomInName   = "image_zoom_in_tool"
	CropName     = "crop"
	RotateName   = "rotate"
	FlipName     = "flip"
	ResizeName   = "resize"
	ContrastName = "contrast"
)

// errEmpty is returned for operations that leave an image without pixels.
var errEmpty = errors.New("the image has no pixels")

// The kinds of call an Observation reports.
const (
	KindCrop  = "crop"
	KindOther = "other"
)

// maxAspectSent is the largest aspect ratio Qwen's smart_resize accepts.
const maxAspectSent = 200

// maxOutputPixels caps the size of an image a tool makes, so that a call cannot exhaust memory.
const maxOutputPixels = 1 << 25

// builders make each tool from options.
var builders = map[string]func(Options) *tool{
	ZoomInName:   zoomInTool,
	CropName:     cropTool,
	RotateName:   rotateTool,
	FlipName:     flipTool,
	ResizeName:   resizeTool,
	ContrastName: contrastTool,
}

// Names returns the names of the tools ByName makes, sorted.
func Names() []string {
	names := make([]string, 0, len(builders))
	for n := range builders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ByName returns the tool called name, configured by opt, and whether there is one. Every tool
// works on image_index 0 (the sample's first image) unless the call gives another image_index:
// the sample's images come first, then every image a tool returned in this sample, in order,
// shared among the tools opened with the same *runners.ToolEnv. Each returned image is resized
// by opt.Resize and encoded in opt.Format, or else as PNG when its source is PNG and as JPEG
// otherwise. Tools are safe for concurrent use; an instance serves one sample.
func ByName(name string, opt Options) (runners.Tool, bool) {
	b, ok := builders[name]
	if !ok {
		return nil, false
	}
	return b(opt), true
}

// tool is one image tool: its declaration and what a call does to the image it works on.
type tool struct {
	def  runners.ToolDef
	opt  Options
	kind string
	edit edit
}

// edit reads the arguments of a call (besides image_index) and makes the new image from img,
// image number from; it describes the result for the model, as "image 0 flipped horizontally".
// Its errors are mistakes of the call.
type edit func(opt Options, a args, img image.Image, from int) (image.Image, string, error)

// Def returns the tool's declaration.
func (t *tool) Def() runners.ToolDef { return t.def }

// Open starts the tool for the sample env describes.
func (t *tool) Open(_ context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	return &instance{t: t, s: acquire(env)}, nil
}

// instance is a tool opened for one sample.
type instance struct {
	t      *tool
	s      *session
	closed bool
}

// Call runs the tool once. Mistakes in the call come back as an Observation with Error set; a
// returned error means the sample's own image could not be read.
func (i *instance) Call(ctx context.Context, raw json.RawMessage) (obs *runners.Observation, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, err := parseArgs(raw)
	if err != nil {
		return failed(err), nil
	}
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	if i.closed {
		return nil, fmt.Errorf("%s: call after Close", i.t.def.Name)
	}
	defer func() {
		if p := recover(); p != nil {
			obs, err = nil, fmt.Errorf("%s: internal error: %v", i.t.def.Name, p)
		}
	}()
	obs, err = i.t.call(i.s, a)
	var me modelError
	if errors.As(err, &me) {
		return failed(me.error), nil
	}
	return obs, err
}

// call edits the image the call works on and returns the result.
func (t *tool) call(s *session, a args) (*runners.Observation, error) {
	img, format, from, err := source(s, a)
	if err != nil {
		return nil, err
	}
	out, what, err := t.edit(t.opt, a, img, from)
	if err != nil {
		return nil, modelError{err}
	}
	return t.emit(s, out, format, what)
}

// Close ends the instance; the session's images are freed when its last tool closes.
func (i *instance) Close() error {
	i.s.mu.Lock()
	defer i.s.mu.Unlock()
	if !i.closed {
		i.closed = true
		release(i.s)
	}
	return nil
}

// failed is the observation of a call that went wrong, saying why for the model.
func failed(err error) *runners.Observation {
	msg := err.Error()
	return &runners.Observation{Text: "Error: " + msg, Error: msg}
}

// source returns the image a call works on, by its image_index argument.
func source(s *session, a args) (image.Image, string, int, error) {
	idx, err := a.integer("image_index", false, 0, 0)
	if err != nil {
		return nil, "", 0, modelError{err}
	}
	img, format, err := s.image(idx)
	return img, format, idx, err
}

// emit prepares img by the tool's resize policy, encodes it, adds it to the session and returns
// it as the call's observation, described as what.
func (t *tool) emit(s *session, img image.Image, format, what string) (*runners.Observation, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, modelError{errEmpty}
	}
	var w, h int
	if sized, ok := img.(boxSized); ok {
		var err error
		if w, h, err = deepEyesSize(sized.w, sized.h); err != nil {
			return nil, modelError{err}
		}
		img = runners.Resize(sized.Image, w, h)
	} else {
		if t.opt.Resize.Factor > 1 && max(b.Dx(), b.Dy()) > maxAspectSent*min(b.Dx(), b.Dy()) {
			return nil, modelError{fmt.Errorf("the resulting image of %d×%d pixels is too thin to send: its longer side is more than %d times its shorter side", b.Dx(), b.Dy(), maxAspectSent)}
		}
		var err error
		if w, h, err = runners.ImageSize(b.Dx(), b.Dy(), t.opt.Resize); err != nil {
			return nil, err // the policy itself is wrong
		}
		img = runners.ResizeWith(img, w, h, t.opt.Resize.Filter)
	}
	format = OutputFormat(format)
	if t.opt.Format != "" {
		format = t.opt.Format
	}
	if o, ok := img.(interface{ Opaque() bool }); format == FormatJPEG && ok && !o.Opaque() {
		format = FormatPNG // JPEG would turn transparency black
	}
	q := t.opt.Quality
	if q == 0 {
		q = runners.JPEGQuality
	}
	data, err := encode(img, format, q)
	if err != nil {
		return nil, err
	}
	sent := &runners.Image{Data: data, MIME: MIME(format), Width: w, Height: h, Detail: t.opt.Resize.Detail}
	idx := s.add(img, format)
	text := fmt.Sprintf("Image %d is %s, at %d×%d pixels.", idx, what, w, h)
	return &runners.Observation{Text: text, Images: []*runners.Image{sent}, Kind: t.kind}, nil
}

// schema builds a JSON Schema object of the given properties (JSON texts, in order) and
// required names.
func schema(props [][2]string, required ...string) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i, p := range props {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", p[0], p[1])
	}
	b.WriteString(`},"required":[`)
	for i, r := range required {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", r)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// imageIndexProp declares the image_index argument of the native tools.
var imageIndexProp = [2]string{"image_index", `{"type":"integer","minimum":0,"description":"Which image to work on: 0 is the first image of the conversation, and each image a tool returns takes the next number. Defaults to 0."}`}

// zoomInTool is image_zoom_in_tool as DeepEyes declares it: the same name, description and
// arguments, since the model was trained on them. DeepEyes' prompt lists "bbox" as required, a
// name its own calls never use; the declaration here requires bbox_2d. An undeclared
// image_index argument selects another image.
func zoomInTool(opt Options) *tool {
	return &tool{
		opt: opt, kind: KindCrop, edit: cropEdit,
		def: runners.ToolDef{
			Name:        ZoomInName,
			Description: "Zoom in on a specific region of an image by cropping it based on a bounding box (bbox) and an optional object label.",
			Parameters: schema([][2]string{
				{"bbox_2d", `{"type":"array","items":{"type":"number"},"minItems":4,"maxItems":4,"description":"The bounding box of the region to zoom in, as [x1, y1, x2, y2], where (x1, y1) is the top-left corner and (x2, y2) is the bottom-right corner."}`},
				{"label", `{"type":"string","description":"The name or label of the object in the specified bounding box (optional)."}`},
			}, "bbox_2d"),
		},
	}
}

// cropTool is the native crop, declared with the coordinates opt reads.
func cropTool(opt Options) *tool {
	units := "in pixels of the image"
	if opt.Normalized {
		units = fmt.Sprintf("in coordinates normalised to 0–%d of the image's width and height", NormalizedScale)
	}
	t := native(opt, CropName, "Crop an image to a rectangular region and return the region as a new image, to look at it more closely.",
		cropEdit, []string{"bbox_2d"},
		[2]string{"bbox_2d", `{"type":"array","items":{"type":"number"},"minItems":4,"maxItems":4,"description":` +
			fmt.Sprintf("%q", "The region as [x1, y1, x2, y2] "+units+", where (x1, y1) is the top-left corner and (x2, y2) the bottom-right corner.") + `}`})
	t.kind = KindCrop
	return t
}

// cropEdit crops to the bbox_2d of the call; a label, if any, must be a string.
func cropEdit(opt Options, a args, img image.Image, from int) (image.Image, string, error) {
	b, err := a.box("bbox_2d")
	if err == nil {
		_, err = a.str("label", false)
	}
	if err != nil {
		return nil, "", err
	}
	if opt.PIL {
		crop, err := pilCrop(img, b)
		if err != nil {
			return nil, "", err
		}
		return crop, fmt.Sprintf("the region %s of image %d", b, from), nil
	}
	r, err := ResolveBox(b, img.Bounds(), opt)
	if err != nil {
		return nil, "", err
	}
	o := r.Sub(img.Bounds().Min)
	return cropRect(img, r), fmt.Sprintf("the region [%d, %d, %d, %d] of image %d", o.Min.X, o.Min.Y, o.Max.X, o.Max.Y, from), nil
}

// native makes a native tool of kind KindOther, declared with props and then image_index.
func native(opt Options, name, description string, e edit, required []string, props ...[2]string) *tool {
	return &tool{opt: opt, kind: KindOther, edit: e, def: runners.ToolDef{
		Name: name, Description: description, Parameters: schema(append(props, imageIndexProp), required...),
	}}
}

// rotateTool is the native rotate: any angle, counter-clockwise, the canvas expanded.
func rotateTool(opt Options) *tool {
	return native(opt, RotateName, "Rotate an image by an angle in degrees, counter-clockwise (use a negative angle to turn clockwise). The canvas grows to hold the whole rotated image.",
		rotateEdit, []string{"angle"},
		[2]string{"angle", `{"type":"number","description":"The angle in degrees, counter-clockwise; 90 turns the image a quarter to the left, -90 a quarter to the right."}`})
}

// rotateEdit turns the image by the call's angle.
func rotateEdit(_ Options, a args, img image.Image, from int) (image.Image, string, error) {
	angle, _, err := a.number("angle", true)
	if err != nil {
		return nil, "", err
	}
	if w, h, _ := rotation(img.Bounds().Dx(), img.Bounds().Dy(), angle); w*h > maxOutputPixels {
		return nil, "", fmt.Errorf("the rotated image would be %d×%d pixels, too large", w, h)
	}
	return Rotate(img, angle, nil), fmt.Sprintf("image %d rotated %g degrees counter-clockwise", from, angle), nil
}

// flipTool is the native flip, horizontal or vertical.
func flipTool(opt Options) *tool {
	return native(opt, FlipName, "Mirror an image, left to right (horizontal) or top to bottom (vertical).",
		flipEdit, []string{"direction"},
		[2]string{"direction", `{"type":"string","enum":["horizontal","vertical"],"description":"horizontal mirrors left to right; vertical mirrors top to bottom."}`})
}

// flipEdit mirrors the image in the call's direction.
func flipEdit(_ Options, a args, img image.Image, from int) (image.Image, string, error) {
	dir, err := a.str("direction", true, "horizontal", "vertical")
	if err != nil {
		return nil, "", err
	}
	return Flip(img, dir == "horizontal"), fmt.Sprintf("image %d flipped %sly", from, dir), nil
}

// resizeTool is the native resize to a width and height.
func resizeTool(opt Options) *tool {
	return native(opt, ResizeName, "Resize an image to a width and height in pixels, to enlarge a small detail or shrink a large image.",
		resizeEdit, []string{"width", "height"},
		[2]string{"width", `{"type":"integer","minimum":1,"description":"The new width in pixels."}`},
		[2]string{"height", `{"type":"integer","minimum":1,"description":"The new height in pixels."}`})
}

// resizeEdit scales the image to the call's width and height.
func resizeEdit(_ Options, a args, img image.Image, from int) (image.Image, string, error) {
	w, err := a.integer("width", true, 0, 1)
	if err != nil {
		return nil, "", err
	}
	h, err := a.integer("height", true, 0, 1)
	if err != nil {
		return nil, "", err
	}
	if int64(w)*int64(h) > maxOutputPixels {
		return nil, "", fmt.Errorf("%d×%d pixels is too large: keep width × height within %d", w, h, maxOutputPixels)
	}
	return runners.Resize(img, w, h), fmt.Sprintf("image %d resized to %d×%d", from, w, h), nil
}

// contrastTool is the native contrast change.
func contrastTool(opt Options) *tool {
	return native(opt, ContrastName, "Change the contrast of an image: 1 keeps it, 0 makes it uniform gray, values above 1 (such as 1.5 or 2) make faint details stand out.",
		contrastEdit, []string{"factor"},
		[2]string{"factor", `{"type":"number","minimum":0,"maximum":100,"description":"The contrast factor; 1 leaves the image as it is."}`})
}

// contrastEdit blends the image with its mean gray by the call's factor.
func contrastEdit(_ Options, a args, img image.Image, from int) (image.Image, string, error) {
	f, _, err := a.number("factor", true)
	if err != nil {
		return nil, "", err
	}
	if f < 0 || f > 100 {
		return nil, "", fmt.Errorf("the argument \"factor\" must be between 0 and 100, got %g", f)
	}
	return Contrast(img, f), fmt.Sprintf("image %d with its contrast multiplied by %g", from, f), nil
}
