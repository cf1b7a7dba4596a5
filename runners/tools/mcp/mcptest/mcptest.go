// Package mcptest provides a small MCP server for tests across the project: NewServer's tools
// echo, add, pid (the server's process id, and that of a child it leaves running in its
// process group), env (the server's environment), fds (what its open descriptors lead to),
// image (a PNG) and fail (an error result).
// A test binary becomes the server over stdio when it is run with Arg (Main, called from its
// TestMain); Handler serves it over streamable HTTP, for httptest.
package mcptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Arg, as a test binary's first argument, makes it the server over stdio (Main).
const Arg = "-realx-mcp-test-server"

// Main serves NewServer over stdio until stdin closes, and reports true, when the process was
// started with Arg; else it reports false at once. A TestMain calls it first.
func Main() bool {
	if len(os.Args) < 2 || os.Args[1] != Arg {
		return false
	}
	if err := NewServer().Run(context.Background(), &sdk.StdioTransport{}); err != nil {
		fmt.Fprintln(os.Stderr, "mcptest:", err)
		os.Exit(1)
	}
	return true
}

// Handler serves NewServer over streamable HTTP.
func Handler() http.Handler {
	srv := NewServer()
	return sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return srv }, nil)
}

// PIDs is what the pid tool returns: the server's process id and its child's.
type PIDs struct {
	PID   int `json:"pid"`
	Child int `json:"child"`
}

// NewServer returns the test server.
func NewServer() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "mcptest", Version: "1"}, nil)
	obj := func(props string, required ...string) json.RawMessage {
		req, _ := json.Marshal(required)
		if required == nil {
			req = []byte("[]")
		}
		return json.RawMessage(`{"type":"object","properties":{` + props + `},"required":` + string(req) + `}`)
	}
	text := func(s string) *sdk.CallToolResult {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
	}
	args := func(req *sdk.CallToolRequest, v any) error { return json.Unmarshal(req.Params.Arguments, v) }
	s.AddTool(&sdk.Tool{Name: "echo", Description: "Echo the text.", InputSchema: obj(`"text":{"type":"string"}`, "text")},
		func(_ context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			var a struct{ Text string }
			if err := args(req, &a); err != nil {
				return nil, err
			}
			return text("echo: " + a.Text), nil
		})
	s.AddTool(&sdk.Tool{Name: "add", Description: "Add two numbers.", InputSchema: obj(`"a":{"type":"number"},"b":{"type":"number"}`, "a", "b")},
		func(_ context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			var a struct{ A, B float64 }
			if err := args(req, &a); err != nil {
				return nil, err
			}
			return text(fmt.Sprint(a.A + a.B)), nil
		})
	s.AddTool(&sdk.Tool{Name: "pid", Description: "The server's process id, and a child's it leaves running.", InputSchema: obj(``)},
		func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			child := exec.Command("sleep", "1000")
			if err := child.Start(); err != nil {
				return nil, err
			}
			b, _ := json.Marshal(PIDs{PID: os.Getpid(), Child: child.Process.Pid})
			return text(string(b)), nil
		})
	s.AddTool(&sdk.Tool{Name: "env", Description: "The server's environment.", InputSchema: obj(``)},
		func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return text(strings.Join(os.Environ(), "\n")), nil
		})
	s.AddTool(&sdk.Tool{Name: "fds", Description: "What the server's open descriptors lead to.", InputSchema: obj(``)},
		func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			entries, err := os.ReadDir("/proc/self/fd")
			if err != nil {
				return nil, err
			}
			var out []string
			for _, e := range entries {
				if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
					out = append(out, e.Name()+" "+target)
				}
			}
			return text(strings.Join(out, "\n")), nil
		})
	s.AddTool(&sdk.Tool{Name: "image", Description: "A 4×2 red PNG.", InputSchema: obj(``)},
		func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "a red image"}, &sdk.ImageContent{Data: PNG(), MIMEType: "image/png"}}}, nil
		})
	s.AddTool(&sdk.Tool{Name: "fail", Description: "Fail.", InputSchema: obj(``)},
		func(context.Context, *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			r := text("it failed")
			r.IsError = true
			return r, nil
		})
	return s
}

// PNG returns the image tool's image.
func PNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for x := range 4 {
		for y := range 2 {
			img.Set(x, y, color.RGBA{R: 255, A: 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// WaitGone waits until the process pid has ended (it is gone, or a zombie), failing the test
// if it is still running after a generous bound: killing a process is not instant, and a
// grandchild is reaped by init whenever init gets to it.
func WaitGone(t testing.TB, pid int) {
	t.Helper()
	for range 3000 {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err != nil {
			t.Fatalf("process %d: %v", pid, err)
		}
		// The state follows the command's name, in parentheses.
		if fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(fields) > 0 && fields[0] == "Z" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d is still running", pid)
}
