package tasks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// storageReverseDef is Kestra's storage.Reverse task.
var storageReverseDef = &Def{
	Type:    "io.kestra.plugin.core.storage.Reverse",
	Aliases: []string{"io.kestra.core.tasks.storages.Reverse"},
	Doc:     "Store the lines of a file of the internal storage in reverse order.",
	New:     func() Task { return &StorageReverse{} },
}

// StorageReverse stores a file's lines last first.
type StorageReverse struct {
	From      string `flow:"from,required" doc:"the kestra:// URI of the file, rendered"`
	Separator string `flow:"separator" doc:"written after each line (default \\n)"`
	Charset   string `flow:"charset" doc:"the file's charset: UTF-8 (default), US-ASCII or ISO-8859-1"`
}

// Run stores the reversed file and returns its URI as outputs.uri; the file keeps the
// extension of the one it reverses.
func (t *StorageReverse) Run(ctx context.Context, tc *Context) (Result, error) {
	from, err := tc.render("from", t.From)
	if err != nil {
		return Result{}, err
	}
	sep := "\n"
	if t.Separator != "" {
		if sep, err = tc.render("separator", t.Separator); err != nil {
			return Result{}, err
		}
	}
	if t.Charset != "" {
		cs, err := tc.render("charset", t.Charset)
		if err != nil {
			return Result{}, err
		}
		// The lines are bytes between terminators, the same in every charset that
		// extends ASCII; the separator is written as UTF-8, so it must be ASCII in the others.
		switch strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(cs), "_", "-")) {
		case "UTF-8", "UTF8":
		case "US-ASCII", "ASCII", "ISO-8859-1", "LATIN1":
			for _, r := range sep {
				if r > 127 {
					return Result{}, &PropError{Prop: "separator", Err: fmt.Errorf("%q cannot be written in %s: use an ASCII separator", sep, cs)}
				}
			}
		default:
			return Result{}, &PropError{Prop: "charset", Err: fmt.Errorf("%q is not supported (UTF-8, US-ASCII or ISO-8859-1)", cs)}
		}
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	src, err := tc.Storage.Open(from)
	if err != nil {
		return Result{}, &PropError{Prop: "from", Err: err}
	}
	defer src.Close()
	// The lines' bytes on disk, terminators left out, and each line's place there, read back last line first: the memory
	// taken is two numbers a line, not the file.
	orig, err := createTemp(tc, "flowctl-reverse-*")
	if err != nil {
		return Result{}, err
	}
	defer removeTemp(orig.Name(), orig)
	type span struct{ off, len int64 }
	var lines []span
	w := bufio.NewWriterSize(orig, 64<<10)
	lr := newLineReader(src)
	var off int64
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, &PropError{Prop: "from", Err: err}
		}
		if _, err := w.WriteString(line); err != nil {
			return Result{}, err
		}
		lines = append(lines, span{off, int64(len(line))})
		off += int64(len(line))
	}
	if err := w.Flush(); err != nil {
		return Result{}, err
	}
	out, err := createTemp(tc, "flowctl-reverse-*")
	if err != nil {
		return Result{}, err
	}
	defer removeTemp(out.Name(), out)
	ow := bufio.NewWriterSize(out, 64<<10)
	var buf []byte
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if int64(cap(buf)) < l.len {
			buf = make([]byte, l.len)
		}
		buf = buf[:l.len]
		if _, err := orig.ReadAt(buf, l.off); err != nil {
			return Result{}, err
		}
		ow.Write(buf)
		if _, err := ow.WriteString(sep); err != nil {
			return Result{}, err
		}
	}
	if err := ow.Flush(); err != nil {
		return Result{}, err
	}
	uri, err := storeTemp(tc, out, path.Ext(from))
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// removeTemp closes and removes a temporary file.
func removeTemp(name string, c io.Closer) {
	c.Close()
	os.Remove(name)
}
