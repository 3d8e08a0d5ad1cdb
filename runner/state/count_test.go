package state

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestCountExecutions(t *testing.T) {
	// Kestra's executionsCount: 2 of first, 3 of second, 9 of third, in the last days.
	s := newStore(t, Options{})
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 14 {
		flow := "third"
		if i < 2 {
			flow = "first"
		} else if i < 5 {
			flow = "second"
		}
		state := "SUCCESS"
		if i == 13 {
			state = "FAILED"
		}
		rec := ExecRecord{ID: fmt.Sprintf("e%02d", i), Namespace: "io.kestra.unittest", FlowID: flow, State: state,
			StartDate: now.Add(-time.Duration(i) * time.Hour), EndDate: now, Doc: []byte("{}")}
		if err := s.PutExecution(rec); err != nil {
			t.Fatal(err)
		}
	}
	old := ExecRecord{ID: "old", Namespace: "io.kestra.unittest", FlowID: "first", State: "SUCCESS",
		StartDate: now.AddDate(0, 0, -40), EndDate: now, Doc: []byte("{}")}
	if err := s.PutExecution(old); err != nil {
		t.Fatal(err)
	}
	got, err := s.CountExecutions(now.AddDate(0, 0, -10), now, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []ExecutionCount{{"io.kestra.unittest", "first", 2}, {"io.kestra.unittest", "second", 3}, {"io.kestra.unittest", "third", 9}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	got, _ = s.CountExecutions(now.AddDate(0, 0, -10), now, func(ns, flow, state string) bool { return state == "FAILED" })
	if want := []ExecutionCount{{"io.kestra.unittest", "third", 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("FAILED only: got %v, want %v", got, want)
	}
	// Both ends are included.
	got, _ = s.CountExecutions(now.Add(-time.Hour), now, nil)
	if len(got) != 1 || got[0].Count != 2 {
		t.Errorf("the last hour, ends included: got %v", got)
	}
}
