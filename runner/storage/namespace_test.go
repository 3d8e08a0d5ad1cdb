package storage

import (
	"errors"
	"github.com/flowctl/flowctl/internal/murmur3"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"
)

func putNS(t *testing.T, r *Root, ns, p, content string) NamespaceFile {
	t.Helper()
	f, err := r.PutNamespaceFile(ns, p, strings.NewReader(content))
	if err != nil {
		t.Fatalf("PutNamespaceFile(%q, %q): %v", ns, p, err)
	}
	return f
}

func TestNamespaceFilesPutListOpenDelete(t *testing.T) {
	r := New(t.TempDir())
	if files, err := r.NamespaceFiles("company.team"); err != nil || len(files) != 0 {
		t.Fatalf("before any file: got %v, %v; want none", files, err)
	}
	f := putNS(t, r, "company.team", "/scripts/etl.py", "print(1)")
	if f.Path != "/scripts/etl.py" || f.URI != "kestra:///company/team/_files/scripts/etl.py" || f.Size != 8 {
		t.Errorf("put: got %+v", f)
	}
	putNS(t, r, "company.team", "./a.txt", "a")
	putNS(t, r, "company.team", "scripts//lib/x.sql", "select 1")
	putNS(t, r, "company", "parent.txt", "p") // a parent namespace: not listed under its child
	files, err := r.NamespaceFiles("company.team")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	if got, want := strings.Join(paths, " "), "/a.txt /scripts/etl.py /scripts/lib/x.sql"; got != want {
		t.Errorf("list: got %q, want %q", got, want)
	}
	rc, err := r.OpenNamespaceFile("company.team", "/scripts/etl.py")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "print(1)" {
		t.Errorf("open: got %q", b)
	}
	if _, err := r.OpenNamespaceFile("company.team", "parent.txt"); !errors.Is(err, fs.ErrNotExist) ||
		err.Error() != "kestra:///company/team/_files/parent.txt (No such file or directory)" {
		t.Errorf("a parent's file: got %v, want Kestra's FileNotFoundException", err)
	}
	if n, err := r.DeleteNamespaceFiles("company.team", "/scripts"); err != nil || n != 2 {
		t.Errorf("delete a folder: got %d, %v; want 2", n, err)
	}
	if n, err := r.DeleteNamespaceFiles("company.team", "nope"); err != nil || n != 0 {
		t.Errorf("delete a missing file: got %d, %v; want 0, nil", n, err)
	}
	if n, err := r.DeleteNamespaceFiles("company.team", "/"); err != nil || n != 1 {
		t.Errorf("delete all: got %d, %v; want 1", n, err)
	}
	if files, _ := r.NamespaceFiles("company"); len(files) != 1 {
		t.Errorf("the parent's files after the child's were deleted: got %v, want parent.txt", files)
	}
}

func TestNamespaceFilesRefuseEscapes(t *testing.T) {
	r := New(t.TempDir())
	for _, c := range []struct{ ns, path string }{
		{"dev", "../x"}, {"dev", "a/../../x"}, {"dev", ""}, {"dev", "/"}, {"", "x"}, {"a..b", "x"}, {"a/b", "x"},
		{"dev", tempPrefix + "x"},
	} {
		if _, err := r.PutNamespaceFile(c.ns, c.path, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q, %q): no error", c.ns, c.path)
		}
	}
}

func TestExecutionReadsItsNamespaceFiles(t *testing.T) {
	r := New(t.TempDir())
	putNS(t, r, "dev", "data/in.txt", "mine")
	putNS(t, r, "other", "in.txt", "theirs")
	x := r.Execution("dev", "flow", "E1")
	if got := read(t, x, "kestra:///dev/_files/data/in.txt"); got != "mine" {
		t.Errorf("got %q, want mine", got)
	}
	if _, err := x.Open("kestra:///other/_files/in.txt"); err == nil || !strings.Contains(err.Error(), "didn't belong to the current execution") {
		t.Errorf("another namespace's file: got %v, want refused", err)
	}
	if _, err := x.Stat("kestra:///dev/_files/nope"); err == nil || err.Error() != "kestra:///dev/_files/nope (No such file or directory)" {
		t.Errorf("missing: got %v", err)
	}
}

func TestCacheTTL(t *testing.T) {
	r := New(t.TempDir())
	uri, err := r.PutCache("io.kestra.tests", "working-directory-cache", "workingDir", "", strings.NewReader("zip"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "kestra:///io/kestra/tests/working-directory-cache/workingdir/cache/cache.zip"; uri != want {
		t.Errorf("got %s, want %s", uri, want)
	}
	if got := CacheURI("dev", "f", "wd", "v1"); got != "kestra:///dev/f/wd/cache/"+murmur3.Hex("v1")+"/cache.zip" {
		t.Errorf("with a value: got %s", got)
	}
	now := time.Now()
	rc, ok, err := r.OpenCache("io.kestra.tests", "working-directory-cache", "workingDir", "", time.Hour, now)
	if err != nil || !ok {
		t.Fatalf("fresh cache: got %v, %v", ok, err)
	}
	rc.Close()
	if _, ok, err := r.OpenCache("io.kestra.tests", "working-directory-cache", "workingDir", "", time.Hour, now.Add(2*time.Hour)); ok || err != nil {
		t.Fatalf("expired cache: got %v, %v; want none", ok, err)
	}
	// Expired means removed: even without a ttl it is gone.
	if _, ok, _ := r.OpenCache("io.kestra.tests", "working-directory-cache", "workingDir", "", 0, now); ok {
		t.Error("the expired cache is still there")
	}
}
