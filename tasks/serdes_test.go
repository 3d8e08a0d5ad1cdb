package tasks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serdesRun stores content as a file of the execution, runs task on it and returns the
// result's content.
func runSerdes(t *testing.T, tc *Context, task Task, content string) (Result, string, error) {
	t.Helper()
	src := tc.Storage.(*memStorage).forRun("src", "R0")
	uri, err := src.Put("in", strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	switch x := task.(type) {
	case *CsvToIon:
		x.From = uri
	case *IonToCsv:
		x.From = uri
	case *JsonToIon:
		x.From = uri
	case *IonToJSON:
		x.From = uri
	}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		return res, "", err
	}
	out, _ := res.Outputs["uri"].(string)
	return res, tc.Storage.(*memStorage).content(out), nil
}

func TestCsvToIon(t *testing.T) {
	no, yes := false, true
	for _, c := range []struct {
		name string
		task *CsvToIon
		in   string
		want string
		size int64
	}{
		{"header", &CsvToIon{}, "id,name\n1,Ann\n2,\\N\n", "{id:\"1\",name:\"Ann\"}\n{id:\"2\",name:null}\n", 2},
		{"quotes and line breaks", &CsvToIon{}, "a,b\n\"x,\"\"y\"\"\",\"l1\nl2\"\r\n", "{a:\"x,\\\"y\\\"\",b:\"l1\\nl2\"}\n", 1},
		{"no header", &CsvToIon{Header: &no}, "1,2\n3\n", "[\"1\",\"2\"]\n[\"3\"]\n", 2},
		{"separator and delimiter", &CsvToIon{FieldSeparator: ";", TextDelimiter: "'"}, "a;b\n'1;2';3\n", "{a:\"1;2\",b:\"3\"}\n", 1},
		{"skip rows", &CsvToIon{SkipRows: 1}, "a\n1\n2\n", "{a:\"2\"}\n", 1},
		{"names needing quotes", &CsvToIon{}, "first name,null\nA,B\n", "{'first name':\"A\",'null':\"B\"}\n", 1},
		{"utf-8 bom dropped", &CsvToIon{}, "\ufeffa\n1\n", "{a:\"1\"}\n", 1},
		{"trailing unnamed column dropped", &CsvToIon{}, "a,\n1,2\n", "{a:\"1\"}\n", 1},
		{"unnamed column renamed", &CsvToIon{OnEmptyHeader: "RENAME"}, "a,\n1,2\n", "{a:\"1\",col_1:\"2\"}\n", 1},
		{"empty rows skipped", &CsvToIon{SkipEmptyRows: true}, "a\n1\n\n2\n", "{a:\"1\"}\n{a:\"2\"}\n", 2},
		{"bad line skipped", &CsvToIon{OnBadLines: "SKIP"}, "a,b\n1\n2,3\n", "{a:\"2\",b:\"3\"}\n", 1},
		{"latin-1", &CsvToIon{Charset: "ISO-8859-1"}, "a\n\xe9t\xe9\n", "{a:\"été\"}\n", 1},
		{"header explicit", &CsvToIon{Header: &yes}, "a\n1", "{a:\"1\"}\n", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			res, got, err := runSerdes(t, tc, c.task, c.in)
			if err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if res.Outputs["size"] != c.size {
				t.Errorf("size: got %v, want %d", res.Outputs["size"], c.size)
			}
			if !strings.HasSuffix(res.Outputs["uri"].(string), ".ion") {
				t.Errorf("uri %v does not end with .ion", res.Outputs["uri"])
			}
			if len(res.Metrics) != 1 || res.Metrics[0].Name != "records" || res.Metrics[0].Value != float64(c.size) {
				t.Errorf("metrics: %+v", res.Metrics)
			}
		})
	}
}

func TestCsvToIonWarnsOnDroppedColumnsAndBadLines(t *testing.T) {
	tc, rec := newContext(t)
	_, got, err := runSerdes(t, tc, &CsvToIon{OnBadLines: "WARN"}, "a,b,\n1,2,3\n4\n")
	if err != nil {
		t.Fatal(err)
	}
	if got != "{a:\"1\",b:\"2\"}\n" {
		t.Errorf("got %q", got)
	}
	for _, w := range []string{
		"Dropped 1 trailing unnamed header column(s); their values are not emitted. Set onEmptyHeader=RENAME to keep them.",
		"Bad line encountered (field count mismatch): Expected 3, got 1 fields.",
	} {
		if !rec.has(LevelWarn, w) {
			t.Errorf("no warning %q:%s", w, rec.dump())
		}
	}
}

func TestCsvToIonErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		task *CsvToIon
		in   string
		want string
	}{
		{"field count", &CsvToIon{}, "a,b\n1\n", "Bad line encountered (field count mismatch): Expected 2, got 1 fields."},
		{"empty line is a record", &CsvToIon{}, "a,b\n1,2\n\n", "Expected 2, got 1 fields."},
		{"text after a quote", &CsvToIon{}, "a\n\"x\"y\n", "line 2: Unexpected character after closing quote: 'y'"},
		{"unclosed quote", &CsvToIon{}, "a\n\"x\n", "line 2: a quoted field is not closed"},
		{"separator of two characters", &CsvToIon{FieldSeparator: ";;"}, "a\n", "fieldSeparator: \";;\": expected one character"},
		{"unknown charset", &CsvToIon{Charset: "klingon"}, "a\n", "charset: \"klingon\": not a charset"},
		{"negative skip", &CsvToIon{SkipRows: -1}, "a\n", "skipRows: -1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, _ := newContext(t)
			_, _, err := runSerdes(t, tc, c.task, c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestSerdesFromOutsideTheExecutionIsRefused(t *testing.T) {
	tc, _ := newContext(t)
	for _, task := range []Task{
		&CsvToIon{From: "kestra:///other/flow/executions/X/tasks/a/R/f.csv"},
		&IonToCsv{From: "https://example.com/a.ion"},
	} {
		_, err := task.Run(context.Background(), tc)
		if err == nil || !strings.HasPrefix(err.Error(), "from: ") {
			t.Errorf("%T: got %v, want an error about from", task, err)
		}
	}
}

func TestIonToCsv(t *testing.T) {
	no := false
	for _, c := range []struct {
		name string
		task *IonToCsv
		in   string
		want string
	}{
		{"header from the first record", &IonToCsv{}, "{id:1,name:\"Ann\"}\n{id:2,name:null}\n", "id,name\n1,Ann\n2,\n"},
		{"fields in each record's order", &IonToCsv{}, "{b:1,a:2}\n{a:3,b:4}\n", "b,a\n1,2\n3,4\n"},
		{"quoting when needed", &IonToCsv{}, "{a:\"x,y\",b:\"say \\\"hi\\\"\",c:\"l1\\nl2\"}\n", "a,b,c\n\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\"\n"},
		{"always", &IonToCsv{AlwaysDelimitText: true, Header: &no}, "{a:1,b:\"x\",c:null}\n", "\"1\",\"x\",\n"},
		{"non numeric", &IonToCsv{QuoteMode: "NON_NUMERIC", Header: &no}, "{a:1,b:\"x\",c:-2.5}\n", "1,\"x\",-2.5\n"},
		{"separators", &IonToCsv{FieldSeparator: ";", TextDelimiter: "'", LineDelimiter: "\r\n"}, "{a:\"it's\",b:\"1;2\"}\n", "a;b\r\n'it''s';'1;2'\r\n"},
		{"lists without header", &IonToCsv{Header: &no}, "[1,\"a\"]\n[2.5e0,true]\n", "1,a\n2.5,true\n"},
		{"a value over lines", &IonToCsv{}, "{a:1,\n b:2}\n", "a,b\n1,2\n"},
		{"latin-1", &IonToCsv{Charset: "ISO-8859-1", Header: &no}, "{a:\"été\"}\n", "\xe9t\xe9\n"},
		// Kestra's IonToCsvTest, with the Ion its FileSerde writes.
		{"kestra non numeric", &IonToCsv{QuoteMode: "NON_NUMERIC", Header: &no}, "{label:\"test\",positive_int:42,negative_int:-7,decimal:3.14e0,negative_decimal:-0.5e0,not_a_number:\"12abc\"}\n", "\"test\",42,-7,3.14,-0.5,\"12abc\"\n"},
		{"kestra non numeric header", &IonToCsv{QuoteMode: "NON_NUMERIC"}, "{referencia:\"PE1617279780\",descripcion:\"E:4 PAST FR\",cantidad:1,precio:34.03e0}\n", "\"referencia\",\"descripcion\",\"cantidad\",\"precio\"\n\"PE1617279780\",\"E:4 PAST FR\",1,34.03\n"},
		{"kestra pre-quoted", &IonToCsv{Header: &no}, "{a:\"\\\"PE1617279780\\\"\",b:\"\\\"E:4 PAST FR\\\"\",c:1,d:34.03e0}\n", "\"\"\"PE1617279780\"\"\",\"\"\"E:4 PAST FR\"\"\",1,34.03\n"},
		{"kestra float widened", &IonToCsv{AlwaysDelimitText: true, Header: &no}, "{s:\"string\",i:2,f:3.200000047683716e0,d:3.2e0}\n", "\"string\",\"2\",\"3.200000047683716\",\"3.2\"\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			res, got, err := runSerdes(t, tc, c.task, c.in)
			if err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			if got != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
			if !strings.HasSuffix(res.Outputs["uri"].(string), ".csv") {
				t.Errorf("uri %v does not end with .csv", res.Outputs["uri"])
			}
		})
	}
}

func TestIonToCsvErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		task *IonToCsv
		in   string
		want string
	}{
		{"list with header", &IonToCsv{}, "[1,2]\n", "Invalid data of type List with header"},
		{"not ion", &IonToCsv{}, "{a:1}\n{a:\n", "from: Invalid ion at line 2"},
		{"line delimiter", &IonToCsv{LineDelimiter: ";"}, "{a:1}\n", "lineDelimiter: \";\": expected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, _ := newContext(t)
			_, _, err := runSerdes(t, tc, c.task, c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestJsonToIon(t *testing.T) {
	no := false
	for _, c := range []struct {
		name string
		task *JsonToIon
		in   string
		want string
		size int64
	}{
		{"a value a line", &JsonToIon{}, "{\"b\":1,\"a\":[1.5,true,null]}\n{\"s\":\"x\"}\n", "{b:1,a:[1.5e0,true,null]}\n{s:\"x\"}\n", 2},
		{"crlf and no last newline", &JsonToIon{}, "1\r\n\"two\"", "1\n\"two\"\n", 2},
		{"an array", &JsonToIon{NewLine: &no}, " [ {\"a\": 1},\n {\"a\": 2} ]", "{a:1}\n{a:2}\n", 2},
		{"one object", &JsonToIon{NewLine: &no}, "{\"a\":\n 1}", "{a:1}\n", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			res, got, err := runSerdes(t, tc, c.task, c.in)
			if err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if res.Outputs["size"] != c.size {
				t.Errorf("size: got %v, want %d", res.Outputs["size"], c.size)
			}
		})
	}
	tc, _ := newContext(t)
	if _, _, err := runSerdes(t, tc, &JsonToIon{}, "{\"a\":1}\n{\"a\"\n"); err == nil || !strings.Contains(err.Error(), "from: line 2: invalid JSON") {
		t.Errorf("got %v, want invalid JSON on line 2", err)
	}
}

func TestIonToJSON(t *testing.T) {
	no := false
	for _, c := range []struct {
		name string
		task *IonToJSON
		in   string
		want string
		ext  string
	}{
		{"a record a line", &IonToJSON{}, "{b:1,a:\"<x>\"}\n{c:[1.5e0,null,true]}\n", "{\"b\":1,\"a\":\"<x>\"}\n{\"c\":[1.5,null,true]}\n", ".jsonl"},
		{"an array", &IonToJSON{NewLine: &no}, "{a:1}\n{a:2}\n{a:3}\n", "[{\"a\":1},{\"a\":2},{\"a\":3}]", ".json"},
		{"one record alone", &IonToJSON{NewLine: &no}, "{a:1}\n", "{\"a\":1}", ".json"},
		{"nothing", &IonToJSON{NewLine: &no}, "", "", ".json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			res, got, err := runSerdes(t, tc, c.task, c.in)
			if err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
			if !strings.HasSuffix(res.Outputs["uri"].(string), c.ext) {
				t.Errorf("uri %v does not end with %s", res.Outputs["uri"], c.ext)
			}
		})
	}
}

// TestCsvIonCsvRoundTrip reads a CSV file into Ion and writes it back.
func TestCsvIonCsvRoundTrip(t *testing.T) {
	in := "id,text\n1,\"a, b\"\n2,\"say \"\"hi\"\"\"\n3,\"two\nlines\"\n"
	tc, _ := newContext(t)
	_, ion, err := runSerdes(t, tc, &CsvToIon{}, in)
	if err != nil {
		t.Fatal(err)
	}
	_, out, err := runSerdes(t, tc, &IonToCsv{}, ion)
	if err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("got\n%q\nwant\n%q", out, in)
	}
}

// BenchmarkCsvToIon converts a CSV file of 10,000 lines: go test -bench CsvToIon ./tasks.
func BenchmarkCsvToIon(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id,name,city,amount\n")
	for i := range 10000 {
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteString(`,Ann Smith,"Paris, France",12.50` + "\n")
	}
	in := sb.String()
	tc := &Context{TaskID: "bench", Log: NewLogger(func(Level, string) {}), TempDir: b.TempDir(),
		Storage: newMemStorage("kestra:///dev/flow/executions/E/tasks/bench/R/")}
	src := tc.Storage.(*memStorage).forRun("src", "R0")
	uri, _ := src.Put("in.csv", strings.NewReader(in))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (&CsvToIon{From: uri}).Run(context.Background(), tc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCsvToIonToCsvKestraSample is Kestra's CsvToIonWriterTest: its sample files, read with
// `;` and written back with every field quoted, come out as they went in.
func TestCsvToIonToCsvKestraSample(t *testing.T) {
	for _, c := range []struct {
		file   string
		header bool
		eol    string
	}{{"insurance_sample.csv", true, "\r\n"}, {"insurance_sample_no_header.csv", false, "\n"}} {
		t.Run(c.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", "serdes", c.file))
			if err != nil {
				t.Fatal(err)
			}
			tc, _ := newContext(t)
			header := c.header
			read, ion, err := runSerdes(t, tc, &CsvToIon{FieldSeparator: ";", Header: &header}, string(in))
			if err != nil {
				t.Fatal(err)
			}
			written, out, err := runSerdes(t, tc, &IonToCsv{FieldSeparator: ";", AlwaysDelimitText: true, LineDelimiter: c.eol, Header: &header}, ion)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(in) {
				t.Errorf("got\n%q\nwant\n%q", out, in)
			}
			if n := read.Outputs["size"].(int64); n == 0 || n != written.Outputs["size"].(int64) {
				t.Errorf("sizes: read %v, written %v", read.Outputs["size"], written.Outputs["size"])
			}
		})
	}
	// skipRows without a header skips lines: 2 records of 6 are left.
	in, _ := os.ReadFile(filepath.Join("testdata", "serdes", "insurance_sample.csv"))
	tc, _ := newContext(t)
	no := false
	res, _, err := runSerdes(t, tc, &CsvToIon{FieldSeparator: ";", SkipRows: 4, Header: &no}, string(in))
	if err != nil {
		t.Fatal(err)
	}
	if res.Metrics[0].Value != 2 {
		t.Errorf("records: got %v, want 2", res.Metrics[0].Value)
	}
}

func TestCsvToIonLimits(t *testing.T) {
	long := "col1\n\"" + strings.Repeat("x", 50) + "\"\n"
	small, big := int64(8), int64(128)
	tc, _ := newContext(t)
	if _, _, err := runSerdes(t, tc, &CsvToIon{MaxBufferSize: &small}, long); err == nil || !strings.Contains(err.Error(), "maximum buffer size") {
		t.Errorf("got %v, want the maximum buffer size exceeded", err)
	}
	if _, _, err := runSerdes(t, tc, &CsvToIon{MaxFieldSize: &small}, long); err == nil || !strings.Contains(err.Error(), "line 2: a field exceeds the maximum field size of 8 characters") {
		t.Errorf("got %v, want the maximum field size exceeded", err)
	}
	_, got, err := runSerdes(t, tc, &CsvToIon{MaxBufferSize: &big, OnBadLines: "SKIP"}, long+"y\n")
	if err != nil || got != "{col1:\""+strings.Repeat("x", 50)+"\"}\n{col1:\"y\"}\n" {
		t.Errorf("got %q, %v", got, err)
	}
	// A line over the limit is skipped whole, and the next one read.
	_, got, err = runSerdes(t, tc, &CsvToIon{MaxBufferSize: &small, OnBadLines: "SKIP"}, long+"y\n")
	if err != nil || got != "{col1:\"y\"}\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestCsvToIonKeepsABomOfAnotherCharset(t *testing.T) {
	tc, _ := newContext(t)
	_, got, err := runSerdes(t, tc, &CsvToIon{FieldSeparator: ";", Charset: "ISO-8859-1"}, "\xef\xbb\xbfcode;nom\n1;A\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "{'ï»¿code':\"1\",nom:\"A\"}\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestJsonToIonToJsonKestraSample is Kestra's JsonToIonTest on the head of its full.jsonl:
// read to Ion and written back, every line comes out as it went in.
func TestJsonToIonToJsonKestraSample(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "serdes", "full_head.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tc, _ := newContext(t)
	read, ion, err := runSerdes(t, tc, &JsonToIon{}, string(in))
	if err != nil {
		t.Fatal(err)
	}
	written, out, err := runSerdes(t, tc, &IonToJSON{}, ion)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(in) {
		t.Errorf("got\n%s\nwant\n%s\n(ion:\n%s)", out, in, ion)
	}
	if read.Outputs["size"] != int64(20) || written.Outputs["size"] != int64(20) {
		t.Errorf("sizes: read %v, written %v", read.Outputs["size"], written.Outputs["size"])
	}
}
