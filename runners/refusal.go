package runners

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Code returns the error code the endpoint gave with its error answer (OpenAI's
// "context_length_exceeded"; vLLM repeats the HTTP status there), "" when it gave none or
// the answer was not OpenAI's error shape.
func (e *ModelError) Code() string {
	var apiErr *openai.APIError
	if !errors.As(e.Err, &apiErr) || apiErr.Code == nil {
		return ""
	}
	return fmt.Sprint(apiErr.Code)
}

// sizeRefusals are the ways servers refuse a request for the sample's own size: the
// conversation is longer than the model's context, or it holds more images, or larger ones,
// than the server takes. Such a refusal is deterministic (the same request is refused again)
// and is the model's limit, not the infrastructure's: the sample ends with the row's stop,
// graded as wrong, as the seed papers count it. code matches the error code exactly; phrase,
// lower-cased, is looked for in the error's text. Each row names where its wording comes from.
var sizeRefusals = []struct {
	stop         StopReason
	code, phrase string
	source       string
}{
	{StopContextLength, "context_length_exceeded", "",
		`OpenAI: error.code of "This model's maximum context length is N tokens. However, your messages resulted in M tokens. Please reduce the length of the messages." (crewAIInc/crewAI-examples#121)`},
	{StopContextLength, "", "maximum context length",
		`OpenAI's message above; vLLM's "This model's maximum context length is N tokens. However, you requested M tokens (P in the messages, C in the completion). Please reduce the length of the messages or completion." (vllm/entrypoints/openai/serving_engine.py), and its later "'max_tokens' or 'max_completion_tokens' is too large: C. This model's maximum context length is N tokens and your request has P input tokens"; SGLang's "Requested token count exceeds the model's maximum context length of N tokens. You requested a total of M tokens: …" (python/sglang/srt/managers/tokenizer_manager.py)`},
	{StopContextLength, "", "longer than the model's context length",
		`SGLang: "The input (N tokens) is longer than the model's context length (M tokens)." (python/sglang/srt/managers/tokenizer_manager.py)`},
	{StopContextLength, "", "longer than the maximum model length",
		`vLLM's engine: "The decoder prompt (length N) is longer than the maximum model length of M." (vllm/v1/engine/processor.py; earlier "Prompt length of N is longer than the maximum model length of M.")`},
	{StopRequestTooLarge, "", "image(s) may be provided in one",
		`vLLM: "At most N image(s) may be provided in one request." (vllm/entrypoints/chat_utils.py; vllm-project/vllm#17092), "… in one prompt." in later versions`},
	{StopRequestTooLarge, "", "too many images in request",
		`OpenAI: "Too many images in request. Max is 10." (the-open-agent/openagent#874)`},
	{StopRequestTooLarge, "", "image exceeds",
		`Anthropic's models behind OpenAI-compatible gateways: "image exceeds 5 MB maximum: N bytes > 5242880 bytes" (gptme/gptme#185)`},
}

// RefusedForSize returns the stop reason of err when err is an endpoint's refusal of the
// request for the sample's own size (see sizeRefusals), with the endpoint's words; it
// returns "" for any other error, so that transient failures and every other refusal stay
// infrastructure errors. Only an answer with a status of 400, 413 or 422 counts: a 413 (the
// body is larger than the server or a proxy in front of it takes) whatever its text, the
// others by their error code or their wording.
func RefusedForSize(err error) (StopReason, string) {
	var me *ModelError
	if !errors.As(err, &me) {
		return "", ""
	}
	switch me.Status {
	case http.StatusRequestEntityTooLarge:
		return StopRequestTooLarge, me.Error()
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
	default:
		return "", ""
	}
	code, text := me.Code(), strings.ToLower(me.Error())
	for _, r := range sizeRefusals {
		if r.code != "" && code == r.code || r.phrase != "" && strings.Contains(text, r.phrase) {
			return r.stop, me.Error()
		}
	}
	return "", ""
}
