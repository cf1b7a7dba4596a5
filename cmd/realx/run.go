package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/tasks"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run suites against a model and grade every sample",
		ArgsUsage: "SUITE...",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "model", Aliases: []string{"m"}, Usage: "PROVIDER:MODEL (openai, openrouter, vllm, sglang, ollama) or a model name with --base-url"},
			&cli.StringFlag{Name: "base-url", Usage: "the endpoint's OpenAI-compatible base URL, e.g. http://localhost:8000/v1"},
			&cli.StringFlag{Name: "api-key-env", Usage: "the environment variable holding the API key (default: the provider's, e.g. OPENAI_API_KEY)"},
			&cli.StringFlag{Name: "label", Usage: "the model's name in results and reports (default: the model name)"},
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "the run directory (default runs/MODEL/SUITE)"},
			&cli.IntFlag{Name: "concurrency", Aliases: []string{"c"}, Value: 4, Usage: "samples in flight at once"},
			&cli.IntFlag{Name: "limit", Usage: "run only the first N samples of each suite", DefaultText: "every sample"},
			&cli.Float64Flag{Name: "temperature", Usage: "sampling temperature", DefaultText: "the suite's"},
			&cli.Float64Flag{Name: "top-p", Usage: "nucleus sampling", DefaultText: "the suite's"},
			&cli.IntFlag{Name: "max-tokens", Usage: "completion tokens per turn", DefaultText: "the suite's"},
			&cli.IntFlag{Name: "seed", Usage: "sampling seed", DefaultText: "the suite's"},
			&cli.BoolFlag{Name: "stream", Usage: "ask for server-sent-event streams", DefaultText: "the suite's, else false"},
			&cli.StringFlag{Name: "extra", Usage: `extra request body fields as a JSON object, e.g. '{"top_k":20}'`},
			&cli.IntFlag{Name: "max-pixels", Usage: "scale images down to at most this many pixels", DefaultText: "the suite's, else none"},
			&cli.IntFlag{Name: "min-pixels", Usage: "scale images up to at least this many pixels", DefaultText: "the suite's, else none"},
			&cli.IntFlag{Name: "image-factor", Usage: "round image sides to multiples of this (28 for Qwen2.5-VL)", DefaultText: "the suite's, else none"},
			&cli.StringFlag{Name: "image-root", Usage: "the directory relative image paths resolve against"},
			&cli.BoolFlag{Name: "allow-private-urls", Usage: "let image URLs reach loopback, link-local and private addresses (refused by default)"},
			&cli.DurationFlag{Name: "request-timeout", Value: 10 * time.Minute, Usage: "time limit of one model request"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "format of the summary printed at the end: text, md, csv, json"},
		}, append(append(agentFlags(), engineFlags()...), judgeFlags()...)...),
		Action: func(c *cli.Context) error {
			return runSuites(c)
		},
	}
}

// runSettings are the run's flags that change how samples are put to the model.
type runSettings struct {
	gen    tasks.Generation
	images tasks.ImagePolicy
}

// given returns the value of flag name when it was given on the command line, else nil, so
// that an unset flag leaves the suite's setting alone (and a flag set to 0 still counts).
func given[T any](c *cli.Context, name string, get func(string) T) *T {
	if !c.IsSet(name) {
		return nil
	}
	v := get(name)
	return &v
}

func readRunSettings(c *cli.Context) (*runSettings, error) {
	rs := &runSettings{}
	rs.gen.Temperature = given(c, "temperature", c.Float64)
	rs.gen.TopP = given(c, "top-p", c.Float64)
	rs.gen.MaxTokens = given(c, "max-tokens", c.Int)
	rs.gen.Seed = given(c, "seed", c.Int)
	rs.gen.Stream = given(c, "stream", c.Bool)
	var problems []string
	for _, p := range rs.gen.Check() {
		problems = append(problems, fmt.Sprintf("--%s %s", strings.ReplaceAll(p.Key, "_", "-"), p.Msg))
	}
	if extra := c.String("extra"); extra != "" {
		if err := json.Unmarshal([]byte(extra), &rs.gen.Extra); err != nil {
			problems = append(problems, fmt.Sprintf("--extra: want a JSON object: %v", err))
		}
	}
	rs.images = tasks.ImagePolicy{MaxPixels: c.Int("max-pixels"), MinPixels: c.Int("min-pixels"), Factor: c.Int("image-factor")}
	if rs.images.MaxPixels < 0 || rs.images.MinPixels < 0 || rs.images.Factor < 0 {
		problems = append(problems, "--max-pixels, --min-pixels and --image-factor cannot be negative")
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return rs, nil
}

// checkExtra returns the problems of generation g, the suite's with the models file's and the
// command line's over it, that the endpoint client would find only when sending a request: a
// parameter set both as a field (--temperature, the suite's generation, the models file) and
// in extra, or an extra key the client writes itself.
func checkExtra(suite string, g tasks.Generation) []string {
	var out []string
	for _, c := range runners.ExtraConflicts(g) {
		if c.Owned {
			out = append(out, fmt.Sprintf("realx: run: suite %s: generation extra cannot set %q, which realx writes itself", suite, c.Key))
			continue
		}
		flag := "--" + strings.ReplaceAll(c.Key, "_", "-")
		out = append(out, fmt.Sprintf("realx: run: suite %s: %s is set both as a generation parameter (%s, the suite or the models file) and in extra (--extra, the suite or the models file); set it once", suite, c.Key, flag))
	}
	return out
}

func runSuites(c *cli.Context) error {
	if c.NArg() == 0 {
		return usageError("run: name at least one suite (a shipped name or a YAML file)")
	}
	if c.Int("concurrency") < 1 {
		return usageError("run: -c must be at least 1")
	}
	if c.Int("limit") < 0 {
		return usageError("run: --limit cannot be negative")
	}
	if f := c.String("format"); !validFormat(f) {
		return usageError("run: unknown --format %q (want one of %s)", f, strings.Join(reports.Formats, ", "))
	}
	settings, err := readRunSettings(c)
	if err != nil {
		return usageError("run: %v", err)
	}
	opts, notes, err := readEngineOptions(c, os.Getenv)
	if err != nil {
		return usageError("run: %v", err)
	}
	for _, n := range notes {
		fmt.Fprintln(c.App.ErrWriter, "realx: note:", n)
	}
	model, err := modelFromFlags(c, os.Getenv)
	if err != nil {
		return usageError("run: %v", err)
	}
	model.Endpoint.Timeout = c.Duration("request-timeout")
	js, err := readJudgeSetup(c, os.Getenv)
	if err != nil {
		return usageError("run: %v", err)
	}

	// Every suite is loaded and checked before the first model call.
	var plans []*plan
	var problems []error
	for _, arg := range c.Args().Slice() {
		s, ds, err := loadSuite(arg)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		root := c.String("image-root")
		if root != "" {
			s.SetImageRoot(root)
		}
		if c.Bool("allow-private-urls") {
			s.AllowPrivateURLs()
		}
		p, err := newPlan(s, ds, c.Int("limit"), js)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		p.imageRoot = root
		for _, msg := range checkExtra(s.Name, s.Generation.Merge(model.Generation).Merge(settings.gen)) {
			problems = append(problems, errors.New(msg))
		}
		plans = append(plans, p)
	}
	if len(problems) > 0 {
		return configErrors(errors.Join(problems...))
	}

	eng, err := newEngine(opts, model)
	if err != nil {
		return usageError("run: %v", err)
	}
	defer eng.close()
	client := eng.client(model.Endpoint)
	for _, p := range plans {
		p.images = p.suite.Images.Merge(settings.images)
		if p.agent, err = newAgent(c, p, client, p.suite.Generation.Merge(model.Generation).Merge(settings.gen)); err != nil {
			return err
		}
	}
	warnContainment(c.App.ErrWriter, plans)
	return eng.runPlans(c, plans, model)
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// safeName turns a model name into a directory name.
func safeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s == "." || s == ".." {
		return "model"
	}
	return s
}
