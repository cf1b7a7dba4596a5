package python

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usrProbe prints which parts of /usr the sandbox sees, then uses what Python's libraries
// read from /usr/share: matplotlib's data and fonts, for a plot with text.
const usrProbe = `
import os
for p in ["/usr/local/etc", "/usr/include", "/usr/src", "/usr/share/doc", "/usr/sbin", "/usr/lib/python3", "/usr/share/fonts"]:
    print(p, os.path.exists(p))
import numpy, sympy, PIL.Image
import matplotlib.pyplot as plt
plt.plot([1, 2, 3]); plt.title("numbers"); plt.xlabel(str(sympy.sqrt(8))); plt.show()
`

func TestOnlyThePartsOfUsrPythonNeeds(t *testing.T) {
	for _, p := range []string{"/usr/local/etc", "/usr/include"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("skipping: the host has no %s to hide", p)
		}
	}
	seen := func(without protections) map[string]string {
		s := openSession(t, func(c *Config) { c.without = without })
		r := run(t, s, usrProbe)
		require.Empty(t, r.Error, r.Stderr)
		assert.Len(t, r.Images, 1, "the plot")
		out := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
			k, v, _ := strings.Cut(line, " ")
			out[k] = v
		}
		return out
	}
	got := seen(protections{})
	for _, hidden := range []string{"/usr/local/etc", "/usr/include", "/usr/src", "/usr/share/doc", "/usr/sbin"} {
		assert.Equal(t, "False", got[hidden], hidden)
	}
	assert.Equal(t, "True", got["/usr/lib/python3"])
	assert.Equal(t, "True", got["/usr/share/fonts"])

	// Control: with all of /usr bound, as before, the probe sees them.
	got = seen(protections{usrAllowlist: true})
	assert.Equal(t, "True", got["/usr/local/etc"])
	assert.Equal(t, "True", got["/usr/include"])
}

func TestPythonPathsAddTheInterpretersOwnDirectories(t *testing.T) {
	needPython(t)
	paths, err := pythonPaths(DefaultInterpreter)
	require.NoError(t, err)
	for _, p := range paths {
		assert.NotEqual(t, "/usr", p)
		assert.False(t, strings.HasPrefix(p, "/usr/lib/") || strings.HasPrefix(p, "/usr/bin/"), "%s is bound already", p)
		assert.False(t, strings.HasPrefix(p, "/usr/local/etc"), p)
	}
	// Debian's interpreter reads pip's packages from /usr/local/lib/python3.X/dist-packages.
	for _, p := range paths {
		if strings.HasPrefix(p, "/usr/local/") {
			assert.Contains(t, p, "-packages")
		}
	}
	_, err = pythonPaths("/nonexistent/python3")
	assert.Error(t, err)
}

func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{"0.8.0": true, "0.10.0": true, "1.0": true, "0.7.9": false, "0.6.1": false, "x.y": false, "0": false} {
		assert.Equal(t, want, versionAtLeast(v, 0, 8), v)
	}
}
