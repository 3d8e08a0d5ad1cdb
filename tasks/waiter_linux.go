package tasks

import (
	"errors"

	"golang.org/x/sys/unix"
)

// epollWaiter waits with epoll, edge-triggered: each write to a stream puts it at the end of
// the ready list unless it is there already, so a wait lists the streams in the order they
// were first written to since the last wait. That says which stream a round's first line
// came from, which poll(2) cannot.
type epollWaiter struct {
	epfd   int
	events [3]unix.EpollEvent
}

// newWaiter returns an epollWaiter for fds (stdout, stderr, the stop pipe).
func newWaiter(fds [3]int) (waiter, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	for i, fd := range fds {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(i)}
		if i == 2 {
			ev.Events = unix.EPOLLIN // stop: level, it stays readable
		}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			unix.Close(epfd)
			return nil, err
		}
	}
	return &epollWaiter{epfd: epfd}, nil
}

func (w *epollWaiter) wait(block bool) ([]int, bool, error) {
	timeout := 0
	if block {
		timeout = -1
	}
	n, err := unix.EpollWait(w.epfd, w.events[:], timeout)
	if err != nil {
		if errors.Is(err, unix.EINTR) {
			return nil, false, nil
		}
		return nil, false, err
	}
	var order []int
	for _, ev := range w.events[:n] {
		// Fd holds the index given at EpollCtl, not a descriptor.
		switch i := int(ev.Fd); i {
		case 2:
			return nil, true, nil
		case 0, 1:
			order = append(order, i)
		}
	}
	return order, false, nil
}

// forget has nothing to do: an ended pipe is written to no more, so it has no new edge.
func (w *epollWaiter) forget(int) {}

func (w *epollWaiter) close() { unix.Close(w.epfd) }
