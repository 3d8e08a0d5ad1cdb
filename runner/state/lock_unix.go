//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package state

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

var (
	errLockTimeout     = errors.New("lock timeout")
	errLockInterrupted = errors.New("lock wait interrupted")
)

// lockFile takes the flock that bbolt would take (exclusive to write, shared to read),
// waiting at most timeout, and no longer than ctx (nil: no end). bbolt's own wait polls
// every 50 ms; a blocking flock is handed over by the kernel the moment the holder's
// transaction ends, which matters when many cron jobs end at once. On errLockTimeout or
// errLockInterrupted the file belongs to a goroutine still waiting on it: the caller must not
// close it.
func lockFile(ctx context.Context, f *os.File, exclusive bool, timeout time.Duration) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	fd := int(f.Fd())
	err := flock(fd, how|syscall.LOCK_NB)
	if err == nil || !errors.Is(err, syscall.EWOULDBLOCK) {
		return err
	}
	var interrupt <-chan struct{}
	if ctx != nil {
		interrupt = ctx.Done()
	}
	done := make(chan error, 1)
	go func() { done <- flock(fd, how) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		err = errLockTimeout
	case <-interrupt:
		err = errLockInterrupted
	}
	// A blocked flock cannot be called off; once it gets the lock it lets it go and closes
	// the file, so the fd is not reused while the call still refers to it.
	go func() {
		if <-done == nil {
			_ = syscall.Flock(fd, syscall.LOCK_UN)
		}
		f.Close()
	}()
	return err
}

func flock(fd, how int) error {
	for {
		err := syscall.Flock(fd, how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// canReplaceOpenFile: renaming over a file that other processes hold open is fine here, and
// flock lets them notice (see Store.openFile).
const canReplaceOpenFile = true
