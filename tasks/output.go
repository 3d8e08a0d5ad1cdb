package tasks

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// readChunk is the most read from one stream at a time: a pipe's default capacity, so a
// chatty script's output is taken in few reads.
const readChunk = 64 << 10

// maxPipe is the most a pipe holds, at the default limit of what an unprivileged process
// may raise it to (/proc/sys/fs/pipe-max-size).
const maxPipe = 1 << 20

// outputReader reads a script's stdout and stderr from one goroutine, in the order the data
// arrives, and hands each stream's bytes to its lineWriter. Two goroutines reading apart
// (what os/exec does) let a line read later be logged before one read earlier; here a line
// is logged in the order it was read, across both streams.
//
// What the reader cannot know is the order of writes made to both pipes between two of its
// reads: a pipe records no time. It knows (on Linux, from epoll) which stream was written to
// first, and takes the lines of both in turn from there (see hand). So the order is exact
// for lines written further apart than the reader's round (readPause, then the time to log
// what it read): a process started between them, a pause; and a guess for lines written
// to both streams within one round, right when they alternate, wrong for a run of lines on
// one stream between two on the other (see the README, "Order of a script's lines").
type outputReader struct {
	files [2]*os.File // read ends: stdout, stderr
	w     [2]*lineWriter
	// stopR wakes the reader when stopW is written: stop reading, the output is abandoned.
	stopR, stopW *os.File
	done         chan struct{}
	// batch runs the handling of one read (Logger.Batch): its lines are printed at once.
	batch func(fn func())
	// fds are the descriptors of files[0], files[1] and stopR; waiter waits for them.
	fds    [3]int
	waiter waiter
}

// newOutputReader makes the two pipes of a script's output. The caller gives the write ends
// to the process, closes them once it started, and calls start.
func newOutputReader(stdout, stderr *lineWriter, batch func(fn func())) (r *outputReader, outW, errW *os.File, err error) {
	r = &outputReader{w: [2]*lineWriter{stdout, stderr}, done: make(chan struct{}), batch: batch}
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for range 3 {
		rd, wr, err := os.Pipe()
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		files = append(files, rd, wr)
	}
	r.files = [2]*os.File{files[0], files[2]}
	r.stopR, r.stopW = files[4], files[5]
	for i, f := range []*os.File{r.files[0], r.files[1], r.stopR} {
		// The files stay open, and so their descriptors valid, until run returns.
		if c, err := f.SyscallConn(); err == nil {
			c.Control(func(fd uintptr) { r.fds[i] = int(fd) })
		}
	}
	// Made before the process starts, so that the order of its first writes is seen.
	if r.waiter, err = newWaiter(r.fds); err != nil {
		r.waiter = newPollWaiter(r.fds)
	}
	return r, files[1], files[3], nil
}

// start reads until both streams are closed by every process holding them, or stop.
func (r *outputReader) start() {
	go r.run()
}

// run is the reader's loop: wait for the streams (or the stop pipe), read each stream that
// has data once, in the order its data arrived, hand the lines to the writers, pause, and
// again. The lines of a round are handled (masked, logged, printed) before the next.
func (r *outputReader) run() {
	defer close(r.done)
	defer func() {
		for _, f := range r.files {
			f.Close()
		}
		r.stopR.Close()
	}()
	fds, w := r.fds, r.waiter
	defer w.close()
	var (
		bufs   = [2][]byte{make([]byte, readChunk), make([]byte, readChunk)}
		more   [2]bool // a read filled its buffer: more may wait, with no new event
		closed [2]bool
	)
	for !closed[0] || !closed[1] {
		order, stop, err := w.wait(!more[0] && !more[1])
		if err != nil {
			return
		}
		if stop {
			// Abandoned: take what is there now (a pipe holds 1 MiB at most), without
			// waiting for more, nor following a process that writes on for ever.
			for i := range 2 {
				for k := 0; k < maxPipe/readChunk && !closed[i]; k++ {
					n, ok := r.read(fds[i], bufs[i])
					closed[i] = !ok
					if n == 0 {
						break
					}
					r.batch(func() { r.w[i].Write(bufs[i][:n]) })
				}
			}
			return
		}
		// What a full read left is older than anything new: first. Then the streams in
		// the order they were written to; then the other, which may have been written to
		// since the wait returned: read now, its lines can still be put in turn with the
		// first's.
		for i := 1; i >= 0; i-- {
			if more[i] && !slices.Contains(order, i) {
				order = slices.Insert(order, 0, i)
			}
		}
		for i := range 2 {
			if !slices.Contains(order, i) {
				order = append(order, i)
			}
		}
		var got [2][]byte
		for _, i := range order {
			if !closed[i] {
				got[i], more[i], closed[i] = r.drain(fds[i], bufs[i])
				if closed[i] {
					w.forget(i)
				}
			}
		}
		if len(got[0])+len(got[1]) > 0 {
			r.batch(func() { r.hand(got, order[0]) })
		}
		// A line read now is logged now; what comes next waits a little, so that a chatty
		// script is read (and printed) a few hundred lines at a time, not a line at a time
		// with a wake-up of the reader, and of the script's write, for each.
		pause(readPause)
	}
}

// hand gives the writers what a round read. When both streams had data, which line came
// first is not known beyond the stream written to first (first): the lines are taken in
// turn, one from each, starting with it, which keeps the order of a script alternating
// the two (`set -x` traces, an error between two lines) that flowctl could not read apart.
func (r *outputReader) hand(got [2][]byte, first int) {
	if len(got[0]) == 0 || len(got[1]) == 0 {
		r.w[0].Write(got[0])
		r.w[1].Write(got[1])
		return
	}
	for i := first; len(got[0])+len(got[1]) > 0; i = 1 - i {
		b := got[i]
		if len(b) == 0 {
			continue
		}
		n := bytes.IndexByte(b, '\n') + 1
		if n == 0 {
			n = len(b)
		}
		r.w[i].Write(b[:n])
		got[i] = b[n:]
	}
}

// readPause is the least time between two reads: at most 5,000 wake-ups a second however
// fast the script writes. Lines written to both streams within it are read together (see
// outputReader).
const readPause = 200 * time.Microsecond

// drain reads the non-blocking descriptor fd into buf until nothing more is there now (as an
// edge-triggered wait requires), the stream ends, or buf is full (full: more may wait).
func (r *outputReader) drain(fd int, buf []byte) (got []byte, full, ended bool) {
	n := 0
	for n < len(buf) {
		k, ok := r.read(fd, buf[n:])
		n += k
		if k == 0 {
			return buf[:n], false, !ok
		}
	}
	return buf, true, false
}

// read reads once from the non-blocking descriptor fd. ok is false at the stream's end (or
// on an error: nothing more will come); n is 0 when nothing was there.
func (r *outputReader) read(fd int, buf []byte) (n int, ok bool) {
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case n > 0:
			return n, true
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EAGAIN):
			return 0, true // an event for data already read: nothing now
		}
		return 0, false
	}
}

// A waiter waits for the script's streams and the stop pipe (descriptors 0, 1 and 2 of the
// list it is made with). wait reports the streams with data, as far as the system tells in
// the order their data arrived, or stop; with block false it returns at once.
type waiter interface {
	wait(block bool) (order []int, stop bool, err error)
	// forget stops watching stream i, which ended.
	forget(i int)
	close()
}

// pollWaiter is the portable waiter, poll(2), which tells nothing of the order: stdout
// first.
type pollWaiter struct {
	fds []unix.PollFd
}

func newPollWaiter(fds [3]int) *pollWaiter {
	w := &pollWaiter{}
	for _, fd := range fds {
		w.fds = append(w.fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
	}
	return w
}

func (w *pollWaiter) wait(block bool) ([]int, bool, error) {
	timeout := 0
	if block {
		timeout = -1
	}
	if _, err := unix.Poll(w.fds, timeout); err != nil {
		if errors.Is(err, unix.EINTR) {
			return nil, false, nil
		}
		return nil, false, err
	}
	if w.fds[2].Revents != 0 {
		return nil, true, nil
	}
	var order []int
	for i := range 2 {
		if w.fds[i].Revents != 0 {
			order = append(order, i)
		}
	}
	return order, false, nil
}

// forget takes stream i out of the poll: an ended pipe polls as hung up for ever.
func (w *pollWaiter) forget(i int) { w.fds[i].Fd = -1 }

func (w *pollWaiter) close() {}

// wait waits up to d for both streams to end; it reports whether they did.
func (r *outputReader) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.done:
		return true
	case <-t.C:
		return false
	}
}

// stop makes the reader take what is readable now and return, and waits for it: the script
// ended, but a process it left running still holds its output.
func (r *outputReader) stop() {
	r.stopW.Write([]byte{0})
	<-r.done
	r.stopW.Close()
}

// close releases the stop pipe once the reader ended on its own.
func (r *outputReader) close() {
	<-r.done
	r.stopW.Close()
}
