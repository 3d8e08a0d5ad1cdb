package tasks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/flowctl/flowctl/templating"
)

// csvToIonDef is Kestra's serdes.csv.CsvToIon.
var csvToIonDef = &Def{
	Type:        "io.kestra.plugin.serdes.csv.CsvToIon",
	Aliases:     []string{"io.kestra.plugin.serdes.csv.CsvReader"},
	Doc:         "Read a CSV file of the internal storage into an Ion file of records, streamed: outputs.ID.uri, and size, the count of records.",
	New:         func() Task { return &CsvToIon{} },
	Unsupported: []string{"errorOnDifferentFieldCount"},
}

// CsvToIon reads a CSV file into Ion records: a struct of the header's names to the text of
// the fields, or a list of the fields when there is no header. `\N` is null.
type CsvToIon struct {
	From                             string `flow:"from,required" doc:"the kestra:// URI of the CSV file"`
	Header                           *bool  `flow:"header" doc:"the first line names the columns (default true)"`
	FieldSeparator                   string `flow:"fieldSeparator" doc:"the character between fields (default ,)"`
	TextDelimiter                    string `flow:"textDelimiter" doc:"the character quoting a field (default \")"`
	SkipEmptyRows                    bool   `flow:"skipEmptyRows" doc:"skip empty lines (default false: an empty line is a record of one empty field)"`
	OnBadLines                       string `flow:"onBadLines" enum:"ERROR,WARN,SKIP" doc:"a line of another field count than the header, or that cannot be read: fail (ERROR, the default), skip it with a warning (WARN), or skip it (SKIP)"`
	OnEmptyHeader                    string `flow:"onEmptyHeader" enum:"DROP,RENAME" doc:"columns with an empty name: drop the trailing ones (DROP, the default) or name them col_0, col_1... (RENAME)"`
	SkipRows                         int    `flow:"skipRows" doc:"how many records to skip after the header (default 0)"`
	Charset                          string `flow:"charset" doc:"the file's charset (default UTF-8; a UTF-8 byte-order mark is dropped)"`
	AllowExtraCharsAfterClosingQuote bool   `flow:"allowExtraCharsAfterClosingQuote" doc:"keep characters after a closing quote rather than fail (default false)"`
	MaxBufferSize                    *int64 `flow:"maxBufferSize" doc:"the longest record, in characters (default 16777216); a longer one is a bad line"`
	MaxFieldSize                     *int64 `flow:"maxFieldSize" doc:"the longest field, in characters (default 16777216); a longer one is a bad line"`
}

// csvDefaultMax is Kestra's default largest record and field: 16 Mi characters.
const csvDefaultMax = 16 * 1024 * 1024

// Run converts the file, a line at a time.
func (t *CsvToIon) Run(ctx context.Context, tc *Context) (Result, error) {
	sep, err := oneChar(tc, "fieldSeparator", t.FieldSeparator, ',')
	if err != nil {
		return Result{}, err
	}
	quote, err := oneChar(tc, "textDelimiter", t.TextDelimiter, '"')
	if err != nil {
		return Result{}, err
	}
	enc, utf8, err := charsetOf(tc, t.Charset)
	if err != nil {
		return Result{}, err
	}
	onBad := strings.ToUpper(t.OnBadLines)
	if onBad == "" {
		onBad = "ERROR"
	}
	if t.SkipRows < 0 {
		return Result{}, &PropError{Prop: "skipRows", Err: fmt.Errorf("%d: cannot be negative", t.SkipRows)}
	}
	s, err := openSerdes(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	var src io.Reader = s.in
	if utf8 {
		src = transform.NewReader(src, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	} else {
		src = transform.NewReader(src, enc.NewDecoder())
	}
	r := &csvReader{r: bufio.NewReaderSize(src, 64<<10), sep: sep, quote: quote, extra: t.AllowExtraCharsAfterClosingQuote,
		maxRecord: csvDefaultMax, maxField: csvDefaultMax}
	for _, m := range []struct {
		prop string
		v    *int64
		dst  *int64
	}{{"maxBufferSize", t.MaxBufferSize, &r.maxRecord}, {"maxFieldSize", t.MaxFieldSize, &r.maxField}} {
		if m.v != nil {
			if *m.v < 1 {
				return Result{}, &PropError{Prop: m.prop, Err: fmt.Errorf("%d: must be 1 or more", *m.v)}
			}
			*m.dst = *m.v
		}
	}
	header := boolProp(t.Header, true)

	var names []string
	kept := 0
	skipped := 0
	var records int64
	bad := func(msg string) error {
		switch onBad {
		case "WARN":
			tc.Log.Warnf("Bad line encountered (skipped): %s", msg)
		case "SKIP":
		default:
			return errors.New(msg)
		}
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, context.Cause(ctx)
		}
		fields, line, err := r.record()
		if err == io.EOF {
			break
		}
		var perr *csvParseError
		if errors.As(err, &perr) {
			if err := bad(perr.Error()); err != nil {
				return Result{}, err
			}
			continue
		}
		if err != nil {
			return Result{}, err
		}
		if fields == nil && t.SkipEmptyRows {
			continue
		}
		if fields == nil {
			fields = []string{""}
		}
		if header && line == 1 {
			names, kept = csvHeader(tc, fields, strings.ToUpper(t.OnEmptyHeader) == "RENAME")
			continue
		}
		if skipped < t.SkipRows {
			skipped++
			continue
		}
		var rec any
		if header {
			if len(fields) != len(names) {
				msg := fmt.Sprintf("Bad line encountered (field count mismatch): Expected %d, got %d fields.", len(names), len(fields))
				if onBad == "WARN" {
					tc.Log.Warnf("%s", msg)
				} else if onBad == "ERROR" {
					return Result{}, errors.New(msg)
				}
				continue
			}
			m := templating.NewMap(kept)
			for i := 0; i < kept; i++ {
				m.Set(names[i], csvValue(fields[i]))
			}
			rec = m
		} else {
			list := make([]any, len(fields))
			for i, f := range fields {
				list[i] = csvValue(f)
			}
			rec = list
		}
		if err := templating.WriteIonRecord(s.w, rec); err != nil {
			return Result{}, err
		}
		records++
	}
	return s.store(".ion", records)
}

// csvValue is a field's value: `\N` is null, as Kestra reads it.
func csvValue(f string) any {
	if f == `\N` {
		return nil
	}
	return f
}

// csvHeader names the columns and returns how many a record keeps, as Kestra does: RENAME
// names every unnamed column col_<i>; DROP drops the trailing unnamed ones (keeping one).
func csvHeader(tc *Context, names []string, rename bool) ([]string, int) {
	names = append([]string(nil), names...)
	if rename {
		taken := map[string]bool{}
		for _, n := range names {
			taken[n] = true
		}
		for i, n := range names {
			if n != "" {
				continue
			}
			for attempt := 1; ; attempt++ {
				c := fmt.Sprintf("col_%d", i)
				if attempt > 1 {
					c = fmt.Sprintf("col_%d_%d", i, attempt)
				}
				if !taken[c] {
					taken[c] = true
					names[i] = c
					break
				}
			}
		}
		return names, len(names)
	}
	kept := len(names)
	for kept > 1 && names[kept-1] == "" {
		kept--
	}
	if kept < len(names) {
		tc.Log.Warnf("Dropped %d trailing unnamed header column(s); their values are not emitted. Set onEmptyHeader=RENAME to keep them.", len(names)-kept)
	}
	distinct := map[string]bool{}
	for _, n := range names[:kept] {
		distinct[n] = true
	}
	if len(distinct) < kept {
		tc.Log.Warnf("Header has %d duplicate or empty column name(s) among the kept columns. Colliding columns share one output key and only the last value is kept. Set onEmptyHeader=RENAME to keep every column.", kept-len(distinct))
	}
	return names, kept
}

// csvParseError is a line that cannot be read as CSV; onBadLines decides.
type csvParseError struct {
	line int
	msg  string
}

func (e *csvParseError) Error() string {
	return fmt.Sprintf("line %d: %s", e.line, e.msg)
}

// csvReader reads CSV records as Kestra's reader (FastCSV) does: a field is quoted only when
// it starts with the quote character, where a doubled quote is one; a line ends with \n,
// \r\n or \r; an empty line is a record of no field (nil).
type csvReader struct {
	r     *bufio.Reader
	sep   rune
	quote rune
	extra bool // keep what follows a closing quote
	line  int  // lines read
	field fieldBuf
	// maxRecord and maxField bound what one record holds in memory, in characters.
	maxRecord, maxField int64
	size, fieldLen      int64  // characters of the record and of the field so far
	tooBig              string // why the record is over a limit
}

// fieldBuf holds the field being read, its memory kept from one field to the next.
type fieldBuf struct{ b []byte }

func (f *fieldBuf) reset()         { f.b = f.b[:0] }
func (f *fieldBuf) add(r rune)     { f.b = utf8.AppendRune(f.b, r) }
func (f *fieldBuf) String() string { return string(f.b) }

// record returns the next record's fields and the line it starts on; io.EOF at the end.
func (c *csvReader) record() ([]string, int, error) {
	start := c.line + 1
	c.size, c.tooBig = 0, ""
	ch, _, err := c.r.ReadRune()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		return nil, 0, err
	}
	c.line++
	if ch == '\n' || ch == '\r' {
		c.endLine(ch)
		return nil, start, nil
	}
	_ = c.r.UnreadRune()
	var fields []string
	for {
		// A field starts here.
		c.resetField()
		ch, _, err := c.r.ReadRune()
		if err == io.EOF {
			return c.done(append(fields, ""), start)
		}
		if err != nil {
			return nil, start, err
		}
		if ch == c.quote {
			for {
				ch, _, err := c.r.ReadRune()
				if err == io.EOF {
					return nil, start, &csvParseError{line: start, msg: "a quoted field is not closed"}
				}
				if err != nil {
					return nil, start, err
				}
				if ch == '\n' {
					c.line++
				}
				if ch != c.quote {
					c.add(ch)
					continue
				}
				next, _, err := c.r.ReadRune()
				if err == nil && next == c.quote {
					c.add(c.quote)
					continue
				}
				if err == nil {
					_ = c.r.UnreadRune()
				}
				break
			}
			// After the closing quote: a separator, the end of the line, or extra text.
			for {
				ch, _, err := c.r.ReadRune()
				switch {
				case err == io.EOF:
					return c.done(append(fields, c.field.String()), start)
				case err != nil:
					return nil, start, err
				case ch == c.sep:
					fields = append(fields, c.field.String())
				case ch == '\n' || ch == '\r':
					c.endLine(ch)
					return c.done(append(fields, c.field.String()), start)
				case !c.extra:
					c.skipLine()
					return nil, start, &csvParseError{line: start, msg: fmt.Sprintf("Unexpected character after closing quote: '%c'", ch)}
				default:
					c.add(ch)
					continue
				}
				break
			}
			continue
		}
		// An unquoted field: up to the separator or the end of the line.
		for {
			switch {
			case ch == c.sep:
				fields = append(fields, c.field.String())
			case ch == '\n' || ch == '\r':
				c.endLine(ch)
				return c.done(append(fields, c.field.String()), start)
			default:
				c.add(ch)
				ch, _, err = c.r.ReadRune()
				if err == io.EOF {
					return c.done(append(fields, c.field.String()), start)
				}
				if err != nil {
					return nil, start, err
				}
				continue
			}
			break
		}
	}
}

// resetField starts a field.
func (c *csvReader) resetField() {
	c.field.reset()
	c.fieldLen = 0
}

// add adds a character to the field, unless the field or the record is over its limit: then
// the rest of the record is read but not kept, and the record is a bad line.
func (c *csvReader) add(r rune) {
	c.size++
	c.fieldLen++
	switch {
	case c.tooBig != "":
		return
	case c.fieldLen > c.maxField:
		c.tooBig = fmt.Sprintf("a field exceeds the maximum field size of %d characters", c.maxField)
		return
	case c.size > c.maxRecord:
		c.tooBig = fmt.Sprintf("the record exceeds the maximum buffer size of %d characters", c.maxRecord)
		return
	}
	c.field.add(r)
}

// done returns a record read to its end, or the bad line it is when it was over a limit.
func (c *csvReader) done(fields []string, start int) ([]string, int, error) {
	if c.tooBig != "" {
		return nil, start, &csvParseError{line: start, msg: c.tooBig}
	}
	return fields, start, nil
}

// endLine eats the \n of a \r\n.
func (c *csvReader) endLine(ch rune) {
	if ch == '\r' {
		if next, _, err := c.r.ReadRune(); err == nil && next != '\n' {
			_ = c.r.UnreadRune()
		}
	}
}

// skipLine reads to the end of the line, after a line that cannot be read.
func (c *csvReader) skipLine() {
	for {
		ch, _, err := c.r.ReadRune()
		if err != nil || ch == '\n' {
			return
		}
		if ch == '\r' {
			c.endLine(ch)
			return
		}
	}
}

// ionToCsvDef is Kestra's serdes.csv.IonToCsv.
var ionToCsvDef = &Def{
	Type:        "io.kestra.plugin.serdes.csv.IonToCsv",
	Aliases:     []string{"io.kestra.plugin.serdes.csv.CsvWriter"},
	Doc:         "Write an Ion file of records of the internal storage as a CSV file, streamed: outputs.ID.uri, and size, the count of records.",
	New:         func() Task { return &IonToCsv{} },
	Unsupported: []string{"dateFormat", "timeFormat", "dateTimeFormat", "timeZoneId"},
}

// IonToCsv writes Ion records as CSV lines: a struct's values in its order (its names as
// the header, from the first record), or a list's items.
type IonToCsv struct {
	From              string `flow:"from,required" doc:"the kestra:// URI of the Ion file"`
	Header            *bool  `flow:"header" doc:"write the first record's names as the first line (default true)"`
	FieldSeparator    string `flow:"fieldSeparator" doc:"the character between fields (default ,)"`
	TextDelimiter     string `flow:"textDelimiter" doc:"the character quoting a field (default \")"`
	LineDelimiter     string `flow:"lineDelimiter" doc:"the end of a line: \\n (the default), \\r\\n or \\r"`
	AlwaysDelimitText bool   `flow:"alwaysDelimitText" doc:"quote every field (default false); quoteMode, when set, decides instead"`
	QuoteMode         string `flow:"quoteMode" enum:"ALWAYS,REQUIRED,NON_NUMERIC" doc:"quote every field (ALWAYS), those holding a separator, a quote or a line break (REQUIRED), or all but numbers (NON_NUMERIC)"`
	Charset           string `flow:"charset" doc:"the charset of the file written (default UTF-8)"`
}

// Run converts the file, a record at a time.
func (t *IonToCsv) Run(ctx context.Context, tc *Context) (Result, error) {
	sep, err := oneChar(tc, "fieldSeparator", t.FieldSeparator, ',')
	if err != nil {
		return Result{}, err
	}
	quote, err := oneChar(tc, "textDelimiter", t.TextDelimiter, '"')
	if err != nil {
		return Result{}, err
	}
	eol := "\n"
	if t.LineDelimiter != "" {
		if eol, err = tc.render("lineDelimiter", t.LineDelimiter); err != nil {
			return Result{}, err
		}
		if eol != "\n" && eol != "\r\n" && eol != "\r" {
			return Result{}, &PropError{Prop: "lineDelimiter", Err: fmt.Errorf("%q: expected \\n, \\r\\n or \\r", eol)}
		}
	}
	mode := strings.ToUpper(t.QuoteMode)
	if mode == "" {
		mode = "REQUIRED"
		if t.AlwaysDelimitText {
			mode = "ALWAYS"
		}
	}
	enc, utf8, err := charsetOf(tc, t.Charset)
	if err != nil {
		return Result{}, err
	}
	s, err := openSerdes(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	var w io.Writer = s.w
	if !utf8 {
		tw := transform.NewWriter(s.w, enc.NewEncoder())
		defer tw.Close()
		w = tw
	}
	cw := &csvWriter{w: bufio.NewWriter(w), sep: sep, quote: quote, eol: eol, mode: mode}
	header := boolProp(t.Header, true)
	dec := templating.NewIonDecoder(s.in)
	first := true
	var records int64
	for {
		if err := ctx.Err(); err != nil {
			return Result{}, context.Cause(ctx)
		}
		row, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Result{}, &PropError{Prop: "from", Err: err}
		}
		records++
		switch x := row.(type) {
		case []any:
			if header {
				return Result{}, errors.New("Invalid data of type List with header")
			}
			cw.record(x)
		case *templating.Map:
			if first {
				first = false
				if header {
					names := make([]any, 0, x.Len())
					for _, k := range x.Keys() {
						names = append(names, k)
					}
					cw.record(names)
				}
			}
			vals := make([]any, 0, x.Len())
			for _, k := range x.Keys() {
				v, _ := x.Get(k)
				vals = append(vals, v)
			}
			cw.record(vals)
		}
	}
	if err := cw.w.Flush(); err != nil {
		return Result{}, err
	}
	if tw, ok := w.(*transform.Writer); ok {
		if err := tw.Close(); err != nil {
			return Result{}, fmt.Errorf("charset: %w", err)
		}
	}
	return s.store(".csv", records)
}

// csvWriter writes CSV lines as Kestra's writer (FastCSV) does.
type csvWriter struct {
	w          *bufio.Writer
	sep, quote rune
	eol, mode  string
}

// record writes one line; a null field is empty and never quoted.
func (c *csvWriter) record(fields []any) {
	for i, f := range fields {
		if i > 0 {
			c.w.WriteRune(c.sep)
		}
		if f == nil {
			continue
		}
		s := templating.ToString(f)
		if !c.quoted(s) {
			c.w.WriteString(s)
			continue
		}
		c.w.WriteRune(c.quote)
		for _, r := range s {
			if r == c.quote {
				c.w.WriteRune(r)
			}
			c.w.WriteRune(r)
		}
		c.w.WriteRune(c.quote)
	}
	c.w.WriteString(c.eol)
}

func (c *csvWriter) quoted(s string) bool {
	switch c.mode {
	case "ALWAYS":
		return true
	case "NON_NUMERIC":
		return !numeric(s)
	}
	return strings.ContainsRune(s, c.sep) || strings.ContainsRune(s, c.quote) || strings.ContainsAny(s, "\r\n")
}

// numeric is Kestra's test of NON_NUMERIC: digits, one dot at most, a sign first.
func numeric(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '-' || s[0] == '+' {
		if len(s) == 1 {
			return false
		}
		i = 1
	}
	dot := false
	for ; i < len(s); i++ {
		switch {
		case s[i] == '.' && !dot:
			dot = true
		case s[i] < '0' || s[i] > '9':
			return false
		}
	}
	return true
}
