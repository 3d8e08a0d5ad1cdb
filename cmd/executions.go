package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/runner/storage"
)

func newExecutionsCmd(fac *factory) *cobra.Command {
	c := &cobra.Command{
		Use:     "executions",
		Aliases: []string{"execution", "exec"},
		Short:   "List, show, follow, resume, restart and prune the executions recorded in the state",
	}
	c.AddCommand(newExecListCmd(fac), newExecShowCmd(fac), newExecLogsCmd(fac), newExecResumeCmd(fac), newExecRestartCmd(fac), newExecPruneCmd(fac))
	return c
}

func newExecListCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath, output string
	var f state.ListFilter
	c := &cobra.Command{
		Use:   "list",
		Short: "List executions, newest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := outputFlag(output); err != nil {
				return err
			}
			if f.Limit < 0 {
				return usageErrorf("--limit must be 0 (all) or more, got %d", f.Limit)
			}
			if f.Documents && output != "json" {
				return usageErrorf("--documents goes with -o json")
			}
			f.State = strings.ToUpper(f.State)
			if f.State != "" && !slices.Contains(listableStates, f.State) {
				return usageErrorf("invalid --status %q: use one of %s", f.State, strings.Join(listableStates, ", "))
			}
			store, err := fac.openState(c.Context(), statePath, true)
			if err != nil {
				return err
			}
			recs, err := store.Executions(f)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if output == "json" {
				docs := make([]json.RawMessage, len(recs))
				for i, r := range recs {
					docs[i] = r.Doc
				}
				return report.WriteJSON(s.Out, docs)
			}
			if len(recs) == 0 {
				fmt.Fprintln(s.Err, "no execution recorded (that matches)")
				return nil
			}
			pal := report.NewPalette(colorEnabled(s.Out, false))
			// Columns are padded by hand, not by a tabwriter: the colour codes of the
			// states differ in length and would skew the columns after them.
			idW, nsW, flowW := len("ID"), len("NAMESPACE"), len("FLOW")
			for _, r := range recs {
				idW, nsW, flowW = max(idW, len(r.ID)), max(nsW, len(r.Namespace)), max(flowW, len(r.FlowID))
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %-9s  %-20s  %s\n", idW, "ID", nsW, "NAMESPACE", flowW, "FLOW", "STATE", "STARTED", "DURATION")
			for _, r := range recs {
				d := "-"
				if !r.EndDate.IsZero() {
					d = report.HumanDuration(r.EndDate.Sub(r.StartDate))
				} else if store.RunnerOf(r.ID) == state.RunnerGone {
					d = "-  no process is running it (killed?)"
				}
				fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %s  %-20s  %s\n", idW, r.ID, nsW, r.Namespace, flowW, r.FlowID,
					pal.PaddedState(r.State, len("CANCELLED")), r.StartDate.UTC().Format(time.RFC3339), d)
			}
			_, err = io.WriteString(s.Out, b.String())
			return err
		},
	}
	stateFlag(c, &statePath)
	fl := c.Flags()
	fl.StringVarP(&output, "output", "o", "text", "output format: text or json")
	fl.StringVar(&f.Namespace, "namespace", "", "only executions of this namespace")
	fl.StringVar(&f.FlowID, "flow", "", "only executions of this flow id")
	fl.StringVar(&f.State, "status", "", "only executions in this `STATE` (QUEUED, RUNNING, PAUSED, RESTARTED, SUCCESS, WARNING, FAILED, KILLED, CANCELLED)")
	fl.IntVar(&f.Limit, "limit", 20, "at most this many executions (0: all)")
	fl.BoolVar(&f.Documents, "documents", false, "with -o json, whole execution documents, taskRunList included (each read in full)")
	return c
}

// listableStates are the states an execution can be recorded in.
var listableStates = []string{runner.StateQueued, runner.StateRunning, runner.StateSuccess, runner.StateWarning,
	runner.StateFailed, runner.StateKilled, runner.StateCancelled, runner.StatePaused, runner.StateRestarted, runner.StateRetried}

func newExecShowCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath, output string
	c := &cobra.Command{
		Use: "show ID",
		Long: `Show one execution: task runs, states, durations, outputs and logs. A running execution
(or one cut off by a crash) shows its task runs and logs so far: they are recorded as they
happen.

ID is a whole execution id, a prefix of exactly one (as git takes commits), or "last" for
the newest execution.`,
		Short: "Show one execution: task runs, states, durations, outputs and logs",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := outputFlag(output); err != nil {
				return err
			}
			store, err := fac.openState(c.Context(), statePath, true)
			if err != nil {
				return err
			}
			id, err := resolveExecution(store, args[0])
			if err != nil {
				return err
			}
			// Before the record: a process lets go of its lease after recording the end.
			runs := store.RunnerOf(id)
			rec, ok, err := store.Execution(id)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			if !ok {
				// Pruned between the two reads.
				return usageErrorf("no execution %q in %s: see flowctl executions list", id, store.Path())
			}
			if output == "json" {
				return report.WriteJSON(s.Out, json.RawMessage(rec.Doc))
			}
			x, err := runner.Decode(rec)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			logs, err := store.Logs(rec.ID)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			runner.AttachLogs(x, logs)
			files, err := store.Storage().List(x.Namespace, x.FlowID, x.ID)
			if err != nil {
				// The record is there to show; the files' listing is a warning.
				fmt.Fprintf(s.Err, "flowctl: warning: %v\n", err)
			}
			retriedBy := ""
			if retry, st, ok, err := service.RetriedBy(store, x); err != nil {
				// The record is there to show; the retry's name is a warning.
				fmt.Fprintf(s.Err, "flowctl: warning: %v\n", err)
			} else if ok {
				retriedBy = retry + " (" + st + ")"
			}
			writeExecution(s.Out, report.NewPalette(colorEnabled(s.Out, false)), x, files, runs, retriedBy)
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return c
}

// writeExecution prints one recorded execution: its header, each task run with its outputs,
// error and log lines, the files it stored, then the summary table. runs says whether a
// process runs x: one not ended that none runs was cut off. retriedBy names the execution
// that retries x ("id (STATE)"), "" when none does.
func writeExecution(w io.Writer, p *report.Palette, x *runner.Execution, files []storage.File, runs state.Runner, retriedBy string) {
	fmt.Fprintf(w, "%s %s.%s (revision %d) %s\n", p.Bold("execution "+x.ID), x.Namespace, x.FlowID, x.FlowRevision, p.State(x.State.Current))
	fmt.Fprintf(w, "started %s", x.State.StartDate.UTC().Format(time.RFC3339))
	switch {
	case !x.State.EndDate.IsZero():
		fmt.Fprintf(w, ", ended %s", x.State.EndDate.UTC().Format(time.RFC3339))
	case runs == state.RunnerGone:
		fmt.Fprintf(w, ", not ended: no process is running it (killed?): %s", cutOff)
	case runs == state.RunnerAlive:
		fmt.Fprint(w, ", not ended: running")
	default:
		fmt.Fprint(w, ", not ended (still running, or cut off by a crash)")
	}
	fmt.Fprintln(w)
	if m := x.Metadata; m != nil && x.Restarted() {
		// Restarted: the execution's states, each attempt's end among them.
		states := make([]string, len(x.State.Histories))
		for i, h := range x.State.Histories {
			states[i] = h.State
		}
		fmt.Fprintf(w, "attempt %d, restarted: %s\n", m.AttemptNumber, strings.Join(states, " → "))
	}
	if x.Trigger != nil {
		fmt.Fprintln(w, triggeredBy(x.Trigger))
	}
	if len(x.Labels) > 0 {
		// The labels a Labels task or an SLA added show beside the flow's.
		pairs := make([]string, 0, len(x.Labels))
		for _, k := range slices.Sorted(maps.Keys(x.Labels)) {
			pairs = append(pairs, k+"="+x.Labels[k])
		}
		fmt.Fprintf(w, "labels %s\n", p.Text(strings.Join(pairs, " ")))
	}
	if x.ParentID != "" {
		fmt.Fprintf(w, "retries execution %s (attempt %d, original execution %s)\n", x.ParentID, x.Metadata.AttemptNumber, x.OriginalID)
	}
	if retriedBy != "" {
		fmt.Fprintf(w, "retried by execution %s\n", retriedBy)
	}
	// Inputs, outputs, errors and logs are the tasks' text, shown as `run` shows it: each
	// of their lines behind flowctl's own text, control sequences made visible.
	if len(x.Inputs) > 0 {
		b, _ := json.Marshal(x.Inputs)
		fmt.Fprintf(w, "inputs %s\n", p.Text(string(b)))
	}
	for _, tr := range x.TaskRunList {
		fmt.Fprintf(w, "\n%s %s %s %s\n", p.Bold(report.RunLabel(tr)), p.Faint(tr.Branch), p.State(tr.State.Current), report.HumanDuration(tr.State.Duration()))
		if len(tr.Attempts) > 1 {
			states := make([]string, len(tr.Attempts))
			for i, a := range tr.Attempts {
				states[i] = a.State.Current
			}
			fmt.Fprintf(w, "  attempts: %d (%s)\n", len(tr.Attempts), strings.Join(states, ", "))
		}
		for k, v := range report.OutputsJSON(tr.Outputs) {
			fmt.Fprintf(w, "  outputs.%s = %s\n", p.Text(k), p.Text(v))
		}
		if tr.Error != "" {
			writeLines(w, p, "  error: ", tr.Error)
		}
		for _, l := range tr.Logs {
			writeLines(w, p, fmt.Sprintf("  %s %s ", p.Faint(l.Time.UTC().Format("15:04:05.000")), p.Level(l.Level, fmt.Sprintf("%-5s", l.Level))), l.Message)
		}
	}
	writeFiles(w, p, files)
	if x.State.EndDate.IsZero() {
		// Recorded as it runs: the task runs so far, each as its last record left it.
		if len(x.TaskRunList) == 0 {
			fmt.Fprintln(w, "\nno task run recorded yet")
		}
		if runs == state.RunnerGone {
			fmt.Fprintln(w, "\ntask runs and logs as recorded before it was cut off")
			return
		}
		fmt.Fprintf(w, "\ntask runs and logs so far; follow them: flowctl executions logs %s --follow\n", x.ID)
		return
	}
	report.WriteSummary(w, p, x)
}

// writeLines writes each line of text behind prefix, as the run's log does.
func writeLines(w io.Writer, p *report.Palette, prefix, text string) {
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		b.WriteString(prefix + p.Text(l) + "\n")
	}
	io.WriteString(w, b.String())
}

func newExecPruneCmd(fac *factory) *cobra.Command {
	s := fac.Streams
	var statePath, olderThan string
	var keep int
	c := &cobra.Command{
		Use:   "prune (--older-than DURATION | --keep N)",
		Short: "Delete old executions, their logs and their files",
		Long: `Delete executions that started more than DURATION ago (ISO-8601 such as P30D, or Go's
720h), or all but the newest N, or both, with their logs and the files their tasks stored
(<state>.storage/). Run it from cron to keep the state bounded.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if keep < 0 {
				return usageErrorf("--keep must be 1 or more, got %d", keep)
			}
			if olderThan == "" && keep == 0 {
				return usageErrorf("give --older-than DURATION or --keep N (or both)")
			}
			var cutoff time.Time
			if olderThan != "" {
				d, err := duration.ParseFlag(olderThan)
				if err != nil {
					return usageErrorf("--older-than: %v", err)
				}
				cutoff = time.Now().Add(-d)
			}
			store, err := fac.openState(c.Context(), statePath, false)
			if err != nil {
				return err
			}
			n, err := store.PruneExecutions(cutoff, keep)
			if err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			fmt.Fprintf(s.Out, "%s deleted\n", count(n, "execution"))
			return nil
		},
	}
	stateFlag(c, &statePath)
	c.Flags().StringVar(&olderThan, "older-than", "", "delete executions started longer ago than this (P30D, 720h)")
	c.Flags().IntVar(&keep, "keep", 0, "keep only the newest N executions")
	return c
}

// resolveExecution finds the execution a user named: a whole id, a unique prefix of one, or
// "last" (see state.Store.ResolveID). Not found or ambiguous is a usage error that says
// where to look.
func resolveExecution(store *state.Store, ref string) (string, error) {
	id, err := store.ResolveID(ref)
	var nf *state.NotFoundError
	var amb *state.AmbiguousError
	switch {
	case errors.As(err, &nf):
		return "", usageErrorf("%v in %s: see flowctl executions list", err, store.Path())
	case errors.As(err, &amb):
		return "", usageErrorf("%v", err)
	case err != nil:
		return "", &exitError{code: ExitUsage, err: err}
	}
	return id, nil
}

// triggeredBy says which trigger started an execution and what it started it for: the
// execution that ended (Flow), the scheduled date (Schedule), a request (Webhook).
func triggeredBy(t *runner.ExecTrigger) string {
	line := fmt.Sprintf("triggered by %s (%s)", t.ID, flow.ShortType(t.Type))
	switch v := t.Variables; {
	case v["executionId"] != nil:
		return fmt.Sprintf("%s for execution %v", line, v["executionId"])
	case v["date"] != nil:
		return fmt.Sprintf("%s for the date %v", line, v["date"])
	case t.Type == flow.TriggerWebhook:
		return line + " from a webhook request"
	}
	return line
}
