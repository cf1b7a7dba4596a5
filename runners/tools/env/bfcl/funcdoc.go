package bfcl

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/realx-bench/realx/runners"
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
func (d Dict) get(key string) any {
	for _, it := range d {
		if it.Key == key {
			return it.Value
		}
	}
	return nil
}

// decodeOrdered reads JSON keeping objects' order (as Dicts) and Python's numbers.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := orderedValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

func orderedValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			d := Dict{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := orderedValue(dec)
				if err != nil {
					return nil, err
				}
				d = append(d, Item{Key: k.(string), Value: v})
			}
			_, err := dec.Token()
			return d, err
		case '[':
			l := []any{}
			for dec.More() {
				v, err := orderedValue(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		}
	case json.Number:
		return pyNumbers(x), nil
	}
	return t, nil
}

// openAPIType maps the documents' types to JSON Schema's, as BFCL's GORILLA_TO_OPENAPI does.
var openAPIType = map[string]string{
	"integer": "integer", "number": "number", "float": "number", "string": "string",
	"boolean": "boolean", "bool": "boolean", "array": "array", "list": "array",
	"dict": "object", "object": "object", "tuple": "array", "any": "string",
}

// schema converts a document's parameter block to JSON Schema: its types mapped (recursively,
// through properties and items), the rest as published.
func schema(v any) any {
	switch x := v.(type) {
	case Dict:
		out := make(Dict, 0, len(x))
		for _, it := range x {
			switch it.Key {
			case "type":
				if s, ok := it.Value.(string); ok {
					if t, ok := openAPIType[s]; ok {
						it.Value = t
					}
				}
			case "properties":
				if props, ok := it.Value.(Dict); ok {
					np := make(Dict, len(props))
					for i, p := range props {
						np[i] = Item{Key: p.Key, Value: schema(p.Value)}
					}
					it.Value = np
				}
			case "items":
				it.Value = schema(it.Value)
			}
			out = append(out, it)
		}
		return out
	}
	return v
}

// ToolDef returns the function as native function calling declares it: its published
// description and its parameters as JSON Schema.
func (f FuncDoc) ToolDef() runners.ToolDef {
	params := schema(f.Doc.get("parameters"))
	if params == nil {
		params = dict("type", "object", "properties", Dict{})
	}
	b, _ := json.Marshal(params)
	return runners.ToolDef{Name: f.Name, Description: f.Description, Parameters: b}
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
// writes them (Python's repr of the documents, each description followed by the Python hint).
func PromptingSystem(docs []FuncDoc) string {
	l := make([]any, len(docs))
	for i, d := range docs {
		doc := append(Dict(nil), d.Doc...)
		for j, it := range doc {
			if it.Key == "description" {
				doc[j].Value = fmt.Sprint(it.Value) + " Note that the provided function is in Python 3 syntax."
			}
		}
		l[i] = doc
	}
	return strings.Replace(PromptingSystemPrompt, "{functions}", strOf(l), 1)
}
