package tasks

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// The serdes tasks (Kestra's plugin-serdes) turn a file of the internal storage into another
// one, a record at a time: they read from a kestra:// URI, write a temporary file, and
// store it. Kestra's record files are Ion text, one value a line.

// serdesRun is one conversion's files: the source, opened, and the temporary result.
type serdesRun struct {
	tc  *Context
	in  io.ReadCloser
	out *os.File
	w   *bufio.Writer
}

// openSerdes renders from, opens its file and makes the temporary result file.
func openSerdes(tc *Context, from string) (*serdesRun, error) {
	if tc.Storage == nil {
		return nil, errNoStorage
	}
	uri, err := tc.render("from", from)
	if err != nil {
		return nil, err
	}
	if !IsStorageURI(uri) {
		return nil, &PropError{Prop: "from", Err: fmt.Errorf("%q: expected a kestra:// URI of the internal storage (the output uri of a task before)", CutRunes(uri, 80))}
	}
	in, err := tc.Storage.Open(uri)
	if err != nil {
		return nil, &PropError{Prop: "from", Err: err}
	}
	out, err := createTemp(tc, "flowctl-serdes-*")
	if err != nil {
		in.Close()
		return nil, err
	}
	return &serdesRun{tc: tc, in: in, out: out, w: bufio.NewWriterSize(out, 64<<10)}, nil
}

// close releases the files; the temporary one is removed.
func (s *serdesRun) close() {
	s.in.Close()
	s.out.Close()
	os.Remove(s.out.Name())
}

// store stores the result under a fresh name ending with ext, and returns the outputs
// Kestra's serdes tasks have: uri and size, the count of records, also its records metric.
func (s *serdesRun) store(ext string, records int64) (Result, error) {
	if err := s.w.Flush(); err != nil {
		return Result{}, err
	}
	if _, err := s.out.Seek(0, io.SeekStart); err != nil {
		return Result{}, err
	}
	name, err := storedFileName(s.tc, "", ext)
	if err != nil {
		return Result{}, err
	}
	uri, err := s.tc.Storage.Put(name, s.out)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Outputs: map[string]any{"uri": uri, "size": records},
		Metrics: []Metric{{Name: "records", Type: "counter", Value: float64(records)}},
	}, nil
}

// charsetOf renders a charset property (default UTF-8) to its encoding, by IANA name as
// Java's Charset.forName takes it.
func charsetOf(tc *Context, raw string) (encoding.Encoding, bool, error) {
	name := "UTF-8"
	if raw != "" {
		var err error
		if name, err = tc.render("charset", raw); err != nil {
			return nil, false, err
		}
	}
	if strings.EqualFold(name, "UTF-8") || strings.EqualFold(name, "UTF8") {
		return unicode.UTF8, true, nil
	}
	enc, err := lookupCharset(name)
	if err != nil {
		return nil, false, &PropError{Prop: "charset", Err: err}
	}
	return enc, false, nil
}

// lookupCharset returns the encoding of the IANA charset name, as Java's Charset.forName
// takes it.
func lookupCharset(name string) (encoding.Encoding, error) {
	if strings.EqualFold(name, "UTF-8") || strings.EqualFold(name, "UTF8") {
		return unicode.UTF8, nil
	}
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("%q: not a charset flowctl knows (give an IANA name: UTF-8, ISO-8859-1, windows-1252, UTF-16...)", name)
	}
	return enc, nil
}

// oneChar reads a one-character property (Kestra's Character), def when unset.
func oneChar(tc *Context, prop, raw string, def rune) (rune, error) {
	if raw == "" {
		return def, nil
	}
	s, err := tc.render(prop, raw)
	if err != nil {
		return 0, err
	}
	r := []rune(s)
	if len(r) != 1 {
		return 0, &PropError{Prop: prop, Err: fmt.Errorf("%q: expected one character", s)}
	}
	if r[0] == '\n' || r[0] == '\r' {
		return 0, &PropError{Prop: prop, Err: errors.New("a line break cannot separate fields or delimit text")}
	}
	return r[0], nil
}

// boolProp is a boolean property's value, def when unset.
func boolProp(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}
