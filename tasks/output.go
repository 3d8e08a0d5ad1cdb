package tasks

import (
	"errors"
	"os"
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
// reads: a pipe records no time. When both have data at once, stdout's is taken first. So
// the order is exact for lines written further apart than the reader's round (readPause,
// then the time to log what it read): a process started between them, a pause; and not for
// a tight loop alternating the two streams within microseconds (see the README, "Order of a
// script's lines").
type outputReader struct {
	files [2]*os.File // read ends: stdout, stderr
	w     [2]*lineWriter
	// stopR wakes the reader when stopW is written: stop reading, the output is abandoned.
	stopR, stopW *os.File
	done         chan struct{}
	// batch runs the handling of one read (Logger.Batch): its lines are printed at once.
	batch func(fn func())
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
	return r, files[1], files[3], nil
}

// start reads until both streams are closed by every process holding them, or stop.
func (r *outputReader) start() {
	go r.run()
}

// run is the reader's loop: poll the streams and the stop pipe, read what is readable,
// stdout first, then poll again. The lines of a read are handled (masked, logged, printed)
// before the next read.
func (r *outputReader) run() {
	defer close(r.done)
	defer func() {
		for _, f := range r.files {
			f.Close()
		}
		r.stopR.Close()
	}()
	var fds [3]int
	for i, f := range []*os.File{r.files[0], r.files[1], r.stopR} {
		// The files stay open, and so their descriptors valid, until run returns.
		if c, err := f.SyscallConn(); err == nil {
			c.Control(func(fd uintptr) { fds[i] = int(fd) })
		}
	}
	buf := make([]byte, readChunk)
	poll := []unix.PollFd{
		{Fd: int32(fds[0]), Events: unix.POLLIN},
		{Fd: int32(fds[1]), Events: unix.POLLIN},
		{Fd: int32(fds[2]), Events: unix.POLLIN},
	}
	open := 2
	for open > 0 {
		if _, err := unix.Poll(poll, -1); err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if poll[2].Revents != 0 {
			// Abandoned: take what is there now (a pipe holds 1 MiB at most), without
			// waiting for more, nor following a process that writes on for ever.
			for i := range 2 {
				for k := 0; k < maxPipe/readChunk && poll[i].Fd >= 0 && r.read(poll, i, buf); k++ {
				}
			}
			return
		}
		for i := range 2 {
			if poll[i].Fd >= 0 && poll[i].Revents != 0 && !r.read(poll, i, buf) {
				open--
			}
		}
		// A line read now is logged now; what comes next waits a little, so that a chatty
		// script is read (and printed) a few hundred lines at a time, not a line at a time
		// with a wake-up of the reader, and of the script's write, for each.
		pause(readPause)
	}
}

// readPause is the least time between two reads: at most 5,000 wake-ups a second however
// fast the script writes. Lines written to both streams within it are read together (see
// outputReader).
const readPause = 200 * time.Microsecond

// read reads once from stream i and hands the bytes to its writer. It reports false, having
// taken the stream out of the poll, at the stream's end or when nothing more is readable
// now (the descriptors are non-blocking).
func (r *outputReader) read(poll []unix.PollFd, i int, buf []byte) bool {
	n, err := unix.Read(int(poll[i].Fd), buf)
	if n > 0 {
		r.batch(func() { r.w[i].Write(buf[:n]) })
		return true
	}
	if errors.Is(err, unix.EINTR) {
		return true
	}
	if errors.Is(err, unix.EAGAIN) {
		// A spurious wake-up (another process read it?): nothing to take, the stream is open.
		return poll[2].Revents == 0
	}
	poll[i].Fd = -1 // end of stream, or a read error: nothing more will come
	return false
}

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
