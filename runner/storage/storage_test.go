package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestSlug(t *testing.T) {
	// Kestra's Slugify.of, case by case.
	for in, want := range map[string]string{
		"hello":              "hello",
		"Hello_World":        "hello-world",
		"my.flow":            "myflow",
		"a  b":               "a-b",
		"--a__b--":           "a-b",
		"task-1":             "task-1",
		"UPPER_case_Mixed9":  "upper-case-mixed9",
		"with\ttab\nnewline": "with-tab-newline",
		"a$b%c":              "abc",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestExecutionPrefix(t *testing.T) {
	got := ExecutionPrefix("company.team.data", "My_Flow", "5fGqe3rXaYzRcXpfZvBYNh")
	want := "kestra:///company/team/data/my-flow/executions/5fGqe3rXaYzRcXpfZvBYNh/"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// put stores content as name of a task run and returns its URI.
func put(t *testing.T, st *Task, name, content string) string {
	t.Helper()
	uri, err := st.Put(name, strings.NewReader(content))
	if err != nil {
		t.Fatalf("Put(%q): %v", name, err)
	}
	return uri
}

// read reads the file at uri as x sees it.
func read(t *testing.T, x *Execution, uri string) string {
	t.Helper()
	rc, err := x.Open(uri)
	if err != nil {
		t.Fatalf("Open(%q): %v", uri, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPutLaysFilesOutAsKestra(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state.db.storage")
	x := New(dir).Execution("company.team", "Data_Flow", "EXEC1")
	uri := put(t, x.Task("Build_It", "RUN1"), "out.csv", "a,b\n")
	if want := "kestra:///company/team/data-flow/executions/EXEC1/tasks/build-it/RUN1/out.csv"; uri != want {
		t.Errorf("URI: got %q, want %q", uri, want)
	}
	p := filepath.Join(dir, "company/team/data-flow/executions/EXEC1/tasks/build-it/RUN1/out.csv")
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "a,b\n" {
		t.Fatalf("file %s: got %q, %v; want the content stored", p, b, err)
	}
	if got := read(t, x, uri); got != "a,b\n" {
		t.Errorf("Open: got %q", got)
	}
	if n, err := x.Stat(uri); err != nil || n != 4 {
		t.Errorf("Stat: got %d, %v; want 4", n, err)
	}
	// Modes: the folder and everything under it are the user's alone.
	for _, c := range []struct {
		path string
		want fs.FileMode
	}{{dir, 0o700}, {filepath.Dir(p), 0o700}, {p, 0o600}} {
		st, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got&^c.want != 0 {
			t.Errorf("mode of %s: got %v, want at most %v", c.path, got, c.want)
		}
	}
	in, err := x.PutInput("report", "report.csv", strings.NewReader("r"))
	if want := "kestra:///company/team/data-flow/executions/EXEC1/inputs/report/report.csv"; err != nil || in != want {
		t.Errorf("PutInput: got %q, %v; want %q", in, err, want)
	}
}

func TestNamesAreEscapedInURIs(t *testing.T) {
	x := New(t.TempDir()).Execution("ns", "f", "E")
	uri := put(t, x.Task("t", "R"), "my report #1.csv", "x")
	if want := "kestra:///ns/f/executions/E/tasks/t/R/my%20report%20%231.csv"; uri != want {
		t.Errorf("URI: got %q, want %q", uri, want)
	}
	if got := read(t, x, uri); got != "x" {
		t.Errorf("Open: got %q, want x", got)
	}
}

func TestAccessRule(t *testing.T) {
	root := New(t.TempDir())
	mine := root.Execution("team.a", "flow", "MINE")
	other := root.Execution("team.a", "flow", "OTHER")
	otherNS := root.Execution("team.b", "flow", "MINE")
	parent := root.Execution("team.p", "parent", "PARENT")
	mineURI := put(t, mine.Task("t", "R"), "f.txt", "mine")
	otherURI := put(t, other.Task("t", "R"), "f.txt", "other")
	otherNSURI := put(t, otherNS.Task("t", "R"), "f.txt", "other namespace")
	parentURI := put(t, parent.Task("t", "R"), "f.txt", "parent")

	if got := read(t, mine, mineURI); got != "mine" {
		t.Errorf("own file: got %q", got)
	}
	for _, uri := range []string{otherURI, otherNSURI, parentURI,
		// A prefix of the execution id is another execution.
		"kestra:///team/a/flow/executions/MIN/tasks/t/R/f.txt",
	} {
		_, err := mine.Open(uri)
		want := "Unable to read the file '" + uri + "' as it didn't belong to the current execution"
		if err == nil || err.Error() != want {
			t.Errorf("Open(%s): got %v, want %q", uri, err, want)
		}
		if _, err := mine.Stat(uri); err == nil || err.Error() != want {
			t.Errorf("Stat(%s): got %v, want %q", uri, err, want)
		}
	}
	// The execution a trigger started reads its parent's files, and only those.
	child := root.Execution("team.a", "flow", "CHILD")
	child.AllowParent("team.p", "parent", "PARENT")
	if got := read(t, child, parentURI); got != "parent" {
		t.Errorf("parent's file from the child: got %q", got)
	}
	if _, err := child.Open(otherURI); err == nil {
		t.Errorf("another execution's file from the child: got no error")
	}
	// A missing file of the execution is not found, and says so.
	_, err := mine.Stat("kestra:///team/a/flow/executions/MINE/tasks/t/R/nope")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "kestra:///team/a/flow/executions/MINE/tasks/t/R/nope' does not exist") {
		t.Errorf("Stat of a missing file: got %v, want fs.ErrNotExist naming the URI", err)
	}
	// A folder is no file.
	if _, err := mine.Open("kestra:///team/a/flow/executions/MINE/tasks/t/R"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a folder: got %v, want fs.ErrNotExist", err)
	}
}

func TestURIsThatCouldEscapeAreRefused(t *testing.T) {
	root := New(t.TempDir())
	x := root.Execution("ns", "f", "E")
	put(t, x.Task("t", "R"), "f.txt", "x")
	prefix := x.Prefix()
	for uri, want := range map[string]string{
		prefix + "../E2/tasks/t/R/f.txt":          "empty, . and .. segments are not allowed",
		prefix + "tasks/t/R/../../../../E2/f.txt": "empty, . and .. segments are not allowed",
		prefix + "tasks/t/R/%2E%2E/%2E%2E/x":      "empty, . and .. segments are not allowed",
		prefix + "tasks/t/R/..%2F..%2Fx":          "a segment may not hold a slash or a NUL",
		prefix + "tasks//R/f.txt":                 "empty, . and .. segments are not allowed",
		prefix + "tasks/t/R/f.txt?x=1":            "no query or fragment",
		"kestra://host/ns/f/executions/E/x":       "starts with kestra:/// (three slashes)",
		"file:///etc/passwd":                      "Invalid internal storage scheme, got uri 'file:///etc/passwd'",
		"/etc/passwd":                             "Invalid internal storage uri, got uri '/etc/passwd'",
		prefix + "tasks/t/R/%zz":                  "invalid URL escape",
		prefix + "tasks/t/R/a%00b":                "a segment may not hold a slash or a NUL",
	} {
		_, err := x.Open(uri)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): got %v, want an error containing %q", uri, err, want)
		}
	}
	for _, name := range []string{"", ".", "..", "a/b", `a\b`, "../x", ".put-1", "a\x00b"} {
		if _, err := x.Task("t", "R").Put(name, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q): got no error, want the name refused", name)
		}
	}
	// Task ids are slugified: none can climb out of the run's folder.
	uri := put(t, x.Task("../../x", "R"), "f", "y")
	if want := prefix + "tasks/x/R/f"; uri != want {
		t.Errorf("Put under task ../../x: got %q, want %q", uri, want)
	}
}

func TestSymlinksDoNotLeadOut(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "state.db.storage")
	secret := filepath.Join(base, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	x := New(dir).Execution("ns", "f", "E")
	put(t, x.Task("t", "R"), "f.txt", "inside")
	runDir := filepath.Join(dir, "ns/f/executions/E/tasks/t/R")
	// A link to a file outside, and a link to a folder outside, planted in the storage.
	if err := os.Symlink(secret, filepath.Join(runDir, "out.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(runDir, "up")); err != nil {
		t.Fatal(err)
	}
	// A link that stays inside is followed.
	if err := os.Symlink("f.txt", filepath.Join(runDir, "alias.txt")); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{x.Prefix() + "tasks/t/R/out.txt", x.Prefix() + "tasks/t/R/up/secret.txt"} {
		if rc, err := x.Open(u); err == nil {
			b, _ := io.ReadAll(rc)
			rc.Close()
			t.Errorf("Open(%s): got %q, want it refused", u, b)
		}
		if n, err := x.Stat(u); err == nil {
			t.Errorf("Stat(%s): got size %d, want it refused", u, n)
		}
		if rc, err := New(dir).OpenURI(u); err == nil {
			rc.Close()
			t.Errorf("OpenURI(%s): got the file, want it refused", u)
		}
	}
	if got := read(t, x, x.Prefix()+"tasks/t/R/alias.txt"); got != "inside" {
		t.Errorf("a link inside the storage: got %q, want inside", got)
	}
	// Put through a link to a folder outside writes nothing there.
	if err := os.Symlink(base, filepath.Join(dir, "ns/f/executions/E/tasks/evil")); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Task("evil", "R2").Put("planted", strings.NewReader("x")); err == nil {
		t.Errorf("Put through a link leading out: got no error")
	}
	if _, err := os.Stat(filepath.Join(base, "R2")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Put through a link leading out created %s", filepath.Join(base, "R2"))
	}
	// Removing the execution removes the links, not what they point to.
	if err := New(dir).RemoveExecution("ns", "f", "E"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "secret" {
		t.Errorf("file outside after RemoveExecution: got %q, %v", b, err)
	}
}

func TestConcurrentPuts(t *testing.T) {
	root := New(t.TempDir())
	x := root.Execution("ns", "f", "E")
	const n = 16
	big := func(i int) string { return strings.Repeat(fmt.Sprintf("%02d", i), 64<<10) }
	var wg sync.WaitGroup
	uris := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Half the writers share one name: the last one wins whole.
			name := fmt.Sprintf("own-%d", i)
			if i%2 == 0 {
				name = "shared"
			}
			uris[i], errs[i] = x.Task("t", "R").Put(name, strings.NewReader(big(i)))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	for i, uri := range uris {
		got := read(t, x, uri)
		if i%2 == 1 && got != big(i) {
			t.Errorf("file %s: got %d bytes, want writer %d's content", uri, len(got), i)
		}
		if i%2 == 0 && !slices.ContainsFunc([]int{0, 2, 4, 6, 8, 10, 12, 14}, func(j int) bool { return got == big(j) }) {
			t.Errorf("shared file: got %d bytes matching no writer whole", len(got))
		}
	}
	files, err := root.List("ns", "f", "E")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != n/2+1 {
		t.Errorf("List: got %d files, want %d (no temporary file left)", len(files), n/2+1)
	}
}

func TestListAndRemoveExecution(t *testing.T) {
	dir := t.TempDir()
	root := New(dir)
	x := root.Execution("ns", "f", "E")
	keep := root.Execution("ns", "f", "E2")
	b := put(t, x.Task("b", "R"), "b.txt", "bb")
	a := put(t, x.Task("a", "R"), "a.txt", "a")
	in, _ := x.PutInput("in", "in.bin", bytes.NewReader(make([]byte, 1000)))
	kept := put(t, keep.Task("a", "R"), "a.txt", "kept")

	files, err := root.List("ns", "f", "E")
	if err != nil {
		t.Fatal(err)
	}
	want := []File{{in, 1000}, {a, 1}, {b, 2}}
	if !slices.Equal(files, want) {
		t.Errorf("List: got %v, want %v", files, want)
	}
	if err := root.RemoveExecution("ns", "f", "E"); err != nil {
		t.Fatal(err)
	}
	if files, err := root.List("ns", "f", "E"); err != nil || len(files) != 0 {
		t.Errorf("List after RemoveExecution: got %v, %v; want none", files, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ns/f/executions/E")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("execution folder after RemoveExecution: got %v, want it gone", err)
	}
	if got := read(t, keep, kept); got != "kept" {
		t.Errorf("another execution's file after RemoveExecution: got %q", got)
	}
	// Nothing stored, or no storage at all: nothing to do, nothing to list.
	if err := root.RemoveExecution("ns", "f", "NONE"); err != nil {
		t.Errorf("RemoveExecution of an execution without files: %v", err)
	}
	empty := New(filepath.Join(dir, "absent"))
	if err := empty.RemoveExecution("ns", "f", "E"); err != nil {
		t.Errorf("RemoveExecution without a storage folder: %v", err)
	}
	if files, err := empty.List("ns", "f", "E"); err != nil || files != nil {
		t.Errorf("List without a storage folder: got %v, %v", files, err)
	}
	if _, err := empty.OpenURI(kept); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenURI without a storage folder: got %v, want fs.ErrNotExist", err)
	}
}
