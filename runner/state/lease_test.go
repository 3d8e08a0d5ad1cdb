//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package state

import (
	"os"
	"os/exec"
	"testing"
)

func TestLeaseHeldUntilReleasedOrItsProcessesEnd(t *testing.T) {
	s := newStore(t, Options{})
	l, err := s.TakeLease("lease1")
	if err != nil {
		t.Fatal(err)
	}
	if held, known := s.LeaseHeld("lease1"); !held || !known {
		t.Fatalf("a lease taken: got held %v known %v, want held", held, known)
	}
	if !s.SlotAlive(Slot{ExecID: "x", Holder: Holder{PID: 1 << 30, Lease: "lease1"}}) {
		t.Error("SlotAlive of a slot whose lease is held (whatever its pid): got dead")
	}
	// A child that inherits the lease keeps it after the holder lets go of its own file
	// without unlocking (as a process killed with SIGKILL does).
	child := exec.Command("sleep", "30")
	child.ExtraFiles = []*os.File{l.File()}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	l.f.Close()
	if held, _ := s.LeaseHeld("lease1"); !held {
		t.Error("the holder gone, its child alive: got the lease free, want held")
	}
	child.Process.Kill()
	child.Wait()
	if held, known := s.LeaseHeld("lease1"); held || !known {
		t.Errorf("every holder gone: got held %v known %v, want free", held, known)
	}
	if held, known := s.LeaseHeld("lease1"); held || known {
		t.Errorf("a lease found free is removed: got held %v known %v, want no file", held, known)
	}
	if !s.SlotAlive(Slot{ExecID: "x", Holder: Self()}) {
		t.Error("SlotAlive of a slot without lease file, held by a live pid: got dead")
	}

	l2, err := s.TakeLease("lease2")
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
	if held, known := s.LeaseHeld("lease2"); held || known {
		t.Errorf("a released lease: got held %v known %v, want no file", held, known)
	}
	if _, err := s.TakeLease("../escape"); err == nil {
		t.Error("a lease name with a path: got no error")
	}
}
