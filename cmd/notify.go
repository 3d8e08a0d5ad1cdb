package cmd

import (
	"fmt"
	"io"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
)

// notifier writes what the service says (service.Notifier): its notes and the executions
// Flow triggers start on stderr, the executions of schedules on out (the scheduler's
// stdout), each with its stream's palette.
type notifier struct {
	err    io.Writer
	errPal *report.Palette
	out    io.Writer
	pal    *report.Palette
}

func (n *notifier) Note(msg string) {
	fmt.Fprintf(n.err, "flowctl: %s\n", n.errPal.Text(msg))
}

func (n *notifier) Fired(f *flow.Flow, t *flow.Trigger, by *runner.Execution) runner.Sink {
	fmt.Fprintf(n.err, "flowctl: trigger %s.%s/%s fired by %s.%s %s (%s)\n", f.Namespace, f.ID, t.ID,
		by.Namespace, by.FlowID, by.ID, n.errPal.State(by.State.Current))
	return report.NewTextSink(n.err, n.errPal, f)
}

func (n *notifier) FiredEnded(f *flow.Flow, y *runner.Execution) {
	fmt.Fprintf(n.err, "flowctl: triggered execution %s of %s.%s ended %s in %s\n", y.ID, f.Namespace, f.ID,
		n.errPal.State(y.State.Current), report.HumanDuration(y.State.Duration()))
}

func (n *notifier) Scheduled(f *flow.Flow, t *flow.Trigger, date string) runner.Sink {
	fmt.Fprintf(n.out, "flowctl: schedule %s.%s/%s: running the date %s\n", f.Namespace, f.ID, t.ID, date)
	return report.NewTextSink(n.out, n.pal, f)
}

func (n *notifier) ScheduledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
	fmt.Fprintf(n.out, "flowctl: schedule %s.%s/%s: execution %s ended %s in %s\n", f.Namespace, f.ID, t.ID, x.ID,
		n.pal.State(x.State.Current), report.HumanDuration(x.State.Duration()))
}

func (n *notifier) Polled(f *flow.Flow, t *flow.Trigger, code string) runner.Sink {
	fmt.Fprintf(n.out, "flowctl: trigger %s.%s/%s: the answer (%s) meets responseCondition: running\n", f.Namespace, f.ID, t.ID, code)
	return report.NewTextSink(n.out, n.pal, f)
}

func (n *notifier) PolledEnded(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
	fmt.Fprintf(n.out, "flowctl: trigger %s.%s/%s: execution %s ended %s in %s\n", f.Namespace, f.ID, t.ID, x.ID,
		n.pal.State(x.State.Current), report.HumanDuration(x.State.Duration()))
}

func (n *notifier) DateSkipped(f *flow.Flow, t *flow.Trigger, date string) {
	fmt.Fprintf(n.out, "flowctl: schedule %s.%s/%s: the date %s skipped: its conditions do not hold\n", f.Namespace, f.ID, t.ID, date)
}

func (n *notifier) Subflow(f *flow.Flow, taskID string, parent *runner.Execution) runner.Sink {
	fmt.Fprintf(n.err, "flowctl: subflow %s.%s started by task %s of %s.%s %s\n", f.Namespace, f.ID, taskID,
		parent.Namespace, parent.FlowID, parent.ID)
	return report.NewTextSink(n.err, n.errPal, f)
}

func (n *notifier) SubflowEnded(f *flow.Flow, y *runner.Execution) {
	fmt.Fprintf(n.err, "flowctl: subflow execution %s of %s.%s ended %s in %s\n", y.ID, f.Namespace, f.ID,
		n.errPal.State(y.State.Current), report.HumanDuration(y.State.Duration()))
}
