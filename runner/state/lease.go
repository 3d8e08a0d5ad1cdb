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
func (s *Store) TakeLease(name string) (*Lease, error) {
	path, err := s.leasePath(name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state: concurrency lease: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state: concurrency lease: %w", err)
	}
	if err := flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state: concurrency lease %s: %w", path, err)
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
