package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner/state"
)

// TestCompletionOffersWhatTheStateAndTheFlowHold drives cobra's hidden __complete command,
// as the shell scripts of `flowctl completion` do.
func TestCompletionOffersWhatTheStateAndTheFlowHold(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flow.yml")
	src := "id: hello\nnamespace: dev\ninputs:\n  - id: who\n    type: STRING\n  - id: n\n    type: INT\n    defaults: 3\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "state.db")
	s, err := state.Open(dbPath, state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for i, id := range []string{"4aaaaaaaaaaaaaaaaaaaaa", "4bbbbbbbbbbbbbbbbbbbbb", "7ccccccccccccccccccccc"} {
		r := state.ExecRecord{ID: id, Namespace: "dev", FlowID: "hello", State: "SUCCESS",
			StartDate: t0.Add(time.Duration(i) * time.Minute), EndDate: t0.Add(time.Duration(i)*time.Minute + time.Second), Doc: []byte(`{}`)}
		if err := s.PutExecution(r); err != nil {
			t.Fatal(err)
		}
	}
	failed := state.ExecRecord{ID: "4fffffffffffffffffffff", Namespace: "dev", FlowID: "hello", State: "FAILED",
		StartDate: t0.Add(-time.Minute), EndDate: t0, Doc: []byte(`{}`)}
	if err := s.PutExecution(failed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ApplyFlow("prod", "nightly", []byte(src), false, t0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/sql/a.sql", "/sql/b.sql", "/run.sh"} {
		if _, err := s.Storage().PutNamespaceFile("prod", p, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}

	complete := func(args ...string) []string {
		t.Helper()
		var out, errb bytes.Buffer
		f := newFactory(Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
		root := newRoot(f)
		root.SetArgs(append([]string{"__complete"}, args...))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("__complete %q: %v (stderr %q)", args, err, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		return lines[:len(lines)-1] // the last line is the directive
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"executions", "show", "--state", dbPath, ""}, "last\tthe newest execution|7ccccccccccccccccccccc\tdev.hello SUCCESS 2026-12-01T08:02:00Z|4bbbbbbbbbbbbbbbbbbbbb\tdev.hello SUCCESS 2026-12-01T08:01:00Z|4aaaaaaaaaaaaaaaaaaaaa\tdev.hello SUCCESS 2026-12-01T08:00:00Z|4fffffffffffffffffffff\tdev.hello FAILED 2026-12-01T07:59:00Z"},
		{[]string{"executions", "restart", "--state", dbPath, "4"}, "last\tthe newest execution|4fffffffffffffffffffff\tdev.hello FAILED 2026-12-01T07:59:00Z"},
		{[]string{"executions", "restart", "--flow", ""}, "yml|yaml"},
		{[]string{"executions", "show", "--state", dbPath, "4b"}, "last\tthe newest execution|4bbbbbbbbbbbbbbbbbbbbb\tdev.hello SUCCESS 2026-12-01T08:01:00Z"},
		{[]string{"executions", "logs", "--state", dbPath, "4b"}, "last\tthe newest execution|4bbbbbbbbbbbbbbbbbbbbb\tdev.hello SUCCESS 2026-12-01T08:01:00Z"},
		{[]string{"executions", "list", "--status", ""}, strings.Join(listableStates, "|")},
		{[]string{"executions", "list", "--state", dbPath, "--flow", ""}, "nightly"},
		{[]string{"flow", "delete", "--state", dbPath, ""}, "prod"},
		{[]string{"flow", "delete", "--state", dbPath, "prod", ""}, "nightly"},
		{[]string{"run", file, "-i", ""}, "who=\tSTRING, required|n=\tINT"},
		{[]string{"run", ""}, "yml|yaml"},
		{[]string{"validate", "-o", ""}, "text|json"},
		{[]string{"namespace", "files", "list", "--state", dbPath, ""}, "prod"},
		{[]string{"namespace", "files", "get", "--state", dbPath, "prod", "/sql"}, "/sql/a.sql|/sql/b.sql"},
		{[]string{"namespace", "files", "delete", "--state", dbPath, "prod", ""}, "/run.sh|/sql/a.sql|/sql/b.sql"},
	} {
		if got := strings.Join(complete(c.args...), "|"); got != c.want {
			t.Errorf("complete %q:\ngot  %q\nwant %q", c.args, got, c.want)
		}
	}
	// A state that cannot be read offers nothing and prints nothing on stdout.
	if got := complete("executions", "show", "--state", filepath.Join(dir, "missing", "x.db"), ""); len(got) != 0 {
		t.Errorf("completion from a missing state: got %q, want nothing", got)
	}
}
