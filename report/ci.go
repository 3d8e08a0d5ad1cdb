package report

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// CISink marks a job log up the way the CI system it runs in reads it, around a TextSink:
//
//   - GitHub Actions: each task run's lines in a `::group::` the log viewer folds, and a
//     FAILED or WARNING task run as an `::error` / `::warning` annotation pointing at the
//     flow file and the task's line, shown on the run's page and in the pull request;
//   - GitLab CI: each task run's lines in a collapsible section.
//
// Everything it writes comes from the execution, already masked.
type CISink struct {
	text   *TextSink
	w      io.Writer
	system string // tasks.CIGitHub or tasks.CIGitLab
	file   string // the flow file as the CI system names it (relative to the checkout)
	specs  map[string]*flow.TaskSpec
	now    func() time.Time

	mu sync.Mutex
}

// NewCISink returns a sink for system (tasks.CIGitHub or tasks.CIGitLab; any other value
// gives the TextSink alone) writing to w, the stream text writes to. file is the flow file's
// path as annotations should name it.
func NewCISink(text *TextSink, w io.Writer, system string, f *flow.Flow, file string) runner.Sink {
	if system != tasks.CIGitHub && system != tasks.CIGitLab {
		return text
	}
	specs := map[string]*flow.TaskSpec{}
	for _, t := range f.AllTasks() {
		specs[t.ID] = t
	}
	return &CISink{text: text, w: w, system: system, file: file, specs: specs, now: time.Now}
}

// TaskStarted implements runner.Sink: it opens the task run's group or section. Only the
// runs at the top of the tree have one: GitHub does not nest groups, and the children of a
// Parallel run at once; their lines, prefixed with their task id, sit in their flowable's.
func (s *CISink) TaskStarted(tr *runner.TaskRun) {
	s.text.TaskStarted(tr)
	if tr.ParentTaskRunID != "" {
		return
	}
	header := RunLabel(tr)
	if spec := s.specs[tr.TaskID]; spec != nil {
		header += " (" + flow.ShortType(spec.Type) + ")"
	}
	if tr.Branch != runner.BranchTasks {
		header += " [" + tr.Branch + "]"
	}
	s.emit(func() string {
		if s.system == tasks.CIGitHub {
			return "::group::" + ghData(header)
		}
		return fmt.Sprintf("\x1b[0Ksection_start:%d:%s\r\x1b[0K%s", s.now().Unix(), gitlabSection(tr), header)
	})
}

// ExecutionStarted implements runner.ExecutionSink.
func (s *CISink) ExecutionStarted(x *runner.Execution) { s.text.ExecutionStarted(x) }

// Log implements runner.Sink.
func (s *CISink) Log(tr *runner.TaskRun, line runner.LogLine) { s.text.Log(tr, line) }

// TaskEnded implements runner.Sink: it closes the group or section, then annotates a task
// run that did not succeed.
func (s *CISink) TaskEnded(tr *runner.TaskRun) {
	s.text.TaskEnded(tr)
	top := tr.ParentTaskRunID == ""
	if s.system == tasks.CIGitLab {
		if top {
			s.emit(func() string {
				return fmt.Sprintf("\x1b[0Ksection_end:%d:%s\r\x1b[0K", s.now().Unix(), gitlabSection(tr))
			})
		}
		return
	}
	if top {
		s.emit(func() string { return "::endgroup::" })
	}
	if spec := s.specs[tr.TaskID]; spec != nil && spec.Flowable != nil && tr.Error == "" {
		// A flowable failed by its children: the child that failed has the annotation.
		return
	}
	var kind string
	switch tr.State.Current {
	case runner.StateFailed, runner.StateKilled:
		kind = "error"
	case runner.StateWarning, runner.StateRetried:
		// A RETRIED run failed, and a new execution tries again.
		kind = "warning"
	default:
		return
	}
	// The task's error, shown as its log line is: the annotation stays in the job's log.
	msg := Printable(explanation(tr), SGRStrip)
	if msg == "" {
		msg = "task " + tr.TaskID + " ended " + tr.State.Current
	}
	props := []string{}
	if s.file != "" {
		props = append(props, "file="+ghProp(s.file))
		if spec := s.specs[tr.TaskID]; spec != nil && spec.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", spec.Pos.Line), fmt.Sprintf("col=%d", spec.Pos.Col))
		}
	}
	props = append(props, "title="+ghProp(fmt.Sprintf("task %s %s", tr.TaskID, tr.State.Current)))
	s.emit(func() string { return "::" + kind + " " + strings.Join(props, ",") + "::" + ghData(msg) })
}

// WriteLoadAnnotations writes a GitHub Actions ::error annotation for each problem of an
// invalid flow file, so the job's page and the pull request show it on the file's line.
// path is the file as the CI system names it ("" when there is none, as for stdin).
func WriteLoadAnnotations(w io.Writer, path string, ps []flow.Problem) {
	for _, p := range ps {
		props := []string{}
		if path != "" {
			props = append(props, "file="+ghProp(path))
			if p.Line > 0 {
				props = append(props, fmt.Sprintf("line=%d", p.Line))
				if p.Col > 0 {
					props = append(props, fmt.Sprintf("col=%d", p.Col))
				}
			}
		}
		props = append(props, "title="+ghProp("invalid flow"))
		fmt.Fprintf(w, "::error %s::%s\n", strings.Join(props, ","), ghData(Printable(p.Msg, SGRStrip)))
	}
}

// explanation says why a task run did not succeed, for an annotation or a summary: its
// error, then the last ERROR lines it logged (a traceback's end says more than "Command
// failed with exit code 1"); for a WARNING without an error, its last WARN line (which
// stderr line made it one).
func explanation(tr *runner.TaskRun) string {
	if tr.Error != "" {
		if lines := tr.ErrorLines(); len(lines) > 0 {
			return strings.Join(lines, "\n") + "\n" + tr.Error
		}
		return tr.Error
	}
	if tr.State.Current != runner.StateWarning {
		return ""
	}
	shown := tr.ShownLogs()
	for i := len(shown) - 1; i >= 0; i-- {
		if shown[i].Level == tasks.LevelWarn {
			return shown[i].Message
		}
	}
	return ""
}

// emit writes one line of markup, between the text sink's lines.
func (s *CISink) emit(line func() string) {
	s.text.mu.Lock()
	defer s.text.mu.Unlock()
	// Through the text's buffer (w is the stream it writes to), so that lines it holds
	// keep their place.
	s.text.out(append([]byte(line()), '\n'))
}

// Hold implements runner.HoldingSink.
func (s *CISink) Hold() { s.text.Hold() }

// Release implements runner.HoldingSink.
func (s *CISink) Release() { s.text.Release() }

// gitlabSection names a task run's section: GitLab takes letters, digits, '_', '.' and '-'.
func gitlabSection(tr *runner.TaskRun) string {
	return "flowctl_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, tr.TaskID) + "_" + tr.ID
}

// ghData escapes the message of a GitHub workflow command, so that a line break or a %
// in it cannot end the command or start another.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProp escapes a property value of a GitHub workflow command.
func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// summaryOutputLen bounds an output value in the Markdown summary.
const summaryOutputLen = 300

// WriteMarkdownSummary writes x as a GitHub job summary ($GITHUB_STEP_SUMMARY): the
// execution's state and duration, a table of its task runs, their outputs and the error of
// the ones that failed. Everything in x is already masked.
func WriteMarkdownSummary(w io.Writer, x *runner.Execution) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s `%s.%s` %s in %s\n\n", stateMark(x.State.Current), x.Namespace, x.FlowID,
		x.State.Current, HumanDuration(x.State.Duration()))
	fmt.Fprintf(&b, "Execution `%s`", x.ID)
	if x.Trigger != nil {
		fmt.Fprintf(&b, ", started by trigger `%s`", x.Trigger.ID)
	}
	b.WriteString("\n\n")
	if len(x.TaskRunList) == 0 {
		b.WriteString("No task ran.\n\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| task | branch | state | duration |\n|---|---|---|---|\n")
	for _, r := range tree(x) {
		tr := r.tr
		// Markdown drops leading spaces in a cell: em spaces indent a run under its flowable.
		fmt.Fprintf(&b, "| %s`%s` | %s | %s %s | %s |\n", strings.Repeat("&emsp;", r.depth), mdCell(RunLabel(tr)), tr.Branch,
			stateMark(tr.State.Current), tr.State.Current, HumanDuration(tr.State.Duration()))
	}
	b.WriteString("\n")
	var outs []string
	for _, tr := range x.TaskRunList {
		for k, v := range OutputsJSON(tr.Outputs) {
			outs = append(outs, fmt.Sprintf("| `outputs.%s.%s` | `%s` |", mdCell(outputPath(x, tr)), mdCell(k),
				mdCell(Printable(tasks.CutRunes(v, summaryOutputLen), SGRStrip))))
		}
	}
	if len(outs) > 0 {
		b.WriteString("<details><summary>Outputs</summary>\n\n| output | value |\n|---|---|\n")
		b.WriteString(strings.Join(outs, "\n"))
		b.WriteString("\n\n</details>\n\n")
	}
	for _, tr := range x.TaskRunList {
		why := explanation(tr)
		if why == "" {
			continue
		}
		text := Printable(tasks.CutRunes(why, 4000), SGRStrip)
		fence := mdFence(text)
		fmt.Fprintf(&b, "**`%s` %s:**\n\n%s\n%s\n%s\n\n", mdCell(RunLabel(tr)), tr.State.Current, fence, text, fence)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stateMark is a state's sign in a Markdown summary.
func stateMark(st string) string {
	switch st {
	case runner.StateSuccess:
		return "✅"
	case runner.StateWarning:
		return "⚠️"
	case runner.StateFailed, runner.StateKilled:
		return "❌"
	case runner.StateSkipped, runner.StateCancelled:
		return "⏭️"
	}
	return "•"
}

// mdFence is a code fence that no line of text can close: longer than its longest run of
// backticks (CommonMark closes a fence only with one at least as long).
func mdFence(text string) string {
	longest, run := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(4, longest+1))
}

// mdCell makes s safe inside a Markdown table cell and inline code: no line break, no
// pipe, no backtick to close the code span.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", " ", "`", "'").Replace(s)
}
