package tasks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// localFilesDef is Kestra's deprecated LocalFiles task, still used inside WorkingDirectory.
var localFilesDef = &Def{
	Type:    "io.kestra.plugin.core.storage.LocalFiles",
	Aliases: []string{"io.kestra.core.tasks.storages.LocalFiles"},
	Doc:     "Deprecated: write files into the working folder and store the files globs match.",
	New:     func() Task { return &LocalFiles{} },
}

// LocalFiles writes its inputs into the working folder, then stores the files its outputs
// globs match. Inside a WorkingDirectory the folder is the shared one, so later tasks see
// the files; alone it is a folder of its own, removed after the run.
type LocalFiles struct {
	Inputs  any      `flow:"inputs" doc:"files to write: a mapping of relative name to content or kestra:// URI, or a string rendering to a JSON object of them"`
	Outputs []string `flow:"outputs" doc:"globs of files of the working folder to store; their kestra:// URIs are in outputs.uris"`
}

// Run writes the inputs and stores the outputs.
func (t *LocalFiles) Run(ctx context.Context, tc *Context) (Result, error) {
	inputs, err := InputFiles(tc, "inputs", t.Inputs)
	if err != nil {
		return Result{}, err
	}
	globs, err := tc.renderList("outputs", t.Outputs)
	if err != nil {
		return Result{}, err
	}
	for i, g := range globs {
		if _, err := compileGlob(g); err != nil {
			return Result{}, &PropError{Prop: fmt.Sprintf("outputs[%d]", i), Err: err}
		}
	}
	dir, err := workingFolder(tc)
	if err != nil {
		return Result{}, fmt.Errorf("working folder: %w", err)
	}
	if tc.WorkDir == nil {
		defer func() {
			if err := RemoveAll(dir); err != nil {
				tc.Log.Warnf("working folder not removed: %v", err)
			}
		}()
	}
	if err := writeInputFiles(tc, dir, inputs); err != nil {
		return Result{}, err
	}
	uris, err := keepOutputFiles(tc, dir, globs, "")
	return Result{Outputs: map[string]any{"uris": uris}}, err
}

// writeDef is Kestra's storage.Write task.
var writeDef = &Def{
	Type: "io.kestra.plugin.core.storage.Write",
	Doc:  "Store a rendered text as a file of the internal storage.",
	New:  func() Task { return &Write{} },
}

// Write stores its rendered content as a file of the internal storage.
type Write struct {
	Content   string `flow:"content,required" doc:"the text of the file, rendered"`
	Extension string `flow:"extension" doc:"the extension of the stored file's name (default .ion)"`
}

// Run stores the content and returns its URI.
func (t *Write) Run(ctx context.Context, tc *Context) (Result, error) {
	content, err := tc.render("content", t.Content)
	if err != nil {
		return Result{}, err
	}
	name, err := storedFileName(tc, t.Extension, ".ion")
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	uri, err := tc.Storage.Put(name, strings.NewReader(content))
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// concatDef is Kestra's storage.Concat task.
var concatDef = &Def{
	Type:    "io.kestra.plugin.core.storage.Concat",
	Aliases: []string{"io.kestra.core.tasks.storages.Concat"},
	Doc:     "Store the files of the internal storage one after another as one file.",
	New:     func() Task { return &Concat{} },
}

// Concat stores the concatenation of files of the internal storage.
type Concat struct {
	Files     any    `flow:"files,required" doc:"the kestra:// URIs to join, in order: a list, or a string rendering to a JSON array"`
	Separator string `flow:"separator" doc:"written after each file, rendered (default none)"`
	Extension string `flow:"extension" doc:"the extension of the stored file's name (default .tmp)"`
}

// Run joins the files and returns the URI of the result.
func (t *Concat) Run(ctx context.Context, tc *Context) (Result, error) {
	var list []string
	switch v := t.Files.(type) {
	case string:
		out, err := tc.render("files", v)
		if err != nil {
			return Result{}, err
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			return Result{}, &PropError{Prop: "files", Err: fmt.Errorf("expected a JSON array of kestra:// URIs, got %q: %v", CutRunes(out, 60), err)}
		}
	case []any:
		for i, item := range v {
			s, ok := item.(string)
			if !ok {
				return Result{}, &PropError{Prop: fmt.Sprintf("files[%d]", i), Err: fmt.Errorf("expected a kestra:// URI, got %T", item)}
			}
			out, err := tc.render(fmt.Sprintf("files[%d]", i), s)
			if err != nil {
				return Result{}, err
			}
			list = append(list, out)
		}
	default:
		return Result{}, &PropError{Prop: "files", Err: fmt.Errorf("Invalid `files` properties with type '%T' (give a list of kestra:// URIs)", t.Files)}
	}
	sep, err := tc.render("separator", t.Separator)
	if err != nil {
		return Result{}, err
	}
	name, err := storedFileName(tc, t.Extension, ".tmp")
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	tmp, err := createTemp(tc, "flowctl-concat-*")
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	for i, uri := range list {
		if err := appendFile(tc, tmp, uri); err != nil {
			return Result{}, &PropError{Prop: fmt.Sprintf("files[%d]", i), Err: err}
		}
		if t.Separator != "" {
			if _, err := io.WriteString(tmp, sep); err != nil {
				return Result{}, err
			}
		}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Result{}, err
	}
	uri, err := tc.Storage.Put(name, tmp)
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// appendFile copies the file at a kestra:// URI to the end of w.
func appendFile(tc *Context, w io.Writer, uri string) error {
	if tc.Storage == nil {
		return errNoStorage
	}
	r, err := tc.Storage.Open(uri)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// storedFileName is a fresh name for a file a task stores, ending with the rendered
// extension (def when none is given); a dot is added when the extension has none.
func storedFileName(tc *Context, extension, def string) (string, error) {
	ext := def
	if extension != "" {
		var err error
		if ext, err = tc.render("extension", extension); err != nil {
			return "", err
		}
		if strings.ContainsAny(ext, "/\\\x00") {
			return "", &PropError{Prop: "extension", Err: fmt.Errorf("%q: must not hold a slash", ext)}
		}
		if ext != "" && !strings.HasPrefix(ext, ".") {
			ext = "." + ext
		}
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return tc.TaskID + "-" + hex.EncodeToString(b) + ext, nil
}
