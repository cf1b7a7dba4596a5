package realx

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/judges"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/tools"
	"github.com/realx-bench/realx/runners/tools/python"
	"github.com/realx-bench/realx/tasks"
)

// LoadSuite loads a suite — a shipped suite's name, or a YAML file — and its data, and checks
// them, returning every problem at once (tasks.Errors, each at its file:line:col): the suite's
// schema, its judge, its agent, its data records and their prompts.
func LoadSuite(arg string) (*tasks.Suite, *tasks.Dataset, error) {
	return LoadSuiteWith(arg, SuiteOptions{})
}

// SuiteOptions say where a suite's files are found besides its own directory.
type SuiteOptions struct {
	// DataCache is the data cache a suite's data.source is read from (--data-cache);
	// tasks.DefaultDataCache's when empty.
	DataCache string
	// AllowNotPulled makes a suite whose data.source is not pulled no problem: it is returned
	// without its data, and Warnings says so (realx validate).
	AllowNotPulled bool
}

// LoadSuiteWith loads a suite as LoadSuite does, with o.
func LoadSuiteWith(arg string, o SuiteOptions) (*tasks.Suite, *tasks.Dataset, error) {
	s, ds, err := ReadSuiteWith(arg, o)
	if err != nil {
		return nil, nil, err
	}
	return s, ds, nil
}

// ReadSuite loads a suite as LoadSuite does, but returns the suite and what data it could read
// along with the problems: the suite is nil only when its file could not be read or parsed. A
// suite file's problems do not keep the data from being read, unless they are in its data
// section (whose mapping the records would be read with).
//
// A suite whose data.source is not in the data cache is a problem at data.source that names
// the command that pulls it (realx data pull ARG): its data is never downloaded here.
func ReadSuite(arg string) (*tasks.Suite, *tasks.Dataset, error) {
	return ReadSuiteWith(arg, SuiteOptions{})
}

// ReadSuiteWith reads a suite as ReadSuite does, with o.
func ReadSuiteWith(arg string, o SuiteOptions) (*tasks.Suite, *tasks.Dataset, error) {
	s, err := benchmarks.Load(arg)
	if s == nil {
		return nil, nil, err
	}
	var problems tasks.Errors
	var loadErrs tasks.Errors
	if errors.As(err, &loadErrs) {
		problems = append(problems, loadErrs...)
	} else if err != nil {
		return nil, nil, err
	}
	problems = append(problems, judges.Check(s)...)
	problems = append(problems, runners.Check(s)...)
	if e := s.Agent.Environment; e != nil && e.Name != "" {
		if err := tools.CheckEnvironment(e.Name); err != nil {
			problems = append(problems, s.Errorf([]string{"agent", "environment", "name"}, "agent.environment.name: %v", err))
		}
	}
	problems.Sort()
	if !s.CanReadData() {
		return s, nil, problems.Err()
	}
	if o.DataCache != "" {
		s.SetDataCache(o.DataCache)
	}
	ds, err := s.Samples()
	var dataErrs tasks.Errors
	switch {
	case errors.As(err, &dataErrs):
		dataErrs.Sort()
		problems = append(problems, dataErrs...)
	case errors.Is(err, tasks.ErrNotPulled) && o.AllowNotPulled:
	case errors.Is(err, tasks.ErrNotPulled):
		problems = append(problems, s.Errorf([]string{"data", "source"}, "%v: pull it first with `realx data pull %s%s` (a run never downloads)",
			err, arg, cacheFlag(o)))
	case errors.Is(err, tasks.ErrChecksum):
		problems = append(problems, s.Errorf([]string{"data", "source"}, "%v", err))
	case err != nil:
		problems = append(problems, s.Errorf([]string{"data", "path"}, "data.path: %v", err))
	}
	if ds != nil {
		problems = append(problems, checkAgentFields(s, ds)...)
	}
	return s, ds, problems.Err()
}

// cacheFlag returns the --data-cache flag that names o's data cache, for a command to give.
func cacheFlag(o SuiteOptions) string {
	if o.DataCache == "" {
		return ""
	}
	return " --data-cache " + o.DataCache
}

// maxImageExamples is how many unreadable images a warning names.
const maxImageExamples = 3

// Warnings returns what a run allows in suite s (its data ds, nil when it could not be read)
// but is likely a mistake or needs the user's leave: the data's warnings, image files that are
// missing (stat'ed, never read) or inline images that do not decode, MCP commands, a python
// tool without bubblewrap, and a data.source not pulled into the data cache. rootGiven
// says whether an image root was given (--image-root).
func Warnings(s *tasks.Suite, ds *tasks.Dataset, rootGiven bool) tasks.Errors {
	var out tasks.Errors
	if ds != nil {
		out = append(out, ds.Warnings...)
		if w := imageWarning(ds, rootGiven); w != nil {
			out = append(out, w)
		}
	}
	if st, err := s.PullStatus(); ds == nil && err == nil && st != nil && !st.Pulled() {
		out = append(out, s.Errorf([]string{"data", "source"}, "%v: its records are not checked until it is pulled (realx data pull), and realx run refuses it until then",
			&tasks.NotPulledError{Source: s.Data.Source.Name(), Cache: st.Cache, Missing: st.Missing}))
	}
	if w := pinWarning(s); w != nil {
		out = append(out, w)
	}
	out = append(out, searchWarning(s)...)
	out = append(out, mcpWarnings(s)...)
	return append(out, sandboxWarnings(s)...)
}

// pinWarning says that the suite's pulled data is not pinned, or returns nil: a repository
// named at a branch (its first pull records the commit; the warning names it once recorded), or
// a source of URLs whose files pin no digest.
func pinWarning(s *tasks.Suite) *tasks.Error {
	src := s.Data.Source
	if src == nil || src.Pinned() {
		return nil
	}
	if !src.IsBranch() {
		return s.Errorf([]string{"data", "source", "files"}, "data.source is not pinned: a file with neither sha256 nor md5 is checked only against what its first pull recorded, and another machine may get other data from its URL")
	}
	msg := fmt.Sprintf("data.source.revision %s is a branch, not a commit: the data is not pinned. The first pull records the commit it resolves to, and later pulls refuse another", src.Revision)
	if cache, err := s.DataCache(); err == nil {
		if lock, err := tasks.ReadLock(cache, src); err == nil && lock.Commit != "" {
			msg += fmt.Sprintf("; it was pulled at commit %s: pin it with revision: %s", lock.Commit, lock.Commit)
		}
	}
	return s.Errorf([]string{"data", "source", "revision"}, "%s", msg)
}

// mcpWarnings warns of each MCP command the suite would start: a program of its choosing,
// which realx run starts only with --allow-mcp-command.
func mcpWarnings(s *tasks.Suite) tasks.Errors {
	var out tasks.Errors
	for i, m := range s.Agent.MCP {
		if len(m.Command) > 0 {
			out = append(out, s.Errorf([]string{"agent", "mcp", strconv.Itoa(i), "command"},
				"MCP server %s runs %s, a program of the suite's choosing, with no sandbox: realx run starts it only with --allow-mcp-command", m.Name, m.Command[0]))
		}
	}
	return out
}

// imageWarning sums up the images of ds that a run could not read, or returns nil.
func imageWarning(ds *tasks.Dataset, rootGiven bool) *tasks.Error {
	total, missing := 0, 0
	var bad []string
	for i := range ds.Samples {
		sm := &ds.Samples[i]
		for _, img := range sm.Images {
			total++
			err := img.Check()
			if err == nil {
				continue
			}
			if errors.Is(err, fs.ErrNotExist) {
				missing++
			}
			bad = append(bad, fmt.Sprintf("%s: %v", sm.Source, err))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	msg := fmt.Sprintf("%d of %d images are missing", len(bad), total)
	if missing < len(bad) {
		msg = fmt.Sprintf("%d of %d images cannot be read", len(bad), total)
		if missing > 0 {
			msg += fmt.Sprintf(" (%d missing)", missing)
		}
	}
	msg += ": their samples will fail as input errors"
	if missing > 0 && !rootGiven {
		msg += "; if the images are elsewhere, give their directory with --image-root"
	}
	msg += " (" + strings.Join(bad[:min(len(bad), maxImageExamples)], "; ")
	if len(bad) > maxImageExamples {
		msg += "; …"
	}
	return &tasks.Error{File: ds.Path, Msg: msg + ")"}
}

// lookBwrap finds bubblewrap, which the python tool runs model code in.
var lookBwrap = func() error {
	_, err := exec.LookPath("bwrap")
	return err
}

// sandboxWarnings warns when the suite's agent runs the python tool and bubblewrap is missing:
// a run then refuses the suite, unless it is given --unsafe-no-sandbox or --sandbox-url.
func sandboxWarnings(s *tasks.Suite) tasks.Errors {
	tools, at := s.Agent.Tools, []string{"agent", "tools"}
	if p, ok := runners.ProtocolFor(s.Agent); ok && len(tools) == 0 {
		tools, at = p.DefaultTools(), []string{"agent", "protocol"}
	}
	i := slices.Index(tools, "python")
	if s.Agent.Protocol == "" || i < 0 || lookBwrap() == nil {
		return nil
	}
	if at[1] == "tools" {
		at = append(at, strconv.Itoa(i))
	}
	return tasks.Errors{s.Errorf(at, "tool python: %v, or --sandbox-url to run it elsewhere; until then realx run refuses this suite", python.ErrNoSandbox)}
}

// maxFieldErrors is how many samples with an unreadable state or turns field ReadSuite names.
const maxFieldErrors = 10

// checkAgentFields reads every sample's initial state and user turns as a run will, so that a
// field that cannot be read is reported at its record before any model call.
func checkAgentFields(s *tasks.Suite, ds *tasks.Dataset) tasks.Errors {
	if s.Agent.Turns == "" && (s.Agent.Environment == nil || s.Agent.Environment.State == "") {
		return nil
	}
	var out tasks.Errors
	for i := range ds.Samples {
		sm := &ds.Samples[i]
		if _, _, err := agentFields(s.Agent, sm); err != nil {
			if len(out) == maxFieldErrors {
				out = append(out, &tasks.Error{File: ds.Path, Msg: "… and more samples whose agent fields cannot be read"})
				break
			}
			out = append(out, &tasks.Error{File: sm.Source, Msg: err.Error()})
		}
	}
	return out
}
