package tasks

import "context"

// storageSizeDef is Kestra's storage.Size task.
var storageSizeDef = &Def{
	Type:    "io.kestra.plugin.core.storage.Size",
	Aliases: []string{"io.kestra.core.tasks.storages.Size"},
	Doc:     "Give the size in bytes of a file of the internal storage.",
	New:     func() Task { return &StorageSize{} },
}

// StorageSize gives the size of a file of the internal storage as outputs.size.
type StorageSize struct {
	URI string `flow:"uri,required" doc:"the kestra:// URI of the file, rendered"`
}

// Run reads the file's size; a missing file is an error, as in Kestra.
func (t *StorageSize) Run(ctx context.Context, tc *Context) (Result, error) {
	uri, err := tc.render("uri", t.URI)
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	size, err := tc.Storage.Stat(uri)
	if err != nil {
		return Result{}, &PropError{Prop: "uri", Err: err}
	}
	return Result{Outputs: map[string]any{"size": size}}, nil
}
