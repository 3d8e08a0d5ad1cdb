package runner

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

func TestViewErrorLog(t *testing.T) {
	tr := &TaskRun{ID: "r1", TaskID: "py", Error: "Command failed with exit code 1"}
	tr.Logs = append(tr.Logs, LogLine{Level: tasks.LevelInfo, Message: "starting"})
	for i := range 10 {
		tr.Logs = append(tr.Logs, LogLine{Level: tasks.LevelError, Message: fmt.Sprintf("trace %d", i)})
	}
	tr.Logs = append(tr.Logs, LogLine{Level: tasks.LevelWarn, Message: "a warning"})
	tr.Logs = append(tr.Logs, LogLine{Level: tasks.LevelError, Message: tr.Error})
	v := View(&Execution{TaskRunList: []*TaskRun{tr}})
	want := []string{"trace 2", "trace 3", "trace 4", "trace 5", "trace 6", "trace 7", "trace 8", "trace 9"}
	if got := v.TaskRuns[0].ErrorLog; !slices.Equal(got, want) {
		t.Errorf("ErrorLog: got %q, want the last %d ERROR lines but the error itself: %q", got, tasks.ErrorLogLines, want)
	}
}

func TestAttachLogs(t *testing.T) {
	x := &Execution{TaskRunList: []*TaskRun{{ID: "a"}, {ID: "b"}}}
	AttachLogs(x, []state.LogEntry{
		{TaskRunID: "b", Level: "ERROR", Message: "b1"},
		{TaskRunID: "a", Level: "INFO", Message: "a1"},
		{TaskRunID: "gone", Level: "INFO", Message: "of a task run the document lacks"},
		{TaskRunID: "b", Level: "WARN", Message: "b2"},
	})
	if got := x.TaskRunList[0].Logs; len(got) != 1 || got[0].Message != "a1" || got[0].Level != tasks.LevelInfo {
		t.Errorf("task run a: got %+v", got)
	}
	if got := x.TaskRunList[1].Logs; len(got) != 2 || got[0].Level != tasks.LevelError || got[1].Message != "b2" || got[1].Level != tasks.LevelWarn {
		t.Errorf("task run b: got %+v", got)
	}
}

func TestViewErrorLogKeepsTheLastAttempt(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	tr := &TaskRun{ID: "r1", TaskID: "py", Error: "Command failed with exit code 1", Attempts: []*Attempt{
		{State: State{StartDate: t0}}, {State: State{StartDate: t0.Add(time.Second)}}}}
	tr.Logs = []LogLine{
		{Time: t0.Add(100 * time.Millisecond), Level: tasks.LevelError, Message: "unhealthy (first attempt)"},
		{Time: t0.Add(1100 * time.Millisecond), Level: tasks.LevelError, Message: "unhealthy (second attempt)"},
	}
	if got := View(&Execution{TaskRunList: []*TaskRun{tr}}).TaskRuns[0].ErrorLog; !slices.Equal(got, []string{"unhealthy (second attempt)"}) {
		t.Errorf("ErrorLog after a retry: got %q, want the last attempt's lines only", got)
	}
}

func TestTemplateDateIsJavasInstantToTheMillisecond(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC):                        "2026-03-02T09:00:00Z",
		time.Date(2026, 3, 2, 9, 0, 0, 120_000_000, time.UTC):              "2026-03-02T09:00:00.120Z",
		time.Date(2026, 3, 2, 9, 0, 0, 123_456_789, time.UTC):              "2026-03-02T09:00:00.123Z",
		time.Date(2026, 3, 2, 10, 0, 0, 999_999, time.FixedZone("", 3600)): "2026-03-02T09:00:00Z",
		{}: "",
	} {
		if got := templateDate(in); got != want {
			t.Errorf("templateDate(%v): got %q, want %q", in, got, want)
		}
	}
}

// An execution read back from the state keeps the order of its maps and the types of its
// numbers, as they were when it ran: executions show, a Subflow's outputs and SlackExecution
// read it so.
func TestDecodeKeepsOrderAndNumbers(t *testing.T) {
	inner := templating.NewMap(2)
	inner.Set("zeta", int64(3))
	inner.Set("alpha", 1.5)
	x := &Execution{
		ID:          "e1",
		Inputs:      map[string]any{"in": inner},
		Outputs:     map[string]any{"out": inner},
		TaskRunList: []*TaskRun{{ID: "r1", TaskID: "t", Outputs: map[string]any{"vars": inner, "n": int64(7)}}},
		Trigger:     &ExecTrigger{ID: "tr", Variables: map[string]any{"body": inner}},
	}
	rec, err := Record(x)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(rec)
	if err != nil {
		t.Fatal(err)
	}
	env := &templating.Env{Vars: map[string]any{
		"inputs": got.Inputs, "outputs": got.Outputs, "run": got.TaskRunList[0].Outputs, "trigger": got.Trigger.Variables,
	}}
	tmpl, err := templating.Parse("{{ inputs.in }} {{ outputs.out | keys }} {{ run.vars }} {{ run.n }} {{ trigger.body.zeta * 2 }}")
	if err != nil {
		t.Fatal(err)
	}
	out, err := tmpl.Render(env)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"zeta":3,"alpha":1.5} ["zeta","alpha"] {"zeta":3,"alpha":1.5} 7 6`
	if out != want {
		t.Errorf("read back from the state:\n got %s\nwant %s", out, want)
	}
}
