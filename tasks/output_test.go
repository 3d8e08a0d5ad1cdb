package tasks

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestOutputReaderKeepsEachStreamWhole writes both streams as fast as it can: how the two
// interleave then is not known (a pipe records no time), but each stream's lines all come,
// in their order, at their level.
func TestOutputReaderKeepsEachStreamWhole(t *testing.T) {
	task := &ShellCommands{Commands: []string{`for i in $(seq 1 2000); do echo out$i; echo err$i >&2; done; printf 'no newline'`}, ProcessProps: ProcessProps{WarningOnStdErr: ptr(false)}}
	r := runTask(t, task)
	succeeded(t, r)
	var out, errs []string
	for i := 1; i <= 2000; i++ {
		out = append(out, fmt.Sprintf("out%d", i))
		errs = append(errs, fmt.Sprintf("err%d", i))
	}
	infoLines(append(out, "no newline")...)(t, r)
	errorLines(errs...)(t, r)
}

// TestOutputReaderStopTakesWhatIsThere: a process left holding the output keeps it open,
// and stop takes what was written before it.
func TestOutputReaderStopTakesWhatIsThere(t *testing.T) {
	var got []string
	s := newScriptLog(NewLogger(func(l Level, msg string) { got = append(got, msg) }))
	stdout, stderr := s.writers()
	r, outW, errW, err := newOutputReader(stdout, stderr, s.log.Batch)
	if err != nil {
		t.Fatal(err)
	}
	defer outW.Close()
	defer errW.Close()
	r.start()
	fmt.Fprintf(outW, "one\ntwo")
	fmt.Fprintf(errW, "three\n")
	if r.wait(50 * time.Millisecond) {
		t.Fatal("the reader ended while both streams were open")
	}
	r.stop()
	stdout.flush()
	stderr.flush()
	if want := []string{"one", "three", "two"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestOutputReaderStopDoesNotFollowAWriterForEver: stopped while a process it left behind
// writes without end, the reader takes what the pipe holds and returns.
func TestOutputReaderStopDoesNotFollowAWriterForEver(t *testing.T) {
	var lines atomic.Int64
	s := newScriptLog(NewLogger(func(Level, string) { lines.Add(1) }))
	stdout, stderr := s.writers()
	r, outW, errW, err := newOutputReader(stdout, stderr, s.log.Batch)
	if err != nil {
		t.Fatal(err)
	}
	defer errW.Close()
	r.start()
	done := make(chan struct{})
	go func() {
		defer close(done)
		line := []byte("yes\n")
		for {
			if _, err := outW.Write(line); err != nil {
				return // the reader is gone
			}
		}
	}()
	for lines.Load() == 0 && !r.wait(time.Millisecond) {
	}
	r.stop()
	outW.Close()
	<-done
}

// TestOutputReaderWithPoll runs the reader with the portable waiter (poll(2), what systems
// without epoll get): both streams read whole, one ending long before the other.
func TestOutputReaderWithPoll(t *testing.T) {
	var got []string
	s := newScriptLog(NewLogger(func(l Level, msg string) { got = append(got, l.String()+" "+msg) }))
	stdout, stderr := s.writers()
	r, outW, errW, err := newOutputReader(stdout, stderr, s.log.Batch)
	if err != nil {
		t.Fatal(err)
	}
	r.waiter.close()
	r.waiter = newPollWaiter(r.fds)
	r.start()
	fmt.Fprintf(outW, "out1\nout2\n")
	outW.Close()
	time.Sleep(20 * time.Millisecond) // stdout ended, stderr still open: the reader waits on
	fmt.Fprintf(errW, "err1\n")
	errW.Close()
	if !r.wait(10 * time.Second) {
		t.Fatal("the reader did not end when both streams closed")
	}
	r.close()
	if want := []string{"INFO out1", "INFO out2", "ERROR err1"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
