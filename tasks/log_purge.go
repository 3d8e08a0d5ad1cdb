package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// purgeLogsDef is Kestra's log.PurgeLogs task.
var purgeLogsDef = &Def{
	Type: "io.kestra.plugin.core.log.PurgeLogs",
	Doc:  "Delete the recorded log lines of a date range, of some levels, flows or namespaces.",
	New:  func() Task { return &PurgeLogs{} },
}

// LogPurgeQuery selects the log lines PurgeLogs deletes.
type LogPurgeQuery struct {
	Namespace, FlowID string
	Levels            []string
	From, To          time.Time // From zero: no lower bound
}

// logLevels are Kestra's log levels.
const logLevels = "ERROR,WARN,INFO,DEBUG,TRACE"

// PurgeLogs deletes recorded log lines by the date they were written; the executions stay.
type PurgeLogs struct {
	Namespace string   `flow:"namespace" doc:"the namespace whose logs are purged, compared whole as Kestra's repository does (default every namespace)"`
	FlowID    string   `flow:"flowId" doc:"the flow whose logs are purged; needs namespace"`
	LogLevels []string `flow:"logLevels" enum:"ERROR,WARN,INFO,DEBUG,TRACE" doc:"purge only the lines at these levels (default any)"`
	StartDate string   `flow:"startDate" doc:"purge only the lines written at or after this ISO-8601 date-time, rendered"`
	EndDate   string   `flow:"endDate,required" doc:"purge the lines written at or before this ISO-8601 date-time, rendered"`
}

// Run purges and returns outputs.count, the number of lines deleted.
func (t *PurgeLogs) Run(ctx context.Context, tc *Context) (Result, error) {
	r, err := renderPurgeRange(tc, t.Namespace, t.FlowID, t.StartDate, t.EndDate)
	if err != nil {
		return Result{}, err
	}
	q := LogPurgeQuery{Namespace: r.Namespace, FlowID: r.FlowID, From: r.From, To: r.To}
	for i, l := range t.LogLevels {
		l = strings.ToUpper(strings.TrimSpace(l))
		if !slices.Contains(strings.Split(logLevels, ","), l) {
			return Result{}, &PropError{Prop: fmt.Sprintf("logLevels[%d]", i), Err: fmt.Errorf("%q: expected one of %s", l, strings.ReplaceAll(logLevels, ",", ", "))}
		}
		q.Levels = append(q.Levels, l)
	}
	if tc.PurgeLogs == nil {
		return Result{}, errors.New("purging logs needs a state: run with a state file (the default one, or --state)")
	}
	n, err := tc.PurgeLogs(q)
	return Result{Outputs: map[string]any{"count": n}}, err
}
