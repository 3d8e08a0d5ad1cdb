package tasks

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flowctl/flowctl/templating"
)

// Shared by FilterItems and DeduplicateItems: Kestra reads their file of records one line
// at a time (one Ion value a line) and writes the lines it keeps as they were.

var errNoRenderVars = errors.New("rendering an expression on each record is not available here")

// itemLine is one record of a file of records.
type itemLine struct {
	text string         // as read, without its line terminator
	vars map[string]any // its fields, the variables its expression sees
	no   int            // line number, from 1
}

// forEachItem calls fn with each record of the file at uri. Blank lines are white space
// between Ion values, not records: they are skipped.
func forEachItem(tc *Context, uri string, fn func(it itemLine) error) error {
	src, err := tc.Storage.Open(uri)
	if err != nil {
		return &PropError{Prop: "from", Err: err}
	}
	defer src.Close()
	lr := newLineReader(src)
	for no := 1; ; no++ {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &PropError{Prop: "from", Err: err}
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		v, err := templating.ParseIonRecord(line)
		if err != nil {
			return &PropError{Prop: "from", Err: fmt.Errorf("line %d: %v", no, err)}
		}
		keys, m, ok := templating.AsMap(v)
		if !ok {
			return &PropError{Prop: "from", Err: fmt.Errorf("line %d: a record must be an Ion struct ({key: value, ...}), got %q", no, CutRunes(line, 60))}
		}
		vars := make(map[string]any, len(keys))
		for _, k := range keys {
			vars[k] = m[k]
		}
		if err := fn(itemLine{text: line, vars: vars, no: no}); err != nil {
			return err
		}
	}
}

// itemsWriter writes the kept records to a temporary .ion file, then stores it.
type itemsWriter struct {
	f *os.File
	w *bufio.Writer
}

func newItemsWriter(tc *Context, pattern string) (*itemsWriter, error) {
	f, err := createTemp(tc, pattern)
	if err != nil {
		return nil, err
	}
	return &itemsWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (iw *itemsWriter) write(line string) error {
	if _, err := iw.w.WriteString(line); err != nil {
		return err
	}
	return iw.w.WriteByte('\n')
}

// store flushes the file and stores it as a new .ion file of the task run.
func (iw *itemsWriter) store(tc *Context) (string, error) {
	if err := iw.w.Flush(); err != nil {
		return "", err
	}
	return storeTemp(tc, iw.f, ".ion")
}

func (iw *itemsWriter) close() {
	iw.f.Close()
	os.Remove(iw.f.Name())
}
