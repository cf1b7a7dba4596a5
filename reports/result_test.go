package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
)

// oldRecords are records as realx wrote them before Result embedded judges.Verdict: a graded
// one, a judge failure and a model error with "pass" and "score" beside it (as the first
// versions wrote every error).
const oldRecords = `{"v":1,"run":"r0","suite":"s","id":"1","capability":"c","model":"m","answer":"4","output":"\\boxed{4}","extracted":"4","pass":true,"score":1,"judge_id":"cascade:0a1b2c3d","judge_step":"math","reason":"equal","tokens":{"prompt":10,"completion":5,"total":15},"latency_ms":12,"stop":"answer"}
{"v":1,"run":"r0","suite":"s","id":"2","capability":"c","model":"m","answer":"5","output":"five","extracted":"","judge_id":"cascade:0a1b2c3d","judge_step":"llm:equivalence","tokens":{"prompt":1,"completion":1,"total":2},"latency_ms":3,"error":{"class":"judge","message":"HTTP 500"}}
{"v":1,"run":"r0","suite":"s","id":"3","capability":"c","model":"m","answer":"6","output":"","extracted":"","pass":false,"score":0,"tokens":{"prompt":0,"completion":0,"total":0},"latency_ms":0,"error":{"class":"model","message":"HTTP 400"}}
`

// TestOldRecordsStillRead reads records written before the verdict was embedded: every field
// lands where it did, the judge's step included.
func TestOldRecordsStillRead(t *testing.T) {
	t.Parallel()
	rd := NewReader(strings.NewReader(oldRecords), "old.jsonl")
	var got []*Result
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		got = append(got, rd.Result())
	}
	require.NoError(t, rd.Err())
	require.Len(t, got, 3)
	assert.Equal(t, judges.Verdict{Extracted: "4", Pass: true, Score: 1, JudgeID: "cascade:0a1b2c3d", Step: "math", Reason: "equal"}, got[0].Verdict)
	assert.Equal(t, runners.Usage{Prompt: 10, Completion: 5, Total: 15}, got[0].Tokens)
	assert.True(t, got[0].Graded())
	assert.Equal(t, judges.Verdict{JudgeID: "cascade:0a1b2c3d", Step: "llm:equivalence"}, got[1].Verdict)
	assert.Equal(t, ErrJudge, got[1].Error.Class)
	assert.False(t, got[2].Graded())
	assert.Equal(t, ErrModel, got[2].Error.Class)

	// An index of the old log sees the same outcomes.
	ix, err := IndexLog(strings.NewReader(oldRecords), "old.jsonl", nil)
	require.NoError(t, err)
	e, ok := ix.Lookup(Key{Suite: "s", ID: "1"})
	require.True(t, ok)
	assert.True(t, e.Pass)
	assert.Equal(t, 1.0, e.Score)
}

// TestRecordCarriesTheWholeVerdict writes a record with the judge's verdict as the judge gave
// it, Confident included, under the field names records always had, and reads it back whole.
func TestRecordCarriesTheWholeVerdict(t *testing.T) {
	t.Parallel()
	v := judges.Verdict{Extracted: "7", Pass: false, Score: 0, JudgeID: "math:01234567", Step: "math", Reason: "no gold matches", Confident: true}
	r := &Result{V: SchemaVersion, Run: "r", Suite: "s", ID: "1", Model: "m", Answer: "8", Output: "7", Verdict: v}
	line, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(line), `"output":"7","extracted":"7","pass":false,"score":0,"judge_id":"math:01234567","judge_step":"math","reason":"no gold matches","confident":true,"tokens":`)
	var back Result
	require.NoError(t, json.Unmarshal(line, &back))
	assert.Equal(t, v, back.Verdict)
	assert.Contains(t, string(line), `"id":"1","repeat":0,`, "repeat 0 is written, not left out")

	// A record with an error has no verdict on the wire: no pass, no score.
	r.Error = &Failure{Class: ErrJudge, Message: "down"}
	r.Verdict = judges.Verdict{JudgeID: "math:01234567", Step: "math"}
	line, err = json.Marshal(r)
	require.NoError(t, err)
	assert.NotContains(t, string(line), `"pass"`)
	assert.NotContains(t, string(line), `"score"`)
	assert.Contains(t, string(line), `"judge_step":"math"`)
}

// TestRefusalRecords writes a refused sample's record and an invalid verdict's and reads them
// back, refusal and reasons included; records written before refusals were recorded read as
// having none, and the judge report counts neither in them.
func TestRefusalRecords(t *testing.T) {
	t.Parallel()
	refused := &Result{V: SchemaVersion, Run: "r", Suite: "s", ID: "refused", Refusal: "I can't help with that.",
		Verdict: judges.Verdict{JudgeID: "exact:0a1b2c3d", Reason: judges.ReasonRefusal, Confident: true}, Stop: runners.StopRefusal,
		Trajectory: &runners.Trajectory{Stop: runners.StopRefusal, Turns: []runners.Turn{{Role: runners.RoleUser, Text: "q"},
			{Role: runners.RoleAssistant, Refusal: "I can't help with that.", Finish: "stop"}}}}
	invalid := &Result{V: SchemaVersion, Run: "r", Suite: "s", ID: "invalid", Output: "7",
		Verdict: judges.Verdict{JudgeID: "cascade:0a1b2c3d", Step: "llm:equivalence", Reason: judges.ReasonInvalidVerdict},
		Error:   &Failure{Class: ErrJudge, Message: "llm judge: no verdict after 1 attempt(s): no verdict in the judge's reply \"hmm\""}}
	var log strings.Builder
	for _, r := range []*Result{refused, invalid} {
		data, err := json.Marshal(r)
		require.NoError(t, err)
		log.Write(append(data, '\n'))
	}
	assert.Contains(t, log.String(), `"output":"","refusal":"I can't help with that.","extracted":"","pass":false,"score":0,"judge_id":"exact:0a1b2c3d","reason":"refusal"`)
	assert.Contains(t, log.String(), `{"role":"assistant","finish":"stop","refusal":"I can't help with that."}`)
	rd := NewReader(strings.NewReader(log.String()+oldRecords), "log")
	js := NewJudgeStats()
	var got []*Result
	for rd.Scan() {
		require.NoError(t, rd.LineErr())
		got = append(got, rd.Result())
		js.Add("r", rd.Result())
	}
	require.NoError(t, rd.Err())
	require.Len(t, got, 5)
	assert.Equal(t, refused, got[0])
	assert.Equal(t, invalid, got[1])
	for _, old := range got[2:] {
		assert.Empty(t, old.Refusal)
	}
	run := js.Table().Runs[0]
	assert.Equal(t, 1, run.Refusals)
	assert.Equal(t, 2, run.JudgeFailures, "the invalid verdict and the old judge failure")
	assert.Equal(t, 1, run.InvalidVerdicts)
}
