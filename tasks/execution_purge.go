package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// purgeExecutionsDef is Kestra's execution.PurgeExecutions task.
var purgeExecutionsDef = &Def{
	Type:    "io.kestra.plugin.core.execution.PurgeExecutions",
	Aliases: []string{"io.kestra.core.tasks.storages.Purge", "io.kestra.plugin.core.storage.Purge"},
	Doc:     "Delete the recorded executions of a date range, with their logs and files.",
	New:     func() Task { return &PurgeExecutions{} },
}

// PurgeQuery selects what PurgeExecutions deletes (see PurgeExecutions' properties).
type PurgeQuery struct {
	Namespace, FlowID string
	From, To          time.Time // From zero: no lower bound
	States            []string
	// Executions, Logs and Files say what goes: the executions (with their logs), only
	// their logs, their files in the internal storage.
	Executions, Logs, Files bool
}

// PurgeCounts is what PurgeExecutions deleted.
type PurgeCounts struct {
	Executions, Logs, Files int
}

// PurgeExecutions deletes recorded executions, as `flowctl executions prune` does and with
// its checks; the execution it runs in and those that have not ended (no end date, so not
// before endDate, as in Kestra) are never deleted.
type PurgeExecutions struct {
	Namespace      string   `flow:"namespace" doc:"the namespace, with its children, whose executions are purged; with flowId, that flow's namespace exactly (default every namespace)"`
	FlowID         string   `flow:"flowId" doc:"the flow whose executions are purged; needs namespace"`
	StartDate      string   `flow:"startDate" doc:"purge only the executions started at or after this ISO-8601 date-time, rendered"`
	EndDate        string   `flow:"endDate,required" doc:"purge the executions that ended at or before this ISO-8601 date-time, rendered (one not ended is never purged)"`
	States         []string `flow:"states" enum:"CREATED,RUNNING,PAUSED,RESTARTED,KILLING,SUCCESS,WARNING,FAILED,KILLED,CANCELLED,QUEUED,RETRYING,RETRIED,SKIPPED,BREAKPOINT" doc:"purge only the executions in these states (default any that ended)"`
	PurgeExecution *bool    `flow:"purgeExecution" doc:"delete the executions (default true), with their logs"`
	PurgeLog       *bool    `flow:"purgeLog" doc:"delete the executions' logs (default true)"`
	PurgeMetric    *bool    `flow:"purgeMetric" doc:"metrics are kept in the execution's record: they go with it (default true)"`
	PurgeStorage   *bool    `flow:"purgeStorage" doc:"delete the executions' files from the internal storage (default true)"`
}

// Run purges and returns executionsCount, logsCount, storagesCount and metricsCount.
func (t *PurgeExecutions) Run(ctx context.Context, tc *Context) (Result, error) {
	q, err := renderPurgeRange(tc, t.Namespace, t.FlowID, t.StartDate, t.EndDate)
	if err != nil {
		return Result{}, err
	}
	for i, s := range t.States {
		s = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(strings.Split(executionStates, ","), s) {
			return Result{}, &PropError{Prop: fmt.Sprintf("states[%d]", i), Err: fmt.Errorf("%q: expected one of %s", s, strings.ReplaceAll(executionStates, ",", ", "))}
		}
		q.States = append(q.States, s)
	}
	orTrue := func(b *bool) bool { return b == nil || *b }
	q.Executions, q.Logs, q.Files = orTrue(t.PurgeExecution), orTrue(t.PurgeLog), orTrue(t.PurgeStorage)
	if tc.PurgeExecutions == nil {
		return Result{}, errNoPurge
	}
	n, err := tc.PurgeExecutions(q)
	out := map[string]any{"executionsCount": n.Executions, "logsCount": n.Logs, "storagesCount": n.Files,
		// Metrics live in the execution's record, not apart: there are none to count.
		"metricsCount": 0}
	return Result{Outputs: out}, err
}

var errNoPurge = errors.New("purging executions needs a state: run with a state file (the default one, or --state)")

// renderPurgeRange renders the selection PurgeExecutions and PurgeLogs share.
func renderPurgeRange(tc *Context, namespace, flowID, startDate, endDate string) (PurgeQuery, error) {
	var q PurgeQuery
	var err error
	if q.Namespace, err = tc.render("namespace", namespace); err != nil {
		return q, err
	}
	if q.FlowID, err = tc.render("flowId", flowID); err != nil {
		return q, err
	}
	if q.FlowID != "" && q.Namespace == "" {
		return q, &PropError{Prop: "flowId", Err: errors.New("needs namespace: the namespace of the flow")}
	}
	if startDate != "" {
		if q.From, err = renderZoned(tc, "startDate", startDate); err != nil {
			return q, err
		}
	}
	if q.To, err = renderZoned(tc, "endDate", endDate); err != nil {
		return q, err
	}
	return q, nil
}
