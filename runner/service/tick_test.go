package service

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner/state"
)

// quarterly is a flow with a Schedule trigger every 15 minutes, recovering missed dates as
// recover says ("" is Kestra's default, ALL).
func quarterly(recover string) string {
	more := "triggers:\n  - id: every\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"*/15 * * * *\"\n"
	if recover != "" {
		more += "    recoverMissedSchedules: " + recover + "\n"
	}
	return logFlow("dev", "quarterly", more)
}

func TestTickClaimsEachDateOnce(t *testing.T) {
	s, n := newService(t)
	apply(t, s, quarterly(""))
	if next, ok := s.NextDue(); !ok || !next.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("next due %v %v, want %v", next, ok, t0.Add(15*time.Minute))
	}
	// Nothing is due at the apply.
	if killed := s.Tick(context.Background(), t0); killed || len(n.all("")) != 0 {
		t.Fatalf("a tick at the apply said %q", n.all(""))
	}
	now := t0.Add(30 * time.Minute)
	// Another tick on the same state (a second cron line) starts while the first runs its
	// first date, and ends before it: they overlap, and each date runs once, in one of them.
	other, on := newService(t)
	other.Store = s.Store
	n.scheduled = func() { other.Tick(context.Background(), now) }
	s.Tick(context.Background(), now)
	// A tick at the same time after both finds nothing due.
	s.Tick(context.Background(), now)
	ran := append(n.all("scheduled dev"), on.all("scheduled dev")...)
	slices.Sort(ran)
	want := []string{"scheduled dev.quarterly/every 2026-11-26T12:15:00Z", "scheduled dev.quarterly/every 2026-11-26T12:30:00Z"}
	if !slices.Equal(ran, want) {
		t.Errorf("ran %q, want each date once: %q", ran, want)
	}
	if len(on.all("scheduled dev")) != 1 {
		t.Errorf("the overlapping tick ran %q, want the date the first had not claimed yet", on.all("scheduled dev"))
	}
	recs, err := s.Store.Executions(state.ListFilter{FlowID: "quarterly"})
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d executions recorded, want 2: %v", len(recs), err)
	}
	if next, ok := s.NextDue(); !ok || !next.Equal(t0.Add(45*time.Minute)) {
		t.Errorf("next due %v, want %v", next, t0.Add(45*time.Minute))
	}
}

// TestTickRecoversMissedDates ticks a minute after 13:00, an hour after the apply: 13:00
// is on time and always runs; 12:15 to 12:45 are late, run or not as the trigger says.
func TestTickRecoversMissedDates(t *testing.T) {
	for _, c := range []struct {
		recover string
		runs    []string
		note    string
	}{
		{"", []string{"12:15", "12:30", "12:45", "13:00"}, ""},
		{"LAST", []string{"12:45", "13:00"}, "note schedule dev.quarterly/every: 2 missed dates not run (2026-11-26T12:15:00Z to 2026-11-26T12:30:00Z): recoverMissedSchedules LAST"},
		{"NONE", []string{"13:00"}, "note schedule dev.quarterly/every: 3 missed dates not run (2026-11-26T12:15:00Z to 2026-11-26T12:45:00Z): recoverMissedSchedules NONE"},
	} {
		t.Run(c.recover, func(t *testing.T) {
			s, n := newService(t)
			apply(t, s, quarterly(c.recover))
			s.Tick(context.Background(), t0.Add(time.Hour+time.Minute))
			var want []string
			for _, hm := range c.runs {
				want = append(want, "scheduled dev.quarterly/every 2026-11-26T"+hm+":00Z")
			}
			if got := n.all("scheduled dev"); !slices.Equal(got, want) {
				t.Errorf("ran %q, want %q", got, want)
			}
			notes := n.all("note")
			if c.note == "" && len(notes) != 0 || c.note != "" && !slices.Equal(notes, []string{c.note}) {
				t.Errorf("notes %q, want %q", notes, c.note)
			}
			// Whatever was run or skipped, the next tick starts after it.
			if next, _ := s.NextDue(); !next.Equal(t0.Add(75 * time.Minute)) {
				t.Errorf("next due %v, want 13:15", next)
			}
		})
	}
}

func TestFlowsShowScheduleProgress(t *testing.T) {
	s, _ := newService(t)
	f := apply(t, s, quarterly(""))
	apply(t, s, logFlow("aa", "plain", ""))
	if got := s.AppliedRevision(f); got != 1 {
		t.Errorf("applied revision %d, want 1", got)
	}
	if got := s.AppliedRevision(parse(t, logFlow("dev", "quarterly", ""))); got != 0 {
		t.Errorf("a changed source has applied revision %d, want 0", got)
	}
	s.Tick(context.Background(), t0.Add(16*time.Minute))
	flows, err := s.Flows()
	if err != nil {
		t.Fatal(err)
	}
	if len(flows) != 2 || flows[0].ID != "plain" || len(flows[0].Triggers) != 0 || flows[1].ID != "quarterly" {
		t.Fatalf("flows %+v, want aa.plain then dev.quarterly", flows)
	}
	tr := flows[1].Triggers
	if len(tr) != 1 || tr[0].ID != "every" || tr[0].Next == nil || tr[0].Last == nil ||
		!tr[0].Next.Equal(t0.Add(30*time.Minute)) || !tr[0].Last.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("triggers %+v, want every, last 12:15, next 12:30", tr)
	}
}

func TestNextWake(t *testing.T) {
	s, _ := newService(t)
	if got := s.NextWake(t0); !got.Equal(t0.Add(recheck)) {
		t.Errorf("with no schedule: %v, want a recheck at %v", got, t0.Add(recheck))
	}
	apply(t, s, quarterly(""))
	for _, c := range []struct{ now, want time.Time }{
		{t0, t0.Add(recheck)}, // the next date is further than a recheck
		{t0.Add(14*time.Minute + 30*time.Second), t0.Add(15 * time.Minute)}, // the next date first
		{t0.Add(16 * time.Minute), t0.Add(16*time.Minute + minWake)},        // still due: no spin
	} {
		if got := s.NextWake(c.now); !got.Equal(c.want) {
			t.Errorf("at %v: wake at %v, want %v", c.now, got, c.want)
		}
	}
}
