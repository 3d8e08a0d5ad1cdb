package tasks

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/transform"

	"github.com/flowctl/flowctl/templating"
)

// jsonToIonDef is Kestra's serdes.json.JsonToIon.
var jsonToIonDef = &Def{
	Type:    "io.kestra.plugin.serdes.json.JsonToIon",
	Aliases: []string{"io.kestra.plugin.serdes.json.JsonReader"},
	Doc:     "Read a JSON file (a value a line, or one array) of the internal storage into an Ion file of records, streamed: outputs.ID.uri, and size.",
	New:     func() Task { return &JsonToIon{} },
}

// JsonToIon reads JSON values into Ion records, in the order of the text.
type JsonToIon struct {
	From    string `flow:"from,required" doc:"the kestra:// URI of the JSON file"`
	Charset string `flow:"charset" doc:"the file's charset (default UTF-8)"`
	NewLine *bool  `flow:"newLine" doc:"one JSON value a line (default true); false: the file is one value, and an array's items are the records"`
}

// Run converts the file, a value at a time.
func (t *JsonToIon) Run(ctx context.Context, tc *Context) (Result, error) {
	enc, utf8, err := charsetOf(tc, t.Charset)
	if err != nil {
		return Result{}, err
	}
	s, err := openSerdes(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer s.close()
	var src io.Reader = s.in
	if !utf8 {
		src = transform.NewReader(src, enc.NewDecoder())
	}
	var records int64
	write := func(v any) error {
		records++
		return templating.WriteIonRecord(s.w, v)
	}
	if boolProp(t.NewLine, true) {
		r := bufio.NewReaderSize(src, 64<<10)
		for line := 1; ; line++ {
			if err := ctx.Err(); err != nil {
				return Result{}, context.Cause(ctx)
			}
			text, rerr := r.ReadString('\n')
			if rerr != nil && rerr != io.EOF {
				return Result{}, rerr
			}
			if text == "" && rerr == io.EOF {
				break
			}
			v, err := oneJSON(strings.TrimRight(text, "\r\n"))
			if err != nil {
				return Result{}, &PropError{Prop: "from", Err: fmt.Errorf("line %d: %v", line, err)}
			}
			if err := write(v); err != nil {
				return Result{}, err
			}
			if rerr == io.EOF {
				break
			}
		}
		return s.store(".ion", records)
	}
	// One value: an array is read an item at a time, never whole.
	br := bufio.NewReaderSize(src, 64<<10)
	first := peekNonSpace(br)
	dec := json.NewDecoder(br)
	dec.UseNumber()
	if first == '[' {
		dec.Token()
		for dec.More() {
			if err := ctx.Err(); err != nil {
				return Result{}, context.Cause(ctx)
			}
			v, err := templating.DecodeJSON(dec, nil)
			if err != nil {
				return Result{}, &PropError{Prop: "from", Err: fmt.Errorf("invalid JSON: %v", err)}
			}
			if err := write(v); err != nil {
				return Result{}, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return Result{}, &PropError{Prop: "from", Err: fmt.Errorf("invalid JSON: %v", err)}
		}
	} else {
		v, err := templating.DecodeJSON(dec, nil)
		if err != nil {
			return Result{}, &PropError{Prop: "from", Err: fmt.Errorf("invalid JSON: %v", err)}
		}
		if err := write(v); err != nil {
			return Result{}, err
		}
	}
	return s.store(".ion", records)
}

// peekNonSpace returns the first byte of r that is not white space, left unread.
func peekNonSpace(r *bufio.Reader) byte {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return 0
		}
		if !strings.ContainsRune(" \t\r\n", rune(b[0])) {
			return b[0]
		}
		r.ReadByte()
	}
}

// oneJSON reads a line holding one JSON value, with objects in the order of the text.
func oneJSON(line string) (any, error) {
	if strings.TrimSpace(line) == "" {
		return nil, errors.New("no JSON value on the line")
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	v, err := templating.DecodeJSON(dec, nil)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: more than one value on the line")
	}
	return v, nil
}

// ionToJSONDef is Kestra's serdes.json.IonToJson.
var ionToJSONDef = &Def{
	Type:        "io.kestra.plugin.serdes.json.IonToJson",
	Aliases:     []string{"io.kestra.plugin.serdes.json.JsonWriter"},
	Doc:         "Write an Ion file of records of the internal storage as JSON (a record a line, or one array), streamed: outputs.ID.uri, and size.",
	New:         func() Task { return &IonToJSON{} },
	Unsupported: []string{"timeZoneId", "shouldKeepAnnotations"},
}

// IonToJSON writes Ion records as JSON, fields in their order.
type IonToJSON struct {
	From    string `flow:"from,required" doc:"the kestra:// URI of the Ion file"`
	Charset string `flow:"charset" doc:"the charset of the file written (default UTF-8)"`
	NewLine *bool  `flow:"newLine" doc:"a record a line, in a .jsonl file (default true); false: a .json file of the one record, or of an array of them when there are more"`
}

// Run converts the file, a record at a time.
func (t *IonToJSON) Run(ctx context.Context, tc *Context) (Result, error) {
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
	var tw io.WriteCloser
	if !utf8 {
		tw = transform.NewWriter(s.w, enc.NewEncoder())
		w = tw
	}
	newLine := boolProp(t.NewLine, true)
	dec := templating.NewIonDecoder(s.in)
	var records int64
	var held []byte // without newLine, the first record, until a second one makes an array
	var buf []byte
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
		buf = appendJSON(buf[:0], row)
		switch {
		case newLine:
			buf = append(buf, '\n')
		case records == 1:
			held = append([]byte(nil), buf...)
			continue
		case records == 2:
			if _, err := w.Write(append(append([]byte{'['}, held...), ',')); err != nil {
				return Result{}, err
			}
		default:
			buf = append([]byte{','}, buf...)
		}
		if _, err := w.Write(buf); err != nil {
			return Result{}, err
		}
	}
	if !newLine {
		tail := held
		if records > 1 {
			tail = []byte{']'}
		}
		if _, err := w.Write(tail); err != nil {
			return Result{}, err
		}
	}
	if tw != nil {
		if err := tw.Close(); err != nil {
			return Result{}, fmt.Errorf("charset: %w", err)
		}
	}
	ext := ".jsonl"
	if !newLine {
		ext = ".json"
	}
	return s.store(ext, records)
}

// appendJSON writes v as JSON as Jackson does for Kestra: fields in their order, no HTML
// escaping, numbers as Java prints them.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case string:
		return appendJSONString(b, x)
	case *templating.Map:
		b = append(b, '{')
		for i, k := range x.Keys() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			e, _ := x.Get(k)
			b = appendJSON(b, e)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	}
	if keys, m, ok := templating.AsMap(v); ok {
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSON(b, m[k])
		}
		return append(b, '}')
	}
	return append(b, templating.ToString(v)...)
}

// appendJSONString quotes s as JSON without Go's HTML escaping.
func appendJSONString(b []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}
