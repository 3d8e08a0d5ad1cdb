package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// Namespace files are the files a namespace keeps for its flows (Kestra's "Namespace
// Files"): scripts, SQL, configuration. They live at
//
//	kestra:///<namespace with dots as slashes>/_files/<path>
//
// and are named by their path from the namespace's root, written with a leading slash as
// Kestra lists them ("/scripts/etl.py"). As in Kestra's open-source edition, a namespace
// sees only its own files: nothing is inherited from a parent namespace.

// filesDir is the folder of a namespace's files, Kestra's "_files".
const filesDir = "_files"

// NamespaceFile is one file of a namespace.
type NamespaceFile struct {
	// Path is the file's path in the namespace, with a leading slash: "/a/b.txt".
	Path string `json:"path"`
	// URI is its kestra:// URI, what fileURI() gives.
	URI      string    `json:"uri"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"updated"`
}

// NamespaceFilesPrefix returns the URI every file of a namespace starts with, ending with a
// slash (StorageContext.namespaceFilePrefix in Kestra).
func NamespaceFilesPrefix(namespace string) string {
	return Scheme + "/" + strings.ReplaceAll(namespace, ".", "/") + "/" + filesDir + "/"
}

// namespaceSegs returns the path segments of a namespace's files folder, refusing a
// namespace that could name anything else.
func namespaceSegs(namespace string) ([]string, error) {
	if namespace == "" || strings.ContainsAny(namespace, "/\\\x00") {
		return nil, fmt.Errorf("invalid namespace %q", namespace)
	}
	segs := append(strings.Split(namespace, "."), filesDir)
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil, fmt.Errorf("invalid namespace %q", namespace)
		}
	}
	return segs, nil
}

// CleanNamespacePath reads a namespace file's path as Kestra does (NamespaceFile.of): a
// leading "./" or slash is dropped, "a//b" and "a/./b" are "a/b" (a dot file keeps its dot,
// where Kestra drops it). It refuses ".." (a path that
// would leave the namespace) and an empty path. The result has no leading slash.
func CleanNamespacePath(p string) (string, error) {
	orig := p
	p = strings.ReplaceAll(p, "\\", "/")
	for _, s := range strings.Split(p, "/") {
		if s == ".." {
			return "", fmt.Errorf("invalid namespace file path %q: .. is not allowed", orig)
		}
		if strings.ContainsRune(s, 0) {
			return "", fmt.Errorf("invalid namespace file path %q: NUL is not allowed", orig)
		}
	}
	p = path.Clean("/" + p)[1:]
	if p == "" {
		return "", fmt.Errorf("invalid namespace file path %q: empty", orig)
	}
	return p, nil
}

// nsFile returns the segments of the file at p of namespace, and its URI.
func nsFile(namespace, p string) ([]string, string, error) {
	segs, err := namespaceSegs(namespace)
	if err != nil {
		return nil, "", err
	}
	clean, err := CleanNamespacePath(p)
	if err != nil {
		return nil, "", err
	}
	for _, s := range strings.Split(clean, "/") {
		if strings.HasPrefix(s, tempPrefix) {
			return nil, "", fmt.Errorf("invalid namespace file path %q: %s starts the files being written", p, tempPrefix)
		}
		segs = append(segs, s)
	}
	return segs, encode(segs), nil
}

// PutNamespaceFile stores what src yields as the file at p of namespace, replacing the file
// stored there before, and returns it.
func (r *Root) PutNamespaceFile(namespace, p string, src io.Reader) (NamespaceFile, error) {
	segs, uri, err := nsFile(namespace, p)
	if err != nil {
		return NamespaceFile{}, err
	}
	if err := r.put(segs, src); err != nil {
		return NamespaceFile{}, err
	}
	size, err := r.statFile(uri, segs)
	if err != nil {
		return NamespaceFile{}, err
	}
	nsLen := len(mustNS(namespace))
	return NamespaceFile{Path: "/" + path.Join(segs[nsLen:]...), URI: uri, Size: size, Modified: time.Now()}, nil
}

// mustNS is namespaceSegs for a namespace already checked.
func mustNS(namespace string) []string {
	segs, _ := namespaceSegs(namespace)
	return segs
}

// OpenNamespaceFile opens the file at p of namespace. A missing file is Kestra's
// FileNotFoundException, worded as Java words it, and wraps fs.ErrNotExist.
func (r *Root) OpenNamespaceFile(namespace, p string) (io.ReadCloser, error) {
	segs, uri, err := nsFile(namespace, p)
	if err != nil {
		return nil, err
	}
	rc, err := r.openFile(uri, segs)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nsNotFound(uri)
	}
	return rc, err
}

// StatNamespaceFile returns the size of the file at p of namespace.
func (r *Root) StatNamespaceFile(namespace, p string) (int64, error) {
	segs, uri, err := nsFile(namespace, p)
	if err != nil {
		return 0, err
	}
	size, err := r.statFile(uri, segs)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nsNotFound(uri)
	}
	return size, err
}

// nsNotFound is the error of a namespace file that is not there: Java's
// FileNotFoundException message, with the URI where Kestra names its local path.
func nsNotFound(uri string) error {
	return missingError(uri + " (No such file or directory)")
}

// missingError is the error of a file that is not there, worded in full: it is
// fs.ErrNotExist without saying so twice.
type missingError string

func (e missingError) Error() string { return string(e) }
func (e missingError) Unwrap() error { return fs.ErrNotExist }

// NamespaceFiles lists the files of a namespace, sorted by path. A namespace without files
// has none, and is no error.
func (r *Root) NamespaceFiles(namespace string) ([]NamespaceFile, error) {
	segs, err := namespaceSegs(namespace)
	if err != nil {
		return nil, err
	}
	root, err := r.open()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	base := rel(segs)
	var files []NamespaceFile
	err = fs.WalkDir(root.FS(), base, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == base {
			return fs.SkipAll
		}
		if err != nil || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, NamespaceFile{
			Path:     strings.TrimPrefix(p, base),
			URI:      encode(strings.Split(p, "/")),
			Size:     info.Size(),
			Modified: info.ModTime(),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("internal storage: files of namespace %s: %w", namespace, err)
	}
	slices.SortFunc(files, func(a, b NamespaceFile) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// DeleteNamespaceFiles removes the file at p of namespace, or the folder at p and every file
// under it, and returns how many files went. "/" (or "") removes every file of the namespace.
func (r *Root) DeleteNamespaceFiles(namespace, p string) (int, error) {
	segs, err := namespaceSegs(namespace)
	if err != nil {
		return 0, err
	}
	if strings.Trim(p, "./") != "" {
		if segs, _, err = nsFile(namespace, p); err != nil {
			return 0, err
		}
	}
	root, err := r.open()
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer root.Close()
	target := rel(segs)
	n := 0
	err = fs.WalkDir(root.FS(), target, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), tempPrefix) {
			n++
		}
		return err
	})
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("internal storage: %w", err)
	}
	if err := root.RemoveAll(target); err != nil {
		return 0, fmt.Errorf("internal storage: %w", err)
	}
	return n, nil
}

// isNamespaceFileOf reports whether uri names a file of namespace's files.
func isNamespaceFileOf(namespace, uri string) bool {
	return namespace != "" && strings.HasPrefix(uri, NamespaceFilesPrefix(namespace))
}

// statModTime returns the modification time of the regular file at segs.
func (r *Root) statModTime(segs []string) (time.Time, bool) {
	root, err := r.open()
	if err != nil {
		return time.Time{}, false
	}
	defer root.Close()
	st, err := root.Stat(rel(segs))
	if err != nil || !st.Mode().IsRegular() {
		return time.Time{}, false
	}
	return st.ModTime(), true
}

// removeFile removes the file at segs; one not there is no error.
func (r *Root) removeFile(segs []string) error {
	root, err := r.open()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(rel(segs)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("internal storage: %w", err)
	}
	return nil
}
