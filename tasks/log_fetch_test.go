package tasks

import (
	"context"
	"io"
	"testing"
	"time"
)

// TestFetchStoresTheLinesAsIon: the rows of the Ion file are Kestra's LogEntry fields, one
// line each; tasksId orders them task after task; the level and the execution reach the
// query.
func TestFetchStoresTheLinesAsIon(t *testing.T) {
	tc, _ := newContext(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	lines := []LogRecord{
		{Namespace: "dev", FlowID: "f", TaskID: "a", ExecutionID: "E", TaskRunID: "R1", Time: at, Level: LevelInfo, Message: `say "hi"`},
		{Namespace: "dev", FlowID: "f", TaskID: "b", ExecutionID: "E", TaskRunID: "R2", AttemptNumber: 1, Time: at, Level: LevelWarn, Message: "careful\nnow"},
	}
	var asked LogQuery
	tc.Logs = func(q LogQuery) ([]LogRecord, error) { asked = q; return lines, nil }
	res, err := (&Fetch{TasksID: []string{"b", "a"}, Level: "WARN", ExecutionID: "E", Namespace: "dev", FlowID: "f"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if want := (LogQuery{ExecutionID: "E", Namespace: "dev", FlowID: "f", Level: LevelWarn}); asked != want {
		t.Errorf("query: got %+v, want %+v", asked, want)
	}
	if res.Outputs["size"] != 2 {
		t.Errorf("size: got %v, want 2", res.Outputs["size"])
	}
	f, err := tc.Storage.Open(res.Outputs["uri"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{namespace:"dev",flowId:"f",taskId:"b",executionId:"E",taskRunId:"R2",attemptNumber:1,timestamp:2026-01-02T03:04:05.600Z,level:"WARN",message:"careful\nnow",deleted:false}
{namespace:"dev",flowId:"f",taskId:"a",executionId:"E",taskRunId:"R1",attemptNumber:0,timestamp:2026-01-02T03:04:05.600Z,level:"INFO",message:"say \"hi\"",deleted:false}
`
	if string(got) != want {
		t.Errorf("file:\ngot  %s\nwant %s", got, want)
	}
}

// TestFetchRefusesHalfAFlow: Kestra's messages when namespace and flowId do not go
// together, or go without executionId.
func TestFetchRefusesHalfAFlow(t *testing.T) {
	tc, _ := newContext(t)
	tc.Logs = func(LogQuery) ([]LogRecord, error) { return nil, nil }
	for _, c := range []struct {
		task *Fetch
		want string
	}{
		{&Fetch{ExecutionID: "E", Namespace: "dev"}, "Both `namespace` and `flowId` must be set when `executionId` is set."},
		{&Fetch{FlowID: "f"}, "`namespace` and `flowId` should only be set when `executionId` is set."},
	} {
		if _, err := c.task.Run(context.Background(), tc); err == nil || err.Error() != c.want {
			t.Errorf("%+v: got %v, want %q", c.task, err, c.want)
		}
	}
}
