package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// fetchDef is Kestra's log.Fetch task.
var fetchDef = &Def{
	Type:    "io.kestra.plugin.core.log.Fetch",
	Aliases: []string{"io.kestra.core.tasks.log.Fetch"},
	Doc:     "Store the log lines of an execution (this one by default) as an Ion file, one line a row.",
	New:     func() Task { return &Fetch{} },
}

// Fetch stores the log lines of an execution, at its level or above, as an Ion file of the
// internal storage: outputs.uri, and outputs.size rows.
type Fetch struct {
	Namespace   string   `flow:"namespace" doc:"the namespace of the execution's flow, with flowId, when executionId is set (default: this flow's); rendered"`
	FlowID      string   `flow:"flowId" doc:"the flow of the execution, with namespace, when executionId is set (default: this flow); rendered"`
	ExecutionID string   `flow:"executionId" doc:"the execution whose lines to fetch (default: this one); rendered"`
	TasksID     []string `flow:"tasksId" doc:"only the lines of these tasks, task after task (default: every line, oldest first)"`
	Level       string   `flow:"level" enum:"TRACE,DEBUG,INFO,WARN,ERROR" doc:"the lowest level fetched (default INFO)"`
}

// Run finds the execution as Kestra's executionFromTaskParameters does, then stores its lines.
func (t *Fetch) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.Logs == nil {
		return Result{}, errors.New("logs cannot be fetched: no execution runs this task")
	}
	if tc.Storage == nil {
		return Result{}, errors.New("logs cannot be fetched: this run has no internal storage")
	}
	level := LevelInfo
	if t.Level != "" {
		var err error
		if level, err = ParseLevel(t.Level); err != nil {
			return Result{}, &PropError{Prop: "level", Err: err}
		}
	}
	q := LogQuery{Level: level}
	if t.ExecutionID != "" {
		var err error
		if q.ExecutionID, err = tc.render("executionId", t.ExecutionID); err != nil {
			return Result{}, err
		}
		switch {
		case t.Namespace != "" && t.FlowID != "":
			if q.Namespace, err = tc.render("namespace", t.Namespace); err != nil {
				return Result{}, err
			}
			if q.FlowID, err = tc.render("flowId", t.FlowID); err != nil {
				return Result{}, err
			}
		case t.Namespace != "" || t.FlowID != "":
			return Result{}, errors.New("Both `namespace` and `flowId` must be set when `executionId` is set.")
		}
	} else if t.Namespace != "" || t.FlowID != "" {
		return Result{}, errors.New("`namespace` and `flowId` should only be set when `executionId` is set.")
	}
	lines, err := tc.Logs(q)
	if err != nil {
		return Result{}, err
	}
	rows := lines
	if t.TasksID != nil {
		// Task after task, as Kestra queries them.
		rows = nil
		for _, task := range t.TasksID {
			for _, l := range lines {
				if l.TaskID == task {
					rows = append(rows, l)
				}
			}
		}
	}
	var b strings.Builder
	for _, l := range rows {
		writeIonLog(&b, l)
	}
	name, err := storedFileName(tc, "", ".ion")
	if err != nil {
		return Result{}, err
	}
	uri, err := tc.Storage.Put(name, strings.NewReader(b.String()))
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"size": len(rows), "uri": uri}}, nil
}

// writeIonLog writes one line as Kestra's FileSerde writes a LogEntry: an Ion struct of its
// fields in their order, the time an Ion timestamp, then a newline.
func writeIonLog(b *strings.Builder, l LogRecord) {
	b.WriteString("{namespace:")
	ionText(b, l.Namespace)
	b.WriteString(",flowId:")
	ionText(b, l.FlowID)
	b.WriteString(",taskId:")
	ionText(b, l.TaskID)
	b.WriteString(",executionId:")
	ionText(b, l.ExecutionID)
	b.WriteString(",taskRunId:")
	ionText(b, l.TaskRunID)
	b.WriteString(",attemptNumber:")
	b.WriteString(strconv.Itoa(l.AttemptNumber))
	b.WriteString(",timestamp:")
	b.WriteString(l.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
	b.WriteString(",level:")
	ionText(b, l.Level.String())
	b.WriteString(",message:")
	ionText(b, l.Message)
	b.WriteString(",deleted:false}\n")
}

// ionText writes s as an Ion string: JSON's escapes are Ion's.
func ionText(b *strings.Builder, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}
