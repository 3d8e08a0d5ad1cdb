package tasks

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMakeWritableStaysInTheFolder: every real folder under the one being removed gets
// u+rwx, but no symbolic link is followed, whether it points inside the folder's parent or
// anywhere else. (Run as root, the removal itself never needs this; the end-to-end test
// TestReadOnlyFoldersAreRemoved runs it as another user.)
func TestMakeWritableStaysInTheFolder(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "work")
	outside := filepath.Join(t.TempDir(), "outside") // another folder altogether
	sibling := filepath.Join(base, "sibling")        // next to dir, in the same parent
	for _, d := range []string{filepath.Join(dir, "a", "b"), outside, sibling} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "a", "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../sibling", filepath.Join(dir, "a", "sib")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{outside, sibling, filepath.Join(dir, "a", "b"), filepath.Join(dir, "a"), dir} {
		if err := os.Chmod(d, 0o500); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		os.Chmod(outside, 0o700)
		os.Chmod(sibling, 0o700)
	})

	makeWritable(dir)

	for d, want := range map[string]os.FileMode{
		dir: 0o700, filepath.Join(dir, "a"): 0o700, filepath.Join(dir, "a", "b"): 0o700,
		outside: 0o500, sibling: 0o500,
	} {
		info, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("mode of %s: got %o, want %o", d, got, want)
		}
	}
	if err := RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{outside, sibling} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s after the removal: got %v, want it kept", d, err)
		}
	}
}
