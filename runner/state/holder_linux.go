package state

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
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

// procStart reads the start time of process pid (field 22 of /proc/PID/stat, in clock ticks
// since boot); ok is false when there is no such process or it is a zombie.
func procStart(pid int) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, field 2, is in parentheses and may hold spaces or parentheses: the
	// fields that follow start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(string(b[i+1:]))
	// fields[0] is field 3 (the state), so field 22 is fields[19].
	if len(fields) < 20 || fields[0] == "Z" || fields[0] == "X" {
		return 0, false
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, false
	}
	return start, true
}
