package runner

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

// runWithStorage runs the flow at path with root as its internal storage.
func runWithStorage(t *testing.T, path string, root *storage.Root) *Execution {
	t.Helper()
	f, err := flow.Load(path, tasks.Builtin())
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: os.Environ(), Storage: root})
	if err != nil {
		t.Fatalf("run %s: %v", path, err)
	}
	return x
}

// TestKestraWorkingDirectoryCache is Kestra's WorkingDirectoryTest.cache: the first run finds
// no hello.txt and leaves a cache, the second finds the cached file.
func TestKestraWorkingDirectoryCache(t *testing.T) {
	root := storage.New(t.TempDir())
	path := filepath.Join("testdata", "kestra", "working-directory-cache.yaml")
	cache := filepath.Join(root.Dir(), "io", "kestra", "tests", "working-directory-cache", "workingdir", "cache", "cache.zip")

	x := runWithStorage(t, path, root)
	if x.State.Current != StateSuccess || len(x.TaskRunList) != 3 {
		t.Fatalf("first run: got %s with %d runs, want SUCCESS with 3", x.State.Current, len(x.TaskRunList))
	}
	if uris := byTask(x, "exists")[0].Outputs["uris"].(map[string]any); len(uris) != 0 {
		t.Errorf("first run: exists found %v, want nothing", uris)
	}
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("first run: no cache: %v", err)
	}

	x = runWithStorage(t, path, root)
	if x.State.Current != StateSuccess || len(x.TaskRunList) != 3 {
		t.Fatalf("second run: got %s with %d runs, want SUCCESS with 3", x.State.Current, len(x.TaskRunList))
	}
	if uris := byTask(x, "exists")[0].Outputs["uris"].(map[string]any); uris["hello.txt"] == nil {
		t.Errorf("second run: exists found %v, want hello.txt from the cache", uris)
	}
}

// TestWorkingDirectoryNamespaceFiles follows Kestra's WorkingDirectoryTest.namespaceFiles:
// exclude /ignore/** keeps that file out, the others are in the folder at their paths.
func TestWorkingDirectoryNamespaceFiles(t *testing.T) {
	root := storage.New(t.TempDir())
	for p, content := range map[string]string{
		"/test/a/b/c/1.txt": "first", "/a/b/c/2.txt": "second", "/a/b/3.txt": "third", "/ignore/4.txt": "4th",
	} {
		if _, err := root.PutNamespaceFile("io.kestra.tests", p, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "flow.yaml")
	src := `id: working-directory-namespace-files
namespace: io.kestra.tests
tasks:
  - id: allow
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: worker
        type: io.kestra.plugin.core.flow.WorkingDirectory
        namespaceFiles:
          enabled: true
          exclude:
            - /ignore/**
        tasks:
          - {id: t1, type: io.kestra.plugin.scripts.shell.Commands, commands: ["cat test/a/b/c/1.txt"]}
          - {id: t2, type: io.kestra.plugin.scripts.shell.Commands, commands: ["cat a/b/c/2.txt"]}
          - {id: t3, type: io.kestra.plugin.scripts.shell.Commands, commands: ["cat a/b/3.txt"]}
          - {id: t4, type: io.kestra.plugin.scripts.shell.Commands, warningOnStdErr: false, commands: ["cat ignore/4.txt"]}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	x := runWithStorage(t, path, root)
	if x.State.Current != StateWarning || len(x.TaskRunList) != 6 {
		t.Fatalf("got %s with %d runs, want WARNING with 6", x.State.Current, len(x.TaskRunList))
	}
	if got := byTask(x, "t4")[0].State.Current; got != StateFailed {
		t.Errorf("t4: got %s, want FAILED (its file was excluded)", got)
	}
	for id, want := range map[string]string{"t1": "first", "t2": "second", "t3": "third"} {
		if got := byTask(x, id)[0].State.Current; got != StateSuccess {
			t.Errorf("%s: got %s, want SUCCESS (it reads %q)", id, got, want)
		}
	}
}

// BenchmarkCopyNamespaceFiles measures copying a namespace of 200 files of 4 KiB into a
// working folder, what a WorkingDirectory with namespaceFiles does before its tasks.
func BenchmarkCopyNamespaceFiles(b *testing.B) {
	root := storage.New(b.TempDir())
	content := strings.Repeat("x", 4096)
	for i := range 200 {
		p := filepath.ToSlash(filepath.Join("dir"+string(rune('a'+i%10)), "file"+strings.Repeat("0", i%3)+string(rune('a'+i/10))+".txt"))
		if _, err := root.PutNamespaceFile("bench", p, strings.NewReader(content)); err != nil {
			b.Fatal(err)
		}
	}
	x := root.Execution("bench", "f", "E")
	tc := &tasks.Context{Render: func(s string) (string, error) { return s, nil }, Namespace: x}
	nf := &tasks.NamespaceFiles{Exclude: []string{"/dira/**"}}
	b.ReportAllocs()
	for b.Loop() {
		dir := b.TempDir()
		n, err := tasks.CopyNamespaceFiles(tc, dir, nf)
		if err != nil || n != 180 {
			b.Fatalf("got %d, %v; want 180 files", n, err)
		}
	}
}

// TestWorkingDirectoryCacheRefusesEscapes restores a cache whose archive holds an entry
// leading out of the folder: it is refused and logged, the others are restored.
func TestWorkingDirectoryCacheRefusesEscapes(t *testing.T) {
	root := storage.New(t.TempDir())
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range map[string]string{"../evil.txt": "out", "deps/ok.txt": "in\n"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	zw.Close()
	if _, err := root.PutCache("dev", "wdc", "work", "", &buf); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flow.yaml")
	src := `id: wdc
namespace: dev
tasks:
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    cache: {patterns: ["deps/**"]}
    tasks:
      - id: look
        type: io.kestra.plugin.scripts.shell.Commands
        commands: ["cat deps/ok.txt; test ! -e ../evil.txt && echo none-out"]
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	x := runWithStorage(t, path, root)
	if x.State.Current != StateSuccess {
		t.Fatalf("got %s, want SUCCESS", x.State.Current)
	}
	var look, work []string
	for _, l := range byTask(x, "look")[0].Logs {
		look = append(look, l.Message)
	}
	for _, l := range byTask(x, "work")[0].Logs {
		work = append(work, l.Message)
	}
	if got := strings.Join(look, "|"); got != "in|none-out" {
		t.Errorf("look: got %q, want in|none-out", got)
	}
	if !slices.ContainsFunc(work, func(m string) bool {
		return strings.HasPrefix(m, "Unable to create the file ../evil.txt:")
	}) {
		t.Errorf("the WorkingDirectory's logs: got %q, want the refused entry named", work)
	}
}
