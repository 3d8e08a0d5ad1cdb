package runner

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/flowctl/flowctl/tasks"
)

// workdirs hands out empty working folders, each with an empty `outputs` subfolder, and
// takes them back after use.
//
// A folder given back is emptied and lent again rather than removed: on common disks making
// and removing a folder costs a millisecond or more, more than the engine's whole cost per
// task, while emptying a folder the task left empty is one directory read. Every task run
// still starts in an empty folder.
//
// Everything lives under root, made on first use (a flow without script tasks never touches
// the disk) and removed whole when the execution ends, kept output files included.
type workdirs struct {
	// mu guards the fields below: the runs of a Parallel ask for folders at once.
	mu      sync.Mutex
	root    string
	created bool
	free    []string // emptied folders, ready to lend
}

func newWorkdirs(root string) *workdirs {
	return &workdirs{root: root}
}

// get returns an empty working folder.
func (w *workdirs) get() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.free); n > 0 {
		dir := w.free[n-1]
		w.free = w.free[:n-1]
		return dir, nil
	}
	if !w.created {
		if err := os.MkdirAll(w.root, 0o700); err != nil {
			return "", err
		}
		w.created = true
	}
	dir, err := os.MkdirTemp(w.root, "run-")
	if err != nil {
		return "", err
	}
	if err := os.Mkdir(filepath.Join(dir, "outputs"), 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// release empties dir and keeps it for the next get. Folders the task left read-only are
// made writable first (see tasks.CleanUp). A folder that still cannot be emptied is not lent
// again; close tries once more and says what it could not remove.
func (w *workdirs) release(dir string) {
	if err := tasks.CleanUp(dir, func() error { return empty(dir, "outputs") }); err == nil {
		w.mu.Lock()
		w.free = append(w.free, dir)
		w.mu.Unlock()
	}
}

// empty removes everything in dir except an emptied subfolder named keep, which it recreates
// if the task removed or replaced it.
func empty(dir, keep string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	kept := false
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if keep != "" && e.Name() == keep && e.IsDir() {
			if err := empty(p, ""); err != nil {
				return err
			}
			kept = true
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	if keep != "" && !kept {
		return os.Mkdir(filepath.Join(dir, keep), 0o755)
	}
	return nil
}

// close removes root and everything in it, read-only folders included.
func (w *workdirs) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.free = nil
	if !w.created {
		return nil
	}
	return tasks.RemoveAll(w.root)
}
