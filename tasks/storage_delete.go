package tasks

import (
	"context"
	"errors"
	"fmt"
)

// StorageRemover is a Storage that can delete the execution's own files (storage.Delete,
// PurgeCurrentExecutionFiles). The runner's storage is one; a Storage that is not makes those
// tasks fail with errNoRemover.
type StorageRemover interface {
	// Delete removes the file at a kestra:// URI of the execution and reports whether there
	// was one; a URI of another execution is an error.
	Delete(uri string) (deleted bool, err error)
	// DeleteExecutionFiles removes every file of the execution and returns their URIs.
	DeleteExecutionFiles() ([]string, error)
}

var errNoRemover = errors.New("the internal storage here cannot delete files")

// remover returns the run's storage as a StorageRemover.
func (tc *Context) remover() (StorageRemover, error) {
	if tc.Storage == nil {
		return nil, errNoStorage
	}
	r, ok := tc.Storage.(StorageRemover)
	if !ok {
		return nil, errNoRemover
	}
	return r, nil
}

// storageDeleteDef is Kestra's storage.Delete task.
var storageDeleteDef = &Def{
	Type:    "io.kestra.plugin.core.storage.Delete",
	Aliases: []string{"io.kestra.core.tasks.storages.Delete"},
	Doc:     "Delete a file of the execution from the internal storage.",
	New:     func() Task { return &StorageDelete{} },
}

// StorageDelete deletes one file of the execution's internal storage.
type StorageDelete struct {
	URI            string `flow:"uri,required" doc:"the kestra:// URI of the file, rendered"`
	ErrorOnMissing bool   `flow:"errorOnMissing" doc:"fail when there is no such file (default false)"`
}

// Run deletes the file; outputs.deleted says whether there was one.
func (t *StorageDelete) Run(ctx context.Context, tc *Context) (Result, error) {
	uri, err := tc.render("uri", t.URI)
	if err != nil {
		return Result{}, err
	}
	r, err := tc.remover()
	if err != nil {
		return Result{}, err
	}
	deleted, err := r.Delete(uri)
	if err != nil {
		return Result{}, &PropError{Prop: "uri", Err: err}
	}
	out := Result{Outputs: map[string]any{"uri": uri, "deleted": deleted}}
	if t.ErrorOnMissing && !deleted {
		return out, fmt.Errorf("Unable to find file '%s'", uri)
	}
	return out, nil
}

// purgeCurrentExecutionFilesDef is Kestra's storage.PurgeCurrentExecutionFiles task.
var purgeCurrentExecutionFilesDef = &Def{
	Type:    "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles",
	Aliases: []string{"io.kestra.core.tasks.storages.PurgeExecution", "io.kestra.plugin.core.storage.PurgeExecution"},
	Doc:     "Delete every file of the current execution from the internal storage.",
	New:     func() Task { return &PurgeCurrentExecutionFiles{} },
}

// PurgeCurrentExecutionFiles deletes the execution's files: inputs, outputs of the tasks
// before it, everything stored so far.
type PurgeCurrentExecutionFiles struct{}

// Run deletes the files and returns their URIs as outputs.uris.
func (t *PurgeCurrentExecutionFiles) Run(ctx context.Context, tc *Context) (Result, error) {
	r, err := tc.remover()
	if err != nil {
		return Result{}, err
	}
	uris, err := r.DeleteExecutionFiles()
	if err != nil {
		return Result{}, err
	}
	list := make([]any, len(uris))
	for i, u := range uris {
		list[i] = u
	}
	return Result{Outputs: map[string]any{"uris": list}}, nil
}
