package tasks

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// countDef is Kestra's execution.Count task.
var countDef = &Def{
	Type:    "io.kestra.plugin.core.execution.Count",
	Aliases: []string{"io.kestra.core.tasks.executions.Counts"},
	Doc:     "Count the recorded executions of flows or namespaces over a date range, keeping the counts an expression holds for.",
	New:     func() Task { return &Count{} },
}

// ExecutionCountQuery selects the executions CountExecutions counts: started between From
// and To, both included, and taken by Keep.
type ExecutionCountQuery struct {
	From, To time.Time
	Keep     func(namespace, flowID, state string) bool
}

// ExecutionCount is how many executions of one flow were counted.
type ExecutionCount struct {
	Namespace string
	FlowID    string
	Count     int64
}

// CountFlow is one flow of Count's flows.
type CountFlow struct {
	Namespace string `flow:"namespace,required" doc:"the flow's namespace"`
	FlowID    string `flow:"flowId,required" doc:"the flow's id"`
}

// executionStates are the states an execution may be in, Kestra's State.Type.
const executionStates = "CREATED,RUNNING,PAUSED,RESTARTED,KILLING,SUCCESS,WARNING,FAILED,KILLED,CANCELLED,QUEUED,RETRYING,RETRIED,SKIPPED,BREAKPOINT"

// Count counts executions, as Kestra's: by flow for each of flows (a flow with none counts
// 0), by namespace for each of namespaces (namespaces with none are left out).
type Count struct {
	Flows      []CountFlow `flow:"flows" doc:"the flows to count the executions of: a list of {namespace, flowId}; flows or namespaces is required"`
	States     []string    `flow:"states" enum:"CREATED,RUNNING,PAUSED,RESTARTED,KILLING,SUCCESS,WARNING,FAILED,KILLED,CANCELLED,QUEUED,RETRYING,RETRIED,SKIPPED,BREAKPOINT" doc:"count only the executions in these states (default all)"`
	StartDate  string      `flow:"startDate,required" doc:"the earliest start date counted, an ISO-8601 date-time with its offset, rendered"`
	EndDate    string      `flow:"endDate" doc:"the latest start date counted, rendered (default now)"`
	Expression string      `flow:"expression,required,perRecord" doc:"rendered with count, the number of executions, for each flow: a result is kept when it renders true"`
	Namespaces []string    `flow:"namespaces" doc:"the namespaces to count the executions of, each as a whole (not its children)"`
}

// Run counts and returns outputs.results (namespace, flowId, count) and outputs.total.
func (t *Count) Run(ctx context.Context, tc *Context) (Result, error) {
	if t.Flows == nil && t.Namespaces == nil {
		return Result{}, errors.New("You must provide a list of flows or namespaces")
	}
	states := make([]string, len(t.States))
	for i, s := range t.States {
		states[i] = strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains(strings.Split(executionStates, ","), states[i]) {
			return Result{}, &PropError{Prop: fmt.Sprintf("states[%d]", i), Err: fmt.Errorf("%q: expected one of %s", s, strings.ReplaceAll(executionStates, ",", ", "))}
		}
	}
	from, err := renderZoned(tc, "startDate", t.StartDate)
	if err != nil {
		return Result{}, err
	}
	to := tc.Now()
	if t.EndDate != "" {
		if to, err = renderZoned(tc, "endDate", t.EndDate); err != nil {
			return Result{}, err
		}
	}
	if tc.CountExecutions == nil {
		return Result{}, errors.New("counting executions needs a state: run with a state file (the default one, or --state)")
	}
	if tc.RenderVars == nil {
		return Result{}, errNoRenderVars
	}
	flows := map[[2]string]bool{}
	for _, f := range t.Flows {
		flows[[2]string{f.Namespace, f.FlowID}] = true
	}
	counted, err := tc.CountExecutions(ExecutionCountQuery{From: from, To: to,
		Keep: func(ns, flowID, state string) bool {
			if len(states) > 0 && !slices.Contains(states, state) {
				return false
			}
			return flows[[2]string{ns, flowID}] || slices.Contains(t.Namespaces, ns)
		}})
	if err != nil {
		return Result{}, err
	}
	// Kestra's repository: each flow asked for, 0 when none ran; then each namespace asked
	// for that had executions, with no flowId.
	type row struct {
		ns, flowID string
		count      int64
		byNS       bool
	}
	var rows []row
	for _, f := range t.Flows {
		n := int64(0)
		for _, c := range counted {
			if c.Namespace == f.Namespace && c.FlowID == f.FlowID {
				n = c.Count
			}
		}
		rows = append(rows, row{f.Namespace, f.FlowID, n, false})
	}
	if t.Namespaces != nil {
		byNS := map[string]int64{}
		var order []string
		for _, c := range counted {
			if !slices.Contains(t.Namespaces, c.Namespace) {
				continue
			}
			if _, ok := byNS[c.Namespace]; !ok {
				order = append(order, c.Namespace)
			}
			byNS[c.Namespace] += c.Count
		}
		for _, ns := range order {
			rows = append(rows, row{ns, "", byNS[ns], true})
		}
	}
	tc.Log.Log(LevelTrace, fmt.Sprintf("%d flows matching filters", len(rows)))
	results := []any{}
	var total int64
	for _, r := range rows {
		out, err := tc.RenderVars(t.Expression, map[string]any{"count": r.count})
		if err != nil {
			return Result{}, &PropError{Prop: "expression", Err: err}
		}
		// Kestra keeps a result when the expression renders exactly "true".
		if out != "true" {
			continue
		}
		res := map[string]any{"namespace": r.ns, "count": r.count}
		if r.byNS {
			res["flowId"] = nil
		} else {
			res["flowId"] = r.flowID
		}
		results = append(results, res)
		total += r.count
	}
	tc.Log.Log(LevelDebug, fmt.Sprintf("%d flows matching the expression", len(results)))
	return Result{Outputs: map[string]any{"results": results, "total": total}}, nil
}

// zoneSuffix is the [Region/City] a Java ZonedDateTime may end with.
var zoneSuffix = regexp.MustCompile(`\[[^\]]+\]$`)

// renderZoned renders a date-time property as Java's ZonedDateTime.parse reads it:
// ISO-8601 with an offset, a [zone] after it allowed.
func renderZoned(tc *Context, prop, tmpl string) (time.Time, error) {
	s, err := tc.render(prop, tmpl)
	if err != nil {
		return time.Time{}, err
	}
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339Nano, zoneSuffix.ReplaceAllString(s, ""))
	if err != nil {
		return time.Time{}, &PropError{Prop: prop, Err: fmt.Errorf("%q is not an ISO-8601 date-time with an offset (such as 2024-01-31T12:00:00Z): %v", s, err)}
	}
	return t, nil
}
