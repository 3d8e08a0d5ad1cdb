package runner

import (
	"io"

	"github.com/flowctl/flowctl/runner/storage"
)

// namespaces is the storage's namespace files as Kestra's namespace tasks use them: any
// namespace, by name (tasks.Namespaces).
type namespaces struct{ root *storage.Root }

func (n namespaces) NamespaceFilePaths(ns string) ([]string, error) {
	files, err := n.root.NamespaceFiles(ns)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out, nil
}

func (n namespaces) OpenNamespaceFileOf(ns, path string) (io.ReadCloser, error) {
	return n.root.OpenNamespaceFile(ns, path)
}

func (n namespaces) PutNamespaceFileOf(ns, path string, r io.Reader) error {
	_, err := n.root.PutNamespaceFile(ns, path, r)
	return err
}

func (n namespaces) DeleteNamespaceFileOf(ns, path string) (bool, error) {
	count, err := n.root.DeleteNamespaceFiles(ns, path)
	return count > 0, err
}
