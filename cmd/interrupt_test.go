package cmd

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The commands that touch the state or run tasks run under the program's interruptible
// context (an interrupt ends them with exit 130); version, help, completion and schema start
// no signal handling at all.
func TestInterruptibleOnlyWhereNeeded(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	if code, _, errs := run(t, "executions", "prune", "--keep", "1", "--state", state); code != 0 {
		t.Fatalf("prune on a new state: exit %d, %s", code, errs)
	}
	cases := []struct {
		args []string
		want bool
	}{
		{[]string{"version"}, false},
		{[]string{"help"}, false},
		{[]string{"help", "run"}, false},
		{[]string{"completion", "bash"}, false},
		{[]string{"schema"}, false},
		{[]string{"executions", "list", "--state", state}, true},
		{[]string{"kv", "list", "ns", "--state", state}, true},
		{[]string{"state", "check", "--state", state}, true},
	}
	for _, c := range cases {
		calls := 0
		// An interrupt that has already come: a command that uses the context ends at once.
		interrupted := func(ctx context.Context) context.Context {
			calls++
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return ctx
		}
		var out, errs bytes.Buffer
		code := MainInterruptible(context.Background(), c.args, Streams{In: strings.NewReader(""), Out: &out, Err: &errs}, interrupted)
		if got := calls == 1; got != c.want || calls > 1 {
			t.Errorf("%q: interruptible called %d times, want it called: %v", c.args, calls, c.want)
		}
		if c.want && code != ExitInterrupted {
			t.Errorf("%q under an interrupted context: exit %d (%s), want 130", c.args, code, errs.String())
		}
		if !c.want && code != ExitOK {
			t.Errorf("%q: exit %d (%s), want 0", c.args, code, errs.String())
		}
	}
}
