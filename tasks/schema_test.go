package tasks_test

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/realx-bench/realx/benchmarks"
	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/runnertest"
	"github.com/realx-bench/realx/tasks"
)

// schemaFile is the JSON Schema of a suite file, for editors' completion and checks
// (docs/suites.md says how to use it).
var schemaFile = filepath.Join("..", "docs", "suite.schema.json")

// TestJSONSchemaIsTheGoTypes keeps docs/suite.schema.json the schema of the Go types a suite
// is decoded into: every key by its yaml tag, of its type, with the doc comment of its field
// as its description, and the bounds and choices realx checks. `go test ./tasks -run
// TestJSONSchema -update` writes it again after a change of the types.
func TestJSONSchemaIsTheGoTypes(t *testing.T) {
	t.Parallel()
	runnertest.Golden(t, schemaFile, suiteSchema(t))
}

// TestShippedSuitesMatchTheJSONSchema validates every shipped suite and every good suite of
// the tests against the schema, and finds a misspelt key with it.
func TestShippedSuitesMatchTheJSONSchema(t *testing.T) {
	t.Parallel()
	c := jsonschema.NewCompiler()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(suiteSchema(t)))
	require.NoError(t, err)
	require.NoError(t, c.AddResource("suite.schema.json", doc))
	sch, err := c.Compile("suite.schema.json")
	require.NoError(t, err)

	files, err := filepath.Glob("testdata/*.good.yaml")
	require.NoError(t, err)
	for _, name := range benchmarks.List() {
		files = append(files, filepath.Join("..", "benchmarks", name, benchmarks.SuiteFile))
	}
	require.Greater(t, len(files), 5)
	for _, f := range files {
		assert.NoError(t, sch.Validate(yamlAsJSON(t, f)), f)
	}
	bad := yamlAsJSON(t, "testdata/unknown-key.bad.yaml")
	assert.Error(t, sch.Validate(bad), "a misspelt key")
}

// yamlAsJSON reads a YAML file as the JSON value an editor validates.
func yamlAsJSON(t *testing.T, file string) any {
	t.Helper()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	var v any
	require.NoError(t, yaml.Unmarshal(b, &v))
	j, err := json.Marshal(v)
	require.NoError(t, err)
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	require.NoError(t, err)
	return out
}

// The bounds and choices that realx checks, by Go type and field, which the schema states.
var (
	schemaEnums = map[string][]any{
		"DataSpec.Format":       {"jsonl", "json", "csv", "tsv", "parquet"},
		"ImagePolicy.Detail":    {"", "low", "high", "auto"},
		"AgentSpec.OnNoAction":  {"", "stop", "reprompt", "retry"},
		"AgentSpec.OnCallError": {"", tasks.OnCallErrorContinue, tasks.OnCallErrorStop},
		"AgentSpec.Crop":        {"", tasks.CropPIL, tasks.CropClamp},
		"PythonSpec.Mode":       {"", tasks.PythonModeDeepEyesV2, tasks.PythonModeRealx},
		"ImagePolicy.Filter":    {"", tasks.FilterBicubic, tasks.FilterBilinear},
		"ImagePolicy.Tools":     {"", tasks.ToolImagesSent, tasks.ToolImagesOriginal},
		"JudgeSpec.Strategy":    {"", tasks.StrategyConfident, tasks.StrategyLLMRecall},
	}
	schemaBounds = map[string][2]float64{
		"Suite.Schema":           {0, tasks.SchemaVersion},
		"Suite.Repeats":          {0, tasks.MaxRepeats},
		"AgentSpec.MaxTurns":     {0, tasks.MaxAgentTurns},
		"AgentSpec.MaxToolCalls": {0, tasks.MaxAgentToolCalls},
		"AgentSpec.MaxTokens":    {0, tasks.MaxAgentTokens},
		"PythonSpec.MemoryMB":    {0, tasks.MaxPythonMemoryMB},
		"PythonSpec.MaxImages":   {0, tasks.MaxPythonImages},
		"ImagePolicy.MaxPixels":  {0, tasks.MaxImagePixels},
		"ImagePolicy.MinPixels":  {0, tasks.MaxImagePixels},
		"ImagePolicy.Factor":     {0, tasks.MaxImageFactor},
		"JudgeSpec.Retries":      {0, tasks.MaxJudgeRetries},
		"DataSource.Samples":     {0, 1<<31 - 1},
		"Generation.Temperature": {0, -1},
		"Generation.MaxTokens":   {1, -1},
		"SourceFile.Size":        {0, -1},
		"PaperNumber.Value":      {0, -1},
	}
	schemaPatterns = map[string]string{
		"Suite.Name":          `^[a-z0-9][a-z0-9._-]*$`,
		"DataSource.Repo":     `^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`,
		"DataSource.Revision": `^([0-9a-f]{40}|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)$`,
		"SourceFile.SHA256":   `^[0-9a-f]{64}$`,
		"SourceFile.MD5":      `^[0-9a-f]{32}$`,
	}
	// schemaKeys are the keys a map may have, by Go type and field.
	schemaKeys = map[string][]string{
		"PromptSpec.Protocols": tasks.ProtocolNames,
	}
)

// suiteSchema generates the JSON Schema of a suite file from the Go types.
func suiteSchema(t *testing.T) []byte {
	t.Helper()
	g := &schemaGen{docs: fieldDocs(t), defs: map[string]any{}}
	root := g.object(reflect.TypeFor[tasks.Suite]())
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = "https://github.com/realx-bench/realx/blob/main/docs/suite.schema.json"
	root["title"] = "realx suite"
	root["description"] = "A realx suite file (schema " + strconv.Itoa(tasks.SchemaVersion) + "): where its samples come from, how each is put to the model, what the model may do, and how its answer is graded. docs/suites.md documents every key. Generated from the Go types of package tasks: go test ./tasks -run TestJSONSchema -update."
	root["required"] = []string{"name", "judge"}
	root["patternProperties"] = map[string]any{"^x-": map[string]any{"description": "An extension key: not read, a place for YAML anchors."}}
	root["$defs"] = g.defs
	b, err := json.MarshalIndent(root, "", "  ")
	require.NoError(t, err)
	return append(b, '\n')
}

// schemaGen builds schemas of Go types by reflection over their yaml tags.
type schemaGen struct {
	docs map[string]string // "Type.Field" and "Type" → doc comment
	defs map[string]any
}

// init adds to schemaEnums the choices that live outside package tasks, once, before the
// parallel tests read it.
func init() {
	protocols := []any{"", tasks.ProtocolNone}
	for _, p := range runners.Protocols {
		protocols = append(protocols, p)
	}
	schemaEnums["AgentSpec.Protocol"] = protocols
}

// object returns the schema of struct type t: its properties, and no others.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || key == "-" || key == "" {
			continue
		}
		s := g.of(f.Type)
		id := t.Name() + "." + f.Name
		if d := g.docs[id]; d != "" {
			s["description"] = d
		}
		if e, ok := schemaEnums[id]; ok {
			s["enum"] = append(e, nil)
		}
		if b, ok := schemaBounds[id]; ok {
			s["minimum"] = b[0]
			if b[1] >= 0 {
				s["maximum"] = b[1]
			}
		}
		if p, ok := schemaPatterns[id]; ok {
			s["pattern"] = p
		}
		if k, ok := schemaKeys[id]; ok {
			s["propertyNames"] = map[string]any{"enum": k}
		}
		props[key] = s
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if d := g.docs[t.Name()]; d != "" {
		out["description"] = d
	}
	return out
}

// of returns the schema of a value of type t (null is allowed everywhere: it leaves the zero
// value, as realx reads it).
func (g *schemaGen) of(t reflect.Type) map[string]any {
	if t == reflect.TypeFor[tasks.Duration]() {
		// A Go duration ("90s", "1h30m"), or 0 without a unit.
		return map[string]any{"type": []string{"string", "integer", "null"}, "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`,
			"minimum": 0, "maximum": 0}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.Struct:
		name := t.Name()
		if _, ok := g.defs[name]; !ok {
			g.defs[name] = nil // recursion (a cascade's steps) refers to it while it is built
			g.defs[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	case reflect.Slice:
		return map[string]any{"type": []string{"array", "null"}, "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.String:
		// Any scalar decodes into a string (version: 2 is "2").
		return map[string]any{"type": []string{"string", "number", "boolean", "null"}}
	case reflect.Bool:
		return map[string]any{"type": []string{"boolean", "null"}}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": []string{"number", "null"}}
	}
	return map[string]any{"type": []string{"integer", "null"}}
}

// fieldDocs reads the doc comments of package tasks' types and their fields, as sentences on
// one line.
func fieldDocs(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	sort.Strings(files)
	docs := map[string]string{}
	text := func(cg *ast.CommentGroup) string { return strings.Join(strings.Fields(cg.Text()), " ") }
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				if gd.Doc != nil {
					docs[ts.Name.Name] = text(gd.Doc)
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, fl := range st.Fields.List {
					cg := fl.Doc
					if cg == nil {
						cg = fl.Comment
					}
					for _, n := range fl.Names {
						if cg != nil {
							docs[ts.Name.Name+"."+n.Name] = text(cg)
						}
					}
				}
			}
		}
	}
	return docs
}
