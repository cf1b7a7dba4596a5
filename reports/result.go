package reports

import (
	"context"
	"errors"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

// SchemaVersion is the version of the Result record written to results logs.
const SchemaVersion = 1

// Result is the record of one finished sample, one JSON object per line of results.jsonl.
// Images never appear in it: the trajectory names them by content hash under the run's blobs/.
type Result struct {
	V            int    `json:"v"`
	Run          string `json:"run"`
	Suite        string `json:"suite"`
	SuiteVersion string `json:"suite_version,omitempty"`
	ID           string `json:"id"`
	// Repeat is the repeat index, from 0 (a sample run once is repeat 0); it is always
	// written, so that a script grouping records by sample and repeat needs no default.
	Repeat     int            `json:"repeat"`
	Capability string         `json:"capability"`
	Model      string         `json:"model"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	// Answer is the gold answer.
	Answer string `json:"answer"`
	// JudgeInput identifies, by content, what the judge read of the sample besides the output
	// (its question, choices, gold answers and metadata), so that a rejudge against data
	// changed since tells which samples changed; "" in records written before it was recorded
	// and in those never judged.
	JudgeInput string `json:"judge_input,omitempty"`
	// Output is the text of the model's final turn.
	Output string `json:"output"`
	// Refusal is the model's refusal to answer in its final turn (an OpenAI refusal), if it
	// refused: Output is empty then, and the sample is graded wrong with reason refusal
	// (judges.ReasonRefusal), without asking the judge. Records written before refusals
	// were recorded read as having none.
	Refusal string `json:"refusal,omitempty"`
	// Verdict is the judge's verdict on Output, as the judge gave it; its fields are the
	// record's own on the wire ("extracted", "pass", "score", "judge_id", "judge_step",
	// "reason", "confident"). A record with an error has no verdict, but for the judge's ID
	// and step when the judge is what failed.
	judges.Verdict
	Tokens runners.Usage `json:"tokens"`
	// LatencyMS is the time spent waiting for the model, all turns.
	LatencyMS int64              `json:"latency_ms"`
	Stop      runners.StopReason `json:"stop,omitempty"`
	// Error is set when the sample could not be graded; such a sample is never counted as a
	// wrong answer.
	Error      *Failure            `json:"error,omitempty"`
	Trajectory *runners.Trajectory `json:"trajectory,omitempty"`
}

// MarshalJSON encodes r, leaving "pass" and "score" out of a record with an error: such a
// record has no verdict, and a script averaging the log must not count it as a wrong answer.
// Records written before (with "pass":false,"score":0 beside their error) read the same.
// Like the log, it does not escape <, > and &.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // without this method
	var v any = (*plain)(&r)
	if r.Error != nil {
		v = struct {
			*plain
			Pass  *bool    `json:"pass,omitempty"`
			Score *float64 `json:"score,omitempty"`
		}{plain: (*plain)(&r)}
	}
	return runners.MarshalPlain(v)
}

// Graded reports whether r has a verdict, that is, no error kept it from being judged.
func (r *Result) Graded() bool { return r.Error == nil }

// Failure says why a sample has no verdict.
type Failure struct {
	Class   ErrorClass `json:"class"`
	Message string     `json:"message"`
}

// ErrorClass sorts per-sample failures by where they came from.
type ErrorClass string

// The classes of per-sample failures.
const (
	// ErrInput: the sample itself is unusable (a missing or unreadable image, a prompt
	// template that fails on it, no prediction for it).
	ErrInput ErrorClass = "input"
	// ErrModel: the endpoint could not answer (after any retries).
	ErrModel ErrorClass = "model"
	// ErrTool: a tool failed as infrastructure (the sandbox could not start).
	ErrTool ErrorClass = "tool"
	// ErrJudge: the judge could not decide (an LLM judge's endpoint failed).
	ErrJudge ErrorClass = "judge"
	// ErrCanceled: the run was stopped before the sample finished.
	ErrCanceled ErrorClass = "canceled"
	// ErrInternal: anything else.
	ErrInternal ErrorClass = "internal"
)

// Classify returns the class of a per-sample error from the stage that produced it.
func Classify(err error) ErrorClass {
	var imgErr *tasks.ImageError
	var modelErr *runners.ModelError
	var toolErr *runners.ToolError
	switch {
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	case errors.As(err, &imgErr):
		return ErrInput
	case errors.As(err, &modelErr):
		return ErrModel
	case errors.As(err, &toolErr):
		return ErrTool
	}
	return ErrInternal
}
