//go:build linux

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal: what flowctl writes to tty, the test reads from pty.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	ioctl := func(req uintptr, arg unsafe.Pointer) {
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, pty.Fd(), req, uintptr(arg)); errno != 0 {
			pty.Close()
			t.Skipf("no pseudo-terminal here: ioctl %#x: %v", req, errno)
		}
	}
	var unlock int32
	ioctl(syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(syscall.TIOCGPTN, unsafe.Pointer(&n))
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		pty.Close()
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	return pty, tty
}

// runOnTerminal runs flowctl with stdout on a terminal and returns what the terminal got,
// its "\r\n" line ends (the terminal's) read as "\n".
func runOnTerminal(t *testing.T, args ...string) string {
	t.Helper()
	pty, tty := openPTY(t)
	defer pty.Close()
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, pty) // ends with EIO once the terminal side is closed and read
		got <- b.Bytes()
	}()
	var errb bytes.Buffer
	Main(context.Background(), args, Streams{In: strings.NewReader(""), Out: tty, Err: &errb})
	tty.Close()
	out := string(<-got)
	if errb.Len() > 0 {
		t.Logf("stderr of flowctl %s:\n%s", strings.Join(args, " "), errb.String())
	}
	return strings.ReplaceAll(out, "\r\n", "\n")
}

// hostileFlow writes a flow whose task prints colour, a window title, a screen clear, a
// cursor move and a carriage return.
func hostileFlow(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.yml")
	flow := `id: hostile
namespace: dev
tasks:
  - id: t
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf '\033[31mred\033[0m \033]0;title\007\033[2J\033[1Aup\rfake\n'
`
	if err := os.WriteFile(path, []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ownLine takes out of a terminal's output flowctl's own status line (drawn after "⏵",
// erased with "\r\x1b[K"), leaving what the tasks wrote.
func ownLine(out string) string {
	var b strings.Builder
	for _, part := range strings.Split(out, "\r\x1b[K") {
		if i := strings.Index(part, "⏵"); i >= 0 && !strings.Contains(part[i:], "\n") {
			part = part[:i]
		}
		b.WriteString(part)
	}
	return b.String()
}

func TestTerminalShowsLiveProgress(t *testing.T) {
	quietCI(t)
	t.Setenv("CI", "")
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	t.Setenv("FLOWCTL_STATE", filepath.Join(t.TempDir(), "state.db"))
	path := filepath.Join(t.TempDir(), "slow.yml")
	src := "id: slow\nnamespace: dev\ntasks:\n  - id: nap\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands:\n      - echo before\n      - sleep 1.2\n      - echo after\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runOnTerminal(t, "run", path)
	for _, want := range []string{"[nap]", "started", "⏵ 0:00  running nap", "before", "after"} {
		if !strings.Contains(out, want) {
			t.Errorf("run on a terminal: got\n%q\nwant it to hold %q", out, want)
		}
	}
	// The status line is erased before each log line and before the summary: no line of
	// the log or the summary starts with it.
	if !strings.Contains(out, "\r\x1b[K") {
		t.Errorf("run on a terminal: the status line is never erased in\n%q", out)
	}
	summary := out[strings.Index(out, "TASK"):]
	if strings.Contains(summary, "⏵") {
		t.Errorf("the status line is left in the summary:\n%q", summary)
	}

	// Not on a terminal (a pipe, here a buffer), and with NO_COLOR: no status line.
	t.Setenv("NO_COLOR", "1")
	if out := runOnTerminal(t, "run", path); strings.Contains(out, "⏵") || strings.Contains(out, "\r\x1b[K") {
		t.Errorf("run on a terminal with NO_COLOR: got a status line in\n%q", out)
	}
}

// quietCI keeps the CI system running these tests, if any, out of their output.
func quietCI(t *testing.T) {
	for _, k := range []string{"GITHUB_ACTIONS", "GITLAB_CI"} {
		t.Setenv(k, "")
	}
}

func TestTerminalGetsColourNotControlSequences(t *testing.T) {
	quietCI(t)
	t.Setenv("TERM", "xterm")
	t.Setenv("FLOWCTL_STATE", filepath.Join(t.TempDir(), "state.db"))
	t.Setenv("NO_COLOR", "") // set but empty: colour stays on (no-color.org)
	flow := hostileFlow(t)
	shown := "␛]0;title␇␛[2J␛[1Aup␍fake"

	out := ownLine(runOnTerminal(t, "run", flow))
	if !strings.Contains(out, "\x1b[31mred\x1b[0m "+shown) {
		t.Errorf("run on a terminal: got\n%q\nwant the colour kept and the rest shown: %q", out, "\x1b[31mred\x1b[0m "+shown)
	}
	for _, raw := range []string{"\x1b]", "\x1b[2J", "\x1b[1A", "\a", "\r"} {
		if strings.Contains(out, raw) {
			t.Errorf("run on a terminal: got %q raw in\n%q", raw, out)
		}
	}

	code, list, _ := run(t, "executions", "list", "-o", "json")
	var xs []struct{ ID string }
	if code != 0 || json.Unmarshal([]byte(list), &xs) != nil || len(xs) != 1 {
		t.Fatalf("executions list: got %d %q, want one execution", code, list)
	}
	out = runOnTerminal(t, "executions", "show", xs[0].ID)
	if !strings.Contains(out, "\x1b[31mred\x1b[0m "+shown) || strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") {
		t.Errorf("executions show on a terminal: got\n%q\nwant the colour kept and the rest shown: %q", out, shown)
	}

	t.Setenv("NO_COLOR", "1")
	out = ownLine(runOnTerminal(t, "run", flow))
	if !strings.Contains(out, "red "+shown) || strings.Contains(out, "\x1b") {
		t.Errorf("run on a terminal with NO_COLOR=1: got\n%q\nwant no escape at all and %q", out, "red "+shown)
	}
}

func TestColorDecision(t *testing.T) {
	quietCI(t)
	pty, tty := openPTY(t)
	defer pty.Close()
	defer tty.Close()
	cases := []struct {
		noColor, term string
		flag          bool
		want          bool
	}{
		{"", "xterm", false, true},
		{"1", "xterm", false, false},
		{"0", "xterm", false, false}, // any value that is not empty
		{"", "dumb", false, false},
		{"", "xterm", true, false},
	}
	for _, c := range cases {
		t.Setenv("NO_COLOR", c.noColor)
		t.Setenv("TERM", c.term)
		if got := colorEnabled(tty, c.flag); got != c.want {
			t.Errorf("NO_COLOR=%q TERM=%s --no-color=%v on a terminal: got colour %v, want %v", c.noColor, c.term, c.flag, got, c.want)
		}
	}
	os.Unsetenv("NO_COLOR") // t.Setenv restores it after the test
	if !colorEnabled(tty, false) {
		t.Error("NO_COLOR unset on a terminal: got no colour, want colour")
	}
}
