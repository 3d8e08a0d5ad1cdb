package tasks

// The words of an execution summary that Kestra's chat templates share (Teams, Discord):
// the title, the outcome and the final task, from the same reading of the execution as
// SlackExecution's (failedTaskRun, finalTaskRun). Unlike Slack's, they are not escaped: these
// services take text as written.

import (
	"time"

	"github.com/flowctl/flowctl/internal/duration"
)

// executionTitle is "[namespace] flow ➛ STATE".
func executionTitle(x *ExecutionView) string {
	return "[" + x.Namespace + "] " + x.FlowID + " ➛ " + x.State
}

// executionOutcome is "Succeeded after HH:mm:ss.SSS", or "Failed on task `id` after ...",
// naming the task failedTaskRun blames, as Kestra's templates word it.
func executionOutcome(x *ExecutionView, now time.Time) string {
	culprit, failed := failedTaskRun(x)
	outcome := "Succeeded"
	switch {
	case failed && culprit != nil:
		outcome = "Failed on task `" + culprit.TaskID + "`"
	case failed:
		outcome = "Failed"
	}
	return outcome + " after " + duration.FormatClock(executionDuration(x, now))
}

// finalTaskID is the id of the task run finalTaskRun picks, "" when there is none.
func finalTaskID(x *ExecutionView) string {
	if tr := finalTaskRun(x); tr != nil {
		return tr.TaskID
	}
	return ""
}
