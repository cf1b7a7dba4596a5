package view

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/realx-bench/realx/reports"
)

// chromium returns the path of Debian's Chromium. Without one the test is skipped, saying
// why, or fails when REALX_REQUIRE_BROWSER=1 (CI sets it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "chromium is not installed (apt-get install chromium): the viewer's browser test cannot run"
	if os.Getenv("REALX_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + ", and REALX_REQUIRE_BROWSER=1 requires it")
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium of its own (a fresh profile, no network of its own: this
// machine's is closed) and returns its context, and the console errors and exceptions the
// page has had so far.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	// A generous bound, not a timed assertion: the test only fails by it if Chromium hangs.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 5*time.Minute)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc(); cancelTimeout() })
	var mu sync.Mutex
	var problems []string
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+exceptionText(ev.ExceptionDetails))
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError {
				problems = append(problems, "log ("+string(ev.Entry.Source)+"): "+ev.Entry.Text)
			}
		}
	})
	require.NoError(t, err, "starting Chromium")
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(problems)
	}
}

// counts are what the filters should find among the records of the runs at dirs.
type counts struct {
	samples, wrong, errors, search, noTools, crop, searched, flips, gained, q7 int
}

func expectedCounts(t *testing.T, a, b string) counts {
	t.Helper()
	records := map[string]map[string]*reports.Result{}
	require.NoError(t, reports.ScanInputs([]string{a, b}, nil, io.Discard, func(in *reports.Input, r *reports.Result) error {
		if records[in.Path] == nil {
			records[in.Path] = map[string]*reports.Result{}
		}
		records[in.Path][r.ID] = r
		return nil
	}))
	var c counts
	for id, r := range records[a] {
		c.samples++
		use := reports.UseOf(r)
		switch {
		case !r.Graded():
			c.errors++
		case !r.Pass:
			c.wrong++
		}
		if r.Capability == "search" {
			c.search++
		}
		if use.Calls == 0 {
			c.noTools++
		}
		if slices.Contains(use.Categories, reports.CategoryCrop) {
			c.crop++
		}
		if slices.Contains(use.Tools, "search") {
			c.searched++
		}
		if other := records[b][id]; r.Graded() && other != nil && other.Graded() && r.Pass != other.Pass {
			c.flips++
			if r.Pass {
				c.gained++
			}
		}
		if strings.Contains(id, "q7") {
			c.q7++
		}
	}
	return c
}

// TestViewInBrowser opens the page of two runs of 2,000 samples with tool calls in headless
// Chromium: it loads without a console error or exception, shows its figures and the first
// page of samples, its filters (capability, verdict, tool, flips between the runs, id) find
// what they should, a sample's details show its images, and an answer, gold, judge's reason,
// tool name, code and output full of markup and script run nothing and show as text.
func TestViewInBrowser(t *testing.T) {
	t.Parallel()
	ctx, problems := browser(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeRun(t, a, "model-a", 2000, false)
	writeRun(t, b, "model-b", 2000, true)
	page := filepath.Join(dir, "report.html")
	f, err := os.Create(page)
	require.NoError(t, err)
	require.NoError(t, Write(f, []string{a, b}, nil, io.Discard, Options{ImageBudget: DefaultImageBudget}))
	require.NoError(t, f.Close())
	want := expectedCounts(t, a, b)
	require.Equal(t, 2000, want.samples)

	count := func() string { return evalAs[string](t, ctx, `document.getElementById("count").textContent`) }
	eval := func(js string, out any) {
		t.Helper()
		switch out := out.(type) {
		case *int:
			*out = evalAs[int](t, ctx, js)
		case *bool:
			*out = evalAs[bool](t, ctx, js)
		case *string:
			*out = evalAs[string](t, ctx, js)
		default:
			t.Fatalf("eval into %T", out)
		}
	}
	filter := func(id, value string) {
		t.Helper()
		var ok bool
		eval(fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change")); return s.value === %q })()`, id, value, value), &ok)
		require.True(t, ok, "%s has the option %q", id, value)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("file://"+page), chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`))))

	assert.Equal(t, "2000 of 2000 samples", count())
	var n int
	eval(`document.querySelectorAll("#samples > li").length`, &n)
	assert.Equal(t, 100, n, "the first page of samples, the rest drawn on demand")
	eval(`document.querySelectorAll(".sample-body .details").length`, &n)
	assert.Zero(t, n, "no details before they are opened")
	eval(`[...document.querySelectorAll("img.plot")].filter(i => i.complete && i.naturalWidth > 0).length`, &n)
	assert.Equal(t, 4, n, "the four figures load under the page's policy")
	eval(`document.querySelectorAll("table.grid").length`, &n)
	assert.Equal(t, 7, n, "the accuracy table and the six of tool use")

	for _, f := range []struct {
		id, value string
		want      int
	}{
		{"f-verdict", "wrong", want.wrong}, {"f-verdict", "error", want.errors}, {"f-verdict", "", want.samples},
		{"f-cap", "search", want.search}, {"f-cap", "", want.samples},
		{"f-tool", "none", want.noTools}, {"f-tool", "cat:crop", want.crop}, {"f-tool", "tool:search", want.searched}, {"f-tool", "", want.samples},
		{"f-flip", "any", want.flips}, {"f-flip", "gained", want.gained}, {"f-flip", "", want.samples},
	} {
		filter(f.id, f.value)
		assert.Equal(t, fmt.Sprintf("%d of 2000 samples", f.want), count(), "%s = %q", f.id, f.value)
	}
	require.Positive(t, want.gained)
	require.Less(t, want.gained, want.flips)
	eval(`(() => { const q = document.getElementById("f-q"); q.value = "q7"; q.dispatchEvent(new Event("input")); return 0 })()`, &n)
	assert.Equal(t, fmt.Sprintf("%d of 2000 samples", want.q7), count())

	// Sample q7, first in natural order, holds the hostile text: open it and every part of it.
	eval(`(() => { document.querySelector("#samples > li .sample-head").click();
		document.querySelectorAll("#samples details").forEach(d => d.open = true);
		return document.querySelectorAll("#samples .details").length })()`, &n)
	require.Equal(t, 1, n)
	var shown string
	eval(`document.querySelector("#samples > li").textContent`, &shown)
	assert.Contains(t, shown, "synth / q7")
	assert.GreaterOrEqual(t, strings.Count(shown, `<script>window.pwned = 1; document.title = "pwned"</script>`), 6,
		"the answer, the gold, the reason, the tool name, its code, output and error show as text")
	assert.Contains(t, shown, `<img src=x onerror="window.pwned = 2">`)
	var pwned string
	eval(`typeof window.pwned + " " + document.title`, &pwned)
	assert.Equal(t, "undefined realx view: model-a, model-b", pwned, "nothing the model wrote ran")
	eval(`document.querySelectorAll("#app script, #app iframe, #app svg, #app a, #app style, #app img:not(.thumb):not(.plot)").length`, &n)
	assert.Zero(t, n, "no element of the model's markup was made")
	eval(`[...document.querySelectorAll("#app *")].filter(e => [...e.attributes].some(a => a.name.startsWith("on") ||
		(["href", "src", "action", "formaction", "xlink:href"].includes(a.name) && !a.value.startsWith("data:image/")))).length`, &n)
	assert.Zero(t, n, "no event handler, no URL but the page's images")
	eval(`document.scripts.length`, &n)
	assert.Equal(t, 2+2, n, "the page's own scripts: the data, two images, the viewer")
	eval(`[...document.querySelectorAll("#samples img.thumb")].filter(i => i.complete && i.naturalWidth > 0).length`, &n)
	assert.GreaterOrEqual(t, n, 3, "the input image, and the crop beside the original")
	eval(`document.querySelectorAll("#samples .noimage").length`, &n)
	assert.Equal(t, 2, n, "the image named like a path is not read (in the record of either run)")

	assert.Empty(t, problems(), "no console error nor exception")

	// Markup the page's own script might be tricked into writing as HTML is refused by Trusted
	// Types: the policy stands behind the code. The refusal is reported as a violation.
	var refused bool
	eval(`(() => { try { document.body.insertAdjacentHTML("beforeend", "<b>x</b>"); return false } catch (e) { return e instanceof TypeError } })()`, &refused)
	assert.True(t, refused, "Trusted Types refuse an HTML string")
	eval(`document.querySelectorAll("body > b").length`, &n)
	assert.Zero(t, n)
}

// exceptionText says what an exception the page threw was.
func exceptionText(d *runtime.ExceptionDetails) string {
	text := d.Text
	if d.Exception != nil {
		text += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (line %d)", text, d.LineNumber)
}

// evalAs returns what the expression js gives in the page of ctx.
func evalAs[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	require.NoError(t, err, js)
	return v
}
