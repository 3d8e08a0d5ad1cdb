package tasks

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// entry is one logged line.
type entry struct {
	level Level
	msg   string
}

func (e entry) String() string { return e.level.String() + " " + e.msg }

// recorder keeps what a task logged and warned. It has no lock on purpose: a task must
// serialize its Logger calls, and the race detector reports one that does not.
type recorder struct {
	lines  []entry
	warns  []string
	onLine func(entry) // called for each line, from the task's logging goroutine
}

// at returns the messages logged at level, in order.
func (r *recorder) at(level Level) []string {
	var out []string
	for _, e := range r.lines {
		if e.level == level {
			out = append(out, e.msg)
		}
	}
	return out
}

// has reports whether msg was logged at level.
func (r *recorder) has(level Level, msg string) bool {
	for _, e := range r.lines {
		if e.level == level && e.msg == msg {
			return true
		}
	}
	return false
}

func (r *recorder) dump() string {
	var b strings.Builder
	for _, e := range r.lines {
		fmt.Fprintf(&b, "\n  %s", e)
	}
	return b.String()
}

// testVars are the variables fakeRender knows.
var testVars = map[string]string{
	"name":  "world",
	"level": "warn",
	"yes":   "true",
	"no":    "false",
	"dir":   "sub",
}

// fakeRender replaces {{ key }} by testVars[key]; an unknown key is an error, as in flowctl.
func fakeRender(tmpl string) (string, error) {
	out := tmpl
	for {
		i := strings.Index(out, "{{ ")
		if i < 0 {
			return out, nil
		}
		j := strings.Index(out[i:], " }}")
		if j < 0 {
			return "", fmt.Errorf("unclosed tag in %q", tmpl)
		}
		key := out[i+3 : i+j]
		v, ok := testVars[key]
		if !ok {
			return "", fmt.Errorf("Unable to find `%s` used in the expression `%s`", key, tmpl)
		}
		out = out[:i] + v + out[i+j+3:]
	}
}

// newContext returns a Context whose logs and warnings go to the returned recorder.
func newContext(t *testing.T) (*Context, *recorder) {
	t.Helper()
	rec := &recorder{}
	tc := &Context{
		TaskID: "task",
		Render: fakeRender,
		Log: NewLogger(func(l Level, msg string) {
			e := entry{l, msg}
			rec.lines = append(rec.lines, e)
			if rec.onLine != nil {
				rec.onLine(e)
			}
		}),
		Now:     time.Now,
		Environ: os.Environ(),
		TempDir: t.TempDir(),
		Warn:    func(msg string) { rec.warns = append(rec.warns, msg) },
		Storage: newMemStorage("kestra:///dev/flow/executions/E/tasks/task/R/"),
	}
	return tc, rec
}

// pidfdOpen is the pidfd_open system call's number, the same on every Linux architecture.
const pidfdOpen = 434

// exited waits up to limit for the process pid to have exited (a zombie counts: it runs no
// more) and reports whether it has. It blocks on a pidfd, which becomes readable when the
// process exits, rather than polling.
func exited(t *testing.T, pid int, limit time.Duration) bool {
	t.Helper()
	fd, _, errno := syscall.Syscall(pidfdOpen, uintptr(pid), 0, 0)
	switch errno {
	case 0:
	case syscall.ESRCH:
		return true // already reaped
	default:
		t.Fatalf("pidfd_open(%d): %v", pid, errno)
	}
	defer syscall.Close(int(fd))
	var set syscall.FdSet
	set.Bits[fd/64] |= 1 << (fd % 64)
	tv := syscall.NsecToTimeval(limit.Nanoseconds())
	for {
		n, err := syscall.Select(int(fd)+1, &set, nil, nil, &tv)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("select on pidfd of %d: %v", pid, err)
		}
		return n == 1
	}
}

func ptr[T any](v T) *T { return &v }
