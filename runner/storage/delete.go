package storage

import (
	"fmt"
	"strings"
)

// Delete removes the file at uri and reports whether there was one. Only the execution's own
// files may be deleted: the files of the execution that triggered it and the namespace files
// it may read belong to someone else.
func (x *Execution) Delete(uri string) (bool, error) {
	segs, err := segments(uri)
	if err != nil {
		return false, err
	}
	if !strings.HasPrefix(uri, x.prefix) {
		return false, fmt.Errorf("Unable to delete the file '%s' as it didn't belong to the current execution", uri)
	}
	if _, err := x.root.statFile(uri, segs); err != nil {
		return false, nil
	}
	if err := x.root.removeFile(segs); err != nil {
		return false, err
	}
	return true, nil
}

// DeleteExecutionFiles removes every file of the execution and returns their URIs, sorted.
func (x *Execution) DeleteExecutionFiles() ([]string, error) {
	id := x.segs[len(x.segs)-1]
	files, err := x.root.List(x.ns, x.flowID, id)
	if err != nil {
		return nil, err
	}
	if err := x.root.RemoveExecution(x.ns, x.flowID, id); err != nil {
		return nil, err
	}
	uris := make([]string, len(files))
	for i, f := range files {
		uris[i] = f.URI
	}
	return uris, nil
}
