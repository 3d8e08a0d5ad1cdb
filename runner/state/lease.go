//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Leases. A concurrency slot must be freed when the process holding it dies, whatever kills
// it, and not before. Process ids cannot tell that alone: a pid seen from another PID
// namespace (a CI step in a container sharing the state volume) means nothing, and the task
// processes of a flowctl killed with SIGKILL may run on. So each execution that holds a
// slot (or a place in line) also holds an flock on a file of its own, next to the state:
// the kernel lets go of it when the last process holding it ends, in any namespace, and the
// task processes inherit it (see tasks.Context.Inherit), so the slot stays held while they
// run.

// Lease is a lock file, held until Release or the end of every process that
// holds it.
type Lease struct {
	f    *os.File
	path string
	name string
}

// leaseDir is the folder of the lease files of the state at path.
func leaseDir(path string) string { return path + ".leases" }

func (s *Store) leasePath(name string) (string, error) {
	if name == "" || len(name) > 200 || filepath.Base(name) != name || name == "." || name == ".." {
		return "", fmt.Errorf("state: lease name %q cannot name a file", name)
	}
	return filepath.Join(leaseDir(s.path), name+".lock"), nil
}

// TakeLease creates and locks the lease file called name (a fresh random id: Holder.Lease).
// The file is locked under a temporary name, then renamed: a reader never finds it under
// its name unlocked while its holder lives.
func (s *Store) TakeLease(name string) (*Lease, error) {
	path, err := s.leasePath(name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state: lease: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".new-*")
	if err != nil {
		return nil, fmt.Errorf("state: lease: %w", err)
	}
	if err := flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		os.Remove(f.Name())
		f.Close()
		return nil, fmt.Errorf("state: lease %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		f.Close()
		return nil, fmt.Errorf("state: lease: %w", err)
	}
	return &Lease{f: f, path: path, name: name}, nil
}

// Name is the name the lease was taken under (Holder.Lease).
func (l *Lease) Name() string {
	if l == nil {
		return ""
	}
	return l.name
}

// File is the lease's open file, for processes that must hold the lease too.
func (l *Lease) File() *os.File {
	if l == nil {
		return nil
	}
	return l.f
}

// Release removes the lease file and lets go of the lock, for every process that shares it.
func (l *Lease) Release() {
	if l == nil {
		return
	}
	os.Remove(l.path)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}

// LeaseHeld reports whether some process holds the lease called name; known is false when
// there is no such file: the caller then judges otherwise.
func (s *Store) LeaseHeld(name string) (held, known bool) {
	path, err := s.leasePath(name)
	if err != nil {
		return false, false
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false, !errors.Is(err, os.ErrNotExist)
	}
	defer f.Close()
	if err := flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK), true
	}
	// Nobody holds it: its holder is gone. The file goes too.
	os.Remove(path)
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, true
}

// SlotAlive is the production judge of AcquireSlot: a slot is alive while its lease is held.
// One whose lease file is gone was released (or its holder died before it could write it):
// it is judged by its holder's pid.
func (s *Store) SlotAlive(sl Slot) bool {
	if sl.Holder.Lease != "" {
		if held, known := s.LeaseHeld(sl.Holder.Lease); known {
			return held
		}
	}
	return Alive(sl.Holder)
}

// runLeaseName names the lease a process holds while it runs execution id: an execution
// recorded RUNNING whose lease nobody holds was cut off (kill -9, the OOM killer, a crash).
func runLeaseName(id string) string { return "run-" + id }

// TakeRunLease takes the lease of execution id, held by the process that runs it until
// Release. Unlike a concurrency lease it is not handed to the task processes: a task left
// running by a killed flowctl records nothing.
//
// A lease file a killed process left is taken over (a restart of the execution it ran); one
// a live process holds is not: the error says another process runs the execution.
func (s *Store) TakeRunLease(id string) (*Lease, error) {
	name := runLeaseName(id)
	path, err := s.leasePath(name)
	if err != nil {
		return nil, err
	}
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		if err := flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, fmt.Errorf("state: execution %s: another process runs it (%s is locked)", id, path)
		}
		return &Lease{f: f, path: path, name: name}, nil
	}
	return s.TakeLease(name)
}

// Runner says whether a process holds the lease of execution id.
type Runner int

// What RunnerOf finds.
const (
	// RunnerUnknown: no lease file. The execution was recorded by a flowctl without run
	// leases, or its process released the lease as it ended: read its record again.
	RunnerUnknown Runner = iota
	// RunnerAlive: a process holds the lease.
	RunnerAlive
	// RunnerGone: the lease file is there and nobody holds it: the process that ran the
	// execution ended without releasing it, so without recording its end.
	RunnerGone
)

// RunnerOf says whether a process runs execution id now. It only tests the lock (a shared
// one, let go at once) and changes nothing, so a read-only command may call it. A process
// releases its lease after recording the end, so an execution found RUNNING, then RunnerGone,
// then still RUNNING when read again, was cut off.
func (s *Store) RunnerOf(id string) Runner {
	path, err := s.leasePath(runLeaseName(id))
	if err != nil {
		return RunnerUnknown
	}
	f, err := os.Open(path)
	if err != nil {
		return RunnerUnknown
	}
	defer f.Close()
	if err := flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return RunnerAlive
		}
		return RunnerUnknown
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return RunnerGone
}
