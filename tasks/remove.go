package tasks

import (
	"io/fs"
	"os"
	"path/filepath"
)

// RemoveAll removes path and everything in it, as os.RemoveAll does, including what a task
// left read-only (see CleanUp).
func RemoveAll(path string) error {
	return CleanUp(path, func() error { return os.RemoveAll(path) })
}

// CleanUp runs remove, which removes dir, or removes or moves things out of it. When remove
// fails, it gives the owner read, write and search permission on dir and on every folder
// under it, then runs remove once more and returns what that gives.
//
// Removing or moving an entry needs write permission on its folder, and a task may leave
// folders without it: a Go module cache is read-only, a script may run `chmod -R a-w`. Root
// ignores permissions; any other user would leave the working folder behind, run after run.
// The first attempt is the common case and costs no walk.
func CleanUp(dir string, remove func() error) error {
	if err := remove(); err == nil {
		return nil
	}
	makeWritable(dir)
	return remove()
}

// makeWritable adds u+rwx to dir and to every folder under it that lacks them, as far as
// it can: what it cannot change, the second removal reports.
//
// Everything goes through an os.Root on dir's parent, so no symbolic link is followed out
// of it: a link the task left is removed, never what it points to. Links inside dir are not
// followed at all (only real folders are changed), and a folder is changed before it is read,
// so folders without read or search permission are walked too.
func makeWritable(dir string) {
	parent, err := os.OpenRoot(filepath.Dir(dir))
	if err != nil {
		return
	}
	defer parent.Close()
	_ = fs.WalkDir(parent.FS(), filepath.Base(dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // a folder that cannot be read: its entries stay, the removal says so
		}
		info, err := d.Info()
		if err == nil && info.Mode().Perm()&0o700 != 0o700 {
			_ = parent.Chmod(p, info.Mode().Perm()|0o700)
		}
		return nil
	})
}
