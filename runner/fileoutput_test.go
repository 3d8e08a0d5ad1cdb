package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

// Kestra's ExecutionControllerTest on inputs-small-files: the FILE output of a FILE input is
// a kestra:// URI (kept as it is), and the file is there.
func TestKestraFileOutputOfAFileInput(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "small.txt")
	if err := os.WriteFile(local, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := flow.Load(filepath.Join("testdata", "kestra", "inputs-small-files.yaml"), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	root := storage.New(filepath.Join(dir, "storage"))
	x, err := Run(context.Background(), f, Options{Inputs: map[string]any{"f": flow.FileInput(local)}, TempDir: dir, Environ: []string{}, Storage: root})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := x.Outputs["o"].(string)
	if x.State.Current != StateSuccess || !strings.HasPrefix(o, "kestra://") || o != x.Inputs["f"] {
		t.Fatalf("%s, outputs %v, inputs %v: want SUCCESS and the input's URI", x.State.Current, x.Outputs, x.Inputs)
	}
	r, err := root.OpenURI(o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "hello" {
		t.Fatalf("file %q", b)
	}
}

// A FILE output that is a local path is stored with the execution's files, as Kestra stores
// it; one that is neither a URI nor a file fails the execution, naming the output.
func TestFileOutputOfALocalPath(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(local, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root := storage.New(filepath.Join(dir, "storage"))
	run := func(value string) *Execution {
		t.Helper()
		src := "id: out\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n" +
			"outputs:\n  - id: report\n    type: FILE\n    value: \"" + value + "\"\n"
		f, err := flow.Parse("out.yml", []byte(src), tasks.Builtin())
		if err != nil {
			t.Fatal(err)
		}
		var warned []string
		x, err := Run(context.Background(), f, Options{TempDir: dir, Environ: []string{}, Storage: root, Warn: func(m string) { warned = append(warned, m) }})
		if err != nil {
			t.Fatal(err)
		}
		if x.State.Current == StateFailed && (len(warned) == 0 || !strings.Contains(warned[0], `output "report"`)) {
			t.Fatalf("failed without saying why: %q", warned)
		}
		return x
	}
	x := run(local)
	uri, _ := x.Outputs["report"].(string)
	want := "kestra:///dev/out/executions/" + x.ID + "/inputs/report/report.csv"
	if x.State.Current != StateSuccess || uri != want {
		t.Fatalf("%s, output %q, want SUCCESS and %q", x.State.Current, uri, want)
	}
	r, err := root.OpenURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "a,b\n" {
		t.Fatalf("stored %q", b)
	}
	if x := run(filepath.Join(dir, "missing.csv")); x.State.Current != StateFailed || x.Outputs != nil {
		t.Fatalf("a missing file: %s %v, want FAILED without outputs", x.State.Current, x.Outputs)
	}
}
