package state

import (
	"os"
	"strings"
	"sync"

	"github.com/flowctl/flowctl/internal/procfs"
)

// Self is the running process as a slot holder.
func Self() Holder {
	pid := os.Getpid()
	start, _ := procStart(pid)
	return Holder{PID: pid, BootID: bootID(), Start: start}
}

// Alive reports whether h's process still runs: same boot, a process with its pid, not a
// zombie, and started when h did (not another process given the same pid since).
func Alive(h Holder) bool {
	if id := bootID(); id != "" && h.BootID != "" && id != h.BootID {
		return false
	}
	start, ok := procStart(h.PID)
	if !ok {
		return false
	}
	return h.Start == 0 || start == h.Start
}

var bootOnce = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

func bootID() string { return bootOnce() }

// procStart reads the start time of process pid; ok is false when there is no such process
// or it is a zombie.
func procStart(pid int) (uint64, bool) {
	p, err := procfs.Read(pid)
	if err != nil || p.Exited() {
		return 0, false
	}
	return p.Start, true
}
