package runner

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// chatty logs n lines of size bytes, every tenth at ERROR, then fails.
func chatty(n, size int) taskFunc {
	return func(_ context.Context, tc *tasks.Context) (tasks.Result, error) {
		for i := range n {
			level := tasks.LevelInfo
			if i%10 == 9 {
				level = tasks.LevelError
			}
			msg := fmt.Sprintf("line %06d ", i)
			tc.Log.Log(level, msg+strings.Repeat("x", size-len(msg)))
		}
		return tasks.Result{}, fmt.Errorf("failed after %d lines", n)
	}
}

func TestTaskRunLogIsCappedInMemoryAndInTheState(t *testing.T) {
	const (
		lines = 5000
		size  = 1000
		limit = 100 << 10
	)
	f := testFlow([]*flow.TaskSpec{{ID: "loud", Task: chatty(lines, size)}}, nil, nil)
	x, err := Run(context.Background(), f, Options{Environ: []string{}, LogCap: limit})
	if err != nil {
		t.Fatal(err)
	}
	tr := x.TaskRunList[0]
	kept := 0
	for _, l := range tr.Logs {
		kept += len(l.Message)
	}
	if kept > limit || kept < limit-size {
		t.Errorf("bytes kept in memory: got %d, want the first %d at most (the cap)", kept, limit)
	}
	// The task's own lines, plus the line of its error.
	c := tr.LogCut
	if c == nil || c.Lines != lines+1-len(tr.Logs) {
		t.Fatalf("cut: got %+v, want the %d lines past the cap counted", c, lines+1-len(tr.Logs))
	}
	if held := len(c.tail.lines) + len(c.errors.lines); held > tailLines+tasks.ErrorLogLines+1 {
		t.Errorf("lines held past the cap: got %d, want at most %d", held, tailLines+tasks.ErrorLogLines+1)
	}

	// Reports still see how it ended: the last lines and the last ERROR lines.
	shown := tr.ShownLogs()
	if last := shown[len(shown)-1].Message; last != tr.Error {
		t.Errorf("last line shown: got %.40q, want the task's error %q", last, tr.Error)
	}
	if m := shown[len(tr.Logs)].Message; !strings.Contains(m, "log cut") {
		t.Errorf("line after those kept: got %.60q, want the cut marker", m)
	}
	v := View(x).TaskRuns[0]
	if n := len(v.ErrorLog); n != tasks.ErrorLogLines || !strings.HasPrefix(v.ErrorLog[n-1], "line 004999 ") {
		t.Errorf("error log: got %d lines ending %.12q, want %d ending with line 004999", n, v.ErrorLog[n-1], tasks.ErrorLogLines)
	}

	// The state keeps what memory kept, and says how much was not.
	s, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{LogCap: limit})
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(s, x); err != nil {
		t.Fatal(err)
	}
	logs, err := s.Logs(x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != len(tr.Logs)+1 {
		t.Fatalf("lines in the state: got %d, want the %d kept and a marker", len(logs), len(tr.Logs))
	}
	want := fmt.Sprintf("%d more bytes not kept", c.Bytes)
	if m := logs[len(logs)-1]; m.Level != state.MarkerLevel || !strings.HasSuffix(m.Message, want) {
		t.Errorf("marker: got %s %q, want %s ending %q", m.Level, m.Message, state.MarkerLevel, want)
	}
}

func TestRemaskReachesLinesPastTheCap(t *testing.T) {
	const late = "https://hooks.example.test/T000/B000/late-secret"
	f := testFlow([]*flow.TaskSpec{{ID: "a", Task: taskFunc(func(_ context.Context, tc *tasks.Context) (tasks.Result, error) {
		for range 50 {
			tc.Log.Log(tasks.LevelError, "posting to "+late)
		}
		tc.Mask(late) // registered only once the task knows it is a secret
		return tasks.Result{}, nil
	})}}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, LogCap: 200})
	tr := x.TaskRunList[0]
	for _, l := range tr.ShownLogs() {
		if strings.Contains(l.Message, late) {
			t.Fatalf("line %q: got the late secret in clear, want it masked", l.Message)
		}
	}
	if v := View(x).TaskRuns[0]; len(v.ErrorLog) == 0 || strings.Contains(strings.Join(v.ErrorLog, "\n"), late) {
		t.Errorf("error log: got %q, want lines with the secret masked", v.ErrorLog)
	}
}

func TestSecretAcrossALongLineCutIsMasked(t *testing.T) {
	const secret = "a-long-enough-secret-value"
	env := []string{"SECRET_TOKEN=" + base64.StdEncoding.EncodeToString([]byte(secret)), "PATH=/usr/bin:/bin"}
	// The secret straddles the 1 MiB cut of a script's long output line.
	script := fmt.Sprintf(`head -c %d /dev/zero | tr '\0' a; printf '%%s' "$TOKEN"; head -c 2000 /dev/zero | tr '\0' b; echo`, (1<<20)-7)
	f := testFlow([]*flow.TaskSpec{{ID: "sh", Type: "io.kestra.plugin.scripts.shell.Commands",
		Task: &tasks.ShellCommands{Commands: []string{script}, ProcessProps: tasks.ProcessProps{Env: map[string]string{"TOKEN": "{{ secret('token') }}"}}}}}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: env, LogCap: 4 << 20})
	tr := x.TaskRunList[0]
	if tr.State.Current != StateSuccess || len(tr.Logs) < 2 {
		t.Fatalf("got %s with %d lines (%s, %.80q), want SUCCESS with the line cut in pieces", tr.State.Current, len(tr.Logs), tr.Error, tr.Logs)
	}
	joined := ""
	for _, l := range tr.Logs {
		joined += l.Message
	}
	for k := len(secret); k >= 4; k-- {
		if strings.Contains(joined, secret[:k]) || strings.Contains(joined, secret[len(secret)-k:]) {
			t.Fatalf("log: got %d bytes of the secret in clear, want none", k)
		}
	}
	if !strings.Contains(joined, Mask) {
		t.Errorf("log: got no %s, want the secret masked", Mask)
	}
}
