package runners

// StopReason says why a sample's agent loop ended.
type StopReason string

// The ways an agent loop ends.
const (
	// StopAnswer: the model gave a final answer (or, single-turn, simply replied).
	StopAnswer StopReason = "answer"
	// StopRefusal: the model refused to answer (an OpenAI refusal, ChatResponse.Refusal) in a
	// turn without tool calls; the sample is graded as wrong, with reason refusal.
	StopRefusal StopReason = "refusal"
	// StopNoAction: a turn had neither a tool call nor an answer and the loop was told to stop.
	StopNoAction StopReason = "no_action"
	// StopMaxTurns, StopMaxToolCalls, StopMaxTokens and StopTimeout: a budget ran out.
	StopMaxTurns     StopReason = "max_turns"
	StopMaxToolCalls StopReason = "max_tool_calls"
	StopMaxTokens    StopReason = "max_tokens"
	StopTimeout      StopReason = "timeout"
	// StopReplyLimit: a reply passed a cap of its output (ReplyLimits, Limits.MaxTurnCalls);
	// nothing of it is graded, so the sample fails (Trajectory.StopDetail says which cap).
	StopReplyLimit StopReason = "reply_limit"
	// StopCallError: a call failed and the agent was told to stop then (tasks.OnCallErrorStop),
	// as DeepEyes' V* evaluation ends a sample whose tool call raises; the last reply is graded.
	StopCallError StopReason = "call_error"
	// StopContextLength: the endpoint refused a turn because the conversation is longer than
	// the model's context (RefusedForSize); StopRequestTooLarge: because it holds more images,
	// or larger ones, or more bytes, than the server takes. Either is the model's limit: the
	// sample has no answer, is graded as wrong, and is not run again (Trajectory.StopDetail
	// has the endpoint's words).
	StopContextLength   StopReason = "context_length"
	StopRequestTooLarge StopReason = "request_too_large"
	// StopError: an infrastructure error ended the sample.
	StopError StopReason = "error"
)

// Budget reports whether the loop was ended by a budget, the model's context included.
func (r StopReason) Budget() bool {
	switch r {
	case StopMaxTurns, StopMaxToolCalls, StopMaxTokens, StopTimeout, StopReplyLimit, StopContextLength, StopRequestTooLarge:
		return true
	}
	return false
}

// SizeRefusal reports whether the loop was ended by the endpoint's refusal of a request for
// its size (StopContextLength, StopRequestTooLarge): the sample has no answer to grade.
func (r StopReason) SizeRefusal() bool {
	return r == StopContextLength || r == StopRequestTooLarge
}

// Trajectory is what happened in one sample: every turn, tool call and observation, in order.
// Images are kept by the content hash under which a BlobStore stored them, so a trajectory
// stays small enough to stream.
type Trajectory struct {
	Turns []Turn `json:"turns"`
	// Final is the text of the model's last turn, from which the answer is extracted.
	Final string     `json:"-"`
	Stop  StopReason `json:"stop"`
	// StopDetail says more about the stop where its reason alone does not: which cap a reply
	// passed (StopReplyLimit).
	StopDetail string `json:"stop_detail,omitempty"`
	// Truncated is set when some text of the trajectory was cut to the record's caps
	// (Limits); the turns it was cut in are marked too.
	Truncated bool `json:"truncated,omitempty"`
	// ImagesDropped counts the tool-result images not shown to the model for its image caps
	// (Limits).
	ImagesDropped int `json:"images_dropped,omitempty"`
	// Search is what the sample's searches did (the search tools' SearchReporter); nil when
	// it made no search request.
	Search *SearchUse `json:"search,omitempty"`
	// Episode is what the sample did to its environment, when it has one (a Stateful tool):
	// its states and calls, for the judge.
	Episode *Episode `json:"episode,omitempty"`
	Usage   Usage    `json:"-"`
	// LatencyMS is the time spent waiting for the model, all turns.
	LatencyMS int64 `json:"-"`
	// WallMS is the sample's wall time in the agent, from its start to its end: the model's
	// turns (LatencyMS), the tool calls (their DurationMS), and the rest (opening the tools,
	// waiting for a slot of the endpoint or a retry, rendering and sending images). 0 in
	// records written before realx recorded it.
	WallMS int64 `json:"wall_ms,omitempty"`
	// ToolOpenMS is the part of WallMS spent opening the sample's tools (starting its
	// sandbox); 0 when it has none, and in records written before realx recorded it.
	ToolOpenMS int64 `json:"tool_open_ms,omitempty"`
	// Refusal is the refusal of the model's last turn, if it refused (StopRefusal); the
	// turn keeps it too, capped.
	Refusal string `json:"-"`
}

// Turn is one message of a trajectory: a model turn (with the tool calls it made) or an
// observation sent back.
type Turn struct {
	Role      Role     `json:"role"`
	Text      string   `json:"text,omitempty"`
	Reasoning string   `json:"reasoning,omitempty"`
	Images    []string `json:"images,omitempty"`
	Calls     []Call   `json:"calls,omitempty"`
	Usage     *Usage   `json:"usage,omitempty"`
	LatencyMS int64    `json:"latency_ms,omitempty"`
	Finish    string   `json:"finish,omitempty"`
	// Cached is set when the reply came from the response cache instead of the endpoint.
	Cached bool `json:"cached,omitempty"`
	// Truncated is set when some text of the turn (its calls' included) was cut to the
	// record's caps.
	Truncated bool `json:"truncated,omitempty"`
	// Refusal is the model's refusal to answer in this turn (ChatResponse.Refusal), capped
	// like its text.
	Refusal string `json:"refusal,omitempty"`
}

// Call is one tool call and its outcome.
type Call struct {
	ID         string `json:"id,omitempty"`
	Name       string `json:"name"`
	Arguments  string `json:"arguments,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	// Error is set when the call failed (bad arguments, unknown tool, crash, timeout); the
	// error went back to the model as the observation.
	Error string `json:"error,omitempty"`
	// Output is the observation's text, capped.
	Output string `json:"output,omitempty"`
	// Images are the hashes of images the call returned.
	Images []string `json:"images,omitempty"`
	// Kind classifies a code call by what the code does (crop, mark, numeric, other).
	Kind string `json:"kind,omitempty"`
}

// BlobStore keeps images by content. Implementations must be safe for concurrent use.
type BlobStore interface {
	// Put stores data and returns its key (the hex SHA-256 of data).
	Put(data []byte) (string, error)
}
