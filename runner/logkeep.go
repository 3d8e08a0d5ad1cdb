package runner

import (
	"fmt"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// What a task run keeps in memory of the lines logged past its cap: enough for the summary,
// the JUnit report and a Slack failure report to show how it ended, bounded whatever the task
// prints.
const (
	tailLines = 200
	tailBytes = 64 << 10
)

// LogCut says what a task run logged past the cap of its Logs. Those lines are counted, not
// kept (in memory or in the state), except the last few, which reports show.
type LogCut struct {
	// Bytes and Lines count the messages not kept in Logs.
	Bytes uint64
	Lines int
	// Time is when the first line not kept was logged: where the state puts its marker.
	Time time.Time
	// tail is the last lines logged (at most 200 lines and 64 KiB, or the last line alone
	// when it is longer); errors the last ERROR lines among those not kept in Logs.
	tail, errors recent
}

// recent holds the newest lines of a stream, within a count and a size.
type recent struct {
	lines              []LogLine
	bytes              int
	maxLines, maxBytes int
}

// add appends l and drops the oldest lines while there are more than maxLines or their
// messages weigh more than maxBytes, keeping at least the newest. Dropping from the front
// reslices; append copies only the live lines when it grows, so a line costs constant time.
func (r *recent) add(l LogLine) {
	r.lines = append(r.lines, l)
	r.bytes += len(l.Message)
	for len(r.lines) > 1 && (len(r.lines) > r.maxLines || r.bytes > r.maxBytes) {
		r.bytes -= len(r.lines[0].Message)
		r.lines[0] = LogLine{} // let the message be collected
		r.lines = r.lines[1:]
	}
}

// keepLog adds l to the log of tr. The first limit bytes of messages stay in Logs, as the
// state keeps them; past that, lines are counted in LogCut and only a short tail and the
// last ERROR lines are held, so memory does not follow a task's output. limit <= 0 keeps
// every line (logs read back from the state, already cut there). It reports whether l was
// kept in Logs.
func (tr *TaskRun) keepLog(l LogLine, limit int64) bool {
	if tr.LogCut == nil && (limit <= 0 || tr.logBytes+int64(len(l.Message)) <= limit) {
		tr.logBytes += int64(len(l.Message))
		tr.Logs = append(tr.Logs, l)
		return true
	}
	c := tr.LogCut
	if c == nil {
		c = &LogCut{Time: l.Time,
			tail: recent{maxLines: tailLines, maxBytes: tailBytes},
			// One more than a report shows: the last ERROR line may repeat the task's error.
			errors: recent{maxLines: tasks.ErrorLogLines + 1, maxBytes: tailBytes}}
		tr.LogCut = c
	}
	c.Bytes += uint64(len(l.Message))
	c.Lines++
	c.tail.add(l)
	if l.Level == tasks.LevelError {
		c.errors.add(l)
	}
	return false
}

// ShownLogs is the log of tr as reports show it: the lines kept, then, when it was cut, a
// marker line and the last lines logged.
func (tr *TaskRun) ShownLogs() []LogLine {
	c := tr.LogCut
	if c == nil {
		return tr.Logs
	}
	tail := c.tail.lines
	out := make([]LogLine, 0, len(tr.Logs)+1+len(tail))
	out = append(out, tr.Logs...)
	out = append(out, LogLine{Time: c.Time, Level: tasks.LevelWarn, Message: c.marker(len(tail))})
	return append(out, tail...)
}

// marker says how much of the log is not shown, before the last shown lines that follow it.
func (c *LogCut) marker(shown int) string {
	return fmt.Sprintf("… log cut: %d lines (%d bytes) not kept, the last %d of them follow", c.Lines, c.Bytes, shown)
}

// errorLines is the last ERROR lines not kept in Logs; none when c is nil.
func (c *LogCut) errorLines() []LogLine {
	if c == nil {
		return nil
	}
	return c.errors.lines
}
