package runners_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/realx-bench/realx/runners"
)

// TestRedactArgs takes what may be a credential out of URLs in a command line: the user and
// password, and query parameters named like keys.
func TestRedactArgs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://u:p@h:1/v1":                   "http://h:1/v1",
		"https://h/v1?api_key=k&x=1":          "https://h/v1?x=1",
		"https://h/v1?token=t&sig=s&Key=k":    "https://h/v1",
		"http://localhost:8000/v1":            "http://localhost:8000/v1",
		"notaurl":                             "notaurl",
		"--base-url=http://u:p@h/v1?access=1": "--base-url=http://h/v1?access=1",
	} {
		assert.Equal(t, want, runners.RedactArgs([]string{in})[0], in)
	}
	assert.True(t, runners.IsHTTPURL("https://h/v1"))
	for _, bad := range []string{"notaurl", "localhost:8000/v1", "ftp://x/v1", "http:///v1"} {
		assert.False(t, runners.IsHTTPURL(bad), bad)
		assert.ErrorContains(t, runners.CheckBaseURL(bad), "want an http:// or https:// URL", bad)
	}
}
