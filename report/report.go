// Package report reads execution documents and writes them for people and tools: the
// text log and end-of-run summary, the CI markup (GitHub Actions groups and annotations,
// GitLab sections, the Markdown job summary), JUnit XML and JSON, and Printable, which
// neutralises the control sequences of text a task controls. It imports runner for the
// types of the document (Execution, TaskRun, Sink, the states); runner never imports it,
// so the engine runs without knowing how its executions are shown.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// Palette colours human output. Its zero value writes plain text, as wanted when the stream
// is not a terminal, NO_COLOR is set or --no-color is given.
type Palette struct {
	enabled bool
	cache   map[color.Attribute]*color.Color
}

// NewPalette returns a Palette that colours only when enabled.
func NewPalette(enabled bool) *Palette {
	return &Palette{enabled: enabled, cache: map[color.Attribute]*color.Color{}}
}

// paint wraps s in the attribute's escape codes when colour is on.
func (p *Palette) paint(a color.Attribute, s string) string {
	if p == nil || !p.enabled {
		return s
	}
	c, ok := p.cache[a]
	if !ok {
		c = color.New(a)
		c.EnableColor() // the decision is ours, per stream, not fatih/color's global one
		p.cache[a] = c
	}
	return c.Sprint(s)
}

// State colours a state name by its meaning.
func (p *Palette) State(st string) string {
	switch st {
	case runner.StateSuccess:
		return p.paint(color.FgGreen, st)
	case runner.StateWarning, runner.StateRetried:
		return p.paint(color.FgYellow, st)
	case runner.StateFailed, runner.StateKilled:
		return p.paint(color.FgRed, st)
	default:
		return p.paint(color.Faint, st)
	}
}

// PaddedState colours st as State does and pads it with spaces to width columns. The
// padding stays outside the colour: a state looked up with its padding would match no state
// and come out faint.
func (p *Palette) PaddedState(st string, width int) string {
	return p.State(st) + strings.Repeat(" ", max(0, width-len(st)))
}

// Text renders text a task controls for this stream (see Printable): colour sequences kept
// when colour is on, stripped when it is off, every other control sequence shown.
func (p *Palette) Text(s string) string {
	if p == nil || !p.enabled {
		return Printable(s, SGRStrip)
	}
	return Printable(s, SGRKeep)
}

// Faint dims s.
func (p *Palette) Faint(s string) string { return p.paint(color.Faint, s) }

// faintBytes dims b, as Faint; without colour it returns b itself.
func (p *Palette) faintBytes(b []byte) []byte {
	if p == nil || !p.enabled {
		return b
	}
	return []byte(p.Faint(string(b)))
}

// Bold emphasises s.
func (p *Palette) Bold(s string) string { return p.paint(color.Bold, s) }

// Level colours s by the log level l.
func (p *Palette) Level(l tasks.Level, s string) string {
	switch l {
	case tasks.LevelError:
		return p.paint(color.FgRed, s)
	case tasks.LevelWarn:
		return p.paint(color.FgYellow, s)
	case tasks.LevelInfo:
		return s
	default:
		return p.paint(color.Faint, s)
	}
}

// TextSink prints each task log line as it is written, prefixed with its task id:
//
//	[pythonScriptThatWillFail] ERROR ModuleNotFoundError: No module named 'non_existing_library'
//
// The prefix is padded to the longest task id of the flow, so the messages line up.
type TextSink struct {
	mu    sync.Mutex
	w     io.Writer
	p     *Palette
	width int
	// stamps prefixes each line with the time it was written (--timestamps).
	stamps bool
	now    func() time.Time
	// status is the live status line of a terminal, nil elsewhere (see live.go).
	status *statusLine

	// buf holds what is written while held > 0 (see Hold); out writes through it.
	buf  []byte
	held int
	// prefixes caches the "[label]  " prefix of each label at prefixWidth, and levels the
	// level column of each level: a chatty task must not format them a million times.
	prefixes    map[string]string
	prefixWidth int
	levels      [LevelColumns]string
}

// LevelColumns is how many log levels the level column is cached for (tasks.LevelTrace to
// tasks.LevelError).
const LevelColumns = int(tasks.LevelError) + 1

// heldMax is the most a held buffer takes before it is written all the same.
const heldMax = 64 << 10

// Hold implements runner.HoldingSink: lines are kept in a buffer until Release, then
// written in one write.
func (s *TextSink) Hold() {
	s.mu.Lock()
	s.held++
	s.mu.Unlock()
}

// Release implements runner.HoldingSink.
func (s *TextSink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held--; s.held <= 0 {
		s.held = 0
		if s.status != nil {
			// Drawn once under the batch's lines, not under each of them.
			s.buf = s.status.draw(s.status.clear(s.buf), s.now())
		}
		s.flushLocked()
	}
}

// out writes b, through the buffer while the sink is held. s.mu is held.
func (s *TextSink) out(b []byte) {
	s.buf = append(s.buf, b...)
	s.wrote()
}

// wrote writes what was appended to the buffer unless the sink is held (and the buffer
// small). s.mu is held.
func (s *TextSink) wrote() {
	if s.held == 0 || len(s.buf) >= heldMax {
		s.flushLocked()
	}
}

// flushLocked writes what the buffer holds. s.mu is held.
func (s *TextSink) flushLocked() {
	if len(s.buf) > 0 {
		s.w.Write(s.buf)
		s.buf = s.buf[:0]
	}
	if cap(s.buf) > 4*heldMax {
		s.buf = nil // a long line passed: do not keep its room
	}
}

// NewTextSink returns a sink writing to w, aligned for the task ids of f.
func NewTextSink(w io.Writer, p *Palette, f *flow.Flow) *TextSink {
	width := 0
	for _, t := range f.AllTasks() {
		width = max(width, len(t.ID))
	}
	return &TextSink{w: w, p: p, width: width, now: time.Now}
}

// TaskEnded implements runner.Sink: a failed or warned task run says so at once.
func (s *TextSink) TaskEnded(tr *runner.TaskRun) {
	s.taskDone(tr)
	if tr.State.Current == runner.StateSuccess {
		return
	}
	s.write(logLabel(tr), "     ", s.p.Faint("ended ")+s.p.State(tr.State.Current))
}

// Log implements runner.Sink.
func (s *TextSink) Log(tr *runner.TaskRun, line runner.LogLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	level := ""
	if l := int(line.Level); l >= 0 && l < LevelColumns {
		if level = s.levels[l]; level == "" {
			level = s.p.Level(line.Level, fmt.Sprintf("%-5s", line.Level))
			s.levels[l] = level
		}
	} else {
		level = s.p.Level(line.Level, fmt.Sprintf("%-5s", line.Level))
	}
	at := line.Time
	if at.IsZero() {
		at = s.now()
	}
	s.writeLocked(logLabel(tr), level, line.Message, at)
}

func (s *TextSink) write(label, level, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeLocked(label, level, msg, s.now())
}

// writeLocked writes msg with its prefix (its time at, when stamps are on), each of its lines.
// s.mu is held.
func (s *TextSink) writeLocked(label, level, msg string, at time.Time) {
	prefix := s.prefix(label)
	var stamp []byte
	if s.stamps {
		stamp = s.p.faintBytes(appendStamp(make([]byte, 0, len(stampLayout)+1), at.Local()))
		stamp = append(stamp, ' ')
	}
	// Each line of a multi-line message gets the prefix: a line of the log always says
	// which task wrote it, and no line starts with what the task wrote.
	b := s.status.clear(s.buf)
	for {
		l, rest, more := strings.Cut(msg, "\n")
		b = append(b, stamp...)
		b = append(b, prefix...)
		b = append(b, ' ')
		b = append(b, level...)
		b = append(b, ' ')
		b = append(b, s.p.Text(l)...)
		b = append(b, '\n')
		if !more {
			break
		}
		msg = rest
	}
	if s.status != nil && s.held == 0 {
		b = s.status.draw(b, s.now())
	}
	s.buf = b
	s.wrote()
}

// prefix is the "[label]" of a line, padded to the widest label written so far. s.mu is
// held.
func (s *TextSink) prefix(label string) string {
	// A loop value makes a label longer than any task id: the prefixes widen to it, so the
	// messages after it line up again.
	if len(label) > s.width || s.prefixes == nil || s.prefixWidth != s.width {
		s.width = max(s.width, len(label))
		s.prefixes, s.prefixWidth = map[string]string{}, s.width
	}
	p, ok := s.prefixes[label]
	if !ok {
		p = s.p.Faint("[" + label + "]" + strings.Repeat(" ", max(0, s.width-len(label))))
		if len(s.prefixes) < 1000 { // loop values may be many: keep the cache small
			s.prefixes[label] = p
		}
	}
	return p
}

// appendStamp appends t as stampLayout writes it (15:04:05.000), without the generic
// formatter's cost.
func appendStamp(b []byte, t time.Time) []byte {
	h, m, sec := t.Clock()
	ms := t.Nanosecond() / int(time.Millisecond)
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// barWidth is the width of the longest bar of the summary.
const barWidth = 30

// WriteSummary writes the end-of-run table: each task run with its branch, state, duration
// and a bar showing its share of the execution's time, then the execution's line.
func WriteSummary(w io.Writer, p *Palette, x *runner.Execution) {
	idW, total := len("TASK"), x.State.Duration()
	rows := tree(x)
	for _, r := range rows {
		idW = max(idW, 2*r.depth+utf8.RuneCountInString(RunLabel(r.tr)))
	}
	var b strings.Builder
	if len(x.TaskRunList) == 0 {
		// Cancelled or failed by its concurrency limit, or stopped before its first task:
		// an empty table would say nothing.
		fmt.Fprintf(&b, "\n%s %s.%s %s %s in %s, before any task ran\n", p.Bold("execution"), x.Namespace, x.FlowID, x.ID,
			p.State(x.State.Current), HumanDuration(total))
		io.WriteString(w, b.String())
		return
	}
	fmt.Fprintf(&b, "\n%-*s  %-8s  %-7s  %9s  %s\n", idW, "TASK", "BRANCH", "STATE", "DURATION", "TIME")
	for _, r := range rows {
		tr := r.tr
		d := tr.State.Duration()
		n := 0
		if total > 0 {
			n = int(float64(barWidth)*float64(d)/float64(total) + 0.5)
		}
		if n == 0 && d > 0 {
			n = 1 // a task that took any time at all gets a mark
		}
		bar := strings.Repeat("█", n)
		if tr.State.Current == runner.StateSkipped {
			bar = p.Faint("skipped")
		}
		label := strings.Repeat("  ", r.depth) + RunLabel(tr)
		label += strings.Repeat(" ", idW-utf8.RuneCountInString(label))
		fmt.Fprintf(&b, "%s  %-8s  %s  %9s  %s\n", label, tr.Branch,
			p.PaddedState(tr.State.Current, len("SUCCESS")), HumanDuration(d), bar)
	}
	fmt.Fprintf(&b, "\n%s %s.%s %s %s in %s\n", p.Bold("execution"), x.Namespace, x.FlowID, x.ID,
		p.State(x.State.Current), HumanDuration(total))
	// The flow's outputs are the flow's text: shown as the tasks' are, control sequences
	// made visible.
	for k, v := range OutputsJSON(x.Outputs) {
		fmt.Fprintf(&b, "outputs.%s = %s\n", p.Text(k), p.Text(v))
	}
	io.WriteString(w, b.String())
}

// HumanDuration writes d short and readable: 850µs, 12ms, 1.24s, 2m03s, 1h02m (see
// duration.Human).
func HumanDuration(d time.Duration) string { return duration.Human(d) }

// WriteJSON writes v as one indented JSON document. HTML characters are not escaped, so a
// URL or a `<` in a message reads as written. The few a CI system would act on if the
// document were printed in a job's log are \u escapes (writeJSONInert): it decodes the same.
func WriteJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return writeJSONInert(w, b.Bytes())
}

// OutputsJSON yields a task run's outputs in the order of their names, each value as
// compact JSON: how the summaries and `executions show` list them.
func OutputsJSON(outputs map[string]any) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for _, k := range slices.Sorted(maps.Keys(outputs)) {
			b, err := json.Marshal(outputs[k])
			if err != nil {
				b = []byte(fmt.Sprintf("%q", err.Error()))
			}
			if !yield(k, string(b)) {
				return
			}
		}
	}
}

// WritePlan writes a dry run's plan: each task with its type and properties, children
// indented under their flowable, a property waiting for the run marked so.
//
//	dry run of dev.hello: 2 tasks (nothing run, nothing recorded)
//	greet  Log
//	    message: Hello tester
//	each  ForEach
//	    values: ["a","b"]
//	  say  Log
//	      message: {{ taskrun.value }}   (at run time: Unable to find `taskrun` ...)
func WritePlan(w io.Writer, p *Palette, f *flow.Flow, plan []runner.PlannedTask) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s.%s: %d tasks (nothing run, nothing recorded)\n", p.Bold("dry run of"), f.Namespace, f.ID, len(plan))
	branch := ""
	for _, t := range plan {
		if t.Depth == 0 && t.Branch != branch {
			if t.Branch != runner.BranchTasks {
				fmt.Fprintf(&b, "%s:\n", t.Branch)
			}
			branch = t.Branch
		}
		indent := strings.Repeat("  ", t.Depth)
		label := t.ID
		if t.Depth > 0 && t.Branch != runner.BranchTasks {
			label = t.Branch + ": " + label
		}
		fmt.Fprintf(&b, "%s%s  %s", indent, p.Bold(Printable(label, SGRStrip)), p.Faint(flow.ShortType(t.Type)))
		if t.Disabled {
			b.WriteString(p.Faint("  (disabled: not run)"))
		}
		b.WriteByte('\n')
		for _, pr := range t.Props {
			v := Printable(pr.Value, SGRStrip)
			fmt.Fprintf(&b, "%s    %s: %s", indent, pr.Name, v)
			if pr.Pending != "" {
				b.WriteString(p.Faint("   (at run time: " + Printable(pr.Pending, SGRStrip) + ")"))
			}
			b.WriteByte('\n')
		}
	}
	io.WriteString(w, b.String())
}
