// Command fillstate writes a state file holding many executions, for `make bench` to measure
// flowctl against a state that years of cron runs have filled.
//
//	go run ./scripts/fillstate -state /tmp/big.db -n 100000
//	go run ./scripts/fillstate -state /tmp/fat.db -n 100 -output 10485760
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

func main() {
	path := flag.String("state", "", "the state file to create")
	n := flag.Int("n", 100000, "how many executions")
	output := flag.Int("output", 0, "bytes of output each execution's first task run gives (a ::{...}:: var)")
	flag.Parse()
	if *path == "" {
		fmt.Fprintln(os.Stderr, "usage: fillstate -state PATH [-n N] [-output BYTES]")
		os.Exit(2)
	}
	if err := fill(*path, *n, *output); err != nil {
		fmt.Fprintln(os.Stderr, "fillstate:", err)
		os.Exit(1)
	}
}

func fill(path string, n, output int) error {
	s, err := state.Open(path, state.Options{})
	if err != nil {
		return err
	}
	base := time.Now().Add(-time.Duration(n) * time.Minute).UTC()
	blob := strings.Repeat("x", output)
	// Written in batches of about 256 MiB at most, so that large outputs are not all held
	// at once.
	batch := 10000
	if output > 0 {
		batch = max(1, min(batch, (256<<20)/output))
	}
	recs := make([]state.ExecRecord, 0, batch)
	for i := 0; i < n; i++ {
		x := execution(i, base.Add(time.Duration(i)*time.Minute))
		if output > 0 {
			x.TaskRunList[0].Outputs["vars"] = map[string]any{"blob": blob}
		}
		rec, err := runner.Record(x)
		if err != nil {
			return err
		}
		if recs = append(recs, rec); len(recs) == cap(recs) || i == n-1 {
			if err := s.PutExecutions(recs); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	// A state filled one run at a time has no free pages; one filled in bulk has many.
	_, _, err = s.Compact()
	return err
}

// execution is a typical nightly execution: three task runs, one of every ten FAILED.
func execution(i int, start time.Time) *runner.Execution {
	st := runner.StateSuccess
	if i%10 == 0 {
		st = runner.StateFailed
	}
	x := &runner.Execution{ID: runner.NewID(), Namespace: "bench", FlowID: fmt.Sprintf("flow-%d", i%50),
		FlowRevision: 1, Labels: map[string]string{"team": "data"}, Inputs: map[string]any{"day": start.Format("2006-01-02")}}
	x.State = runner.State{Current: st, StartDate: start, EndDate: start.Add(3 * time.Second)}
	for j, id := range []string{"download", "transform", "notify"} {
		t := start.Add(time.Duration(j) * time.Second)
		x.TaskRunList = append(x.TaskRunList, &runner.TaskRun{ID: runner.NewID(), TaskID: id, Branch: runner.BranchTasks,
			State:   runner.State{Current: runner.StateSuccess, StartDate: t, EndDate: t.Add(time.Second)},
			Outputs: map[string]any{"exitCode": 0, "vars": map[string]any{"rows": i}}})
	}
	return x
}
