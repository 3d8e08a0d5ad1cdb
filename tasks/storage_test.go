package tasks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteStoresItsContent(t *testing.T) {
	tc, _ := newContext(t)
	res, err := (&Write{Content: "hello", Extension: "csv"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	uri, _ := res.Outputs["uri"].(string)
	if !strings.HasPrefix(uri, "kestra:///dev/flow/executions/E/tasks/task/R/task-") || !strings.HasSuffix(uri, ".csv") {
		t.Errorf("uri: got %q, want a file of the run ending .csv", uri)
	}
	if got := tc.Storage.(*memStorage).content(uri); got != "hello" {
		t.Errorf("content: got %q, want hello", got)
	}
	res, err = (&Write{Content: "x"}).Run(context.Background(), tc)
	if uri, _ := res.Outputs["uri"].(string); err != nil || !strings.HasSuffix(uri, ".ion") {
		t.Errorf("default extension: got %q, %v; want .ion", uri, err)
	}
	if _, err := (&Write{Content: "x", Extension: "../x"}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "extension:") {
		t.Errorf("extension with a slash: got %v, want an extension error", err)
	}
}

func TestConcatJoinsFilesInOrder(t *testing.T) {
	tc, _ := newContext(t)
	m := tc.Storage.(*memStorage)
	a, _ := m.Put("a.txt", strings.NewReader("A"))
	b, _ := m.Put("b.txt", strings.NewReader("B"))
	for _, files := range []any{[]any{a, b}, `["` + a + `", "` + b + `"]`} {
		res, err := (&Concat{Files: files, Separator: "\n"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%v: %v", files, err)
		}
		uri, _ := res.Outputs["uri"].(string)
		if got := m.content(uri); got != "A\nB\n" || !strings.HasSuffix(uri, ".tmp") {
			t.Errorf("%v: got %q at %s, want \"A\\nB\\n\" in a .tmp file", files, got, uri)
		}
	}
	missing := "kestra:///dev/flow/executions/E/tasks/t/R/none"
	_, err := (&Concat{Files: []any{a, missing}}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "files[1]: the file '"+missing+"' does not exist") {
		t.Errorf("a missing file: got %v, want files[1] named", err)
	}
	_, err = (&Concat{Files: "not json"}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "files: expected a JSON array") {
		t.Errorf("bad JSON: got %v", err)
	}
}

func TestLocalFilesAloneUsesAFolderOfItsOwn(t *testing.T) {
	tc, _ := newContext(t)
	res, err := (&LocalFiles{
		Inputs:  map[string]any{"sub/a.txt": "alpha", "b.log": nil},
		Outputs: []string{"**/*.txt", "*.log"},
	}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	uris, _ := res.Outputs["uris"].(map[string]any)
	if len(uris) != 2 {
		t.Fatalf("uris: got %v, want sub/a.txt and b.log", uris)
	}
	m := tc.Storage.(*memStorage)
	if got := m.content(uris["sub/a.txt"].(string)); got != "alpha" {
		t.Errorf("sub/a.txt: got %q", got)
	}
	if got, ok := m.files[uris["b.log"].(string)]; !ok || got != "" {
		t.Errorf("b.log (null content): got %q, %v; want an empty file", got, ok)
	}
	if left, _ := os.ReadDir(tc.TempDir); len(left) != 0 {
		t.Errorf("temporary folder after the run: got %v, want it empty", left)
	}
	_, err = (&LocalFiles{Inputs: map[string]any{"../x": "y"}}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "inputs.../x:") {
		t.Errorf("a name leaving the folder: got %v", err)
	}
	_, err = (&LocalFiles{Outputs: []string{"[a"}}).Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "outputs[0]:") {
		t.Errorf("a bad glob: got %v", err)
	}
}

func TestLocalFilesUsesTheLentFolder(t *testing.T) {
	tc, _ := newContext(t)
	shared := t.TempDir()
	tc.WorkDir = func() (string, error) { return shared, nil }
	if _, err := (&LocalFiles{Inputs: `{"x.txt": "from JSON"}`}).Run(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(shared, "x.txt"))
	if err != nil || string(b) != "from JSON" {
		t.Errorf("file in the lent folder: got %q, %v", b, err)
	}
}
