package flow

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowctl/flowctl/tasks"
)

// InputFile is Kestra's FILE input: a file handed to the execution through the internal
// storage. inputs.<id> is its kestra:// URI.
const InputFile = "FILE"

// FileInput is the value of a FILE input given as a local file, before the execution
// exists: the engine stores the file under .../executions/<id>/inputs/<input>/<name> and
// inputs.<id> becomes its URI. It is the file's absolute path.
type FileInput string

// parseFileInput reads the value of a FILE input: a kestra:/// URI, kept as it is (a file
// an earlier execution stored, which the storage's access rule still guards), or the path of
// a local file, written as is or after an @ (-i report=@./report.csv, as curl writes it).
func parseFileInput(s string) (any, error) {
	if tasks.IsStorageURI(s) {
		if !strings.HasPrefix(s, "kestra:///") {
			return nil, fmt.Errorf("%s is not a valid FILE: a kestra:// URI starts with kestra:/// (three slashes)", shown(s))
		}
		return s, nil
	}
	path := strings.TrimPrefix(s, "@")
	if path == "" {
		return nil, errors.New("is empty: expected the path of a file (-i NAME=@./file.csv) or a kestra:/// URI")
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s is not a readable file: %v", shown(path), err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file: give the path of a file", shown(path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not a readable file: %v", shown(path), errors.Unwrap(err))
	}
	f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", shown(path), err)
	}
	return FileInput(abs), nil
}

// fileDefault reads the defaults of a FILE input, which must be a kestra:/// URI: a local
// path in a flow file would tie the flow to one machine's files, and would be checked
// against wherever the flow is validated.
func fileDefault(d any) (any, error) {
	s, ok := d.(string)
	if !ok || !strings.HasPrefix(s, "kestra:///") {
		return nil, errors.New("a FILE input's default must be a kestra:/// URI; give a local file with -i NAME=@./file")
	}
	return s, nil
}

// fileDefaultsSchema is the schema of a FILE input's defaults.
func fileDefaultsSchema() obj {
	return obj{"type": "string", "pattern": "^kestra:///"}
}
