package storage

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestPutInAFolderOfTheRun checks the layout of Kestra's ForEachItem outputs: a folder per
// iteration under the run's, and the run's base URI without a trailing slash.
func TestPutInAFolderOfTheRun(t *testing.T) {
	x := New(filepath.Join(t.TempDir(), "s")).Execution("io.kestra.tests", "for-each-item", "EXEC1")
	run := x.Task("each_items", "RUN1")
	base := "kestra:///io/kestra/tests/for-each-item/executions/EXEC1/tasks/each-items/RUN1"
	if got := run.BaseURI(); got != base {
		t.Errorf("BaseURI: got %q, want %q", got, base)
	}
	uri, err := run.PutIn("3", "outputs.ion", strings.NewReader("{a:1}\n"))
	if err != nil || uri != base+"/3/outputs.ion" {
		t.Fatalf("PutIn: got %q, %v; want %s/3/outputs.ion", uri, err, base)
	}
	if got := read(t, x, uri); got != "{a:1}\n" {
		t.Errorf("read back: got %q", got)
	}
	for _, dir := range []string{"", "..", "a/b"} {
		if _, err := run.PutIn(dir, "outputs.ion", strings.NewReader("x")); err == nil {
			t.Errorf("PutIn(%q): got no error, want the folder refused", dir)
		}
	}
}
