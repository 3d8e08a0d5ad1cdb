//go:build linux

package tasks

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/flowctl/flowctl/internal/procfs"
)

// taskTree is the processes of one task run: the process group runProcess started, and every
// process descending from its first process (the leader), found through /proc's parent
// links, whatever its group or session (`setsid`). The tree is read when it is signalled;
// the processes found are remembered, so one whose parent dies is still known by its pid
// and start time. Processes orphaned before they were ever seen are found when flowctl
// adopts them (AdoptOrphans).
type taskTree struct {
	mu     sync.Mutex
	leader int
	start  uint64           // the leader's start time; 0 when it could not be read
	known  map[int]uint64   // processes found in the tree: pid → start time
	killed map[procKey]bool // processes kill sent SIGKILL to
}

// procKey names one process across pid reuse.
type procKey struct {
	pid   int
	start uint64
}

// init records the leader. It is called right after the leader starts and before anything
// waits for it, so its start time is still readable even if it has already exited.
func (t *taskTree) init(leader int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked(leader)
}

func (t *taskTree) initLocked(leader int) {
	if t.leader != 0 {
		return
	}
	t.leader = leader
	t.known = map[int]uint64{}
	t.killed = map[procKey]bool{}
	if p, err := procfs.Read(leader); err == nil {
		t.start = p.Start
	}
}

// terminate asks the task's processes to stop: SIGTERM to the group, and to every process of
// the tree outside it (each gets one SIGTERM, so a trap runs once).
func (t *taskTree) terminate(leader int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked(leader)
	if t.leader <= 0 {
		return
	}
	members := t.members()
	_ = syscall.Kill(-t.leader, syscall.SIGTERM)
	for _, p := range members {
		if p.PGID != t.leader {
			signalProc(p, syscall.SIGTERM)
		}
	}
}

// kill kills the group and every process of the tree. A process may fork while the others
// are being killed, so the tree is read again until a reading finds no process that was not
// already killed. A killed process cannot fork any more: this ends, the bound is a safeguard.
func (t *taskTree) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.leader <= 0 {
		return // never started: kill(-0) would be flowctl's own group
	}
	for range 100 {
		members := t.members()
		// After the reading: a group member forked since is in the group and dies too.
		_ = syscall.Kill(-t.leader, syscall.SIGKILL)
		fresh := 0
		for _, p := range members {
			k := procKey{p.PID, p.Start}
			if !t.killed[k] {
				t.killed[k] = true
				fresh++
				signalProc(p, syscall.SIGKILL)
			}
		}
		if fresh == 0 {
			return
		}
	}
}

// members reads /proc and returns the live processes of the tree: the leader, the processes
// found before, the processes flowctl adopted since the leader started (in flowctl only one
// task runs at a time), and every descendant of these.
func (t *taskTree) members() []procfs.Proc {
	procs, _ := procfs.All() // unreadable: only the group is signalled
	kids := map[int][]procfs.Proc{}
	var roots []procfs.Proc
	self := os.Getpid()
	for _, p := range procs {
		if p.Exited() {
			continue // nothing to signal, and its children have a new parent already
		}
		kids[p.PPID] = append(kids[p.PPID], p)
		start, known := t.known[p.PID]
		switch {
		case p.PID == t.leader && p.Start == t.start:
		case known && start == p.Start:
		case t.start != 0 && p.PPID == self && p.Start >= t.start && adopted(p.PID):
		default:
			continue
		}
		roots = append(roots, p)
	}
	var members []procfs.Proc
	seen := map[int]bool{}
	for len(roots) > 0 {
		p := roots[len(roots)-1]
		roots = roots[:len(roots)-1]
		if seen[p.PID] {
			continue
		}
		seen[p.PID] = true
		members = append(members, p)
		t.known[p.PID] = p.Start
		roots = append(roots, kids[p.PID]...)
	}
	return members
}

// signalProc sends sig to p, unless its pid now names another process. The pidfd that
// os.FindProcess opens pins the process: checked after it is open, the start time proves
// the signal reaches p or nothing.
func signalProc(p procfs.Proc, sig syscall.Signal) {
	proc, err := os.FindProcess(p.PID)
	if err != nil {
		return
	}
	defer proc.Release()
	if now, err := procfs.Read(p.PID); err != nil || now.Start != p.Start {
		return
	}
	_ = proc.Signal(sig)
}

// adopting is true once flowctl is a child subreaper, a setting of the whole process (see
// children).
var adopting atomic.Bool

// adopted reports whether pid, a child of flowctl, was adopted rather than started by it.
func adopted(pid int) bool {
	if !adopting.Load() {
		return false
	}
	children.Lock()
	defer children.Unlock()
	return children.started[pid] == 0
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// AdoptOrphans makes the program a child subreaper (Linux 3.4 and later) from its first
// task process on: a process that loses its parent, anywhere below the program, becomes the
// program's child instead of init's. A task's process that double-forks or whose parent
// exits stays in the task's tree, where a timeout or an interrupt finds it. The program then
// reaps those orphans when they exit (os/exec reaps the processes it started).
//
// Nothing is done until a task starts a process: only a process's descendants can be
// orphaned, and a command that starts none (version, a flow of Log tasks) is spared the
// signal handler and the goroutine the reaping takes.
//
// Only the program calls it: in a test binary running tasks in parallel, one test's
// orphans would be taken for another's.
func AdoptOrphans() { adoptWanted.Store(true) }

// adoptWanted is set by AdoptOrphans; adoptOnce makes the program a subreaper before the
// first process starts (see adopt).
var (
	adoptWanted atomic.Bool
	adoptOnce   sync.Once
)

// adopt makes the program a child subreaper and starts reaping, once, if AdoptOrphans was
// called. startChild calls it before each process starts, so every descendant of every task
// process is covered.
func adopt() {
	if !adoptWanted.Load() {
		return
	}
	adoptOnce.Do(func() {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			return // an old kernel: orphans go to init, as without it
		}
		adopting.Store(true)
		exits := make(chan os.Signal, 1)
		signal.Notify(exits, syscall.SIGCHLD)
		go func() {
			for range exits {
				reapOrphans()
			}
		}()
	})
}

// reapOrphans waits for every adopted child that has exited, never for one that os/exec
// started: the children lock, held across their start, keeps their exit status theirs.
// A zombie os/exec has yet to wait for hides the others from waitid; waitChild calls
// reapOrphans again once it is gone.
func reapOrphans() {
	if !adopting.Load() {
		return
	}
	children.Lock()
	defer children.Unlock()
	for {
		pid := exitedChild()
		if pid <= 0 || children.started[pid] > 0 {
			return
		}
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got != pid || err != nil {
			return
		}
	}
}

// siginfoPID is the index of si_pid in a siginfo_t read as 32-bit words: after three ints,
// padded to the alignment of a pointer.
const siginfoPID = 3 + (unsafe.Sizeof(uintptr(0))-4)/4

// exitedChild returns the pid of a child that has exited, leaving it to be waited for
// (waitid with WNOWAIT), or 0 when none has.
func exitedChild() int {
	var info [32]uint32 // a siginfo_t, 128 bytes
	const pAll = 0
	_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pAll, 0, uintptr(unsafe.Pointer(&info[0])),
		syscall.WEXITED|syscall.WNOHANG|syscall.WNOWAIT, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(int32(info[siginfoPID]))
}
