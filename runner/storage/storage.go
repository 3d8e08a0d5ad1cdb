// Package storage is Kestra's internal storage on one machine: the files an execution's
// tasks hand each other, named by kestra:// URIs and kept in a folder beside the state file.
//
// A URI maps to a path under the folder segment by segment, as Kestra lays out its own
// storage:
//
//	kestra:///<namespace with dots as slashes>/<flow>/executions/<execution>/tasks/<task>/<taskrun>/<file>
//	kestra:///<namespace with dots as slashes>/<flow>/executions/<execution>/inputs/<input>/<file>
//
// Flow and task ids are slugified (Slug) as Kestra does. The package imports nothing of
// flowctl's: the engine makes one Execution per execution and lends each task run its Task.
package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
)

// Scheme is what every internal storage URI starts with.
const Scheme = "kestra://"

// Root is the internal storage of one state: the folder that holds every execution's files.
// It is made on the first file stored (mode 0700), and files are written 0600: they may
// hold what the flows handled, which is nobody else's to read.
type Root struct {
	dir string
}

// New returns the storage kept in dir.
func New(dir string) *Root { return &Root{dir: dir} }

// ForState returns the storage of the state file at statePath: the folder
// <statePath>.storage beside it.
func ForState(statePath string) *Root { return New(statePath + ".storage") }

// Dir returns the folder the files live in.
func (r *Root) Dir() string { return r.dir }

// ExecutionPrefix returns the URI every file of an execution starts with, ending with a
// slash: Kestra's test for a file that belongs to an execution.
func ExecutionPrefix(namespace, flowID, executionID string) string {
	return Scheme + "/" + strings.ReplaceAll(namespace, ".", "/") + "/" + Slug(flowID) + "/executions/" + executionID + "/"
}

// Slug is Kestra's Slugify.of: white space becomes '-', anything but ASCII letters, digits,
// '_' and '-' is dropped, '_' becomes '-', runs of '-' become one, leading and trailing '-'
// go, and the result is lower-cased. (Kestra also strips accents first; flow and task ids
// are ASCII, so that step has nothing to do here.)
func Slug(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '_' || c == '-':
			b.WriteByte('-')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteRune(c + 'a' - 'A')
		}
	}
	out := b.String()
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	return strings.Trim(out, "-")
}

// File is one stored file: its URI and its size in bytes.
type File struct {
	URI  string
	Size int64
}

// segments checks uri and returns its path segments, decoded. It refuses what could name
// something outside the storage folder or be read two ways: another scheme, a host, a query,
// empty, "." or ".." segments, and segments hiding a slash or a NUL.
func segments(uri string) ([]string, error) {
	rest, ok := strings.CutPrefix(uri, Scheme)
	if !ok {
		if !strings.Contains(uri, "://") {
			return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s'", uri)
		}
		return nil, fmt.Errorf("Invalid internal storage scheme, got uri '%s'", uri)
	}
	if !strings.HasPrefix(rest, "/") {
		return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s': it starts with kestra:/// (three slashes)", uri)
	}
	if strings.ContainsAny(rest, "?#") {
		return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s': no query or fragment", uri)
	}
	raw := strings.Split(rest[1:], "/")
	segs := make([]string, len(raw))
	for i, s := range raw {
		d, err := url.PathUnescape(s)
		switch {
		case err != nil:
			return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s': %v", uri, err)
		case d == "" || d == "." || d == "..":
			return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s': empty, . and .. segments are not allowed", uri)
		case strings.ContainsAny(d, "/\x00"):
			return nil, fmt.Errorf("Invalid internal storage uri, got uri '%s': a segment may not hold a slash or a NUL", uri)
		}
		segs[i] = d
	}
	return segs, nil
}

// encode writes segs back as a URI, each segment escaped as a URI path segment.
func encode(segs []string) string {
	var b strings.Builder
	b.WriteString(Scheme)
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// rel returns the path under the storage folder of segs ("a/b/c"). The segments were
// checked: none is empty, ".", ".." or holds a slash.
func rel(segs []string) string { return path.Join(segs...) }

// open opens the storage folder as an os.Root: every path below is resolved inside it, so
// neither ".." nor a symbolic link leads out. A folder not there yet holds no file.
func (r *Root) open() (*os.Root, error) {
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fs.ErrNotExist
		}
		return nil, fmt.Errorf("internal storage: %w", err)
	}
	return root, nil
}

// OpenURI opens the file at uri, whatever execution it belongs to: for a person who holds the
// state (flowctl storage get), not for tasks (see Execution.Open).
func (r *Root) OpenURI(uri string) (io.ReadCloser, error) {
	segs, err := segments(uri)
	if err != nil {
		return nil, err
	}
	return r.openFile(uri, segs)
}

func (r *Root) openFile(uri string, segs []string) (io.ReadCloser, error) {
	root, err := r.open()
	if err != nil {
		return nil, notFound(uri, err)
	}
	defer root.Close()
	f, err := root.Open(rel(segs))
	if err != nil {
		return nil, notFound(uri, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, notFound(uri, fs.ErrNotExist)
	}
	return f, nil
}

func (r *Root) statFile(uri string, segs []string) (int64, error) {
	root, err := r.open()
	if err != nil {
		return 0, notFound(uri, err)
	}
	defer root.Close()
	st, err := root.Stat(rel(segs))
	if err != nil {
		return 0, notFound(uri, err)
	}
	if !st.Mode().IsRegular() {
		return 0, notFound(uri, fs.ErrNotExist)
	}
	return st.Size(), nil
}

// notFound words the error of a file that cannot be read. It wraps fs.ErrNotExist when there
// is no such file; a link leading out of the storage counts as none.
func notFound(uri string, err error) error {
	var pe *fs.PathError
	if errors.Is(err, fs.ErrNotExist) || errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes") {
		return fmt.Errorf("the file '%s' does not exist in the internal storage: %w", uri, fs.ErrNotExist)
	}
	if errors.As(err, &pe) {
		err = pe.Err // the path is the storage's own, the URI says more
	}
	return fmt.Errorf("the file '%s' cannot be read: %w", uri, err)
}

// put stores what src yields at segs, through a temporary file renamed into place: a reader
// never sees half a file, and of two Puts of one name the last one wins whole.
func (r *Root) put(segs []string, src io.Reader) (err error) {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return fmt.Errorf("internal storage: %w", err)
	}
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return fmt.Errorf("internal storage: %w", err)
	}
	defer root.Close()
	dir := path.Join(segs[:len(segs)-1]...)
	if err := root.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("internal storage: %w", err)
	}
	tmp, f, err := createTemp(root, dir)
	if err != nil {
		return fmt.Errorf("internal storage: %w", err)
	}
	defer func() {
		if err != nil {
			root.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return writeError(r.dir, encode(segs), n, err)
	}
	if err := root.Rename(tmp, rel(segs)); err != nil {
		return fmt.Errorf("internal storage: %w", err)
	}
	return nil
}

// writeError words a write of the file at uri that failed after written bytes. The path of
// the temporary file says nothing to the user and goes; the URI says which file it was. A
// full disk or a file size limit gets a hint, as it is the machine, not the flow, to fix.
func writeError(dir, uri string, written int64, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var se *os.SyscallError // copy_file_range's, when the source is a file
	if errors.As(err, &se) {
		err = se.Err
	}
	hint := ""
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		hint = fmt.Sprintf(" (the disk holding %s is full: free space there, or keep the state, and its storage, on another disk with --state)", dir)
	case errors.Is(err, syscall.EFBIG):
		hint = " (the file size limit of the process is reached: see ulimit -f)"
	}
	return fmt.Errorf("internal storage: writing %s stopped after %d bytes: %w%s", uri, written, err, hint)
}

// tempPrefix starts the names of files being written; List leaves them out, and Put refuses
// it for a file name.
const tempPrefix = ".put-"

// createTemp creates a new file in dir of root for put to write and rename.
func createTemp(root *os.Root, dir string) (string, *os.File, error) {
	for i := 0; ; i++ {
		name := path.Join(dir, fmt.Sprintf("%s%d-%d", tempPrefix, os.Getpid(), rand.Uint64()))
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			return name, f, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			return "", nil, err
		}
	}
}

// RemoveExecution removes every file of an execution. An execution that stored nothing is
// no error.
func (r *Root) RemoveExecution(namespace, flowID, executionID string) error {
	segs, err := segments(strings.TrimSuffix(ExecutionPrefix(namespace, flowID, executionID), "/"))
	if err != nil {
		return err
	}
	root, err := r.open()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.RemoveAll(rel(segs)); err != nil {
		return fmt.Errorf("internal storage: files of execution %s: %w", executionID, err)
	}
	return nil
}

// List returns the files of an execution, sorted by URI.
func (r *Root) List(namespace, flowID, executionID string) ([]File, error) {
	prefix := ExecutionPrefix(namespace, flowID, executionID)
	segs, err := segments(strings.TrimSuffix(prefix, "/"))
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
	var files []File
	err = fs.WalkDir(root.FS(), rel(segs), func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == rel(segs) {
			return fs.SkipAll
		}
		if err != nil || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), tempPrefix) {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, File{URI: encode(strings.Split(p, "/")), Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("internal storage: files of execution %s: %w", executionID, err)
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.URI, b.URI) })
	return files, nil
}
