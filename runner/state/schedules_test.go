package state

import (
	"sync"
	"testing"
	"time"
)

func TestSchedulesSetClaimDelete(t *testing.T) {
	s := newStore(t, Options{})
	if _, _, err := s.ApplyFlow("dev", "f", []byte("id: f\n"), false, t0); err != nil {
		t.Fatal(err)
	}
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	set := func(entries ...ScheduleEntry) map[string]ScheduleEntry {
		t.Helper()
		var seen map[string]ScheduleEntry
		if err := s.SetSchedules("dev", "f", func(old map[string]ScheduleEntry) []ScheduleEntry {
			seen = old
			return entries
		}); err != nil {
			t.Fatal(err)
		}
		return seen
	}
	set(ScheduleEntry{Namespace: "dev", FlowID: "f", TriggerID: "hourly", Last: hour(0), Next: hour(1)},
		ScheduleEntry{Namespace: "dev", FlowID: "f", TriggerID: "daily", Last: hour(0), Next: hour(24)})
	all, err := s.Schedules()
	if err != nil || len(all) != 2 || all[0].TriggerID != "hourly" || all[1].TriggerID != "daily" || !all[1].Next.Equal(hour(24)) {
		t.Fatalf("Schedules: got %+v, %v; want hourly then daily", all, err)
	}

	// A date is claimed once; an older or equal one is not claimed again.
	if ok, err := s.ClaimSchedule("dev", "f", "hourly", hour(1), hour(2), true); !ok || err != nil {
		t.Fatalf("claim 01:00: got %v, %v; want claimed", ok, err)
	}
	if ok, _ := s.ClaimSchedule("dev", "f", "hourly", hour(1), hour(2), true); ok {
		t.Error("claim 01:00 again: got claimed, want refused")
	}
	if ok, _ := s.ClaimSchedule("dev", "f", "gone", hour(1), hour(2), true); ok {
		t.Error("claim of a trigger without entry: got claimed")
	}

	// Two overlapping ticks claiming the same date: exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ClaimSchedule("dev", "f", "hourly", hour(2), hour(3), true)
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("8 concurrent claims of one date: got %d claimed, want 1", n)
	}

	// Applying again sees the progress of each trigger.
	old := set(ScheduleEntry{Namespace: "dev", FlowID: "f", TriggerID: "hourly", Last: hour(2), Next: hour(3)})
	if len(old) != 2 || !old["hourly"].Last.Equal(hour(2)) || !old["daily"].Next.Equal(hour(24)) {
		t.Errorf("SetSchedules saw %+v, want hourly at 02:00 and daily", old)
	}
	if all, _ := s.Schedules(); len(all) != 1 {
		t.Errorf("after dropping daily: got %+v, want hourly alone", all)
	}
	if _, err := s.DeleteFlow("dev", "f"); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.Schedules(); len(all) != 0 {
		t.Errorf("after DeleteFlow: got %+v, want no entry", all)
	}
}
