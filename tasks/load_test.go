package tasks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

func TestGoodSuitesLoadClean(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.good.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := LoadFile(f)
			require.NoError(t, err)
			require.NotNil(t, s)
			assert.Equal(t, SchemaVersion, s.Schema)
			assert.Equal(t, f, s.Source)
			assert.Regexp(t, `^[0-9a-f]{64}$`, s.Digest)
		})
	}
}

func TestFullSuiteDecodesEveryField(t *testing.T) {
	t.Parallel()
	s, err := LoadFile("testdata/full.good.yaml")
	require.NoError(t, err)

	assert.Equal(t, "full-suite_v1.2", s.Name)
	assert.Equal(t, []Capability{{Name: "perception", Description: "read a value off the chart"}, {Name: "math"}}, s.Capabilities)
	assert.Equal(t, DataSpec{
		Path: "data/records.json", Format: "json", ImageRoot: "images", Capability: "perception",
		Fields: FieldMap{
			ID: "pid", Question: "query", Answer: "answer", Alternatives: "aliases", Choices: "options",
			Images: []string{"image", "extra.images"}, Capability: "meta.skill", Metadata: []string{"meta", "level"},
		},
	}, s.Data)
	require.NotNil(t, s.Generation.Temperature)
	assert.InDelta(t, 0.7, *s.Generation.Temperature, 1e-12)
	assert.Equal(t, 4096, *s.Generation.MaxTokens)
	assert.Equal(t, 7, *s.Generation.Seed)
	assert.True(t, *s.Generation.Stream)
	assert.Equal(t, []string{"</answer>"}, s.Generation.Stop)
	assert.Equal(t, map[string]any{"top_k": 20, "chat_template_kwargs": map[string]any{"enable_thinking": false}}, s.Generation.Extra)
	assert.Equal(t, ImagePolicy{MaxPixels: 1003520, MinPixels: 3136, Factor: 28, Detail: "high"}, s.Images)
	assert.Equal(t, "choice", s.Judge.Kind)
	assert.True(t, s.Judge.CaseSensitive)
	assert.Equal(t, 0.0, *s.Judge.AbsTol)
	assert.Equal(t, 5*time.Minute+30*time.Second, s.Agent.Timeout.D())
	assert.Equal(t, "reprompt", s.Agent.OnNoAction)
	assert.Equal(t, "deepeyes", s.Agent.System)
	assert.Equal(t, "{{.Question}}\nAnswer inside <answer></answer>.", s.Agent.User)
	drop := true
	assert.Equal(t, PythonSpec{Timeout: Duration(30 * time.Second), MemoryMB: 2048, MaxImages: 4, DropBlankImages: &drop}, s.Agent.Python)
	assert.Equal(t, 3, s.Repeats)
}

func TestInferredFormatAndDefaults(t *testing.T) {
	t.Parallel()
	s, err := LoadFile("testdata/inferred.good.yaml")
	require.NoError(t, err)
	assert.Equal(t, "csv", s.Data.Format, "the format comes from the extension, whatever its case")
	assert.Equal(t, 1, s.Schema)
	assert.Nil(t, s.Generation.Temperature, "an unset parameter stays unset")
}

// TestBadSuites runs every *.bad.yaml file; each must be listed here with the problems it must
// report, in order and each with its position.
func TestBadSuites(t *testing.T) {
	t.Parallel()
	cases := map[string][]string{
		"agent.bad.yaml": {
			`:5:14: agent.max_turns must be in [0, 100], got -1`,
			`:6:19: agent.max_tool_calls must be in [0, 1000], got -2`,
			`:7:15: agent.max_tokens must be in [0, 10000000], got -3`,
			`:8:12: agent.timeout: expected a duration such as "90s" or "2m30s", got the integer 90`,
			`:9:17: agent.on_no_action "again" is not one of stop, reprompt, retry`,
			`:11:14: agent.python.timeout must be in [0s, 10m0s], got -1s`,
			`:12:16: agent.python.memory_mb must be in [0, 16384], got -5`,
			`:13:17: agent.python.max_images must be in [0, 50], got -1`,
			`:14:24: agent.python.drop_blank_images: expected a boolean (true or false), got the string "maybe"`,
		},
		// An alias bomb and an alias inside what it names: refused at the alias, before any
		// value is decoded (no suite, as for a syntax error).
		"alias-bomb.bad.yaml":  {`alias-bomb.bad.yaml:11:12: invalid YAML: the aliases of this file expand to more than 10000 values, from alias *d on (an alias bomb?)`},
		"alias-cycle.bad.yaml": {`alias-cycle.bad.yaml:3:30: invalid YAML: alias *j is inside the value it names, which would repeat forever`},
		"bool.bad.yaml":        {`:4:11: generation.stream: expected a boolean (true or false), got the string "yes"`},
		"capabilities.bad.yaml": {
			`:4:5: capabilities[1].name is required`,
			`:5:11: capability "perception" is declared twice (first as capabilities[0])`,
			`:8:15: capability "search" is not one of the suite's capabilities (perception)`,
			`:10:24: data.capability_names["perception+search"]: capability "integration" is not one of the suite's capabilities (perception)`,
			`:11:13: data.capability_names["reason"]: the new name cannot be empty`,
		},
		"cascade.bad.yaml": {
			`:4:9: judge.kind "math" does not go with judge.steps: a cascade's judges are its steps`,
			`:7:16: judge.steps[0].rel_tol must be a number ≥ 0, got -1`,
			`:8:7: judge.steps[1].kind is required`,
			`:9:19: judge.steps[1].max_tokens must be ≥ 1, got 0`,
			`:10:16: judge.steps[1].retries must be in [0, 20], got -1`,
			`:11:20: judge.steps[1].api_key_env must name an environment variable (letters, digits, '_'), never hold the key itself`,
			`:13:22: judge.steps[2].template_file: cannot read testdata/prompts/missing.tmpl: no such file or directory`,
			`:15:14: judge.steps[3]: a cascade step cannot be a cascade itself`,
			`:16:7: unknown field "api_key" in judge.steps[3]`,
		},
		"tools.bad.yaml": {
			`:6:16: agent.environment.name is required: the environment's kind`,
			`:6:24: agent.environment.state "bad field" is not a field name`,
			`:7:10: agent.turns "1turns" is not a field name`,
			`:9:7: agent.mcp[0] needs a command (stdio) or a url (streamable HTTP)`,
			`:10:13: MCP server "files" is named twice (first as agent.mcp[0])`,
			`:12:12: agent.mcp[1] has both a command and a url: give one`,
			`:13:13: agent.mcp[2].name "Web" must be lowercase letters, digits, '_' and '-'`,
			`:14:12: agent.mcp[2].url "ftp://x" is not an http(s) URL`,
			`:15:12: agent.mcp[2].env passes variables to a command, and this server is a url`,
			`:17:17: agent.mcp[3].command[0] is empty: it is the program`,
			`:18:13: agent.mcp[3].env[0] "NOT-A-VAR" is not a variable's name`,
			`:19:15: agent.mcp[3].tools[0] is empty`,
			`:20:16: agent.mcp[3].timeout must be in [0s, 10m0s], got 876000h0m0s`,
			`:21:3: agent.tags declares the tag protocol: set agent.protocol: tags`,
			`:23:9: agent.tags.calls[0] needs json: true (the body is a JSON call) or function (the function the body is the argument of)`,
			`:23:35: agent.tags.calls[0].close is required`,
			`:24:66: agent.tags.calls[1] reads a JSON call, which names its function: drop function, or json`,
			`:25:9: agent.tags.calls[2].argument is required: the argument of lookup the body is`,
			`:26:13: agent.tags.answer.close is required`,
			`:27:12: agent.tags.stop[0] is 70 bytes; at most 64`,
		},
		"cascade-empty.bad.yaml": {`:3:1: a cascade needs steps: list its judges under judge.steps`},
		"data-missing.bad.yaml":  {`:1:1: data.path is required`},
		"duplicate-key.bad.yaml": {`:4:1: field "name" in suite is already set at line 1`},
		"empty.bad.yaml":         {`empty.bad.yaml: the suite file is empty`},
		"extension.bad.yaml":     {`:3:9: cannot tell the format of "records.txt" from its extension`},
		"extra.bad.yaml": {
			`:7:14: generation.extra "penalty" cannot be sent in a JSON request body: it holds NaN, which JSON has no number for`,
			`:8:13: generation.extra "kwargs" cannot be sent in a JSON request body: it holds a mapping whose keys are not all strings`,
		},
		"format.bad.yaml": {`:4:11: data.format "xml" is not one of jsonl, json, csv, tsv, parquet`},
		"generation.bad.yaml": {
			`:4:16: generation.temperature must be ≥ 0, got -0.5`,
			`:5:10: generation.top_p must be in (0, 1], got 0`,
			`:6:15: generation.max_tokens must be ≥ 1, got 0`,
		},
		"images.bad.yaml": {
			`:5:15: images.min_pixels (2000) must not exceed images.max_pixels (1000)`,
			`:6:11: images.factor must be in [0, 256], got -28`,
			`:7:11: images.detail "ultra" is not one of low, high, auto`,
			`:8:11: images.filter "lanczos" is not one of bicubic, bilinear`,
			`:9:12: images.quality must be in [0, 100], got 101`,
			`:10:10: images.tools "resized" is not one of sent, original`,
			`:12:24: agent.on_call_error "retry" is not one of continue, stop`,
			`:12:37: agent.crop "cut" is not one of pil, clamp`,
			`:12:57: agent.python.mode "jupyter" is not one of deepeyesv2, realx`,
		},
		"judge-missing.bad.yaml": {`:3:1: judge.kind is required`},
		// Every limit a suite can set, far above its bound (the suite-set limits of issue 8).
		"limits.bad.yaml": {
			`:3:29: judge.retries must be in [0, 20], got 1000`,
			`:4:22: images.max_pixels must be in [0, 67108864], got 1000000000`,
			`:4:46: images.min_pixels must be in [0, 67108864], got 100000000`,
			`:4:65: images.factor must be in [0, 256], got 100000`,
			`:6:14: agent.max_turns must be in [0, 100], got 1000000`,
			`:7:19: agent.max_tool_calls must be in [0, 1000], got 1000000`,
			`:8:15: agent.max_tokens must be in [0, 10000000], got 2000000000`,
			`:9:12: agent.timeout must be in [0s, 2h0m0s], got 876000h0m0s`,
			`:10:21: agent.python.timeout must be in [0s, 10m0s], got 876000h0m0s`,
			`:10:41: agent.python.memory_mb must be in [0, 16384], got 100000000`,
			`:10:64: agent.python.max_images must be in [0, 50], got 100000`,
			`:11:10: repeats must be in [0, 10000], got 10001`,
		},
		"list.bad.yaml":         {`:5:12: judge.extract: expected a list, got the string "boxed"`},
		"merge.bad.yaml":        {`:4:8: unknown field "temprature" in generation; did you mean "temperature"?`},
		"name-invalid.bad.yaml": {`:1:7: name "Math 500" must be lowercase letters`},
		"name-missing.bad.yaml": {`:2:1: name is required`},
		"not-mapping.bad.yaml":  {`:1:1: a suite is a mapping of keys`},
		"overflow.bad.yaml":     {`:4:15: generation.max_tokens: expected an integer`},
		"paths.bad.yaml": {
			`:3:9: data.path "/etc/passwd.jsonl" is not beneath the suite's directory (testdata): name a path there, relative to the suite file (an absolute path or a "../" above it is not read)`,
			`:4:15: data.image_root "../../images" is not beneath the suite's directory (testdata)`,
			`:7:18: judge.template_file "../../../etc/passwd" is not beneath the suite's directory (testdata): name a file there, relative to it`,
		},
		"schema.bad.yaml": {`:1:9: schema 2 is not supported: this realx reads schema 1`},
		"template.bad.yaml": {
			`:4:11: prompt.system: bad character U+007D '}'`,
			// The second line of a literal block: the block starts at line 5.
			`:7: prompt.user: bad character U+007D '}'`,
		},
		// A template that could run without bound: refused when parsed (issue 8).
		"template-loop.bad.yaml": {
			`:5:11: prompt.system: a range in a template of a suite goes over a field of the data (.Choices, .Metadata.list, $.Choices), not over a number, a function's result or a variable`,
			`:9: prompt.user: a range inside a range is not allowed in a template of a suite: it could loop for as long as the data makes it`,
		},
		"template-recursion.bad.yaml": {`:5:9: prompt.user: define and block are not allowed in a template of a suite ("a")`},
		"template-field.bad.yaml":     {`:6: prompt.user: can't evaluate field Qestion`},
		"three.bad.yaml": {
			`:5:3: unknown field "formt" in data; did you mean "format"?`,
			`:7:16: generation.temperature: expected a number, got the string "warm"`,
			`:8:10: generation.top_p must be in (0, 1], got 1.5`,
		},
		"source.bad.yaml": {
			`:4:11: data.source.repo "../etc" is not a Hugging Face repository name (owner/name)`,
			`:5:14: data.source.samples must be in [0, 2147483647], got -1`,
			`:7:15: data.source.files[0].path "a/../../b.parquet" must be a clean relative path that stays beneath the cache entry`,
			`:8:14: data.source.files[0].url: the files of a repository come from the hub; url is for a source without repo`,
			`:9:17: data.source.files[0].sha256 must be 64 lowercase hex digits, got "ABC"`,
			`:11:15: data.source.files[1].size cannot be negative`,
			`:12:15: data.source.files[2].path "c.parquet" is data.source.files[1] too`,
			`:13:9: data.path "d.parquet" is not one of data.source.files`,
			`:16:12: paper[0].model is required`,
			`:17:12: paper[0].value 181.8: an accuracy is in percent, at most 100`,
			`:18:17: capability "search" is not one of the suite's capabilities (perception)`,
			`:19:13: paper[0].source is required`,
			`:21:13: paper[2] gives the same model, metric and capability as paper[1]`,
		},
		"source-revision.bad.yaml": {`:3:47: data.source.revision "main branch" is neither a commit hash (40 lowercase hex digits) nor a branch or tag name`,
			`:3:93: data.source.files[0].md5 must be 32 lowercase hex digits, got "abc"`},
		"source-url.bad.yaml": {`:4:20: data.source.files[0].url is required: a source without repo fetches each file from its URL`,
			`:4:35: data.source.files[1].glob: a glob names files of a repository, which the hub lists; a source of URLs names each file`},
		"source-glob.bad.yaml": {`:7:16: data.source.files[0].glob "[a.tsv" is not a pattern: syntax error in pattern`,
			`:8:16: data.source.files[1].glob "../*.tsv" must be a clean relative path pattern that stays beneath the cache entry`,
			`:8:33: data.source.files[1].md5 does not go with a glob: it is of one file`,
			`:9:16: data.source.files[2] gives both path and glob: one names a file, the other the files it matches`},
		"timeout.bad.yaml":       {`:5:12: agent.timeout must be in [0s, 2h0m0s], got -5s`},
		"two-documents.bad.yaml": {`:4:1: a suite file holds one YAML document`},
		"unknown-far.bad.yaml":   {`:2:1: unknown field "colour" in suite`},
		"unknown-key.bad.yaml":   {`:5:5: unknown field "answr" in data.fields; did you mean "answer"?`},
		"wrong-type.bad.yaml":    {`:4:16: generation.temperature: expected a number, got the string "hot"`},
		// Syntax errors: no suite at all.
		"flow.bad.yaml": {`flow.bad.yaml:2: invalid YAML: did not find expected ',' or '}'`},
		"tab.bad.yaml":  {`tab.bad.yaml:3: invalid YAML: found character that cannot start any token (a tab: indent with spaces)`},
	}
	files, err := filepath.Glob("testdata/*.bad.yaml")
	require.NoError(t, err)
	for _, f := range files {
		_, ok := cases[filepath.Base(f)]
		assert.True(t, ok, "%s has no case in TestBadSuites", f)
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join("testdata", name)
			s, err := LoadFile(file)
			require.Error(t, err)
			var errs Errors
			require.ErrorAs(t, err, &errs)
			require.Len(t, errs, len(want), "problems:\n%v", err)
			for i, w := range want {
				assert.Equal(t, file, errs[i].File)
				assert.Contains(t, errs[i].Error(), w)
			}
			if strings.Contains(want[0], "invalid YAML") {
				assert.Nil(t, s, "a syntax error leaves no suite")
			} else {
				assert.NotNil(t, s, "a suite whose YAML parses is returned with its problems")
			}
		})
	}
}

func TestThreeMistakesThreeErrors(t *testing.T) {
	t.Parallel()
	_, err := LoadFile("testdata/three.bad.yaml")
	var errs Errors
	require.ErrorAs(t, err, &errs)
	require.Len(t, errs, 3)
	for _, e := range errs {
		assert.Positive(t, e.Line)
		assert.Positive(t, e.Col)
	}
	assert.Equal(t, strings.Join([]string{
		`testdata/three.bad.yaml:5:3: unknown field "formt" in data; did you mean "format"?`,
		`testdata/three.bad.yaml:7:16: generation.temperature: expected a number, got the string "warm"`,
		`testdata/three.bad.yaml:8:10: generation.top_p must be in (0, 1], got 1.5`,
	}, "\n"), err.Error())
}

func TestMisspeltRequiredKeyIsOneError(t *testing.T) {
	t.Parallel()
	s, err := loadString(t, "name: x\ndata: {pth: d.jsonl}\njudge: {knd: em}\n")
	require.NotNil(t, s)
	assert.Equal(t, "x.yaml:2:8: unknown field \"pth\" in data; did you mean \"path\"?\n"+
		"x.yaml:3:9: unknown field \"knd\" in judge; did you mean \"kind\"?", err.Error(),
		"no extra \"is required\" for the misspelt keys")
}

func TestWrongTypeIsOneError(t *testing.T) {
	t.Parallel()
	_, err := loadString(t, "name: [a, b]\ndata: {path: d.jsonl}\njudge: {kind: em}\nagent: {timeout: [1]}\n")
	assert.Equal(t, "x.yaml:1:7: name: expected a string, got a list\n"+
		"x.yaml:4:18: agent.timeout: expected a duration such as \"90s\", got a list", err.Error())
}

func TestSuggestions(t *testing.T) {
	t.Parallel()
	keys := []string{"max_turns", "max_tool_calls", "max_tokens", "timeout", "on_no_action"}
	assert.Equal(t, "max_turns", closest("maxTurns", keys), "case and separators")
	assert.Equal(t, "timeout", closest("timout", keys))
	assert.Equal(t, "on_no_action", closest("on-no-action", keys))
	assert.Equal(t, "", closest("protocl_version", keys), "too far to be a misspelling")
	assert.Equal(t, 3, levenshtein("kitten", "sitting"))
	assert.Equal(t, 1, levenshtein("héllo", "hello"), "runes, not bytes")
}

func TestSyntaxErrorLines(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, want string }{
		{"a: b: c\n", "x.yaml:1: invalid YAML: mapping values are not allowed in this context"},
		{"name: x\na: b: c\n", "x.yaml:2: invalid YAML: mapping values are not allowed"},
		{"name: x\n- a\n", "x.yaml:2: invalid YAML: did not find expected key"},
		{"name: x\ndata: [a\nb: 1\n", "x.yaml:2: invalid YAML: did not find expected ',' or ']'"},
		{"name: x\n\n\njudge: *nowhere\n", "x.yaml:4: invalid YAML: unknown anchor 'nowhere' referenced"},
		{"name: x\ndata: \"open\n", "x.yaml:2: invalid YAML: found unexpected end of stream"},
	}
	for _, tc := range cases {
		s, err := loadString(t, tc.src)
		assert.Nil(t, s)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want, "source %q", tc.src)
	}
}

func TestAtAndErrorf(t *testing.T) {
	t.Parallel()
	s, err := loadString(t, `name: at
data:
  path: d.jsonl
judge:
  kind: em
agent:
  protocol: hermes
  tools:
    - python
    - browser
  max_turns: 3
prompt:
  user: |
    {{.Question}}
`)
	require.NoError(t, err)
	cases := []struct {
		path      []string
		line, col int
	}{
		{nil, 1, 1},
		{[]string{"name"}, 1, 7},
		{[]string{"judge"}, 4, 1},                // a block mapping: its key
		{[]string{"judge", "kind"}, 5, 9},        // a scalar: the value
		{[]string{"agent", "tools", "1"}, 10, 7}, // a list item
		{[]string{"agent", "tools", "7"}, 8, 3},  // no such item: the list's key
		{[]string{"agent", "timeout"}, 6, 1},     // absent: the nearest ancestor
		{[]string{"generation", "seed"}, 1, 1},   // absent up to the root
		{[]string{"prompt", "user"}, 13, 9},
	}
	for _, tc := range cases {
		line, col := s.At(tc.path...)
		assert.Equal(t, []int{tc.line, tc.col}, []int{line, col}, "At(%q)", tc.path)
	}

	e := s.Errorf([]string{"agent", "tools", "1"}, "unknown tool %q", "browser")
	assert.Equal(t, &Error{File: "x.yaml", Line: 10, Col: 7, Msg: `unknown tool "browser"`}, e)
	assert.Equal(t, `x.yaml:10:7: unknown tool "browser"`, e.Error())

	var none Suite
	line, col := none.At("name")
	assert.Equal(t, []int{0, 0}, []int{line, col}, "a suite not loaded from YAML has no positions")
}

func TestErrorFormats(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "a.yaml:3:7: m", (&Error{File: "a.yaml", Line: 3, Col: 7, Msg: "m"}).Error())
	assert.Equal(t, "a.yaml:3: m", (&Error{File: "a.yaml", Line: 3, Msg: "m"}).Error())
	assert.Equal(t, "a.yaml: m", (&Error{File: "a.yaml", Msg: "m"}).Error())

	errs := Errors{{File: "b", Line: 2, Msg: "late"}, {File: "a", Line: 9, Msg: "other file"}, {File: "b", Line: 1, Col: 4, Msg: "early"}}
	errs.Sort()
	assert.Equal(t, "a:9: other file\nb:1:4: early\nb:2: late", errs.Error())
	var target *Error
	require.ErrorAs(t, errs, &target, "errors.As finds an *Error in Errors")
	assert.NoError(t, Errors(nil).Err(), "no problems is a nil error, not an empty Errors")
	assert.Error(t, errs.Err())
}

func TestLoadFS(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"math/suite.yaml":       {Data: []byte("name: math\ndata: {path: data/../test.jsonl}\njudge: {kind: math}\ncolor: x\n")},
		"math/test.jsonl":       {Data: []byte(`{"id": 1, "question": "1+1?", "answer": 2}` + "\n")},
		"escape/suite.yaml":     {Data: []byte("name: escape\ndata: {path: ../math/test.jsonl}\njudge: {kind: math}\n")},
		"escape/abs/suite.yaml": {Data: []byte("name: escape\ndata: {path: /etc/hostname.jsonl}\njudge: {kind: math}\n")},
	}
	s, err := LoadFS(fsys, "math/suite.yaml")
	require.NotNil(t, s)
	assert.EqualError(t, err, `math/suite.yaml:4:1: unknown field "color" in suite`)
	assert.Equal(t, "math/suite.yaml", s.Source)

	ds, err := s.Samples()
	require.NoError(t, err)
	assert.Equal(t, "math/test.jsonl", ds.Path, "../ may climb within the suite's directory")
	require.Len(t, ds.Samples, 1)
	assert.Equal(t, "math/test.jsonl:1", ds.Samples[0].Source)

	// Not out of it, even to another suite of the same FS.
	s, err = LoadFS(fsys, "escape/suite.yaml")
	assert.EqualError(t, err, `escape/suite.yaml:2:14: data.path "../math/test.jsonl" is not beneath the suite's directory (escape): `+
		`name a path there, relative to the suite file (an absolute path or a "../" above it is not read)`)
	assert.False(t, s.CanReadData())
	_, err = s.Samples()
	assert.ErrorIs(t, err, ErrOutside)
	_, err = LoadFS(fsys, "escape/abs/suite.yaml")
	assert.ErrorContains(t, err, `escape/abs/suite.yaml:2:14: data.path "/etc/hostname.jsonl" is not beneath the suite's directory (escape/abs)`)

	_, err = LoadFS(fsys, "nope/suite.yaml")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadFileMissing(t *testing.T) {
	t.Parallel()
	s, err := LoadFile("testdata/no-such-suite.yaml")
	assert.Nil(t, s)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestDigestIsOfTheBytes(t *testing.T) {
	t.Parallel()
	a, err := loadString(t, "name: a\ndata: {path: d.jsonl}\njudge: {kind: em}\n")
	require.NoError(t, err)
	b, err := loadString(t, "name: a\ndata: {path: d.jsonl}\njudge: {kind: em}  # same suite, other bytes\n")
	require.NoError(t, err)
	sum := sha256.Sum256([]byte("name: a\ndata: {path: d.jsonl}\njudge: {kind: em}\n"))
	assert.Equal(t, hex.EncodeToString(sum[:]), a.Digest)
	assert.NotEqual(t, a.Digest, b.Digest)
}

func TestDuration(t *testing.T) {
	t.Parallel()
	var a AgentSpec
	require.NoError(t, yaml.Unmarshal([]byte("timeout: 1m30s"), &a))
	assert.Equal(t, 90*time.Second, a.Timeout.D())

	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.JSONEq(t, `{"timeout": "1m30s"}`, string(b))

	var back AgentSpec
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, a, back)

	b, err = json.Marshal(AgentSpec{})
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(b), "a zero timeout is left out")

	assert.Error(t, json.Unmarshal([]byte(`{"timeout": 90}`), &back))
	assert.Error(t, json.Unmarshal([]byte(`{"timeout": "soon"}`), &back))

	err = yaml.Unmarshal([]byte("timeout: soon\nmax_turns: 3"), &a)
	var te *yaml.TypeError
	require.True(t, errors.As(err, &te), "a bad duration does not stop decoding the rest: %v", err)
	assert.Equal(t, 3, a.MaxTurns)
}

func TestSetImageRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := writeSuite(t, dir, "name: r\ndata: {path: d.jsonl, fields: {images: [image]}}\njudge: {kind: em}\n",
		`{"id": "a", "question": "q", "answer": "a", "image": "cat.png"}`)
	ds, err := s.Samples()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "cat.png"), ds.Samples[0].Images[0].Path(), "the data file's directory by default")

	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(other, "cat.png"), tinyPNG, 0o644))
	s.SetImageRoot(other)
	img := ds.Samples[0].Images[0]
	assert.Equal(t, filepath.Join(other, "cat.png"), img.Path(), "samples read before, as `realx run` reads them")
	_, typ, err := img.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "image/png", typ)
	ds, err = s.Samples()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(other, "cat.png"), ds.Samples[0].Images[0].Path())
}

// TestDocExampleLoads keeps the annotated example of docs/suites.md a suite that loads.
func TestDocExampleLoads(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../docs/suites.md") // the schema for users, moved there from doc.go
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)An annotated example:\n\n```yaml\n(.*?)\n```\n").FindSubmatch(src)
	require.NotNil(t, m, "docs/suites.md has its annotated example")
	s, err := loadString(t, string(m[1]))
	require.NoError(t, err)
	assert.Equal(t, "chartqa-mini", s.Name)
	assert.Equal(t, "jsonl", s.Data.Format)
	assert.Equal(t, 5*time.Minute, s.Agent.Timeout.D())
}

// loadString loads a suite from src as a file named x.yaml (positions are reported against
// that name).
func loadString(t *testing.T, src string) (*Suite, error) {
	t.Helper()
	return load([]byte(src), "x.yaml", diskTree(t.TempDir(), suiteDir))
}

// writeSuite writes a suite and its data file d.<ext> into dir and loads it.
func writeSuite(t *testing.T, dir, suite, data string) *Suite {
	t.Helper()
	ext := "jsonl"
	if m := regexp.MustCompile(`path: d\.(\w+)`).FindStringSubmatch(suite); m != nil {
		ext = m[1]
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "d."+ext), []byte(data), 0o644))
	file := filepath.Join(dir, "suite.yaml")
	require.NoError(t, os.WriteFile(file, []byte(suite), 0o644))
	s, err := LoadFile(file)
	require.NoError(t, err)
	return s
}
