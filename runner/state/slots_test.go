package state

import (
	"testing"
	"time"
)

// holders plays processes for AcquireSlot: a holder is alive unless its pid is in dead.
type holders struct{ dead map[int]bool }

func (h *holders) alive(x Slot) bool { return !h.dead[x.Holder.PID] }

func holder(pid int) Holder { return Holder{PID: pid, BootID: "boot", Start: uint64(pid), Since: t0} }

func TestAcquireSlotLimitAndRelease(t *testing.T) {
	s := newStore(t, Options{})
	hs := &holders{dead: map[int]bool{}}
	acquire := func(exec string, pid int, queue bool) SlotResult {
		t.Helper()
		r, err := s.AcquireSlot("dev", "f", exec, holder(pid), 2, queue, hs.alive)
		if err != nil {
			t.Fatalf("AcquireSlot(%s): %v", exec, err)
		}
		return r
	}
	if !acquire("a", 1, false).Acquired || !acquire("b", 2, false).Acquired {
		t.Fatal("the first two executions of a flow limited to 2: got no slot, want one each")
	}
	r := acquire("c", 3, false)
	if r.Acquired || len(r.Holders) != 2 || r.Holders[0].ExecID == "c" {
		t.Fatalf("a third: got %+v, want no slot and the two holders", r)
	}
	if sl, _ := s.Slots("dev", "f"); len(sl) != 2 {
		t.Errorf("without queue the third takes no place in line: got %d slots, want 2", len(sl))
	}
	// Another flow's slots are its own.
	if r, _ := s.AcquireSlot("dev", "other", "z", holder(9), 1, false, hs.alive); !r.Acquired {
		t.Error("another flow: got no slot, want one")
	}
	// Recording the end of an execution frees its slot.
	if err := s.PutExecution(ExecRecord{ID: "a", Namespace: "dev", FlowID: "f", State: "SUCCESS", StartDate: t0, EndDate: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if !acquire("c", 3, false).Acquired {
		t.Error("after a's end was recorded: got no slot for c, want one")
	}
	// Asking again while holding one is no new slot.
	if r := acquire("c", 3, false); !r.Acquired {
		t.Error("c asking again: got no slot, want its own")
	}
	if sl, _ := s.Slots("dev", "f"); len(sl) != 2 {
		t.Errorf("got %d slots, want b and c", len(sl))
	}
	if err := s.ReleaseSlot("dev", "f", "b"); err != nil {
		t.Fatal(err)
	}
	if sl, _ := s.Slots("dev", "f"); len(sl) != 1 || sl[0].ExecID != "c" {
		t.Errorf("after ReleaseSlot(b): got %+v, want c alone", sl)
	}
}

func TestAcquireSlotQueueIsFirstComeFirstServed(t *testing.T) {
	s := newStore(t, Options{})
	hs := &holders{dead: map[int]bool{}}
	acquire := func(exec string, pid int) SlotResult {
		t.Helper()
		r, err := s.AcquireSlot("dev", "f", exec, holder(pid), 1, true, hs.alive)
		if err != nil {
			t.Fatalf("AcquireSlot(%s): %v", exec, err)
		}
		return r
	}
	if !acquire("a", 1).Acquired {
		t.Fatal("a: got no slot")
	}
	if r := acquire("b", 2); r.Acquired || r.Ahead != 0 {
		t.Fatalf("b: got %+v, want queued first in line", r)
	}
	if r := acquire("c", 3); r.Acquired || r.Ahead != 1 {
		t.Fatalf("c: got %+v, want queued behind b", r)
	}
	if err := s.ReleaseSlot("dev", "f", "a"); err != nil {
		t.Fatal(err)
	}
	// c asks first, but b is ahead of it.
	if r := acquire("c", 3); r.Acquired || r.Ahead != 1 {
		t.Errorf("c before b: got %+v, want still waiting behind b", r)
	}
	if r := acquire("b", 2); !r.Acquired {
		t.Errorf("b: got %+v, want the slot", r)
	}
	sl, _ := s.Slots("dev", "f")
	if len(sl) != 2 || sl[0].ExecID != "b" || sl[0].Queued != 0 || sl[1].ExecID != "c" || sl[1].Queued == 0 {
		t.Errorf("slots: got %+v, want b running then c in line", sl)
	}
}

func TestAcquireSlotFreesSlotsOfDeadProcesses(t *testing.T) {
	s := newStore(t, Options{})
	hs := &holders{dead: map[int]bool{}}
	if r, _ := s.AcquireSlot("dev", "f", "a", holder(1), 1, true, hs.alive); !r.Acquired {
		t.Fatal("a: got no slot")
	}
	if r, _ := s.AcquireSlot("dev", "f", "w", holder(2), 1, true, hs.alive); r.Acquired {
		t.Fatal("w: got a slot, want a place in line")
	}
	hs.dead[1], hs.dead[2] = true, true // a and w killed with SIGKILL
	r, err := s.AcquireSlot("dev", "f", "b", holder(3), 1, true, hs.alive)
	if err != nil || !r.Acquired {
		t.Fatalf("b: got %+v, %v; want the slot of the dead holder", r, err)
	}
	if len(r.Released) != 2 || r.Released[0].ExecID != "a" || r.Released[0].Holder.PID != 1 || r.Released[1].ExecID != "w" {
		t.Errorf("released: got %+v, want a and w with their pids", r.Released)
	}
}
