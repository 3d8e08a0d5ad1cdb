package runner

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/flowctl/flowctl/flow"
)

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
