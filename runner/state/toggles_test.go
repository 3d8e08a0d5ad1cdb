package state

import (
	"path/filepath"
	"testing"
	"time"
)

// TestTogglesAndWindowsLifecycle: toggles and windows are kept per flow, expired windows are
// dropped, a recovery copies both, and deleting the flow drops its own.
func TestTogglesAndWindowsLifecycle(t *testing.T) {
	s := newStore(t, Options{})
	for _, id := range []string{"f", "g"} {
		if _, _, err := s.ApplyFlow("dev", id, []byte("id: "+id+"\n"), false, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetToggle(Toggle{Namespace: "dev", FlowID: id, TriggerID: "every", Disabled: true, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	put := func(flowID, cond string, end time.Time) {
		t.Helper()
		err := s.UpdateWindows("dev", flowID, t0, func(cur map[string]WindowRecord) (map[string]*WindowRecord, error) {
			return map[string]*WindowRecord{cond: {Start: t0, End: end, Results: map[string]bool{"a": true}}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("f", "open", t0.Add(time.Hour))
	put("f", "ended", t0.Add(time.Minute))
	put("g", "open", t0.Add(time.Hour))
	var seen map[string]WindowRecord
	if err := s.UpdateWindows("dev", "f", t0, func(cur map[string]WindowRecord) (map[string]*WindowRecord, error) {
		seen = cur
		return nil, nil
	}); err != nil || len(seen) != 2 || !seen["open"].Results["a"] || seen["open"].FlowID != "f" {
		t.Fatalf("windows of f: %+v, %v", seen, err)
	}
	// An update of g's, later, drops f's window that ended meanwhile.
	if err := s.UpdateWindows("dev", "g", t0.Add(2*time.Minute), func(map[string]WindowRecord) (map[string]*WindowRecord, error) {
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if ws, err := s.Windows(); err != nil || len(ws) != 2 {
		t.Fatalf("after the expiry: %+v, %v; want the two open ones", ws, err)
	}

	dst := filepath.Join(t.TempDir(), "recovered.db")
	if _, err := Recover(s.Path(), dst, Options{}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ts, err := r.Toggles(); err != nil || len(ts) != 2 {
		t.Fatalf("recovered toggles %+v, %v", ts, err)
	}
	if ws, err := r.Windows(); err != nil || len(ws) != 2 {
		t.Fatalf("recovered windows %+v, %v", ws, err)
	}

	if _, err := s.DeleteFlow("dev", "f"); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Toggles()
	if _, ok := ts[ToggleKey("dev", "g", "every")]; err != nil || len(ts) != 1 || !ok {
		t.Fatalf("toggles after deleting f: %+v, %v; want g's only", ts, err)
	}
	if ws, err := s.Windows(); err != nil || len(ws) != 1 || ws[0].FlowID != "g" {
		t.Fatalf("windows after deleting f: %+v, %v; want g's only", ws, err)
	}
}
