//go:build linux

package tasks

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// unread is how many bytes (TIOCINQ, FIONREAD on Linux) written to the pipe w have not been read yet.
func unread(t *testing.T, w *os.File) int {
	t.Helper()
	c, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	c.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// drained waits until the reader has taken everything written to w: what a process that
// writes a line, then waits, gives flowctl.
func drained(t *testing.T, w *os.File) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for unread(t, w) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the reader took nothing for 10s")
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// TestOutputReaderKeepsTheOrderLinesWereRead alternates stdout and stderr lines, each written
// once the one before it was read: every line must be logged in the order written, across
// the two streams, every time. (Two goroutines reading apart log a line read later first,
// now and then.)
func TestOutputReaderKeepsTheOrderLinesWereRead(t *testing.T) {
	for run := range 20 {
		var got []string
		s := newScriptLog(NewLogger(func(l Level, msg string) { got = append(got, l.String()+" "+msg) }))
		stdout, stderr := s.writers()
		r, outW, errW, err := newOutputReader(stdout, stderr, s.log.Batch)
		if err != nil {
			t.Fatal(err)
		}
		r.start()
		var want []string
		for i := range 100 {
			fmt.Fprintf(outW, "out%d\n", i)
			drained(t, outW)
			fmt.Fprintf(errW, "err%d\n", i)
			drained(t, errW)
			want = append(want, fmt.Sprintf("INFO out%d", i), fmt.Sprintf("ERROR err%d", i))
		}
		outW.Close()
		errW.Close()
		if !r.wait(10 * time.Second) {
			t.Fatal("the reader did not end when both streams closed")
		}
		r.close()
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: got\n%s\nwant\n%s", run, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestOutputReaderOrdersAShortScriptsStreams: a few lines written at once to both streams,
// before flowctl can read any: epoll says which stream was written to first, and lines are
// then taken in turn, so an error between two lines, or an error first, keeps its place.
func TestOutputReaderOrdersAShortScriptsStreams(t *testing.T) {
	for _, c := range []struct {
		script string
		want   []string
	}{
		{"echo err >&2; echo out", []string{"ERROR err", "INFO out"}},
		{"echo out; echo err >&2; echo out2", []string{"INFO out", "ERROR err", "INFO out2"}},
		{"echo err >&2; echo out; echo err2 >&2", []string{"ERROR err", "INFO out", "ERROR err2"}},
	} {
		for range 20 {
			r := runTask(t, &ShellCommands{Commands: []string{c.script}, ProcessProps: ProcessProps{WarningOnStdErr: ptr(false)}})
			succeeded(t, r)
			var got []string
			for _, e := range r.rec.lines {
				got = append(got, e.String())
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("%s: got %q, want %q", c.script, got, c.want)
			}
		}
	}
}
