package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Namespaces is every namespace's files, for Kestra's namespace tasks (UploadFiles,
// DownloadFiles, DeleteFiles), which may name any namespace. Paths have a leading slash.
type Namespaces interface {
	NamespaceFilePaths(namespace string) ([]string, error)
	OpenNamespaceFileOf(namespace, path string) (io.ReadCloser, error)
	PutNamespaceFileOf(namespace, path string, r io.Reader) error
	DeleteNamespaceFileOf(namespace, path string) (bool, error)
}

// errNoNamespaces is what a namespace task says when the run has no storage.
var errNoNamespaces = errors.New("the namespace files are not available here")

// namespaceOf renders a namespace task's namespace, the flow's when none is given.
func (tc *Context) namespaceOf(tmpl string) (Namespaces, string, error) {
	if tc.Namespaces == nil {
		return nil, "", errNoNamespaces
	}
	if tmpl == "" {
		tmpl = "{{ flow.namespace }}"
	}
	ns, err := tc.render("namespace", tmpl)
	if err == nil && ns == "" {
		err = errors.New("namespace: is empty")
	}
	return tc.Namespaces, ns, err
}

// matchingNamespaceFiles renders files and returns the paths of namespace's files they
// match (Kestra's PathMatcherPredicate.matches), sorted.
func (tc *Context) matchingNamespaceFiles(nss Namespaces, ns string, files StringList) ([]string, error) {
	if len(files) == 0 {
		return nil, errors.New("files: give at least one glob or path")
	}
	patterns, err := tc.renderList("files", files)
	if err != nil {
		return nil, err
	}
	ms, err := pathMatchers("files", patterns, "")
	if err != nil {
		return nil, err
	}
	all, err := nss.NamespaceFilePaths(ns)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range all {
		if anyMatch(ms, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

var namespaceDownloadDef = &Def{
	Type: "io.kestra.plugin.core.namespace.DownloadFiles",
	Doc:  "Copy files of a namespace into the internal storage: outputs.files maps each path to its kestra:// URI.",
	New:  func() Task { return &DownloadFiles{} },
}

// DownloadFiles stores copies of a namespace's files as files of the task run.
type DownloadFiles struct {
	Namespace   string     `flow:"namespace,required" doc:"the namespace whose files to copy"`
	Files       StringList `flow:"files,required" doc:"a glob (or regex: expression) or a list of them, matched against the paths with a leading slash"`
	Destination string     `flow:"destination" doc:"a prefix of the stored files' names"`
}

// Run copies the matching files.
func (t *DownloadFiles) Run(ctx context.Context, tc *Context) (Result, error) {
	nss, ns, err := tc.namespaceOf(t.Namespace)
	if err != nil {
		return Result{}, err
	}
	dest, err := tc.render("destination", t.Destination)
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	paths, err := tc.matchingNamespaceFiles(nss, ns, t.Files)
	if err != nil {
		return Result{}, err
	}
	files := map[string]any{}
	for _, p := range paths {
		uri, err := downloadOne(tc, nss, ns, p, dest)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", p, err)
		}
		tc.Log.Log(LevelDebug, fmt.Sprintf("Downloaded %s", uri))
		files[p] = uri
	}
	return Result{Outputs: map[string]any{"files": files},
		Metrics: []Metric{{Name: "downloaded", Type: "counter", Value: float64(len(files))}}}, nil
}

// downloadOne stores the namespace file p; the stored name is made from destination and the
// path (a storage file has a base name), as outputFiles are named.
func downloadOne(tc *Context, nss Namespaces, ns, p, dest string) (string, error) {
	rc, err := nss.OpenNamespaceFileOf(ns, p)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	name := dest + strings.TrimPrefix(p, "/")
	return tc.Storage.Put(idFrom(name)+"-"+path.Base(name), rc)
}

var namespaceUploadDef = &Def{
	Type: "io.kestra.plugin.core.namespace.UploadFiles",
	Doc:  "Upload files of the working folder, or of the internal storage, as files of a namespace.",
	New:  func() Task { return &UploadFiles{} },
}

// UploadFiles writes files into a namespace.
type UploadFiles struct {
	Namespace   string     `flow:"namespace" doc:"the namespace to upload to (default: the flow's)"`
	Files       StringList `flow:"files" doc:"globs of files of the working folder (of a WorkingDirectory) to upload at their paths"`
	FilesMap    any        `flow:"filesMap" doc:"a mapping of namespace paths to kestra:// URIs, or a JSON object of them"`
	Destination string     `flow:"destination" doc:"the folder of the namespace to upload into (default /)"`
	Conflict    string     `flow:"conflict" enum:"OVERWRITE,ERROR,SKIP" doc:"what to do with a file already there: OVERWRITE (default), ERROR or SKIP"`
}

// Run uploads the files.
func (t *UploadFiles) Run(ctx context.Context, tc *Context) (Result, error) {
	nss, ns, err := tc.namespaceOf(t.Namespace)
	if err != nil {
		return Result{}, err
	}
	if t.Files == nil && t.FilesMap == nil {
		return Result{}, errors.New("files or filesMap is required")
	}
	dest := "/"
	if t.Destination != "" {
		if dest, err = tc.render("destination", t.Destination); err != nil {
			return Result{}, err
		}
	}
	if !strings.HasPrefix(dest, "/") {
		dest = "/" + dest
	}
	conflict := cmpOr(t.Conflict, "OVERWRITE")
	existing, err := nss.NamespaceFilePaths(ns)
	if err != nil {
		return Result{}, err
	}
	up := &uploader{tc: tc, nss: nss, ns: ns, conflict: conflict, existing: existing}
	if t.Files != nil {
		if err := up.workingFiles(t.Files, dest); err != nil {
			return Result{}, err
		}
	}
	if t.FilesMap != nil {
		if err := up.filesMap(t.FilesMap, dest); err != nil {
			return Result{}, err
		}
	}
	return Result{Outputs: map[string]any{}}, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// uploader puts files into one namespace under a conflict rule.
type uploader struct {
	tc       *Context
	nss      Namespaces
	ns       string
	conflict string
	existing []string
}

// put uploads what open gives as the namespace file p, unless the conflict rule says not to.
func (u *uploader) put(p string, open func() (io.ReadCloser, error)) error {
	p = "/" + strings.TrimPrefix(path.Clean("/"+p), "/")
	if slices.Contains(u.existing, p) {
		switch u.conflict {
		case "ERROR":
			return fmt.Errorf("File '%s' already exists in namespace '%s' and conflict is set to ERROR", strings.TrimPrefix(p, "/"), u.ns)
		case "SKIP":
			u.tc.Log.Log(LevelDebug, fmt.Sprintf("File '%s' already exists in namespace '%s' and conflict is set to SKIP. Skipping.", p, u.ns))
			return nil
		}
	}
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := u.nss.PutNamespaceFileOf(u.ns, p, rc); err != nil {
		return err
	}
	u.existing = append(u.existing, p)
	return nil
}

// workingFiles uploads the files of the working folder that globs match, at their paths
// under dest.
func (u *uploader) workingFiles(globs StringList, dest string) error {
	patterns, err := u.tc.renderList("files", globs)
	if err != nil {
		return err
	}
	dir, err := workingFolder(u.tc)
	if err != nil {
		return fmt.Errorf("working folder: %w", err)
	}
	if u.tc.WorkDir == nil {
		defer RemoveAll(dir)
	}
	rels, err := FindFilesMatching(dir, patterns)
	if err != nil {
		return &PropError{Prop: "files", Err: err}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, rel := range rels {
		open := func() (io.ReadCloser, error) { return root.Open(filepath.FromSlash(rel)) }
		if err := u.put(path.Join(dest, rel), open); err != nil {
			return fmt.Errorf("files: %s: %w", rel, err)
		}
	}
	return nil
}

// filesMap uploads the internal storage's files a mapping names, at dest + their key; a URI
// with no file is skipped, as in Kestra.
func (u *uploader) filesMap(raw any, dest string) error {
	if s, ok := raw.(string); ok {
		out, err := u.tc.render("filesMap", s)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			return &PropError{Prop: "filesMap", Err: fmt.Errorf("expected a JSON object of paths to kestra:// URIs: %v", err)}
		}
		raw = m
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return &PropError{Prop: "filesMap", Err: errors.New("filesMap must be a Map<String, String>")}
	}
	if u.tc.Storage == nil {
		return errNoStorage
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, ok := m[k].(string)
		if !ok {
			return &PropError{Prop: "filesMap", Err: errors.New("filesMap must be a Map<String, String>")}
		}
		uri, err := u.tc.render("filesMap."+k, v)
		if err != nil {
			return err
		}
		if _, err := u.tc.Storage.Stat(uri); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return &PropError{Prop: "filesMap." + k, Err: err}
		}
		open := func() (io.ReadCloser, error) { return u.tc.Storage.Open(uri) }
		if err := u.put(dest+k, open); err != nil {
			return fmt.Errorf("filesMap: %s: %w", k, err)
		}
	}
	return nil
}

var namespaceDeleteDef = &Def{
	Type: "io.kestra.plugin.core.namespace.DeleteFiles",
	Doc:  "Delete the files of a namespace that globs match.",
	New:  func() Task { return &DeleteFiles{} },
}

// DeleteFiles removes files of a namespace.
type DeleteFiles struct {
	Namespace string     `flow:"namespace,required" doc:"the namespace whose files to delete"`
	Files     StringList `flow:"files,required" doc:"a glob (or regex: expression) or a list of them, matched against the paths with a leading slash"`
}

// Run deletes the matching files.
func (t *DeleteFiles) Run(ctx context.Context, tc *Context) (Result, error) {
	nss, ns, err := tc.namespaceOf(t.Namespace)
	if err != nil {
		return Result{}, err
	}
	paths, err := tc.matchingNamespaceFiles(nss, ns, t.Files)
	if err != nil {
		return Result{}, err
	}
	n := 0
	for _, p := range paths {
		ok, err := nss.DeleteNamespaceFileOf(ns, p)
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", p, err)
		}
		if ok {
			tc.Log.Log(LevelDebug, fmt.Sprintf("Deleted %s", p))
			n++
		}
	}
	return Result{Outputs: map[string]any{},
		Metrics: []Metric{{Name: "deleted", Type: "counter", Value: float64(n)}}}, nil
}
