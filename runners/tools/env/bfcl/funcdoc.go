package bfcl

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/realx-bench/realx/runners"
	"github.com/realx-bench/realx/runners/pycall"
)

// funcDocs holds BFCL's published function documents of the multi-turn classes
// (bfcl_eval/data/multi_turn_func_doc), one JSON object a line, as published.
//
//go:embed data/func_doc/*.json
var funcDocs embed.FS

// docFiles maps each class to the file of its function documents, as BFCL's
// MULTI_TURN_FUNC_DOC_FILE_MAPPING does.
var docFiles = map[string]string{
	"GorillaFileSystem": "gorilla_file_system.json",
	"MathAPI":           "math_api.json",
	"MessageAPI":        "message_api.json",
	"TwitterAPI":        "posting_api.json",
	"TicketAPI":         "ticket_api.json",
	"TradingBot":        "trading_bot.json",
	"TravelAPI":         "travel_booking.json",
	"VehicleControlAPI": "vehicle_control.json",
}

// FuncDoc is one published function document.
type FuncDoc struct {
	// Name and Description are the function's.
	Name, Description string
	// Params are the parameters' names in the document's order: positional arguments bind
	// to them in this order.
	Params []string
	// Doc is the whole document, in its order (for BFCL's prompting form).
	Doc Dict
}

var (
	docsOnce sync.Once
	docs     map[string][]FuncDoc
	docsErr  error
)

// ClassDocs returns the function documents of the class called name, in the published order.
func ClassDocs(name string) ([]FuncDoc, error) {
	docsOnce.Do(func() { docs, docsErr = loadDocs() })
	if docsErr != nil {
		return nil, docsErr
	}
	d, ok := docs[name]
	if !ok {
		return nil, fmt.Errorf("bfcl: no function documents for class %s", name)
	}
	return d, nil
}

func loadDocs() (map[string][]FuncDoc, error) {
	out := map[string][]FuncDoc{}
	for class, file := range docFiles {
		b, err := funcDocs.ReadFile("data/func_doc/" + file)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			v, err := decodeOrdered(sc.Bytes())
			if err != nil {
				return nil, fmt.Errorf("bfcl: %s line %d: %w", file, line, err)
			}
			d, ok := v.(Dict)
			if !ok {
				return nil, fmt.Errorf("bfcl: %s line %d: not an object", file, line)
			}
			fd := FuncDoc{Doc: d}
			fd.Name, _ = d.get("name").(string)
			fd.Description, _ = d.get("description").(string)
			if p, ok := d.get("parameters").(Dict); ok {
				if props, ok := p.get("properties").(Dict); ok {
					for _, it := range props {
						fd.Params = append(fd.Params, it.Key)
					}
				}
			}
			out[class] = append(out[class], fd)
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// get returns the value of key, nil when d has none.
func (d Dict) get(key string) any { return d.getOr(key, nil) }

// scenarioDict decodes a class's scenario as a Dict, an empty one when there is none.
func scenarioDict(class string, scenario json.RawMessage) (Dict, error) {
	if len(scenario) == 0 {
		return Dict{}, nil
	}
	v, err := decodeOrdered(scenario)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", class, err)
	}
	d, ok := v.(Dict)
	if !ok {
		return nil, fmt.Errorf("%s: the scenario is not an object", class)
	}
	return d, nil
}

// getOr returns the value of key's first item, def when d has none.
func (d Dict) getOr(key string, def any) any {
	for _, it := range d {
		if it.Key == key {
			return it.Value
		}
	}
	return def
}

// decodeOrdered reads JSON keeping objects' order (as Dicts) and Python's numbers.
func decodeOrdered(b []byte) (any, error) {
	return pycall.DecodeJSONObjects(b, func(keys []string, values []any) any {
		d := make(Dict, len(keys))
		for i, k := range keys {
			d[i] = Item{Key: k, Value: values[i]}
		}
		return d
	})
}

// openAPIType maps the documents' types to JSON Schema's, as BFCL's GORILLA_TO_OPENAPI does.
var openAPIType = map[string]string{
	"integer": "integer", "number": "number", "float": "number", "string": "string",
	"boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
	"dict": "object", "object": "object", "tuple": "array", "any": "string",
}

// pythonHint is what BFCL appends to every function's description for its Python categories
// (_get_language_specific_hint), under native function calling and in prompting mode alike.
const pythonHint = " Note that the provided function is in Python 3 syntax."

// castProperties converts a document's properties as BFCL's _cast_to_openai_type does for
// native function calling: a missing or unknown type becomes "string"; a float gets
// "format": "float" and " This is a float type value." after its description; the types of
// nested properties, of items and of items' items are mapped too.
func castProperties(props Dict) Dict {
	out := make(Dict, len(props))
	for i, p := range props {
		v, _ := pyCopy(p.Value).(Dict)
		typ, hasType := v.get("type").(string)
		switch {
		case !hasType:
			v = v.set("type", "string")
		default:
			if typ == "float" {
				v = v.set("format", "float")
				desc, _ := v.get("description").(string)
				v = v.set("description", desc+" This is a float type value.")
			}
			if t, ok := openAPIType[typ]; ok {
				v = v.set("type", t)
			} else {
				v = v.set("type", "string")
			}
		}
		if t := v.get("type"); t == "array" || t == "object" {
			if sub, ok := v.get("properties").(Dict); ok {
				v = v.set("properties", castProperties(sub))
			} else if items, ok := v.get("items").(Dict); ok {
				it, _ := items.get("type").(string)
				items = items.set("type", openAPIType[it])
				if inner, ok := items.get("items").(Dict); ok && items.get("type") == "array" {
					t2, _ := inner.get("type").(string)
					items = items.set("items", inner.set("type", openAPIType[t2]))
				} else if sub, ok := items.get("properties").(Dict); ok && items.get("type") == "object" {
					items = items.set("properties", castProperties(sub))
				}
				v = v.set("items", items)
			}
		}
		out[i] = Item{Key: p.Key, Value: v}
	}
	return out
}

// set returns d with key's value v, in place when d has it, else appended.
func (d Dict) set(key string, v any) Dict {
	for i := range d {
		if d[i].Key == key {
			d[i].Value = v
			return d
		}
	}
	return append(d, Item{Key: key, Value: v})
}

// ToolDef returns the function as BFCL declares it to a model: under native function calling,
// its description with the Python hint and its parameters as BFCL converts them for OpenAI's
// format ("type": "object", the properties cast); for prompting mode (ToolDef.Python), the
// published document as Python writes it (the pythonic protocol's system prompt puts the
// description with the hint in it, its reveal turn leaves it as published, as BFCL does).
func (f FuncDoc) ToolDef() runners.ToolDef {
	params, _ := pyCopy(f.Doc.get("parameters")).(Dict)
	params = params.set("type", "object")
	props, _ := params.get("properties").(Dict)
	params = params.set("properties", castProperties(props))
	b, _ := json.Marshal(params)
	return runners.ToolDef{Name: f.Name, Description: f.Description + pythonHint, Parameters: b, Python: pycall.Str(f.Doc)}
}

// PromptingSystemPrompt is BFCL's system prompt for prompting mode (DEFAULT_SYSTEM_PROMPT of
// bfcl_eval/constants/default_prompts.py), {functions} standing for the functions' documents.
const PromptingSystemPrompt = `You are an expert in composing functions. You are given a question and a set of possible functions. Based on the question, you will need to make one or more function/tool calls to achieve the purpose.
If none of the functions can be used, point it out. If the given question lacks the parameters required by the function, also point it out.
You should only return the function calls in your response.

If you decide to invoke any of the function(s), you MUST put it in the format of [func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]
You SHOULD NOT include any other text in the response.

At each turn, you should try your best to complete the tasks requested by the user within the current turn. Continue to output functions to call until you have fulfilled the user's request to the best of your ability. Once you have no more functions to call, the system will consider the current turn complete and proceed to the next turn or task.

Here is a list of functions in JSON format that you can invoke.
{functions}

`

// AddedFunctionsFC is the user turn that adds held-out functions back under native function
// calling; the prompting form puts the functions' documents before it.
const AddedFunctionsFC = "I have updated some more functions you can choose from. What about now?"

// PromptingSystem returns BFCL's prompting-mode system prompt for docs, written as BFCL
// writes them (Python's repr of the documents, each description followed by the Python hint),
// as the pythonic protocol's template renders it for the bfcl environment's functions.
func PromptingSystem(docs []FuncDoc) string {
	l := make([]string, len(docs))
	for i, d := range docs {
		l[i] = pycall.Str(pyCopy(d.Doc).(Dict).set("description", d.Description+pythonHint))
	}
	return strings.Replace(PromptingSystemPrompt, "{functions}", "["+strings.Join(l, ", ")+"]", 1)
}
