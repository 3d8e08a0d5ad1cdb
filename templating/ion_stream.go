package templating

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kestra's files of records (FileSerde): Ion text, one value a line.

// WriteIonRecord writes v as one line of Ion text, as Kestra's FileSerde writes a record:
// a Map's fields in their order (a CSV file's columns), a Go map's sorted.
func WriteIonRecord(w io.Writer, v any) error {
	c := &evalCtx{b: newBudget(context.Background(), nil)}
	var b strings.Builder
	b.Grow(256)
	if err := c.writeIonOrdered(&b, v); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func (c *evalCtx) writeIonOrdered(b *strings.Builder, v any) error {
	switch x := v.(type) {
	case *Map:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(ionSymbol(k))
			b.WriteByte(':')
			if err := c.writeIonOrdered(b, x.m[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case []any:
		b.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := c.writeIonOrdered(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	return c.writeIon(b, v)
}

// IonDecoder reads the values of an Ion text stream one after another, as Kestra reads a
// file of records: structs as Maps in the order of the text, annotations dropped. It holds
// one value in memory at a time; a value may span lines.
type IonDecoder struct {
	r    *bufio.Reader
	line int
}

// NewIonDecoder reads Ion values from r.
func NewIonDecoder(r io.Reader) *IonDecoder {
	return &IonDecoder{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next value, or io.EOF after the last one. An error names the line.
func (d *IonDecoder) Next() (any, error) {
	var buf strings.Builder
	start := d.line + 1
	for {
		line, err := d.r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if line != "" {
			d.line++
		}
		buf.WriteString(line)
		text := buf.String()
		if strings.TrimSpace(text) == "" {
			if err != nil {
				return nil, io.EOF
			}
			buf.Reset()
			start = d.line + 1
			continue
		}
		p := &ionParser{s: text, ordered: true}
		v, perr := p.value(0)
		if perr == nil {
			p.space()
			if p.i == len(p.s) {
				return v, nil
			}
			perr = p.fail("more than one value on a line")
		} else if err == nil && p.i >= len(strings.TrimRight(text, " \t\r\n")) {
			continue // the value goes on on the next line
		}
		return nil, fmt.Errorf("Invalid ion at line %d: %v", start, perr)
	}
}
