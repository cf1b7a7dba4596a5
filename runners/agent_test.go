package runners_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// memBlobs is a BlobStore in memory that counts its writes.
type memBlobs struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
}

func newMemBlobs() *memBlobs { return &memBlobs{m: map[string][]byte{}} }

func (b *memBlobs) Put(data []byte) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.puts++
	k := sha(data)
	b.m[k] = data
	return k, nil
}

func (b *memBlobs) keys() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for k := range b.m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// countingTool is an echo tool that counts its opens, calls and closes, and can block in Call
// until its context ends.
type countingTool struct {
	opens, calls, closes atomic.Int32
	block                bool
	called               chan struct{}
}

func (c *countingTool) Def() runners.ToolDef { return echoTool().Def() }

func (c *countingTool) Open(ctx context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	c.opens.Add(1)
	inst, err := echoTool().Open(ctx, env)
	return &countingInstance{ToolInstance: inst, t: c}, err
}

type countingInstance struct {
	runners.ToolInstance
	t *countingTool
}

func (i *countingInstance) Call(ctx context.Context, args json.RawMessage) (*runners.Observation, error) {
	i.t.calls.Add(1)
	if i.t.block {
		if i.t.called != nil {
			close(i.t.called)
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return i.ToolInstance.Call(ctx, args)
}

func (i *countingInstance) Close() error {
	i.t.closes.Add(1)
	return nil
}

// echoCall is a hermes reply calling echo.
const echoCall = "<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"again\"}}\n</tool_call>"

func question(text string) *runners.Input {
	return &runners.Input{SampleID: "q", User: []runners.Part{{Text: text}}}
}

func TestSingleTurnWithoutProtocol(t *testing.T) {
	srv := runnertest.NewServer(t)
	srv.Script(runnertest.Reply{Content: "42", Usage: &runners.Usage{Prompt: 10, Completion: 2}})
	a := &runners.Agent{Model: runners.NewOpenAI(runners.Endpoint{BaseURL: srv.URL(), Model: "m"})}
	tr, err := a.Run(context.Background(), &runners.Input{System: "Be brief.", User: []runners.Part{{Text: "6×7?"}}})
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	assert.Equal(t, "42", tr.Final)
	assert.Equal(t, runners.Usage{Prompt: 10, Completion: 2, Total: 12}, tr.Usage, "a missing total is the sum")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, []string{"system", "user"}, roles(reqs[0]))
	assert.Equal(t, []runners.Role{"user", "assistant"}, turnRoles(tr))
}

func TestBudgetsEndSamples(t *testing.T) {
	cases := []struct {
		name   string
		budget runners.Budget
		delay  time.Duration
		stop   runners.StopReason
		// requests is how many model turns the sample takes; calls how many tools ran.
		requests int
		calls    int32
	}{
		// The last turn's calls are not run: no turn is left to read their results.
		{"max_turns", runners.Budget{MaxTurns: 3}, 0, runners.StopMaxTurns, 3, 2},
		{"default max_turns", runners.Budget{}, 0, runners.StopMaxTurns, runners.DefaultMaxTurns, runners.DefaultMaxTurns - 1},
		{"max_tool_calls", runners.Budget{MaxToolCalls: 2}, 0, runners.StopMaxToolCalls, 3, 2},
		// Every reply costs 100 tokens: the third reaches 300.
		{"max_tokens", runners.Budget{MaxTokens: 300}, 0, runners.StopMaxTokens, 3, 2},
		{"max_tokens mid-turn", runners.Budget{MaxTokens: 250}, 0, runners.StopMaxTokens, 3, 2},
		// The first reply comes at once, the second never: the budget ends the wait.
		{"timeout", runners.Budget{Timeout: 300 * time.Millisecond}, time.Minute, runners.StopTimeout, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tool := &countingTool{}
			a, srv := agentFor(t, "hermes", tool)
			a.Budget = tc.budget
			srv.Handle(func(r *runnertest.Request) runnertest.Reply {
				rep := runnertest.Reply{Content: echoCall, Usage: &runners.Usage{Prompt: 90, Completion: 10, Total: 100}}
				if r.Seq > 1 {
					rep.Delay = tc.delay
				}
				return rep
			})
			start := time.Now()
			tr, err := a.Run(context.Background(), question("loop"))
			require.NoError(t, err, "a budget is not an error")
			assert.Equal(t, tc.stop, tr.Stop)
			assert.True(t, tr.Stop.Budget())
			assert.Len(t, srv.Requests(), tc.requests)
			assert.Equal(t, tc.calls, tool.calls.Load())
			assert.Equal(t, int32(1), tool.opens.Load())
			assert.Equal(t, int32(1), tool.closes.Load(), "tools are closed however the sample ends")
			assert.Equal(t, echoCall, tr.Final, "the last reply is the final text")
			if tc.budget.Timeout > 0 {
				assert.Less(t, time.Since(start), 30*time.Second, "the timeout stops the sample long before the minute the endpoint takes")
			}
		})
	}
}

func TestMalformedCallsGoBackAsErrors(t *testing.T) {
	a, srv := agentFor(t, "hermes", echoTool())
	replies := []string{
		"<tool_call>\n{\"name\": \"echo\", \"arguments\": {\"text\": \"unclosed\"\n</tool_call>",
		"<tool_call>\n{\"name\": \"browser\", \"arguments\": {}}\n</tool_call>",
		"<tool_call>\n{\"name\": \"echo\", \"arguments\": {}}\n</tool_call>",
		"<tool_call>\n{\"name\": \"web_visit\", \"arguments\": {\"urls\": [\"https://example.com\"]}}\n</tool_call>",
		"<tool_call>\n{\"arguments\": {}}\n</tool_call>",
		"<tool_call>\n{\"name\": \"echo\", \"arguments\": [1, 2]}\n</tool_call>",
		"Done.",
	}
	for _, r := range replies {
		srv.Script(runnertest.Reply{Content: r})
	}
	tr, err := a.Run(context.Background(), question("try things"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopAnswer, tr.Stop)
	reqs := srv.Requests()
	require.Len(t, reqs, len(replies))
	var got []string
	for _, req := range reqs[1:] {
		got = append(got, req.Last().Text)
	}
	assert.Equal(t, []string{
		"<tool_response>\nError: the tool call is not valid JSON (unexpected end of JSON input): write {\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_response>",
		"<tool_response>\nError: unknown tool \"browser\": the tools of this run are echo\n</tool_response>",
		"<tool_response>\nError: missing required argument \"text\"\n</tool_response>",
		"<tool_response>\nError: tool \"web_visit\" is not available in this run\n</tool_response>",
		"<tool_response>\nError: the tool call has no \"name\"\n</tool_response>",
		"<tool_response>\nError: the arguments must be a JSON object, got [1,2]\n</tool_response>",
	}, got)
	var names, errs []string
	for _, turn := range tr.Turns {
		for _, c := range turn.Calls {
			names = append(names, c.Name)
			errs = append(errs, c.Error)
		}
	}
	assert.Equal(t, []string{"echo", "browser", "echo", "web_visit", runners.InvalidCallName, "echo"}, names)
	for i, e := range errs {
		assert.NotEmpty(t, e, "call %d is counted as an error", i)
	}
}

func TestOnNoAction(t *testing.T) {
	for _, mode := range []string{"", runners.NoActionStop, runners.NoActionReprompt, runners.NoActionRetry} {
		t.Run("mode="+mode, func(t *testing.T) {
			a, srv := agentFor(t, "deepeyesv2")
			a.OnNoAction = mode
			srv.Script(runnertest.Reply{Content: "<think>Hmm.</think>"}, runnertest.Reply{Content: "<answer>4</answer>"})
			tr, err := a.Run(context.Background(), question("2+2?"))
			require.NoError(t, err)
			reqs := srv.Requests()
			switch mode {
			case "", runners.NoActionStop:
				assert.Equal(t, runners.StopNoAction, tr.Stop)
				assert.Len(t, reqs, 1)
				assert.Equal(t, "Hmm.", tr.Final, "graded as VLMEvalKit reads it, the think tags out")
			case runners.NoActionReprompt:
				assert.Equal(t, runners.StopAnswer, tr.Stop)
				require.Len(t, reqs, 2)
				assert.Equal(t, []string{"system", "user", "assistant", "user"}, roles(reqs[1]))
				assert.Equal(t, "<think>Hmm.</think>", reqs[1].Messages[2].Text)
				assert.Equal(t, deepEyesV2Format, reqs[1].Last().Text)
				assert.Equal(t, []runners.Role{"user", "assistant", "user", "assistant"}, turnRoles(tr))
			case runners.NoActionRetry:
				assert.Equal(t, runners.StopAnswer, tr.Stop)
				require.Len(t, reqs, 2)
				assert.Equal(t, reqs[0].Body, reqs[1].Body, "the same request again")
				assert.Equal(t, []runners.Role{"user", "assistant", "assistant"}, turnRoles(tr))
			}
		})
	}
}

func TestCancelClosesTools(t *testing.T) {
	tool := &countingTool{block: true, called: make(chan struct{})}
	a, srv := agentFor(t, "hermes", tool)
	srv.Script(runnertest.Reply{Content: echoCall})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-tool.called
		cancel()
	}()
	start := time.Now()
	tr, err := a.Run(ctx, question("block"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 30*time.Second, "cancelling stops a tool that would block for ever")
	assert.Equal(t, runners.StopError, tr.Stop)
	assert.Equal(t, int32(1), tool.closes.Load())
	require.Len(t, tr.Turns, 2)
	require.Len(t, tr.Turns[1].Calls, 1, "the interrupted call is recorded")
	assert.NotEmpty(t, tr.Turns[1].Calls[0].Error)
}

func TestCancelDuringModelCall(t *testing.T) {
	tool := &countingTool{}
	a, srv := agentFor(t, "hermes", tool)
	srv.Script(runnertest.Reply{Content: "late", Delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := a.Run(ctx, question("slow"))
	require.Error(t, err, "the run's own deadline is not the sample's budget")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int32(1), tool.closes.Load())
}

// failingTool fails as infrastructure: at Open, or at Call.
type failingTool struct {
	atOpen bool
}

func (f *failingTool) Def() runners.ToolDef { return echoTool().Def() }

func (f *failingTool) Open(ctx context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	if f.atOpen {
		return nil, errors.New("sandbox did not start")
	}
	dying := &runners.StatelessTool{Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
		return nil, errors.New("sandbox died")
	}}
	return dying.Open(ctx, env)
}

func TestToolFailuresEndTheSample(t *testing.T) {
	for _, atOpen := range []bool{true, false} {
		a, srv := agentFor(t, "hermes", &failingTool{atOpen: atOpen})
		srv.Script(runnertest.Reply{Content: echoCall})
		tr, err := a.Run(context.Background(), question("x"))
		var te *runners.ToolError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "echo", te.Tool)
		assert.Equal(t, runners.StopError, tr.Stop)
		if atOpen {
			assert.Empty(t, srv.Requests(), "no model call when a tool cannot open")
		} else {
			assert.Contains(t, err.Error(), "sandbox died")
		}
	}
}

func TestModelErrorKeepsTheTrajectory(t *testing.T) {
	a, srv := agentFor(t, "hermes", echoTool())
	srv.Script(runnertest.Reply{Content: echoCall}, runnertest.Reply{Status: 400})
	tr, err := a.Run(context.Background(), question("x"))
	var me *runners.ModelError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, runners.StopError, tr.Stop)
	assert.Equal(t, []runners.Role{"user", "assistant", "user"}, turnRoles(tr))
}

func TestImagesAreStoredOnce(t *testing.T) {
	img := pngImage(t, 8, 8)
	same := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "same", Parameters: []byte(`{"type":"object","properties":{}}`)},
		Func: func(_ context.Context, env *runners.ToolEnv, _ json.RawMessage) (*runners.Observation, error) {
			return &runners.Observation{Text: "the input again", Images: env.Images}, nil
		},
	}
	a, srv := agentFor(t, "hermes", same)
	blobs := newMemBlobs()
	a.Blobs = blobs
	call := "<tool_call>\n{\"name\": \"same\"}\n</tool_call>"
	srv.Script(runnertest.Reply{Content: call}, runnertest.Reply{Content: call}, runnertest.Reply{Content: "ok"})
	tr, err := a.Run(context.Background(), &runners.Input{Images: []*runners.Image{img}, User: []runners.Part{{Image: img}, {Text: "look"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{sha(img.Data)}, blobs.keys())
	assert.Equal(t, 1, blobs.puts, "one write for the image, however often it appears")
	assert.Equal(t, []string{sha(img.Data)}, tr.Turns[0].Images)
	assert.Equal(t, []string{sha(img.Data)}, tr.Turns[2].Images)
	reqs := srv.Requests()
	assert.Equal(t, []string{"<tool_response>\nthe input again", "[image 8×8 image/png]", "\n</tool_response>"}, sent(t, reqs[1], 3))
}

func TestObservationTextIsCappedInTheTrajectory(t *testing.T) {
	big := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "big"},
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			b := make([]byte, 100_000)
			for i := range b {
				b[i] = 'x'
			}
			return &runners.Observation{Text: string(b)}, nil
		},
	}
	a, srv := agentFor(t, "hermes", big)
	srv.Script(runnertest.Reply{Content: "<tool_call>{\"name\": \"big\"}</tool_call>"}, runnertest.Reply{Content: "ok"})
	tr, err := a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	assert.Less(t, len(tr.Turns[1].Calls[0].Output), 10_000)
	assert.True(t, strings.Contains(tr.Turns[1].Calls[0].Output, "[… 91808 bytes truncated …]"), "the cut is noted")
	assert.True(t, tr.Turns[1].Truncated, "the turn whose call output was cut is marked")
	assert.Less(t, len(tr.Turns[2].Text), 10_000)
	assert.True(t, tr.Turns[2].Truncated)
	assert.False(t, tr.Turns[0].Truncated)
	assert.True(t, tr.Truncated)
	assert.Greater(t, len(srv.Requests()[1].Last().Text), 100_000, "the model gets it whole")
}

// TestOnCallErrorStop ends the sample at a failed call, as DeepEyes' V* evaluation does: the
// call is recorded with its error, nothing goes back to the model, and the last reply is graded.
func TestOnCallErrorStop(t *testing.T) {
	t.Parallel()
	a, srv := agentFor(t, "hermes", echoTool())
	a.OnCallError = tasks.OnCallErrorStop
	bad := "<tool_call>\n{\"name\": \"echo\", \"arguments\": {}}\n</tool_call>"
	srv.Script(runnertest.Reply{Content: bad}, runnertest.Reply{Content: "never asked"})
	tr, err := a.Run(context.Background(), question("hi"))
	require.NoError(t, err)
	assert.Equal(t, runners.StopCallError, tr.Stop)
	assert.Len(t, srv.Requests(), 1)
	require.Len(t, tr.Turns, 2)
	assert.Contains(t, tr.Turns[1].Calls[0].Error, `missing required argument "text"`)
	assert.Equal(t, bad, tr.Final)
}

// TestCutNoteCountsTheBytesCut records a tool output of multi-byte text (what Python prints
// of a non-English page, say): the note in the record says how many bytes of it the record
// lacks, the bytes of a rune cut whole at either end included.
func TestCutNoteCountsTheBytesCut(t *testing.T) {
	out := "x" + strings.Repeat("é", 30_000) + strings.Repeat("日本", 10_000) + "\nthe end!"
	tool := &runners.StatelessTool{
		Definition: runners.ToolDef{Name: "print"},
		Func: func(context.Context, *runners.ToolEnv, json.RawMessage) (*runners.Observation, error) {
			return &runners.Observation{Text: out}, nil
		},
	}
	a, srv := agentFor(t, "hermes", tool)
	srv.Script(runnertest.Reply{Content: "<tool_call>{\"name\": \"print\"}</tool_call>"}, runnertest.Reply{Content: "ok"})
	tr, err := a.Run(context.Background(), question("x"))
	require.NoError(t, err)
	kept := tr.Turns[1].Calls[0].Output
	m := regexp.MustCompile(`\n\[… (\d+) bytes truncated …\]\n`).FindStringSubmatchIndex(kept)
	require.NotNil(t, m, kept[:100])
	head, tail := kept[:m[0]], kept[m[1]:]
	cut, err := strconv.Atoi(kept[m[2]:m[3]])
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, head))
	assert.True(t, strings.HasSuffix(out, tail))
	assert.True(t, utf8.ValidString(head) && utf8.ValidString(tail), "no rune is split")
	assert.Equal(t, len(out)-len(head)-len(tail), cut, "the note counts every byte the record lacks")
}

// slowOpenTool is an echo tool whose Open and Call each take at least d.
type slowOpenTool struct{ d time.Duration }

func (s slowOpenTool) Def() runners.ToolDef { return echoTool().Def() }

func (s slowOpenTool) Open(ctx context.Context, env *runners.ToolEnv) (runners.ToolInstance, error) {
	time.Sleep(s.d)
	inst, err := echoTool().Open(ctx, env)
	return slowInstance{inst, s.d}, err
}

type slowInstance struct {
	runners.ToolInstance
	d time.Duration
}

func (i slowInstance) Call(ctx context.Context, args json.RawMessage) (*runners.Observation, error) {
	time.Sleep(i.d)
	return i.ToolInstance.Call(ctx, args)
}

// TestTrajectoryRecordsWallTime records the sample's wall time and the time its tools took to
// open, which hold the model's turns and the tool calls: what a report splits wall time by.
func TestTrajectoryRecordsWallTime(t *testing.T) {
	t.Parallel()
	const d = 20 * time.Millisecond
	a, srv := agentFor(t, "hermes", slowOpenTool{d})
	srv.Script(runnertest.Reply{Content: echoCall}, runnertest.Reply{Content: "<answer>done</answer>"})
	tr, err := a.Run(context.Background(), question("echo"))
	require.NoError(t, err)
	var model, tools int64
	for _, turn := range tr.Turns {
		model += turn.LatencyMS
		for _, c := range turn.Calls {
			tools += c.DurationMS
		}
	}
	assert.GreaterOrEqual(t, tr.ToolOpenMS, d.Milliseconds(), "opening the tool is timed")
	assert.GreaterOrEqual(t, tools, d.Milliseconds(), "the call is timed")
	assert.GreaterOrEqual(t, tr.WallMS, model+tools+tr.ToolOpenMS, "the wall time holds the parts")
	data, err := json.Marshal(tr)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"wall_ms":`)
	assert.Contains(t, string(data), `"tool_open_ms":`)
}
