//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
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

func TestRunnerOfTellsARunningExecutionFromOneCutOff(t *testing.T) {
	s := newStore(t, Options{})
	if got := s.RunnerOf("exec1"); got != RunnerUnknown {
		t.Errorf("no lease ever taken: got %v, want RunnerUnknown", got)
	}
	l, err := s.TakeRunLease("exec1")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.RunnerOf("exec1"); got != RunnerAlive {
		t.Errorf("lease held: got %v, want RunnerAlive", got)
	}
	if got := s.RunnerOf("exec1"); got != RunnerAlive {
		t.Errorf("asked twice (the test lets go of its own lock): got %v, want RunnerAlive", got)
	}
	entries, _ := os.ReadDir(leaseDir(s.path))
	for _, e := range entries {
		if e.Name() != "run-exec1.lock" {
			t.Errorf("lease folder holds %s, want only run-exec1.lock", e.Name())
		}
	}
	// The holder's file closed without Release, as the kernel does for a process killed
	// with SIGKILL: the file stays, unlocked.
	l.f.Close()
	if got := s.RunnerOf("exec1"); got != RunnerGone {
		t.Errorf("holder gone: got %v, want RunnerGone", got)
	}
	if got := s.RunnerOf("exec1"); got != RunnerGone {
		t.Errorf("asked twice: got %v, want RunnerGone (RunnerOf changes nothing)", got)
	}
	// A restart takes the lease the killed process left; a second one cannot.
	again, err := s.TakeRunLease("exec1")
	if err != nil {
		t.Fatalf("taking over a lease nobody holds: %v", err)
	}
	if got := s.RunnerOf("exec1"); got != RunnerAlive {
		t.Errorf("taken over: got %v, want RunnerAlive", got)
	}
	if _, err := s.TakeRunLease("exec1"); err == nil {
		t.Error("taking a lease a live process holds: got no error")
	}
	again.Release()
	l2, err := s.TakeRunLease("exec2")
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
	if got := s.RunnerOf("exec2"); got != RunnerUnknown {
		t.Errorf("released at the end of its run: got %v, want RunnerUnknown", got)
	}
}

func TestPruneRemovesTheRunLeaseAKilledProcessLeft(t *testing.T) {
	s := newStore(t, Options{})
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.PutExecution(ExecRecord{ID: "cut", Namespace: "dev", FlowID: "f", State: "RUNNING", StartDate: start, Doc: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	l, err := s.TakeRunLease("cut")
	if err != nil {
		t.Fatal(err)
	}
	l.f.Close() // killed: the file stays, unlocked
	if got := s.RunnerOf("cut"); got != RunnerGone {
		t.Fatalf("before the prune: got %v, want RunnerGone", got)
	}
	if n, err := s.PruneExecutions(start.Add(time.Hour), 0); err != nil || n != 1 {
		t.Fatalf("prune: got %d, %v; want 1 pruned", n, err)
	}
	if _, err := os.Stat(filepath.Join(leaseDir(s.path), "run-cut.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the run lease after the prune: got %v, want no file", err)
	}
}
