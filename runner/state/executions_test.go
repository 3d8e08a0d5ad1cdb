package state

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestPutExecutionReplaces(t *testing.T) {
	s := newStore(t, Options{})
	r := execRec("e1", "dev", "build", "RUNNING", t0)
	r.EndDate = time.Time{}
	if err := s.PutExecution(r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Execution("e1")
	if err != nil || !ok || got.State != "RUNNING" || !got.EndDate.IsZero() {
		t.Fatalf("after start: %+v %v %v", got, ok, err)
	}
	// The end, with a start date that moved: the listing must show it once.
	r.State, r.StartDate, r.EndDate, r.Doc = "FAILED", t0.Add(time.Millisecond), t0.Add(time.Second), []byte(`{"id":"e1","state":{"current":"FAILED"}}`)
	if err := s.PutExecution(r); err != nil {
		t.Fatal(err)
	}
	got, ok, err = s.Execution("e1")
	if err != nil || !ok {
		t.Fatalf("Execution = %v, %v", ok, err)
	}
	if got.ID != "e1" || got.Namespace != "dev" || got.FlowID != "build" || got.State != "FAILED" ||
		!got.StartDate.Equal(r.StartDate) || !got.EndDate.Equal(r.EndDate) || string(got.Doc) != string(r.Doc) {
		t.Errorf("got %+v, want %+v", got, r)
	}
	list, err := s.Executions(ListFilter{})
	if err != nil || ids(list) != "e1" || list[0].State != "FAILED" {
		t.Errorf("Executions = %q, %v; want e1 once, FAILED", ids(list), err)
	}
	if _, ok, err := s.Execution("nope"); ok || err != nil {
		t.Errorf("unknown id: ok %v err %v, want false, nil", ok, err)
	}
	if err := s.PutExecution(ExecRecord{}); err == nil {
		t.Error("an execution without an id was accepted")
	}
}

func TestExecutionsFilterOrderLimit(t *testing.T) {
	s := newStore(t, Options{})
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, r := range []ExecRecord{
		execRec("a1", "dev", "build", "SUCCESS", at(1)),
		execRec("a2", "dev", "build", "FAILED", at(2)),
		execRec("b1", "dev", "deploy", "SUCCESS", at(3)),
		execRec("c1", "prod", "build", "WARNING", at(4)),
		execRec("c2", "prod", "build", "RUNNING", at(5)),
		execRec("z0", "prod", "build", "SUCCESS", at(5)), // same start: id breaks the tie
		execRec("old", "dev", "build", "SUCCESS", time.Time{}),
	} {
		if err := s.PutExecution(r); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    ListFilter
		want string
	}{
		{"all, newest first", ListFilter{}, "z0 c2 c1 b1 a2 a1 old"},
		{"limit", ListFilter{Limit: 3}, "z0 c2 c1"},
		{"namespace", ListFilter{Namespace: "dev"}, "b1 a2 a1 old"},
		{"flow", ListFilter{FlowID: "build"}, "z0 c2 c1 a2 a1 old"},
		{"namespace and flow", ListFilter{Namespace: "prod", FlowID: "build", Limit: 2}, "z0 c2"},
		{"state, any case", ListFilter{State: "success"}, "z0 b1 a1 old"},
		{"all three", ListFilter{Namespace: "dev", FlowID: "build", State: "FAILED"}, "a2"},
		{"no match", ListFilter{Namespace: "nope"}, ""},
		{"namespace is not a prefix match", ListFilter{Namespace: "de"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Executions(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != tt.want {
				t.Errorf("got %q, want %q", ids(got), tt.want)
			}
			for _, r := range got {
				if len(r.Doc) == 0 {
					t.Errorf("%s: no document", r.ID)
				}
			}
		})
	}
}

func TestPruneExecutions(t *testing.T) {
	at := func(d int) time.Time { return t0.Add(time.Duration(d) * 24 * time.Hour) }
	tests := []struct {
		name      string
		olderThan time.Time
		keep      int
		want      string // what is left, newest first
	}{
		{"nothing asked", time.Time{}, 0, "e5 e4 e3 e2 e1"},
		{"older than", at(3), 0, "e5 e4 e3"},
		{"older than everything", at(10), 0, ""},
		{"keep", time.Time{}, 2, "e5 e4"},
		{"keep more than there are", time.Time{}, 10, "e5 e4 e3 e2 e1"},
		{"both: age cuts deeper", at(4), 3, "e5 e4"},
		{"both: keep cuts deeper", at(2), 1, "e5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, Options{})
			for i := 1; i <= 5; i++ {
				id := fmt.Sprintf("e%d", i)
				if err := s.PutExecution(execRec(id, "dev", "f", "SUCCESS", at(i))); err != nil {
					t.Fatal(err)
				}
				if err := s.PutLogs(id, []LogEntry{{TaskRunID: "t", Time: at(i), Level: "INFO", Message: "hi"}}); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Storage().Execution("dev", "f", id).Task("t", "r").Put("out.txt", strings.NewReader(id)); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.PruneExecutions(tt.olderThan, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			left, err := s.Executions(ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if ids(left) != tt.want {
				t.Errorf("left %q, want %q", ids(left), tt.want)
			}
			if n != 5-len(left) {
				t.Errorf("pruned %d, want %d", n, 5-len(left))
			}
			for i := 1; i <= 5; i++ {
				id := fmt.Sprintf("e%d", i)
				_, kept, _ := s.Execution(id)
				logs, _ := s.Logs(id)
				if kept != (len(logs) == 1) {
					t.Errorf("%s: kept %v but %d log lines", id, kept, len(logs))
				}
				files, err := s.Storage().List("dev", "f", id)
				if err != nil || kept != (len(files) == 1) {
					t.Errorf("%s: kept %v but files %v, %v", id, kept, files, err)
				}
			}
		})
	}
}

func TestPruneInBatches(t *testing.T) {
	s := newStore(t, Options{})
	var recs []ExecRecord
	for i := range 2*pruneBatch + 500 {
		recs = append(recs, execRec(fmt.Sprintf("e%05d", i), "dev", "f", "SUCCESS", t0.Add(time.Duration(i)*time.Second)))
	}
	bulkPut(t, s, recs)
	n, err := s.PruneExecutions(time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(recs) - 10; n != want {
		t.Errorf("pruned %d, want %d", n, want)
	}
	left, err := s.Executions(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 10 || left[0].ID != recs[len(recs)-1].ID || left[9].ID != recs[len(recs)-10].ID {
		t.Errorf("left %q, want the newest 10", ids(left))
	}
}

func TestPruneDeletesOnlyTheExecutionsItChecked(t *testing.T) {
	s := newStore(t, Options{})
	put := func(from, to int) {
		for i := from; i < to; i++ {
			if err := s.PutExecution(execRec(fmt.Sprintf("e%02d", i), "dev", "f", "SUCCESS", t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
	}
	put(0, 10)
	// keep 5 of 10: the five oldest are checked.
	last, err := s.checkPrune(nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Runs recorded after the check move the --keep boundary past what was checked.
	put(10, 15)
	var victims [][]byte
	err = s.read(func(tx *bolt.Tx) error {
		victims, _ = pruneVictims(tx.Bucket(bucketIndex), nil, 5, last)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(victims) != 5 || string(victims[4][8:]) != "e04" {
		t.Errorf("victims: got %d ending %q, want the 5 checked, e00 to e04", len(victims), victims[len(victims)-1][8:])
	}
}

func TestPruneSaysWhichFilesItCouldNotRemove(t *testing.T) {
	s := newStore(t, Options{})
	for i := 1; i <= 3; i++ {
		if err := s.PutExecution(execRec(fmt.Sprintf("e%d", i), "dev", "f", "SUCCESS", t0.Add(time.Duration(i)*time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	// A storage that cannot be read as a folder: the executions still go, and prune says
	// which files stay where.
	if err := os.WriteFile(s.Storage().Dir(), []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneExecutions(time.Time{}, 1)
	if n != 2 {
		t.Errorf("pruned %d, want 2", n)
	}
	want := "state: the files of 2 pruned execution(s) (e1, e2) not removed from " + s.Storage().Dir() + ": internal storage: "
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error: got %v, want one starting %q", err, want)
	}
	left, _ := s.Executions(ListFilter{})
	if ids(left) != "e3" {
		t.Errorf("left %q, want e3", ids(left))
	}
}
