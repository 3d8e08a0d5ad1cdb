package state

import (
	"path/filepath"
	"testing"
	"time"
)

func TestReplaceExecutionOnlyWhileUnchanged(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	failed := ExecRecord{ID: "x1", Namespace: "dev", FlowID: "f", State: "FAILED", StartDate: t0, EndDate: t0.Add(time.Second), Doc: []byte(`{"a":1}`)}
	if err := s.PutExecution(failed); err != nil {
		t.Fatal(err)
	}
	was, _, err := s.Execution("x1")
	if err != nil {
		t.Fatal(err)
	}
	restarted := ExecRecord{ID: "x1", Namespace: "dev", FlowID: "f", State: "RESTARTED", StartDate: t0, Doc: []byte(`{"a":2}`)}
	if ok, err := s.ReplaceExecution(restarted, was); err != nil || !ok {
		t.Fatalf("first claim: got %v, %v; want it put", ok, err)
	}
	// A second restart planned from the same record finds it changed.
	other := restarted
	other.Doc = []byte(`{"a":3}`)
	if ok, err := s.ReplaceExecution(other, was); err != nil || ok {
		t.Fatalf("second claim: got %v, %v; want it refused", ok, err)
	}
	got, _, err := s.Execution("x1")
	if err != nil || got.State != "RESTARTED" || string(got.Doc) != `{"a":2}` {
		t.Fatalf("record: got %s %s, %v; want the first claim's", got.State, got.Doc, err)
	}
	// An execution not recorded is not claimed.
	if ok, err := s.ReplaceExecution(ExecRecord{ID: "nope", State: "RESTARTED", Doc: []byte(`{}`)}, was); err != nil || ok {
		t.Fatalf("claim of an unknown execution: got %v, %v; want false", ok, err)
	}
	// The summary follows the record: the listing says RESTARTED.
	recs, err := s.Executions(ListFilter{})
	if err != nil || len(recs) != 1 || recs[0].State != "RESTARTED" {
		t.Fatalf("listing: got %+v, %v", recs, err)
	}
}
