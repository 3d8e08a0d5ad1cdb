package service

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// BenchmarkFireWindow measures what an ended execution costs the Flow triggers of applied
// flows: with 100 applied flows whose Flow triggers do not match it, then with one more
// whose preconditions it meets half of (one state transaction to record it; none fires).
func BenchmarkFireWindow(b *testing.B) {
	for _, withWindow := range []bool{false, true} {
		b.Run(fmt.Sprintf("window=%v", withWindow), func(b *testing.B) {
			store, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
			if err != nil {
				b.Fatal(err)
			}
			s := &Service{Store: store, Registry: tasks.Builtin(), Notify: &notes{}, Environ: []string{}, Location: time.UTC}
			add := func(src string) {
				f, err := flow.Parse("bench.yml", []byte(src), s.Registry)
				if err == nil {
					_, _, err = s.Apply(f, t0)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			for i := range 100 {
				add(logFlow("other", fmt.Sprintf("f%d", i), "triggers:\n  - id: t\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionNamespace\n        namespace: nowhere\n"))
			}
			if withWindow {
				add(logFlow("team", "listen", "triggers:\n  - id: both\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      id: both\n      flows:\n        - {namespace: team, flowId: a}\n        - {namespace: team, flowId: b}\n"))
			}
			x := &runner.Execution{ID: "x", Namespace: "team", FlowID: "a"}
			x.State.Current = "SUCCESS"
			for b.Loop() {
				s.Fire(context.Background(), x)
			}
		})
	}
}
