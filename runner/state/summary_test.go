package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestSummarize(t *testing.T) {
	cases := []struct{ doc, want string }{
		{`{"id":"a","taskRunList":[{"x":1}],"trigger":{"id":"t"}}`, `{"id":"a","trigger":{"id":"t"}}`},
		{`{"id":"a","taskRunList":[{"x":1}]}`, `{"id":"a"}`},
		{`{"taskRunList":[],"id":"a"}`, `{"id":"a"}`},
		{`{"taskRunList":null}`, `{}`},
		{" {\n  \"id\": \"a\",\n  \"taskRunList\": [\n {\"s\": \"]}\\\"{\"}\n  ]\n}\n", " {\n  \"id\": \"a\"\n}\n"},
		// Braces and quotes inside strings, and a member of the same name deeper down.
		{`{"inputs":{"q":"}\"taskRunList\":"},"taskRunList":[{"taskRunList":[1]}],"n":-1.5e3}`, `{"inputs":{"q":"}\"taskRunList\":"},"n":-1.5e3}`},
		// Nothing to leave out, or not an object: as it is.
		{`{"id":"a","state":{"taskRunList":1}}`, `{"id":"a","state":{"taskRunList":1}}`},
		{`[1,2]`, `[1,2]`},
		{`{"id":"a","taskRunList":[`, `{"id":"a","taskRunList":[`},
		{``, ``},
	}
	for _, c := range cases {
		got := string(summarize([]byte(c.doc)))
		if got != c.want {
			t.Errorf("summarize(%q):\n got %q\nwant %q", c.doc, got, c.want)
		}
		if json.Valid([]byte(c.doc)) && !json.Valid([]byte(got)) {
			t.Errorf("summarize(%q) = %q: not JSON", c.doc, got)
		}
	}
}

// bigDoc is an execution document whose task run outputs weigh size bytes.
func bigDoc(id string, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%q,"namespace":"dev","flowId":"build","labels":{"team":"data"},"state":{"current":"SUCCESS"},"taskRunList":[`, id)
	fmt.Fprintf(&b, `{"id":"tr","taskId":"dump","outputs":{"vars":{"blob":"%s"}}}`, strings.Repeat("x", size))
	b.WriteString(`],"trigger":{"id":"every-hour"}}`)
	return b.Bytes()
}

func TestExecutionsListSummaries(t *testing.T) {
	s := newStore(t, Options{})
	r := execRec("big", "dev", "build", "SUCCESS", t0)
	r.Doc = bigDoc("big", 3<<20)
	if err := s.PutExecution(r); err != nil {
		t.Fatal(err)
	}
	list, err := s.Executions(ListFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("got %d, %v", len(list), err)
	}
	want := `{"id":"big","namespace":"dev","flowId":"build","labels":{"team":"data"},"state":{"current":"SUCCESS"},"trigger":{"id":"every-hour"}}`
	if got := list[0]; string(got.Doc) != want || got.State != "SUCCESS" || !got.EndDate.Equal(r.EndDate) || !got.StartDate.Equal(t0) {
		t.Errorf("got %+v with document %.200s; want the summary %s", got, got.Doc, want)
	}
	whole, err := s.Executions(ListFilter{Documents: true})
	if err != nil || len(whole) != 1 || !bytes.Equal(whole[0].Doc, r.Doc) {
		t.Errorf("Documents: got %d, %v; want the whole document", len(whole), err)
	}
	if n, err := s.PruneExecutions(t0.Add(time.Hour), 0); err != nil || n != 1 {
		t.Fatalf("prune: %d, %v", n, err)
	}
	checkConsistent(t, s.Path())
	if got := bucketLen(t, s, bucketSummaries); got != 0 {
		t.Errorf("prune left %d summaries, want none", got)
	}
}

// Executions recorded by earlier builds have no summary, and one recorded again by an
// earlier build has a stale one: both list from their record.
func TestExecutionsListedWithoutSummary(t *testing.T) {
	s := newStore(t, Options{})
	old := execRec("old", "dev", "build", "SUCCESS", t0)
	old.Doc = bigDoc("old", 100)
	stale := execRec("stale", "dev", "build", "RUNNING", t0.Add(time.Second))
	stale.Doc = []byte(`{"id":"stale","state":{"current":"RUNNING"},"taskRunList":[]}`)
	if err := s.PutExecution(stale); err != nil {
		t.Fatal(err)
	}
	stale.State, stale.Doc = "FAILED", []byte(`{"id":"stale","state":{"current":"FAILED","endDate":"x"},"taskRunList":[{"id":"t"}]}`)
	// As an earlier build writes them: the record and the index, nothing more.
	err := s.update(func(tx *bolt.Tx) error {
		for _, r := range []ExecRecord{old, stale} {
			if err := tx.Bucket(bucketExecs).Put([]byte(r.ID), encodeExec(r)); err != nil {
				return err
			}
			legacy := appendString(appendString(appendString([]byte{recordVersion}, r.Namespace), r.FlowID), r.State)
			if err := tx.Bucket(bucketIndex).Put(indexKey(r.StartDate, r.ID), legacy); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.Executions(ListFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("got %d, %v", len(list), err)
	}
	for i, want := range []string{
		`{"id":"stale","state":{"current":"FAILED","endDate":"x"}}`,
		`{"id":"old","namespace":"dev","flowId":"build","labels":{"team":"data"},"state":{"current":"SUCCESS"},"trigger":{"id":"every-hour"}}`,
	} {
		if string(list[i].Doc) != want {
			t.Errorf("%s: got %s, want %s", list[i].ID, list[i].Doc, want)
		}
	}
	if list[0].State != "FAILED" {
		t.Errorf("stale: got state %s, want FAILED", list[0].State)
	}
}

func bucketLen(t *testing.T, s *Store, name []byte) int {
	t.Helper()
	n := 0
	err := s.read(func(tx *bolt.Tx) error {
		if b := tx.Bucket(name); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// BenchmarkListLargeOutputs lists a state of 100 executions whose task runs output 10 MiB
// each, beside one of 100 executions of 5 KB: `executions list` must cost about the same on
// both (issue 17), since it reads summaries only. "documents" reads the documents whole, as
// listing did before summaries.
func BenchmarkListLargeOutputs(b *testing.B) {
	for _, c := range []struct {
		name string
		doc  func(id string) []byte
	}{
		{"small", doc5K},
		{"10MiB", func(id string) []byte { return bigDoc(id, 10<<20) }},
	} {
		s := newStore(b, Options{})
		for i := range 100 {
			r := execRec(fmt.Sprintf("e%03d", i), "dev", "build", "SUCCESS", t0.Add(time.Duration(i)*time.Minute))
			r.Doc = c.doc(r.ID)
			if err := s.PutExecution(r); err != nil {
				b.Fatal(err)
			}
		}
		for _, f := range []struct {
			name string
			f    ListFilter
		}{
			{"limit20", ListFilter{Limit: 20}},
			{"all", ListFilter{}},
			{"documents_limit20", ListFilter{Limit: 20, Documents: true}},
		} {
			b.Run(c.name+"/"+f.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Executions(f.f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
