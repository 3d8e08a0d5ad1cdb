package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Execution is the storage as one execution sees it: it may read its own files and those of
// the execution that triggered it (a Subflow child reads its parent's), Kestra's rule.
type Execution struct {
	root    *Root
	prefix  string   // ExecutionPrefix of the execution
	allowed []string // prefixes of the executions whose files it may read, its own first
	segs    []string // path segments of the execution's folder
	ns      string   // the flow's namespace, whose namespace files it may read
	flowID  string
}

// Execution returns the storage of one execution.
func (r *Root) Execution(namespace, flowID, executionID string) *Execution {
	p := ExecutionPrefix(namespace, flowID, executionID)
	return &Execution{root: r, prefix: p, allowed: []string{p}, ns: namespace, flowID: flowID,
		segs: strings.Split(strings.Trim(strings.TrimPrefix(p, Scheme), "/"), "/")}
}

// AllowParent lets the execution read the files of the execution that triggered it
// (trigger.namespace, trigger.flowId, trigger.executionId). Empty values allow nothing.
func (x *Execution) AllowParent(namespace, flowID, executionID string) {
	if namespace == "" || flowID == "" || executionID == "" {
		return
	}
	x.allowed = append(x.allowed, ExecutionPrefix(namespace, flowID, executionID))
}

// Prefix returns the URI every file of the execution starts with.
func (x *Execution) Prefix() string { return x.prefix }

// check applies the access rule to uri and returns its segments.
func (x *Execution) check(uri string) ([]string, error) {
	segs, err := segments(uri)
	if err != nil {
		return nil, err
	}
	// Kestra compares the URI as written; the segments were checked above, so no "..",
	// escaped or not, climbs out of the prefix.
	// A namespace file of the flow's own namespace (fileURI's result) is readable too, as in
	// Kestra's later read(); another namespace's files are not.
	if isNamespaceFileOf(x.ns, uri) {
		return segs, nil
	}
	for _, p := range x.allowed {
		if strings.HasPrefix(uri, p) {
			return segs, nil
		}
	}
	return nil, fmt.Errorf("Unable to read the file '%s' as it didn't belong to the current execution", uri)
}

// Open opens the file at uri, when the execution may read it.
func (x *Execution) Open(uri string) (io.ReadCloser, error) {
	segs, err := x.check(uri)
	if err != nil {
		return nil, err
	}
	rc, err := x.root.openFile(uri, segs)
	if err != nil && isNamespaceFileOf(x.ns, uri) && errors.Is(err, fs.ErrNotExist) {
		return nil, nsNotFound(uri)
	}
	return rc, err
}

// Stat returns the size of the file at uri, when the execution may read it; the error wraps
// fs.ErrNotExist when there is no such file.
func (x *Execution) Stat(uri string) (int64, error) {
	segs, err := x.check(uri)
	if err != nil {
		return 0, err
	}
	size, err := x.root.statFile(uri, segs)
	if err != nil && isNamespaceFileOf(x.ns, uri) && errors.Is(err, fs.ErrNotExist) {
		return 0, nsNotFound(uri)
	}
	return size, err
}

// Namespace returns the namespace of the execution's flow.
func (x *Execution) Namespace() string { return x.ns }

// FlowID returns the id of the execution's flow.
func (x *Execution) FlowID() string { return x.flowID }

// Root returns the storage the execution's files are kept in.
func (x *Execution) Root() *Root { return x.root }

// PutInput stores the file of a FILE input: .../executions/<id>/inputs/<input>/<name>.
func (x *Execution) PutInput(input, name string, r io.Reader) (string, error) {
	return x.putUnder([]string{"inputs", input}, name, r)
}

// Task returns the storage of one task run: what it stores lands under
// .../executions/<id>/tasks/<task slug>/<taskRunID>/. It implements tasks.Storage.
func (x *Execution) Task(taskID, taskRunID string) *Task {
	return &Task{Execution: x, dir: []string{"tasks", Slug(taskID), taskRunID}}
}

// putUnder stores a file called name under the execution's folder, in the sub-folders dir.
func (x *Execution) putUnder(dir []string, name string, r io.Reader) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	segs := append(append(append([]string{}, x.segs...), dir...), name)
	uri := encode(segs)
	// The URI is made of checked parts; reading it back through segments checks the whole.
	if _, err := segments(uri); err != nil {
		return "", err
	}
	if err := x.root.put(segs, r); err != nil {
		return "", err
	}
	return uri, nil
}

// checkName refuses a file name that is not one plain base name.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("internal storage: invalid file name %q", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("internal storage: invalid file name %q: a base name, without / or \\", name)
	case strings.HasPrefix(name, tempPrefix):
		return fmt.Errorf("internal storage: invalid file name %q: %s starts the files being written", name, tempPrefix)
	}
	return nil
}

// Task is the storage as one task run sees it: Put stores under the run's own folder, Open
// and Stat follow the execution's rule.
type Task struct {
	*Execution
	dir []string
}

// Put stores what r yields as the file name of the task run and returns its URI. A file of
// that name stored before is replaced.
func (t *Task) Put(name string, r io.Reader) (string, error) {
	return t.putUnder(t.dir, name, r)
}

// ListNamespaceFiles returns the paths of the files of the flow's namespace, with a leading
// slash (tasks.NamespaceStore).
func (x *Execution) ListNamespaceFiles() ([]string, error) {
	files, err := x.root.NamespaceFiles(x.ns)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out, nil
}

// OpenNamespaceFile opens the file at path of the flow's namespace (tasks.NamespaceStore).
func (x *Execution) OpenNamespaceFile(path string) (io.ReadCloser, error) {
	return x.root.OpenNamespaceFile(x.ns, path)
}

// PutIn stores what r yields as the file name in the folder dir under the task run's own
// (Kestra's ForEachItem keeps each child's outputs in <run>/<iteration>/outputs.ion) and
// returns its URI.
func (t *Task) PutIn(dir, name string, r io.Reader) (string, error) {
	if err := checkName(dir); err != nil {
		return "", err
	}
	return t.putUnder(append(append([]string{}, t.dir...), dir), name, r)
}

// BaseURI returns the URI of the task run's folder, without a trailing slash: every file of
// the run starts with it (Kestra's context base URI).
func (t *Task) BaseURI() string {
	return encode(append(append([]string{}, t.Execution.segs...), t.dir...))
}
