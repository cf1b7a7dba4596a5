// Command realx evaluates agentic multimodal models: it runs declarative YAML suites against any
// OpenAI-compatible endpoint, grades every answer with rule or LLM judges, and reports accuracy
// per capability.
//
//	realx list                                   shipped suites and their sizes
//	realx validate SUITE...                      exit 0, or every error as file:line:col and exit 2
//	realx run SUITE... --model NAME [--base-url URL] [--out DIR] [-c N] [--limit N] [--shard i/N]
//	                   [--repeats K] [--retry-errors] [--max-cost USD] [--cache MODE] [--progress P]
//	                   [--search MODE] [--search-store DIR] [--record-model FILE | --replay-model FILE]
//	realx score SUITE --predictions FILE [--id-field F] [--response-field F] --out DIR
//	realx judge --judge KIND [--in FILE]         JSONL rows in, rows with pass, score, extracted out
//	realx rejudge RUN [--judge KIND|FILE] [--out DIR]   grade a run's outputs again, no model calls
//	realx report RUN... [--by FIELD] [--table capability|paper|tools|search|repeats|judges] [--section S] [--common]
//	                   [--require-complete] [--format text|md|csv|json|latex] [-o FILE] [--plots DIR]
//	                   [paper: --rows, --columns, --order, --ci, --average, --caption, --label]
//	realx compare BASE NEW [--max-drop PTS] [--alpha A] [--junit FILE] [--format md]   a run beside a baseline; exit 1 on a regression
//	realx view RUN... -o FILE.html [--title T] [--image-budget MIB]   one self-contained page of runs
//	realx show RUN ID [--suite S] [--repeat N]   one sample's trajectory in the terminal
//	realx merge SHARD... --out DIR               one run from the shards of a run
//	realx data pull SUITE... [--data-cache DIR]  download suites' data.source into the data cache, verified
//	realx search export STORE -o FILE.tar.gz     a search store as a deterministic archive
//	realx search import STORE SOURCE [--from deepeyesv2 --images DIR]   add an archive, a store or DeepEyesV2's cache
//	realx version                                the version (as realx --version)
//
// Exit codes: 0 success; 1 a run-fatal error (a model endpoint that cannot serve the run), or a
// significant regression found by realx compare; 2 a
// configuration error (bad suite, bad flag or command, a run directory that holds another
// run), found before any model call; 3 a run stopped by its budget (--max-cost,
// --max-tokens-total); 4 a run or score that ended with samples without a verdict (more than
// --max-error-rate of them, or every one), or a report --require-complete of such a run; 130 a run
// stopped by Ctrl-C or SIGTERM. A stopped or incomplete run keeps every finished sample and
// resumes when the same command is run again.
//
// The first Ctrl-C (or SIGTERM) stops `realx run` from starting samples and gives those in
// flight --grace (25 s) to finish; then, or at the second, they are canceled (recorded as
// canceled; they run again on resume); the third exits at once.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/realx-bench/realx"
	"github.com/realx-bench/realx/reports"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools/python"
)

// version is set at build time with -ldflags "-X main.version=…"; without it, init reads it
// from the build information Go records (buildVersion).
var version = "dev"

func init() { version = buildVersion(version, debug.ReadBuildInfo) }

// buildVersion returns v when -ldflags set it, else what the Go build recorded: the module's
// version (go install …@v1.2.3), else the VCS revision, "-dirty" when the tree was modified
// (go build in a checkout), else "dev".
func buildVersion(v string, read func() (*debug.BuildInfo, bool)) string {
	if v != "dev" {
		return v
	}
	info, ok := read()
	if !ok {
		return v
	}
	if mv := info.Main.Version; mv != "" && mv != "(devel)" {
		return mv
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return v
	}
	return rev[:min(len(rev), 12)] + dirty
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	stop := newInterrupt(cancel)
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		for n := 1; ; n++ {
			<-sigs
			if n >= 3 {
				fmt.Fprintln(os.Stderr, "realx: killed")
				os.Exit(exitInterrupted)
			}
			stop.signal()
		}
	}()
	err := run(ctx, stop, os.Args, os.Stdin, os.Stdout, os.Stderr)
	signal.Stop(sigs)
	cancel()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err (if any) and returns the process exit code for it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var coder cli.ExitCoder
	if errors.As(err, &coder) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return coder.ExitCode()
	}
	fmt.Fprintln(stderr, "realx:", err)
	return 1
}

// run is the whole command line: args[0] is the program name. The first interrupt in (nil for
// none) stops run and score gracefully, and cancels ctx under any other command. It returns
// instead of exiting, so tests call it directly.
func run(ctx context.Context, in *interrupt, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := python.MarkInheritedCloseOnExec(); err != nil {
		return err
	}
	app := &cli.App{
		Name:      "realx",
		Usage:     "evaluate agentic multimodal models on declarative suites",
		Version:   version,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are returned to main, never handled by os.Exit inside the library.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			listCommand(),
			validateCommand(),
			searchCommand(),
			runCommand(in),
			scoreCommand(in),
			judgeCommand(),
			rejudgeCommand(),
			reportCommand(),
			compareCommand(),
			viewCommand(),
			showCommand(),
			mergeCommand(),
			dataCommand(),
			versionCommand(),
		},
		Metadata:     map[string]any{argsKey: args},
		OnUsageError: onUsageError,
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = onUsageError
		cmd.Before = checkSharedFlags
		for _, sub := range cmd.Subcommands {
			sub.OnUsageError = onUsageError
		}
	}
	if err := unknownCommand(app, args); err != nil {
		return err
	}
	return app.RunContext(ctx, flagsFirst(app, args))
}

// onUsageError makes a bad flag, or a bad flag value, a configuration error: exit code 2.
func onUsageError(c *cli.Context, err error, _ bool) error {
	if c.Command != nil && c.Command.Name != "" {
		return usageError("%s: %v (see realx %s --help)", c.Command.Name, err, c.Command.Name)
	}
	return usageError("%v (see realx --help)", err)
}

// checkSharedFlags checks the flags that several commands have, before a command runs: a
// value out of range, or an unknown --format, is a configuration error.
func checkSharedFlags(c *cli.Context) error {
	if d := c.Int("decimals"); d < 0 || d > 10 {
		return usageError("%s: --decimals must be between 0 and 10, got %d", c.Command.Name, d)
	}
	if f := c.String("format"); f != "" {
		if _, err := reports.RendererFor(f); err != nil {
			return usageError("%s: unknown --format %q (want one of %s)", c.Command.Name, f, strings.Join(reports.Formats, ", "))
		}
	}
	return nil
}

// formatFlag is the --format flag of a command that prints a table (what, in its help), from
// the one list of formats (reports.Formats); checkSharedFlags checks it.
func formatFlag(what string, aliases ...string) cli.Flag {
	return &cli.StringFlag{Name: "format", Aliases: aliases, Value: "text", Usage: what + ": " + strings.Join(reports.Formats, ", ")}
}

// unknownCommand returns a usage error when args name a command realx does not have, directly
// or after help, instead of urfave/cli's "No help topic" (exit 3).
func unknownCommand(app *cli.App, args []string) error {
	var words []string
	for _, a := range args[min(1, len(args)):] {
		if !strings.HasPrefix(a, "-") {
			words = append(words, a)
		}
	}
	if len(words) == 0 {
		return nil
	}
	name := words[0]
	if (name == "help" || name == "h") && len(words) > 1 && !strings.HasPrefix(args[1], "-") {
		name = words[1]
	}
	if name == "help" || name == "h" || app.Command(name) != nil {
		return nil
	}
	var names []string
	for _, cmd := range app.Commands {
		names = append(names, cmd.Name)
	}
	slices.Sort(names)
	return usageError("unknown command %q (want one of %s; see realx --help)", name, strings.Join(names, ", "))
}

// flagsFirst moves a command's flags before its positional arguments, so that
// `realx score SUITE --out DIR` parses as the CLI contract says (urfave/cli v2 stops reading flags
// at the first positional argument). Everything after "--" stays as it is. A subcommand's
// flags go after its name (`realx search import DIR SRC --from deepeyesv2`).
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	head := 2
	if len(args) > 2 && len(cmd.Subcommands) > 0 {
		if sub := cmd.Command(args[2]); sub != nil {
			cmd, head = sub, 3
		}
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, name := range f.Names() {
			takesValue[name] = !isBool
		}
	}
	var flags, positional []string
	rest := args[head:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if takesValue[name] && i+1 < len(rest) {
			i++
			flags = append(flags, rest[i])
		}
	}
	out := append(slices.Clone(args[:head]), flags...)
	return append(out, positional...)
}

const argsKey = "args"

// commandLine returns the command line realx was started with, without the program's path,
// as manifests record it: without credentials in URLs (redactArgs).
func commandLine(c *cli.Context) []string {
	args, _ := c.App.Metadata[argsKey].([]string)
	if len(args) == 0 {
		return nil
	}
	return runners.RedactArgs(args[1:])
}

// usageError is a configuration error: exit code 2.
func usageError(format string, args ...any) error {
	return cli.Exit(fmt.Sprintf("realx: "+format, args...), 2)
}

// configErrors reports config errors (one per line) with exit code 2.
func configErrors(err error) error {
	return cli.Exit(err.Error(), 2)
}

// The exit codes of a command that stopped before its end, or ended with samples without a
// verdict, its log intact and resumable.
const (
	exitBudget      = 3
	exitIncomplete  = 4
	exitInterrupted = 130
)

// commandError returns err, an error of command name from package realx, as the command
// reports it: a *realx.ConfigError with exit code 2 ("realx: NAME: …"), realx.Problems with
// exit code 2 as they are, any other as it is (exit 1).
func commandError(name string, err error) error {
	var ce *realx.ConfigError
	var problems realx.Problems
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		return usageError("%s: %v", name, err)
	case errors.As(err, &problems):
		return configErrors(err)
	}
	return err
}

// interrupt is the two-stage stop of main: the first signal stops a command that can stop
// gracefully (its drain, Engine.Interrupt, reports that it did: run and score start no more
// samples and give those in flight --grace) or else cancels the context; the next cancels it.
type interrupt struct {
	mu     sync.Mutex
	n      int
	drain  func() bool
	cancel context.CancelFunc
}

// newInterrupt returns an interrupt whose hard stop calls cancel.
func newInterrupt(cancel context.CancelFunc) *interrupt {
	return &interrupt{cancel: cancel}
}

// signal takes one interrupt.
func (in *interrupt) signal() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.n++
	if in.n == 1 && in.drain != nil && in.drain() {
		return
	}
	in.cancel()
}

// drains makes the first interrupt call drain, which reports whether it stopped the command
// gracefully. A nil interrupt takes none.
func (in *interrupt) drains(drain func() bool) {
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.drain = drain
}
