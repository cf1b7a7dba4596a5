package runners_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
)

// TestReplyOverCapFailsTheSample: a reply over a cap of its output is the model's doing, so
// the sample ends as a budget does, with no final text to grade, and not as an error.
func TestReplyOverCapFailsTheSample(t *testing.T) {
	a, srv := agentFor(t, "hermes", echoTool())
	a.Model = runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "fake-model", Limits: runners.ReplyLimits{MaxReplyBytes: 1 << 20}})
	srv.Script(runnertest.Reply{Content: "I will look. " + echoCall}, runnertest.Reply{Flood: 2 << 20})
	tr, err := a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopReplyLimit, tr.Stop)
	assert.True(t, tr.Stop.Budget())
	assert.Empty(t, tr.Final, "nothing is graded")
	assert.Contains(t, tr.StopDetail, "larger than the cap of 1 MiB")
	assert.Equal(t, []runners.Role{"user", "assistant", "user"}, turnRoles(tr))

	// So is a reply with more calls than a turn may make: none of them runs.
	tool := &countingTool{}
	a, srv = agentFor(t, "hermes", tool)
	a.Limits.MaxTurnCalls = 3
	srv.Script(runnertest.Reply{Content: strings.Repeat(echoCall, 4)})
	tr, err = a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopReplyLimit, tr.Stop)
	assert.Equal(t, "the reply has more than the cap of 3 tool calls", tr.StopDetail)
	assert.Zero(t, tool.calls.Load())
	assert.Empty(t, tr.Final)
}

// TestRecordCaps: the text a trajectory keeps is cut to the caps of a turn and of the
// trajectory, with a note where it was cut and flags, while the model and the grader get it
// whole.
func TestRecordCaps(t *testing.T) {
	a, srv := agentFor(t, "hermes", echoTool())
	a.Limits = runners.Limits{MaxTurnRecord: 64 << 10, MaxTrajectoryRecord: 100 << 10}
	long := strings.Repeat("a", 200<<10)
	srv.Script(
		runnertest.Reply{Content: long + echoCall, Reasoning: long},
		runnertest.Reply{Content: long + " The answer is 4."},
	)
	tr, err := a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, long+" The answer is 4.", tr.Final, "the grader gets the reply whole")
	assert.Len(t, srv.Requests()[1].Messages[2].Text, len(long+echoCall), "so does the model")

	first := tr.Turns[1]
	assert.LessOrEqual(t, len(first.Text)+len(first.Reasoning)+len(first.Calls[0].Arguments)+len(first.Calls[0].Output), 64<<10+200)
	assert.True(t, strings.Contains(first.Text, " bytes truncated …]"), "the cut is noted")
	assert.True(t, first.Truncated)
	assert.True(t, tr.Truncated)
	assert.True(t, strings.HasSuffix(tr.Turns[3].Text, "The answer is 4."), "the end of a cut text is kept")

	record, err := json.Marshal(tr)
	require.NoError(t, err)
	assert.Less(t, len(record), 100<<10+2<<10, "the record of the sample")
}

// TestRunErrorTextIsCapped: the text of an error that ends a sample, and of a call's error,
// is cut to its cap, and the error is still what it was.
func TestRunErrorTextIsCapped(t *testing.T) {
	noisy := &runners.StatelessTool{
		Definition: echoTool().Def(),
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			return nil, errors.New("sandbox died: " + strings.Repeat("log line\n", 100_000))
		},
	}
	a, srv := agentFor(t, "hermes", noisy)
	srv.Script(runnertest.Reply{Content: echoCall})
	tr, err := a.Run(context.Background(), question("x"))
	var te *runners.ToolError
	require.ErrorAs(t, err, &te)
	assert.LessOrEqual(t, len(err.Error()), runners.DefaultMaxErrorText+100)
	assert.True(t, strings.HasPrefix(err.Error(), "tool echo: sandbox died: log line"))
	assert.LessOrEqual(t, len(tr.Turns[1].Calls[0].Error), runners.DefaultMaxRecordedText+100)
}

// shotsTool returns n distinct images of size bytes each per call, as a tool returning big
// renders would.
func shotsTool(n, size int) runners.Tool {
	calls := 0
	return &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "shots", Parameters: []byte(`{"type":"object","properties":{}}`)},
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			calls++
			obs := &runners.Observation{Text: "rendered"}
			for i := range n {
				data := make([]byte, size)
				binary.BigEndian.PutUint64(data, uint64(calls*1000+i))
				obs.Images = append(obs.Images, &runners.Image{Data: data, MIME: "image/png", Width: 1, Height: 1})
			}
			return obs, nil
		},
	}
}

// imagesSent counts the images of all the messages of a request.
func imagesSent(r *runnertest.Request) int {
	n := 0
	for _, m := range r.Messages {
		n += m.Images
	}
	return n
}

// TestImageCaps: the images of tool results are shown within the caps of a turn and of the
// sample; the others are dropped, neither sent nor stored, the model is told, and the record
// counts them.
func TestImageCaps(t *testing.T) {
	a, srv := agentFor(t, "hermes", shotsTool(10, 256<<10))
	blobs := newMemBlobs()
	a.Blobs = blobs
	a.Limits = runners.Limits{MaxObservationImages: 4, MaxSampleImageBytes: 6 * 256 << 10}
	call := "<tool_call>\n{\"name\": \"shots\"}\n</tool_call>"
	srv.Script(runnertest.Reply{Content: call}, runnertest.Reply{Content: call}, runnertest.Reply{Content: "done"})
	tr, err := a.Run(context.Background(), question("draw"))
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 3)

	assert.Equal(t, 4, reqs[1].Last().Images, "the turn's cap")
	assert.Contains(t, reqs[1].Last().Text, "[6 images not shown: the results of one turn may show 4 images and 16 MiB at most]")
	assert.Equal(t, 2, reqs[2].Last().Images, "the sample's cap")
	assert.Contains(t, reqs[2].Last().Text, "[8 images not shown: the sample's image budget of 128 images and 1.5 MiB is used up]")
	assert.Equal(t, 6, imagesSent(reqs[2]))

	assert.Equal(t, 14, tr.ImagesDropped)
	assert.Len(t, blobs.keys(), 6, "dropped images are not stored")
	assert.Len(t, tr.Turns[1].Calls[0].Images, 4)
	assert.Len(t, tr.Turns[2].Images, 4)
	assert.Contains(t, tr.Turns[4].Text, "8 images not shown")
}

// TestImageCapsDefaultsKeepNormalRuns: DeepEyesV2-sized results (ten crops a call, a few
// hundred KB each) over several turns are shown whole under the default caps.
func TestImageCapsDefaultsKeepNormalRuns(t *testing.T) {
	a, srv := agentFor(t, "hermes", shotsTool(10, 200<<10))
	call := "<tool_call>\n{\"name\": \"shots\"}\n</tool_call>"
	srv.Script(runnertest.Reply{Content: call}, runnertest.Reply{Content: call}, runnertest.Reply{Content: call}, runnertest.Reply{Content: "done"})
	tr, err := a.Run(context.Background(), question("crop"))
	require.NoError(t, err)
	assert.Zero(t, tr.ImagesDropped)
	assert.Equal(t, 30, imagesSent(srv.Requests()[3]))
	assert.NotContains(t, srv.Requests()[3].Last().Text, "not shown")
}
