package runner

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWorkdirsLendEmptyFolders(t *testing.T) {
	root := filepath.Join(t.TempDir(), "exec")
	w := newWorkdirs(root)
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("root exists before first use: %v", err)
	}
	d1, err := w.get()
	if err != nil {
		t.Fatal(err)
	}
	// A task leaves files, a folder, and removes outputs.
	must(t, os.WriteFile(filepath.Join(d1, "left.txt"), []byte("x"), 0o644))
	must(t, os.MkdirAll(filepath.Join(d1, "sub", "deep"), 0o755))
	must(t, os.RemoveAll(filepath.Join(d1, "outputs")))
	w.release(d1)

	d2, err := w.get()
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(d2)
	if len(entries) != 1 || entries[0].Name() != "outputs" || !entries[0].IsDir() {
		t.Errorf("reused folder: got %v, want only an empty outputs folder", entries)
	}
	if other, _ := w.get(); other == d2 {
		t.Error("got the same folder twice while lent, want a new one")
	}
	must(t, w.close())
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Errorf("root still exists after close: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
