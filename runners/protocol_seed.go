package runners

import (
	"regexp"
	"strings"

	"github.com/realx-bench/realx/tasks"
)

// Defaults are what a protocol's seed evaluation ran with: its generation parameters, its
// request cap, the image policy that makes the image its model saw, and how its tools behaved.
// A suite or a flag overrides each.
type Defaults struct {
	// Generation applies under the suite's generation block.
	Generation tasks.Generation
	// MaxTurns is the request cap when the agent block sets none.
	MaxTurns int
	// Images apply under the suite's image policy.
	Images tasks.ImagePolicy
	// OnCallError, Crop and PythonMode are the agent block's on_call_error, crop and
	// python.mode when it sets none.
	OnCallError, Crop, PythonMode string
}

// qwen25Images is Qwen2.5-VL's image processing as the seeds' evaluations ran it: smart_resize
// with factor 28, from 4·28² to 16384·28² pixels.
var qwen25Images = tasks.ImagePolicy{Factor: 28, MinPixels: 4 * 28 * 28, MaxPixels: 16384 * 28 * 28}

// ProtocolDefaults returns the defaults of the protocol called name; the zero Defaults for a
// protocol without a seed evaluation (native, hermes) or none.
//
//   - deepeyesv2, as its VLMEvalKit evaluation (eval.sh and vllm_api.py): temperature 0,
//     max_tokens 20480, 11 requests (agent_try 10, tested with ">"); each input image resized
//     with smart_resize and PIL's bilinear filter and saved at PIL's JPEG quality (75) before
//     it is sent and loaded as image_1; its own sandbox.
//   - deepeyes, as eval/eval_vstar.py: temperature 0, max_tokens 10240, 11 requests; the
//     image as vLLM's Qwen2.5-VL processor resizes it (bicubic); crops as PIL makes them, and
//     a call that raises ends the sample.
//   - r1v4: Qwen3-VL's processor (factor 32, 2¹⁶ to 2²⁴ pixels); its paper gives no budgets.
func ProtocolDefaults(name string) Defaults {
	zero, dv2Tokens, deTokens := 0.0, 20480, 10240
	switch name {
	case "deepeyesv2":
		im := qwen25Images
		im.Filter, im.Quality = tasks.FilterBilinear, 75
		return Defaults{Generation: tasks.Generation{Temperature: &zero, MaxTokens: &dv2Tokens}, MaxTurns: 11, Images: im,
			OnCallError: tasks.OnCallErrorContinue, Crop: tasks.CropClamp, PythonMode: tasks.PythonModeDeepEyesV2}
	case "deepeyes":
		return Defaults{Generation: tasks.Generation{Temperature: &zero, MaxTokens: &deTokens}, MaxTurns: 11, Images: qwen25Images,
			OnCallError: tasks.OnCallErrorStop, Crop: tasks.CropPIL, PythonMode: tasks.PythonModeRealx}
	case "r1v4":
		return Defaults{Images: tasks.ImagePolicy{Factor: 32, MinPixels: 1 << 16, MaxPixels: 1 << 24},
			OnCallError: tasks.OnCallErrorContinue, Crop: tasks.CropClamp, PythonMode: tasks.PythonModeRealx}
	}
	return Defaults{OnCallError: tasks.OnCallErrorContinue, Crop: tasks.CropClamp, PythonMode: tasks.PythonModeRealx}
}

// binder is a Protocol whose format depends on the tools of the run (DeepEyesV2 writes one
// prompt, stops and observations without search and another with it): Bind returns the
// protocol a sample with those tools speaks.
type binder interface {
	Bind(tools []ToolDef) Protocol
}

// answerReader is a Protocol that reads the final answer out of the last reply as its seed's
// evaluation did; the agent grades what Answer returns.
type answerReader interface {
	Answer(reply string) string
}

var firstAnswerRe = regexp.MustCompile(`(?s)<answer>(.*?)</answer>`)

// firstAnswer returns the trimmed text of the first <answer>…</answer> of reply, as
// VLMEvalKit's answer_regex reads it, or else the whole reply trimmed (trimmed only when trim).
// Without an answer, the reply's <think> and </think> tags are taken out, so that a judge that
// drops reasoning (strip_think) grades the text the seed graded: an unclosed <think>, which
// DeepEyesV2's own prompt invites ("<think> <think> <answer>"), never empties it.
func firstAnswer(reply string, trim bool) string {
	if m := firstAnswerRe.FindStringSubmatch(reply); m != nil {
		return strings.TrimSpace(m[1])
	}
	if trim {
		reply = strings.TrimSpace(reply)
	}
	return strings.NewReplacer("<think>", "", "</think>", "").Replace(reply)
}
