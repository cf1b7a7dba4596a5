package tasks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// JudgeSpec declares how answers are graded: one judge (a kind and its parameters), or a
// cascade of such judges (Steps) tried in order until one is confident. Package judges builds
// it and checks what this package cannot: kind names, extractor and template names, and which
// parameters a kind reads.
type JudgeSpec struct {
	// Kind names the judge (math, mathvista, choice, em, numeric, llm …); see package judges.
	// A cascade leaves it out (or writes "cascade").
	Kind string `yaml:"kind" json:"kind"`
	// Name names a cascade step in verdicts and reports; the kind (llm:TEMPLATE for an LLM
	// judge) when empty.
	Name string `yaml:"name" json:"name,omitempty"`
	// Extract lists the answer extractors, tried in order (answer_tag, boxed, answer_is,
	// last_number …); the judge's own default when empty. A cascade's list is the default of
	// each of its steps that names none.
	Extract []string `yaml:"extract" json:"extract,omitempty"`
	// RelTol and AbsTol are numeric tolerances for the judges that compare numbers.
	RelTol *float64 `yaml:"rel_tol" json:"rel_tol,omitempty"`
	AbsTol *float64 `yaml:"abs_tol" json:"abs_tol,omitempty"`
	// Pattern is the regular expression of the regex judge.
	Pattern string `yaml:"pattern" json:"pattern,omitempty"`
	// Threshold is a pass threshold for scored judges (anls, f1).
	Threshold *float64 `yaml:"threshold" json:"threshold,omitempty"`
	// CaseSensitive keeps case when comparing strings.
	CaseSensitive bool `yaml:"case_sensitive" json:"case_sensitive,omitempty"`

	// Template names the prompt of an LLM judge shipped with realx (equivalence, simpleqa,
	// option).
	Template string `yaml:"template" json:"template,omitempty"`
	// TemplateFile is a custom prompt of an LLM judge (a Go text/template), relative to the
	// suite file. Its text is read when the suite is loaded, into TemplateText.
	TemplateFile string `yaml:"template_file" json:"template_file,omitempty"`
	// TemplateText is the text of TemplateFile. It is recorded with the spec (in a run's
	// manifest), so that the judge stays known when the file changes.
	TemplateText string `yaml:"-" json:"template_text,omitempty"`
	// Verdict says how a custom template's reply is read: as the equivalence, simpleqa or
	// option template's is.
	Verdict string `yaml:"verdict" json:"verdict,omitempty"`
	// Model is the LLM judge's model name; BaseURL its OpenAI-compatible endpoint; APIKeyEnv
	// the name of the environment variable holding its key (never the key). The
	// --judge-model, --judge-base-url and --judge-api-key-env flags override them.
	Model     string `yaml:"model" json:"model,omitempty"`
	BaseURL   string `yaml:"base_url" json:"base_url,omitempty"`
	APIKeyEnv string `yaml:"api_key_env" json:"api_key_env,omitempty"`
	// MaxTokens caps the judge's reply; the endpoint's default when unset.
	MaxTokens *int `yaml:"max_tokens" json:"max_tokens,omitempty"`
	// Retries is how many times an LLM judge asks again after a failed request or a reply
	// with no verdict.
	Retries *int `yaml:"retries" json:"retries,omitempty"`

	// Steps are the judges of a cascade, in order.
	Steps []JudgeSpec `yaml:"steps" json:"steps,omitempty"`
	// Strategy is how a cascade asks its steps: StrategyConfident (also when empty), the
	// first confident verdict decides; or StrategyLLMRecall, a step is asked only when every
	// step before it failed the answer, and the highest verdict is kept.
	Strategy string `yaml:"strategy" json:"strategy,omitempty"`

	// origin is the judge file LoadJudgeFile read the spec from; nil for a suite's judge and
	// for a spec decoded or made elsewhere.
	origin *judgeOrigin
}

// judgeOrigin is a judge file and the positions of its keys.
type judgeOrigin struct {
	file string
	pos  posTree
}

// Errorf returns a problem of a spec that LoadJudgeFile read, positioned in its judge file at
// path, a path of keys written as in a suite ("judge", "steps", "1", "model"), or at its
// nearest ancestor in the file when the key is not written there. It returns nil for any other
// spec: a suite's judge is positioned through Suite.Errorf.
func (j *JudgeSpec) Errorf(path []string, format string, args ...any) *Error {
	if j.origin == nil {
		return nil
	}
	e := &Error{File: j.origin.file, Msg: fmt.Sprintf(format, args...)}
	if node, key, _ := j.origin.pos.find(path); node != nil {
		e.Line, e.Col = at(node, key)
	}
	return e
}

// KindCascade is the kind a cascade may state; one with Steps and no kind is a cascade too.
const KindCascade = "cascade"

// The strategies of a cascade (JudgeSpec.Strategy).
const (
	// StrategyConfident asks the steps in order until one gives a confident verdict; when
	// none does, the last step's stands. It is the default.
	StrategyConfident = "confident"
	// StrategyLLMRecall asks the first step (a rule), then each later one (an LLM judge)
	// only when no step before it passed the answer, and keeps the highest verdict: a later
	// step can recall a fail, never overturn a pass. EvalScope's llm_recall.
	StrategyLLMRecall = "llm_recall"
)

// IsCascade reports whether j declares a cascade of steps.
func (j *JudgeSpec) IsCascade() bool { return len(j.Steps) > 0 || j.Kind == KindCascade }

// envName is what an environment variable's name looks like; a key does not.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// judge checks the judge section at path (["judge"]) of a suite or a judge file: the
// required kinds, the ranges, the key's variable name, and reads template files beneath t,
// the directory of the file.
func (c *checker) judge(j *JudgeSpec, path []string, t tree) {
	c.judgeStep(j, path, t)
	switch {
	case len(j.Steps) > 0 && j.Kind != "" && j.Kind != KindCascade:
		c.errorf(with(path, "kind"), "%s %q does not go with %s: a cascade's judges are its steps (leave kind out, or write %s)",
			pathString(with(path, "kind")), j.Kind, pathString(with(path, "steps")), KindCascade)
	case len(j.Steps) == 0 && j.Kind == KindCascade:
		c.errorf(with(path, "steps"), "a cascade needs steps: list its judges under %s", pathString(with(path, "steps")))
	case len(j.Steps) == 0 && strings.TrimSpace(j.Kind) == "":
		c.errorf(with(path, "kind"), "%s is required", pathString(with(path, "kind")))
	}
	for i := range j.Steps {
		step := &j.Steps[i]
		at := with(path, "steps", strconv.Itoa(i))
		c.judgeStep(step, at, t)
		if strings.TrimSpace(step.Kind) == "" {
			c.errorf(with(at, "kind"), "%s is required", pathString(with(at, "kind")))
		}
		if step.IsCascade() {
			c.errorf(with(at, "steps"), "%s: a cascade step cannot be a cascade itself", pathString(at))
		}
	}
}

// judgeStep checks the parameters of one judge.
func (c *checker) judgeStep(j *JudgeSpec, path []string, t tree) {
	nonNegative(c, j.RelTol, with(path, "rel_tol")...)
	nonNegative(c, j.AbsTol, with(path, "abs_tol")...)
	if j.MaxTokens != nil && *j.MaxTokens < 1 {
		c.errorf(with(path, "max_tokens"), "%s must be ≥ 1, got %d", pathString(with(path, "max_tokens")), *j.MaxTokens)
	}
	if j.Retries != nil {
		c.intIn(with(path, "retries"), *j.Retries, 0, MaxJudgeRetries)
	}
	if j.APIKeyEnv != "" && !envName.MatchString(j.APIKeyEnv) {
		c.errorf(with(path, "api_key_env"), "%s must name an environment variable (letters, digits, '_'), never hold the key itself",
			pathString(with(path, "api_key_env")))
	}
	if j.TemplateFile != "" {
		at := with(path, "template_file")
		rel, ok := localPath(j.TemplateFile)
		if !ok {
			c.errorf(at, "%s %q is not beneath %s: name a file there, relative to it", pathString(at), j.TemplateFile, t.where())
			return
		}
		data, err := t.readAll(rel)
		if err != nil {
			c.errorf(at, "%s: %v", pathString(at), unwrapPath(err))
			return
		}
		if strings.TrimSpace(string(data)) == "" {
			c.errorf(at, "%s: %s is empty", pathString(at), j.TemplateFile)
			return
		}
		j.TemplateText = string(data)
	}
}

// unwrapPath drops the operation and path of a *fs.PathError, which the message names already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot read %s: %w", pe.Path, pe.Err)
	}
	return err
}

// JudgeFile is a judge read from a YAML file of its own by LoadJudgeFile.
type JudgeFile struct {
	Spec JudgeSpec
	// Source is the file's path; Digest the hex SHA-256 of its bytes.
	Source, Digest string
}

// LoadJudgeFile reads a judge from a YAML file that holds what a suite's judge section holds
// (kind and parameters, or steps), as strictly as a suite: every unknown key, wrong type and
// out-of-range value is reported at its position, all at once, in an Errors value. Template
// files resolve relative to the file's directory and are read only beneath it. A file that
// cannot be read returns its *fs.PathError.
func LoadJudgeFile(path string) (*JudgeFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, Errors{syntaxError(path, data, err)}
	}
	root, aerr := documentRoot(path, &doc)
	if aerr != nil {
		return nil, Errors{aerr}
	}
	c := newChecker(path, posTree{})
	if root == nil || root.Kind != yaml.MappingNode {
		line, col := 0, 0
		if root != nil {
			line, col = root.Line, root.Column
		}
		c.addAt(line, col, "a judge file is a mapping of keys (kind, steps, template …)")
		return nil, c.errs
	}
	// The file's mapping is read as a suite's judge section, so that messages name the same
	// paths ("judge.steps[1].kind") as in a suite.
	at := yamlPath("judge")
	c.pos = posTree{root: &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: at[0]}, root}}}
	jf := &JudgeFile{Source: path, Digest: hex.EncodeToString(sum[:])}
	c.decode(root, &jf.Spec, at)
	origin := &judgeOrigin{file: path, pos: c.pos}
	jf.Spec.origin = origin
	for i := range jf.Spec.Steps {
		jf.Spec.Steps[i].origin = origin
	}
	c.judge(&jf.Spec, at, diskTree(filepath.Dir(path), "the judge file's directory"))
	c.errs.Sort()
	return jf, c.errs.dedup().Err()
}
