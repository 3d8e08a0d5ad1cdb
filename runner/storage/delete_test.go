package storage

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestExecutionDelete(t *testing.T) {
	root := New(t.TempDir())
	x := root.Execution("dev.team", "My_Flow", "E1")
	task := x.Task("make", "R1")
	a, err := task.Put("a.txt", strings.NewReader("a"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := task.Put("b.txt", strings.NewReader("b"))
	in, _ := x.PutInput("file", "in.csv", strings.NewReader("x,y"))
	other := root.Execution("dev.team", "My_Flow", "E2")
	o, _ := other.Task("make", "R9").Put("o.txt", strings.NewReader("o"))

	if ok, err := x.Delete(a); !ok || err != nil {
		t.Fatalf("Delete(%s): %v, %v", a, ok, err)
	}
	if _, err := x.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still there: %v", a, err)
	}
	if ok, err := x.Delete(a); ok || err != nil {
		t.Errorf("Delete of a missing file: %v, %v", ok, err)
	}
	if _, err := x.Delete(o); err == nil || !strings.Contains(err.Error(), "didn't belong to the current execution") {
		t.Errorf("Delete of another execution's file: %v", err)
	}
	if _, err := x.Delete(x.Prefix() + "../E2/tasks/make/R9/o.txt"); err == nil {
		t.Error("a URI climbing out with .. was taken")
	}
	uris, err := x.DeleteExecutionFiles()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{in, b}; !slices.Equal(uris, want) {
		t.Errorf("DeleteExecutionFiles: got %v, want %v", uris, want)
	}
	if files, _ := root.List("dev.team", "My_Flow", "E1"); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
	if _, err := other.Stat(o); err != nil {
		t.Errorf("the other execution's file went: %v", err)
	}
}
