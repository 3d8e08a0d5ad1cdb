package templating

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Files is the internal storage as templates read it: read(), fileSize(), fileExists() and
// isFileEmpty() take kestra:// URIs. Open and Stat apply the storage's access rule (a file
// of another execution is refused); Stat's error wraps fs.ErrNotExist when there is no such
// file.
type Files interface {
	Open(uri string) (io.ReadCloser, error)
	Stat(uri string) (size int64, err error)
}

// storageScheme starts the URIs these functions take.
const storageScheme = "kestra:///"

// storageFuncs are the functions that read the internal storage.
func storageFuncs() []*funcDef {
	return []*funcDef{
		{name: "read", params: []string{"path"}, required: 1, call: readFunc},
		{name: "fileSize", params: []string{"path"}, required: 1, call: fileSizeFunc},
		{name: "fileExists", params: []string{"path"}, required: 1, call: fileExistsFunc},
		{name: "isFileEmpty", params: []string{"path"}, required: 1, call: isFileEmptyFunc},
	}
}

// errNoFiles is what the storage functions say where the caller gave no storage.
var errNoFiles = errors.New("the internal storage is not available here")

// storageURI checks the argument of a storage function: a kestra:/// URI. Only read() also
// takes a namespace file's path (see readFunc), as in Kestra.
func storageURI(c *evalCtx, fn string, arg any) (string, error) {
	s, ok := arg.(string)
	if !ok {
		return "", fmt.Errorf("Unable to read the file %s: %s expects an internal storage URI (kestra:///...)", describe(arg), fn)
	}
	if !strings.HasPrefix(s, storageScheme) {
		return "", fmt.Errorf("Unable to create the URI from the path %s: %s takes an internal storage URI (kestra:///...; fileURI('%s') gives a namespace file's)", s, fn, s)
	}
	if c.env == nil || c.env.Files == nil {
		return "", errNoFiles
	}
	return s, nil
}

// readPath turns read()'s argument into a URI: a kestra:/// URI as it is, any other text the
// path of a file of the flow's namespace, as Kestra's ReadFileFunction reads it.
func readPath(c *evalCtx, arg any) (string, error) {
	s, ok := arg.(string)
	if !ok || strings.HasPrefix(s, storageScheme) {
		return storageURI(c, "read", arg)
	}
	uri, err := fileURIFunc(c, []any{s})
	if err != nil {
		return "", err
	}
	if c.env == nil || c.env.Files == nil {
		return "", errNoFiles
	}
	return uri.(string), nil
}

// readFunc returns the content of a file as text (invalid UTF-8 replaced, as Java's decoder
// does), charged to the render's budget before it is read.
func readFunc(c *evalCtx, args []any) (any, error) {
	uri, err := readPath(c, args[0])
	if err != nil {
		return nil, err
	}
	size, err := c.env.Files.Stat(uri)
	if err != nil {
		return nil, err
	}
	if err := c.b.grow(int(min(size, 1<<40))); err != nil {
		return nil, err
	}
	rc, err := c.env.Files.Open(uri)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The file may have grown since Stat: what was charged is all that is read, plus one byte
	// to tell.
	b, err := io.ReadAll(io.LimitReader(rc, size+1))
	if err != nil {
		return nil, fmt.Errorf("Unable to read the file '%s': %v", uri, err)
	}
	if int64(len(b)) > size {
		return nil, fmt.Errorf("Unable to read the file '%s': it changed while being read", uri)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

// fileSizeFunc returns the size of a file in bytes.
func fileSizeFunc(c *evalCtx, args []any) (any, error) {
	uri, err := storageURI(c, "fileSize", args[0])
	if err != nil {
		return nil, err
	}
	size, err := c.env.Files.Stat(uri)
	if err != nil {
		return nil, err
	}
	return size, nil
}

// fileExistsFunc tells whether a file exists; a file the execution may not read is an error,
// not false.
func fileExistsFunc(c *evalCtx, args []any) (any, error) {
	uri, err := storageURI(c, "fileExists", args[0])
	if err != nil {
		return nil, err
	}
	_, err = c.env.Files.Stat(uri)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return nil, err
}

// isFileEmptyFunc tells whether a file holds nothing; a missing file is an error.
func isFileEmptyFunc(c *evalCtx, args []any) (any, error) {
	uri, err := storageURI(c, "isFileEmpty", args[0])
	if err != nil {
		return nil, err
	}
	size, err := c.env.Files.Stat(uri)
	if err != nil {
		return nil, err
	}
	return size == 0, nil
}
