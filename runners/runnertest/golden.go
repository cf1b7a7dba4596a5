package runnertest

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update, set by `go test -update`, makes Golden write what it gets as the golden files.
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// Golden compares got with the golden file at path, as benchstat's tests do: with -update it
// writes got there instead (making its directory); a file that differs fails the test, and
// got is written beside it as path.got (which git ignores) to compare.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s: %v (go test -update writes it)", path, err)
	}
	if !bytes.Equal(want, got) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from what the test got (written to %s.got; go test -update takes it):\n--- want\n%s\n--- got\n%s", path, path, want, got)
	}
}
