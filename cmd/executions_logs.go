package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// followEvery is how often `executions logs --follow` reads the state: a running execution
// writes its lines at least every 200 ms, so reading more often finds nothing more.
const followEvery = 200 * time.Millisecond

func newExecLogsCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath, task string
	var follow bool
	c := &cobra.Command{
		Use:   "logs ID",
		Short: "Print the log lines of an execution, as they are recorded with --follow",
		Long: `Print the log lines an execution's task runs recorded, oldest first: each with its time,
level and task. A running execution's lines are recorded as it runs (at most 200 ms or 500
lines behind); with --follow, new lines are printed as they are recorded until the execution
ends (Ctrl-C stops following).

ID is a whole execution id, a prefix of exactly one, or "last" for the newest execution.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			store, err := fac.openState(c.Context(), statePath, true)
			if err != nil {
				return err
			}
			id, err := resolveExecution(store, args[0])
			if err != nil {
				return err
			}
			p := report.NewPalette(colorEnabled(s.Out, false))
			return followLogs(c.Context(), store, id, task, follow, func(tr *runner.TaskRun, l state.LogEntry) {
				writeLogEntry(s.Out, p, tr, l)
			})
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVar(&task, "task", "", "only the lines of the task runs of this task id")
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines until the execution ends")
	return c
}

// followLogs hands each log line of execution id to emit, with its task run, oldest first;
// with follow, it reads the state again every followEvery until the execution has ended
// (or ctx ends) and hands the new lines. task, when set, keeps the lines of that task's runs;
// a task the ended execution never ran is a usage error naming those it ran.
//
// A followed execution that no process runs any more (its flowctl killed with SIGKILL left
// it RUNNING) ends the follow with an error, exit 1, once its last lines are printed.
func followLogs(ctx context.Context, store *state.Store, id, task string, follow bool, emit func(*runner.TaskRun, state.LogEntry)) error {
	var pos uint64
	for {
		// Whether a process runs it, before the document: a process lets go of its lease
		// after recording the end, so a lease found free then a document not ended means
		// the process is gone without recording it.
		gone := follow && store.RunnerOf(id) == state.RunnerGone
		// The document first: when it says the execution ended, the lines read after it
		// are all there are (the end and the last lines are written together).
		rec, ok, err := store.Execution(id)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		if !ok {
			return usageErrorf("no execution %q in %s: it was pruned", id, store.Path())
		}
		x, err := runner.Decode(rec)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		ended := !x.State.EndDate.IsZero()
		lines, next, err := store.LogsAfter(id, pos)
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		pos = next
		runs := make(map[string]*runner.TaskRun, len(x.TaskRunList))
		for _, tr := range x.TaskRunList {
			runs[tr.ID] = tr
		}
		for _, l := range lines {
			tr := runs[l.TaskRunID]
			if task != "" && (tr == nil || tr.TaskID != task) {
				continue
			}
			emit(tr, l)
		}
		if ended && task != "" && !slices.ContainsFunc(x.TaskRunList, func(tr *runner.TaskRun) bool { return tr.TaskID == task }) {
			return usageErrorf("execution %s ran no task %q (it ran %s)", id, task, taskIDs(x))
		}
		if !follow || ended {
			return nil
		}
		if gone {
			return &exitError{code: ExitFailed, err: fmt.Errorf("execution %s is RUNNING in the state, but no process runs it: %s; its log ends here", id, cutOff)}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(followEvery):
		}
	}
}

// cutOff says what became of an execution left RUNNING by a process that is gone.
const cutOff = "the flowctl that ran it was killed (kill -9, the OOM killer) or crashed"

// taskIDs names the tasks x ran, in order, once each.
func taskIDs(x *runner.Execution) string {
	var ids []string
	for _, tr := range x.TaskRunList {
		if !slices.Contains(ids, tr.TaskID) {
			ids = append(ids, tr.TaskID)
		}
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// writeLogEntry prints one recorded line: time, level, task run, then the message, each of
// its lines behind that prefix.
func writeLogEntry(w io.Writer, p *report.Palette, tr *runner.TaskRun, l state.LogEntry) {
	lvl, err := tasks.ParseLevel(l.Level)
	if err != nil {
		lvl = tasks.LevelInfo
	}
	label := "-"
	if tr != nil {
		label = report.RunLabel(tr)
	}
	prefix := fmt.Sprintf("%s %s %s ", p.Faint(l.Time.UTC().Format("15:04:05.000")), p.Level(lvl, fmt.Sprintf("%-5s", lvl)), p.Bold(p.Text(label)))
	writeLines(w, p, prefix, l.Message)
}
