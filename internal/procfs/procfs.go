//go:build linux

// Package procfs reads what flowctl needs of Linux's /proc: which processes exist, their
// parents, groups and start times.
package procfs

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
)

// Proc is one process as /proc/PID/stat shows it.
type Proc struct {
	PID, PPID int
	PGID      int
	// State is the one-letter state: R, S, D, Z (zombie), X (dead)...
	State byte
	// Start is when the process started, in clock ticks since boot. A pid is reused once its
	// process is reaped; the pid and the start time together name one process.
	Start uint64
}

// Exited reports whether the process has ended (a zombie waiting to be reaped runs no more).
func (p Proc) Exited() bool { return p.State == 'Z' || p.State == 'X' }

// Read reads the process pid; the error is an fs.ErrNotExist when there is none.
func Read(pid int) (Proc, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Proc{}, err
	}
	return parse(pid, b)
}

// parse reads the fields of a /proc/PID/stat line.
func parse(pid int, b []byte) (Proc, error) {
	// The command name, field 2, is in parentheses and may hold spaces or parentheses: the
	// fields that follow start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Proc{}, errors.New("procfs: malformed stat of pid " + strconv.Itoa(pid))
	}
	// fields[0] is field 3 (the state), so field n is fields[n-3].
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 || len(fields[0]) != 1 {
		return Proc{}, errors.New("procfs: malformed stat of pid " + strconv.Itoa(pid))
	}
	p := Proc{PID: pid, State: fields[0][0]}
	var errs [3]error
	p.PPID, errs[0] = strconv.Atoi(fields[1])
	p.PGID, errs[1] = strconv.Atoi(fields[2])
	p.Start, errs[2] = strconv.ParseUint(fields[19], 10, 64)
	if err := errors.Join(errs[:]...); err != nil {
		return Proc{}, errors.New("procfs: malformed stat of pid " + strconv.Itoa(pid))
	}
	return p, nil
}

// All reads every process of /proc. Processes that end while it reads are left out.
func All() ([]Proc, error) {
	d, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	procs := make([]Proc, 0, len(names))
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue // not a process: /proc/self, /proc/meminfo...
		}
		if p, err := Read(pid); err == nil {
			procs = append(procs, p)
		}
	}
	return procs, nil
}
