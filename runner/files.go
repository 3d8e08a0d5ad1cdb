package runner

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

// openFiles makes the storage of execution id, and returns what to do when it ends. Without
// Options.Storage the files live in a folder of the execution's own, removed when it ends.
func (e *engine) openFiles(id string) (closeFiles func()) {
	root, closeFiles := e.opts.Storage, func() {}
	if root == nil {
		root = storage.New(e.opts.TempDir + "-storage")
		closeFiles = func() {
			if err := tasks.RemoveAll(root.Dir()); err != nil {
				e.opts.Warn(fmt.Sprintf("files of execution %s not removed: %v (remove %s by hand)", id, err, root.Dir()))
			}
		}
	}
	e.files = root.Execution(e.flow.Namespace, e.flow.ID, id)
	if t := e.opts.Trigger; t != nil {
		// Kestra's rule: an execution a trigger started reads the files of the one behind it.
		ns, _ := t.Variables["namespace"].(string)
		fl, _ := t.Variables["flowId"].(string)
		ex, _ := t.Variables["executionId"].(string)
		e.files.AllowParent(ns, fl, ex)
	}
	return closeFiles
}

// storeInputFiles stores the local files of FILE inputs in the execution's storage, as Kestra
// does (.../executions/<id>/inputs/<input>/<file name>), and returns the inputs with each such
// value replaced by its kestra:// URI. in itself is left as it was.
func (e *engine) storeInputFiles(in map[string]any) (map[string]any, error) {
	var out map[string]any
	for _, id := range slices.Sorted(maps.Keys(in)) {
		path, ok := in[id].(flow.FileInput)
		if !ok {
			continue
		}
		if out == nil {
			out = maps.Clone(in)
		}
		f, err := os.Open(string(path))
		if err != nil {
			return in, fmt.Errorf("input %q: %w", id, err)
		}
		uri, err := e.files.PutInput(id, filepath.Base(string(path)), f)
		f.Close()
		if err != nil {
			return in, fmt.Errorf("input %q: %w", id, err)
		}
		out[id] = uri
	}
	if out == nil {
		return in, nil
	}
	return out, nil
}
