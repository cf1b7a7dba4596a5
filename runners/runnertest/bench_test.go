package runnertest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// The scheduling benchmark: samples with one 1-megapixel JPEG each, through the whole path
// of a run (PrepareImage, the model as runners.Clients makes it for a run — the OpenAI client
// sending the image as a data URL, WithRetry, WithThrottle, the observer that counts tokens,
// the response cache's layer, off — and the Runner) against a fake endpoint that answers
// after a fixed latency. docs/performance.md has the figures and how to read them.
const (
	// benchServerEnv, when set, makes the test binary the fake endpoint of the benchmark.
	benchServerEnv = "REALX_BENCH_SERVER"
	// benchLargeEnv, when set, turns on BenchmarkRun20000Samples (about a minute).
	benchLargeEnv    = "REALX_BENCH_LARGE"
	benchLatency     = 200 * time.Millisecond
	benchConcurrency = 64
)

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		serveBench()
		return
	}
	os.Exit(m.Run())
}

// serveBench runs the benchmark's fake endpoint until stdin closes, after printing its URL.
func serveBench() {
	s := runnertest.Listen()
	s.Lean()
	usage := &runners.Usage{Prompt: 1300, Completion: 8, Total: 1308}
	s.Handle(func(*runnertest.Request) runnertest.Reply {
		return runnertest.Reply{Content: "The answer is (B).", Delay: benchLatency, Usage: usage}
	})
	fmt.Println(s.URL())
	_, _ = io.Copy(io.Discard, os.Stdin)
	s.Close()
}

// benchServer is the fake endpoint, in a child process so that its CPU is not counted as
// the harness's.
type benchServer struct {
	url string
	pid int
}

func startBenchServer(b *testing.B) *benchServer {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	require.NoError(b, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	cmd.Stderr = os.Stderr
	require.NoError(b, cmd.Start())
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(b, err)
	return &benchServer{url: strings.TrimSpace(line), pid: cmd.Process.Pid}
}

// cpu returns the CPU time the server process used so far (user and system), from /proc.
func (s *benchServer) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0
	}
	// The fields after the command name (which ends with the last ')'): utime and stime are
	// the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// selfCPU returns the CPU time this process used so far (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchJPEG returns a 1000×1000 JPEG at quality 90 that compresses like a photo: smooth
// gradients with noise.
func benchJPEG() []byte {
	img := image.NewYCbCr(image.Rect(0, 0, 1000, 1000), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range 1000 {
		for x := range 1000 {
			img.Y[y*img.YStride+x] = uint8((x/4+y/8)%200 + rng.IntN(40))
		}
	}
	for i := range img.Cb {
		img.Cb[i] = uint8(100 + i%50 + rng.IntN(8))
		img.Cr[i] = uint8(140 - i%40 + rng.IntN(8))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// heapWatch samples the heap every few milliseconds and keeps its peak.
type heapWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

var heapMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes"}

func heapInUse(s []metrics.Sample) uint64 {
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

func watchHeap() *heapWatch {
	w := &heapWatch{stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		s := make([]metrics.Sample, len(heapMetrics))
		for i, name := range heapMetrics {
			s[i].Name = name
		}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			w.peak = max(w.peak, heapInUse(s))
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Peak stops the watch and returns the peak heap in use (live and not yet collected
// objects, and the unused part of their spans), in bytes.
func (w *heapWatch) Peak() uint64 {
	close(w.stop)
	w.done.Wait()
	return w.peak
}

func BenchmarkRun2000Samples(b *testing.B) { benchRun(b, 2000) }

func BenchmarkRun20000Samples(b *testing.B) {
	if os.Getenv(benchLargeEnv) == "" {
		b.Skip("set " + benchLargeEnv + "=1 to run 20,000 samples (about a minute)")
	}
	benchRun(b, 20000)
}

// benchRun runs n samples per iteration and reports wall time against the ideal, the
// harness's CPU per sample, the server's, and the peak heap.
func benchRun(b *testing.B, n int) {
	srv := startBenchServer(b)
	jpg := benchJPEG()
	ep := runners.Endpoint{BaseURL: srv.url, Model: "bench", Timeout: time.Minute}
	ideal := time.Duration(n) * benchLatency / benchConcurrency
	var wall, cpu, serverCPU time.Duration
	var latency atomic.Int64
	var peak uint64
	var decreases int
	runtime.GC()
	b.ResetTimer()
	for range b.N {
		clients := runners.NewClients(nil)
		cfg := runners.ThrottleConfig{MaxConcurrency: benchConcurrency}
		var tokens atomic.Int64
		model, err := clients.Model(ep, runners.CallPolicy{Throttle: cfg, Observe: func(resp *runners.ChatResponse, err error) {
			if err == nil {
				tokens.Add(int64(resp.Usage.Counted().Total))
			}
		}})
		require.NoError(b, err)
		th, err := clients.Throttle(ep, cfg)
		require.NoError(b, err)
		runner := runners.NewRunner(th)
		answers := make([]string, n)
		watch := watchHeap()
		cpu0, server0, start := selfCPU(), srv.cpu(), time.Now()
		_, err = runner.Run(context.Background(), n, func(ctx context.Context, i int) error {
			data := append([]byte(nil), jpg...) // as if read from the sample's file
			img, err := runners.PrepareImage(data, tasks.ImagePolicy{})
			if err != nil {
				return err
			}
			req := &runners.ChatRequest{Messages: []runners.Message{{Role: runners.RoleUser, Parts: []runners.Part{
				{Text: fmt.Sprintf("Question %d: what does the chart show? Answer with the option's letter.", i)},
				{Image: img},
			}}}}
			resp, err := runners.ForRepeat(model, 0).Chat(ctx, req)
			if err != nil {
				return err
			}
			answers[i] = resp.Content
			latency.Add(int64(resp.Latency))
			return nil
		})
		wall += time.Since(start)
		cpu += selfCPU() - cpu0
		serverCPU += srv.cpu() - server0
		peak = max(peak, watch.Peak())
		decreases += th.Stats().Decreases
		require.NoError(b, err)
		require.Equal(b, int64(n)*1308, tokens.Load(), "every answer counted")
		for i, a := range answers {
			require.Equal(b, "The answer is (B).", a, "sample %d", i)
		}
	}
	b.StopTimer()
	runs := float64(b.N)
	b.ReportMetric(wall.Seconds()/runs, "wall-s")
	b.ReportMetric(100*ideal.Seconds()*runs/wall.Seconds(), "%-of-ideal")
	b.ReportMetric(float64(cpu.Microseconds())/1000/runs/float64(n), "harness-cpu-ms/sample")
	b.ReportMetric(float64(serverCPU.Microseconds())/1000/runs/float64(n), "server-cpu-ms/sample")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(jpg))/1024, "jpeg-KB")
	b.ReportMetric(float64(decreases)/runs, "aimd-decreases")
	b.ReportMetric(float64(latency.Load())/1e6/runs/float64(n), "call-latency-ms")
}
