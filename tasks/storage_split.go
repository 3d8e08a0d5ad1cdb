package tasks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// storageSplitDef is Kestra's storage.Split task.
var storageSplitDef = &Def{
	Type:    "io.kestra.plugin.core.storage.Split",
	Aliases: []string{"io.kestra.core.tasks.storages.Split"},
	Doc:     "Split a file of the internal storage into files by size, by number of rows, or into partitions.",
	New:     func() Task { return &StorageSplit{} },
}

// StorageSplit splits a file, line by line, into several files of the internal storage. One
// of bytes, partitions or rows says how; when several are given, bytes wins, then partitions,
// as in Kestra.
type StorageSplit struct {
	From       string `flow:"from,required" doc:"the kestra:// URI of the file to split, rendered"`
	Bytes      string `flow:"bytes" doc:"start a new file once one holds this many bytes: a number of bytes or a size such as 10MB or 200KB (1KB is 1024 bytes)"`
	Partitions string `flow:"partitions" doc:"split into this many files, the lines dealt round-robin; empty files are left out"`
	Rows       string `flow:"rows" doc:"the number of lines of each file"`
	Separator  string `flow:"separator" doc:"written after each line (default \\n)"`
}

// Run splits the file and returns the URIs of the parts, in order, as outputs.uris.
func (t *StorageSplit) Run(ctx context.Context, tc *Context) (Result, error) {
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
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	var (
		newFile func(bytes, rows int64) bool
		parts   int
	)
	switch {
	case t.Bytes != "":
		s, err := tc.render("bytes", t.Bytes)
		if err != nil {
			return Result{}, err
		}
		limit, err := readableBytes(s)
		if err != nil {
			return Result{}, &PropError{Prop: "bytes", Err: err}
		}
		newFile = func(bytes, _ int64) bool { return bytes >= limit }
	case t.Partitions != "":
		if parts, err = renderInt(tc, "partitions", t.Partitions); err != nil {
			return Result{}, err
		}
		if parts < 1 {
			return Result{}, &PropError{Prop: "partitions", Err: fmt.Errorf("%d: must be at least 1", parts)}
		}
	case t.Rows != "":
		rows, err := renderInt(tc, "rows", t.Rows)
		if err != nil {
			return Result{}, err
		}
		if rows < 1 {
			return Result{}, &PropError{Prop: "rows", Err: fmt.Errorf("%d: must be at least 1", rows)}
		}
		newFile = func(_, n int64) bool { return n >= int64(rows) }
	default:
		return Result{}, errors.New("Invalid configuration with no size, count, nor rows (give bytes, partitions or rows)")
	}
	src, err := tc.Storage.Open(from)
	if err != nil {
		return Result{}, &PropError{Prop: "from", Err: err}
	}
	defer src.Close()
	sp := &splitter{tc: tc, sep: sep}
	defer sp.cleanUp()
	if newFile != nil {
		err = sp.bySize(src, newFile)
	} else {
		err = sp.byPartition(src, parts)
	}
	if err != nil {
		return Result{}, err
	}
	ext := ".tmp"
	if e := path.Ext(from); e != "" {
		ext = e
	}
	uris := []any{}
	for _, f := range sp.files {
		if newFile == nil && f.n == 0 {
			continue
		}
		uri, err := storeTemp(tc, f.f, ext)
		if err != nil {
			return Result{}, err
		}
		uris = append(uris, uri)
	}
	return Result{Outputs: map[string]any{"uris": uris}}, nil
}

// splitFile is one part being written.
type splitFile struct {
	f *os.File
	w *bufio.Writer
	n int64 // bytes written
}

// splitter writes the parts of a split to temporary files.
type splitter struct {
	tc    *Context
	sep   string
	files []*splitFile
}

func (s *splitter) create() (*splitFile, error) {
	f, err := createTemp(s.tc, "flowctl-split-*")
	if err != nil {
		return nil, err
	}
	sf := &splitFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	s.files = append(s.files, sf)
	return sf, nil
}

func (s *splitter) write(sf *splitFile, line string) error {
	n, err := sf.w.WriteString(line)
	if err != nil {
		return err
	}
	m, err := sf.w.WriteString(s.sep)
	sf.n += int64(n + m)
	return err
}

// bySize starts a new part when newFile says so of the current one's bytes and rows, before
// writing a line: a part may exceed the size by its last line, as in Kestra.
func (s *splitter) bySize(r io.Reader, newFile func(bytes, rows int64) bool) error {
	lr := newLineReader(r)
	var cur *splitFile
	var rows int64
	for {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if cur == nil || newFile(cur.n, rows) {
			if cur, err = s.create(); err != nil {
				return err
			}
			rows = 0
		}
		if err := s.write(cur, line); err != nil {
			return err
		}
		rows++
	}
	return s.flush()
}

// byPartition deals the lines round-robin to n parts.
func (s *splitter) byPartition(r io.Reader, n int) error {
	for range n {
		if _, err := s.create(); err != nil {
			return err
		}
	}
	lr := newLineReader(r)
	for i := 0; ; i = (i + 1) % n {
		line, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := s.write(s.files[i], line); err != nil {
			return err
		}
	}
	return s.flush()
}

func (s *splitter) flush() error {
	for _, f := range s.files {
		if err := f.w.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func (s *splitter) cleanUp() {
	for _, f := range s.files {
		f.f.Close()
		os.Remove(f.f.Name())
	}
}

// storeTemp stores the temporary file f, from its start, as a new file of the task run.
func storeTemp(tc *Context, f *os.File, ext string) (string, error) {
	name, err := storedFileName(tc, "", ext)
	if err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return tc.Storage.Put(name, f)
}

// readableBytesRE is Micronaut's ReadableBytesTypeConverter pattern, which Kestra reads bytes
// with: a number followed by KB, MB or GB, any case; powers of 1024.
var readableBytesRE = regexp.MustCompile(`(?i)^([0-9]+)(kb|mb|gb)$`)

// readableBytes reads a size such as 10MB, 200KB or 1048576.
func readableBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	m := readableBytesRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("Invalid size with value '%s' (a number of bytes, or a number followed by KB, MB or GB)", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("Invalid size with value '%s' (a number of bytes, or a number followed by KB, MB or GB)", s)
	}
	switch strings.ToLower(m[2]) {
	case "kb":
		n <<= 10
	case "mb":
		n <<= 20
	case "gb":
		n <<= 30
	}
	return n, nil
}
