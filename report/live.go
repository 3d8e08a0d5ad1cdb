package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flowctl/flowctl/runner"
)

// What a person watching a run sees besides the log: on a terminal, a line when each task
// starts and a status line at the bottom (elapsed time, the tasks running now) redrawn in
// place; in a pipe or a CI log, a time stamp on each line and a first line naming the
// execution, so a log read later says when each thing happened and which execution it was.

// stampLayout is the time stamp of a line: the time of day to the millisecond (the day is in
// the execution's start date).
const stampLayout = "15:04:05.000"

// statusTick is how often the status line's clock moves while no line is written.
const statusTick = time.Second

// statusLine is the line a terminal shows under the log while a run goes on. Its methods are
// called with the TextSink's lock held; a nil *statusLine does nothing.
type statusLine struct {
	start   time.Time
	running []*runner.TaskRun // in the order they started
	drawn   bool
	stop    chan struct{}
	done    chan struct{}
}

// Live makes s speak to a person watching: on a terminal (tty), a line when each task starts
// and a status line redrawn in place until Close; with stamps (for a pipe or a CI log), each
// line prefixed with its time. It returns s.
func (s *TextSink) Live(tty, stamps bool) *TextSink {
	s.stamps = stamps
	if tty {
		s.status = &statusLine{start: s.now(), stop: make(chan struct{}), done: make(chan struct{})}
		go s.tick()
	}
	return s
}

// tick redraws the status line every statusTick, so the clock moves while a task is quiet.
func (s *TextSink) tick() {
	t := time.NewTicker(statusTick)
	defer t.Stop()
	defer close(s.status.done)
	for {
		select {
		case <-s.status.stop:
			return
		case <-t.C:
			s.mu.Lock()
			// Through the buffer: lines held behind it go out first.
			b := s.status.draw(s.status.clear(nil), s.now())
			s.out(b)
			s.mu.Unlock()
		}
	}
}

// Close stops the status line and clears it: what follows (the summary) starts on a clean
// line. A sink without one has nothing to do.
func (s *TextSink) Close() {
	if s.status == nil {
		return
	}
	close(s.status.stop)
	<-s.status.done
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.status.clear(nil)
	s.status.running = nil
	s.held = 0 // the run is over: nothing more to hold
	s.out(b)
}

// ExecutionStarted implements runner.ExecutionSink: out of a terminal, a first line names the
// execution, so a log file says which run it is.
func (s *TextSink) ExecutionStarted(x *runner.Execution) {
	if s.status != nil || !s.stamps {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	how := "started"
	if m := x.Metadata; m != nil && x.Restarted() {
		how = fmt.Sprintf("restarted (attempt %d)", m.AttemptNumber)
	}
	s.out(fmt.Appendf(nil, "%s execution %s of %s.%s %s\n", s.p.Faint(s.now().Format(stampLayout)), x.ID, x.Namespace, x.FlowID, how))
}

// TaskStarted implements runner.Sink: on a terminal, a line says the task started and the
// status line counts it among the running ones.
func (s *TextSink) TaskStarted(tr *runner.TaskRun) {
	if s.status == nil {
		return
	}
	s.mu.Lock()
	s.status.running = append(s.status.running, tr)
	s.mu.Unlock()
	s.write(logLabel(tr), "     ", s.p.Faint("started"))
}

// taskDone takes tr off the status line.
func (s *TextSink) taskDone(tr *runner.TaskRun) {
	if s.status == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.running = slices.DeleteFunc(s.status.running, func(r *runner.TaskRun) bool { return r == tr })
}

// clear appends what erases the status line, if drawn, so a log line takes its place.
func (l *statusLine) clear(b []byte) []byte {
	if l == nil || !l.drawn {
		return b
	}
	l.drawn = false
	return append(b, "\r\x1b[K"...)
}

// draw appends the status line (no newline: the next write replaces it).
func (l *statusLine) draw(b []byte, now time.Time) []byte {
	if l == nil || len(l.running) == 0 {
		return b
	}
	names := make([]string, 0, len(l.running))
	for _, tr := range l.running {
		names = append(names, logLabel(tr))
	}
	text := fmt.Sprintf("⏵ %s  running %s", clock(now.Sub(l.start)), strings.Join(names, ", "))
	l.drawn = true
	return append(b, Printable(text, SGRStrip)...)
}

// clock writes an elapsed time as m:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}
