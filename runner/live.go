package runner

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/flowctl/flowctl/runner/state"
)

// Journal is where an execution is written while it runs (the state: *state.Store), so that
// one cut off by a crash or `kill -9` is found with its task runs and the lines they logged.
type Journal interface {
	// PutExecutionLogs rewrites the execution's record and appends log lines, in one
	// transaction.
	PutExecutionLogs(r state.ExecRecord, entries []state.LogEntry) error
	// PutLogs appends log lines to a recorded execution, in one transaction.
	PutLogs(execID string, entries []state.LogEntry) error
}

// A running execution is written in batches: each costs a transaction and an fsync, so a
// task printing a million lines must not cost a million of them. A batch is written once it
// holds flushLines lines or its oldest change is flushEvery old, whichever comes first; a
// crash loses at most that.
const (
	flushLines = 500
	flushEvery = 200 * time.Millisecond
)

// batch says when the changes waiting to be written are due.
type batch struct {
	lines int       // log lines waiting
	since time.Time // when the oldest waiting change was made; zero when none waits
}

// add counts a change made at now (lines log lines, 0 for a task run started or ended). It
// reports whether the writer must be woken: the batch just began, or just became full.
func (b *batch) add(now time.Time, lines int) bool {
	first := b.since.IsZero()
	if first {
		b.since = now
	}
	was := b.lines
	b.lines += lines
	return first || (was < flushLines && b.lines >= flushLines)
}

// wait is how long the batch may still wait at now: zero when it is due (full, or its oldest
// change is flushEvery old), flushEvery or less otherwise. An empty batch never is due.
func (b *batch) wait(now time.Time) time.Duration {
	if b.since.IsZero() {
		return flushEvery
	}
	if b.lines >= flushLines {
		return 0
	}
	return max(b.since.Add(flushEvery).Sub(now), 0)
}

// live writes one running execution to its journal from a goroutine of its own, so that the
// tasks never wait for the disk: the engine only counts its changes (under its lock), and
// the writer takes what is due, a snapshot of the document and the lines not yet written,
// under the same lock.
type live struct {
	e   *engine
	now func() time.Time

	// mu guards b; it is taken under the engine's lock, never the other way round.
	mu sync.Mutex
	b  batch

	wake chan struct{} // a change began a batch or filled it
	quit chan struct{}
	done chan struct{}

	// Guarded by the engine's lock: whether the document changed since it was last
	// written, and the task runs that logged lines not yet written.
	docDirty bool
	logged   []*TaskRun
	// err is the last write's failure, the writer's own until done is closed: said once
	// the writer stops; the record written when the execution ends carries what was missed.
	err error
}

// startLive starts writing e's execution to j as it runs.
func (e *engine) startLive(j Journal) {
	l := &live{e: e, now: time.Now, wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	e.mu.Lock()
	e.live = l
	e.mu.Unlock()
	go l.run(j)
}

// stopLive stops the writer, waiting for a write under way. What it has not written stays
// in the task runs (past their logsSaved) for the record of the execution's end.
func (e *engine) stopLive() {
	e.mu.Lock()
	l := e.live
	e.live = nil
	e.mu.Unlock()
	if l == nil {
		return
	}
	close(l.quit)
	<-l.done
	if l.err != nil {
		e.opts.Warn(fmt.Sprintf("execution %s: recording it as it ran failed: %v; what was missed is recorded with its end", e.exec.ID, l.err))
	}
}

// changed notes, under the engine's lock, that the document changed (a task run started or
// ended).
func (l *live) changed() {
	l.docDirty = true
	l.note(0)
}

// loggedLine notes, under the engine's lock, that tr kept one more line.
func (l *live) loggedLine(tr *TaskRun) {
	if !tr.logDirty {
		tr.logDirty = true
		l.logged = append(l.logged, tr)
	}
	l.note(1)
}

func (l *live) note(lines int) {
	l.mu.Lock()
	// Only a batch's first change needs the time: not a clock read per line.
	var now time.Time
	if l.b.since.IsZero() {
		now = l.now()
	}
	kick := l.b.add(now, lines)
	l.mu.Unlock()
	if kick {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

// run writes each batch when it is due, until quit.
func (l *live) run(j Journal) {
	defer close(l.done)
	timer := time.NewTimer(flushEvery)
	defer timer.Stop()
	for {
		select {
		case <-l.quit:
			return
		case <-l.wake:
		}
		for {
			l.mu.Lock()
			w := l.b.wait(l.now())
			l.mu.Unlock()
			if w <= 0 {
				break
			}
			timer.Reset(w)
			select {
			case <-l.quit:
				return
			case <-l.wake:
			case <-timer.C:
			}
		}
		l.flush(j)
	}
}

// flush writes what waits: the document when it changed, and the lines logged since the
// last write, oldest first.
func (l *live) flush(j Journal) {
	l.mu.Lock()
	l.b = batch{} // what changes from here on is the next batch
	l.mu.Unlock()

	e := l.e
	type mark struct {
		tr *TaskRun
		n  int
	}
	var (
		rec     state.ExecRecord
		withDoc bool
		entries []state.LogEntry
		marks   []mark
		err     error
	)
	e.mu.Lock()
	if l.docDirty {
		rec, err = Record(e.exec)
		withDoc = err == nil
		l.docDirty = false
	}
	for _, tr := range l.logged {
		tr.logDirty = false
		for _, ln := range tr.Logs[tr.logsSaved:] {
			entries = append(entries, state.LogEntry{TaskRunID: tr.ID, Time: ln.Time, Level: ln.Level.String(), Message: ln.Message})
		}
		marks = append(marks, mark{tr, len(tr.Logs)})
	}
	l.logged = l.logged[:0]
	e.mu.Unlock()
	if err != nil {
		l.err = err
		return
	}
	// Branches running at once logged into their own task runs: put their lines back in
	// the order they were logged.
	slices.SortStableFunc(entries, func(a, b state.LogEntry) int { return a.Time.Compare(b.Time) })
	switch {
	case withDoc:
		err = j.PutExecutionLogs(rec, entries)
	case len(entries) > 0:
		err = j.PutLogs(e.exec.ID, entries)
	}
	if err != nil {
		// The state is busy or failing: what was not written is written with the
		// execution's end, or by a later batch.
		l.err = err
		e.mu.Lock()
		l.docDirty = l.docDirty || withDoc
		for _, m := range marks {
			if !m.tr.logDirty {
				m.tr.logDirty = true
				l.logged = append(l.logged, m.tr)
			}
		}
		e.mu.Unlock()
		return
	}
	e.mu.Lock()
	for _, m := range marks {
		m.tr.logsSaved = m.n
	}
	e.mu.Unlock()
}

// changed notes, under the engine's lock, that the document changed.
func (e *engine) changed() {
	if e.live != nil {
		e.live.changed()
	}
}
