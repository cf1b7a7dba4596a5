package runnertest

import (
	"encoding/json"
	"strings"
)

// RefusalDeltas are the pieces in which gpt-4o-2024-08-06 streamed its refusal in the answers
// recorded from the live API for openai-python's tests; joined, they are Refusal.
var RefusalDeltas = []string{"I'm", " sorry", ",", " but", " I", " can't", " assist", " with", " that", " request", "."}

// Refusal is the refusal RefusalDeltas spell.
var Refusal = strings.Join(RefusalDeltas, "")

// RefusalStream returns the answer of a model that refuses, streamed as OpenAI streams it (in
// the shape of gpt-4o-2024-08-06's recorded answers): a first delta with the role, a null
// content and an empty refusal, a delta of the refusal for each of deltas, a chunk with the
// finish reason and an empty delta, a usage chunk with no choices (17 prompt and 12
// completion tokens), then [DONE]. It is sent as it is, whether the request asked for a
// stream or not.
func RefusalStream(deltas ...string) Reply {
	const head = `{"id":"chatcmpl-9tXmRefusal","object":"chat.completion.chunk","created":1723024914,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_845eaabc1f","choices":[{"index":0,"delta":`
	chunks := []string{head + `{"role":"assistant","content":null,"refusal":""},"logprobs":null,"finish_reason":null}]}`}
	for _, part := range deltas {
		chunks = append(chunks, head+`{"refusal":`+jsonString(part)+`},"logprobs":null,"finish_reason":null}]}`)
	}
	chunks = append(chunks, head+`{},"logprobs":null,"finish_reason":"stop"}]}`,
		`{"id":"chatcmpl-9tXmRefusal","object":"chat.completion.chunk","created":1723024914,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_845eaabc1f","choices":[],"usage":{"prompt_tokens":17,"completion_tokens":12,"total_tokens":29}}`,
		"[DONE]")
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString("data: " + c + "\n\n")
	}
	return Reply{Header: map[string]string{"Content-Type": "text/event-stream"}, Body: b.String()}
}

// RefusalAnswer returns the JSON answer of a model that refuses, as OpenAI answers a request
// without a stream (in the shape of gpt-4o-2024-08-06's recorded answers): the message's
// refusal beside a null content, finish reason stop, 79 prompt and 12 completion tokens.
func RefusalAnswer(refusal string) Reply {
	return Reply{Body: `{"id":"chatcmpl-ABfvRefusal","object":"chat.completion","created":1727346164,"model":"gpt-4o-2024-08-06",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":` + jsonString(refusal) + `},"logprobs":null,"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":79,"completion_tokens":12,"total_tokens":91,"completion_tokens_details":{"reasoning_tokens":0}},"system_fingerprint":"fp_5050236cbd"}`}
}

// jsonString returns s as a JSON string.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(b)
}
