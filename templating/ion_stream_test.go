package templating

import (
	"io"
	"strings"
	"testing"
)

func TestIonDecoderReadsRecordsInOrder(t *testing.T) {
	in := "{b:1,a:\"x\"}\n\n// a comment\n[1,\n 2]\nann::'quoted sym'\n{'first name':null}"
	dec := NewIonDecoder(strings.NewReader(in))
	var got []string
	for {
		v, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		var b strings.Builder
		if err := WriteIonRecord(&b, v); err != nil {
			t.Fatal(err)
		}
		got = append(got, b.String())
	}
	want := []string{"{b:1,a:\"x\"}\n", "[1,2]\n", "\"quoted sym\"\n", "{'first name':null}\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIonDecoderErrorsNameTheLine(t *testing.T) {
	for in, want := range map[string]string{
		"{a:1}\n{a:}\n":   "Invalid ion at line 2",
		"{a:1}\n1 2\n":    "Invalid ion at line 2: more than one value on a line",
		"{a:1}\n\n[1,\n2": "Invalid ion at line 3",
	} {
		dec := NewIonDecoder(strings.NewReader(in))
		var err error
		for err == nil {
			_, err = dec.Next()
		}
		if err == io.EOF || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

func TestIonFieldNamesEndingWithDigits(t *testing.T) {
	v, err := NewIonDecoder(strings.NewReader(`{tiv_2011:"1",a1:2,x:2020-01-02T10:00Z}`)).Next()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	WriteIonRecord(&b, v)
	if got := b.String(); got != "{tiv_2011:\"1\",a1:2,x:\"2020-01-02T10:00Z\"}\n" {
		t.Errorf("got %s", got)
	}
}
