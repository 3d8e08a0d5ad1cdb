package runner

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// A render keeps the outputs it took while later runs write theirs; once no render holds
// the tree, writes go in place. Nesting under values, overwriting and merging are Kestra's.
func TestOutputsPinnedTreeUnchanged(t *testing.T) {
	e := &engine{outputs: map[string]any{}}
	e.mu.Lock()
	e.writeOutputs("each", []string{"a"}, map[string]any{"value": "1"})
	pinned, release := e.pinOutputs()
	e.writeOutputs("each", []string{"b"}, map[string]any{"value": "2"})
	e.writeOutputs("each", []string{"a"}, map[string]any{"value": "3", "more": true})
	e.writeOutputs("each", []string{"a", "x"}, map[string]any{"deep": 1})
	e.writeOutputs("solo", nil, map[string]any{"n": 1})
	e.mu.Unlock()

	want := map[string]any{"each": map[string]any{"a": map[string]any{"value": "1"}}}
	if !reflect.DeepEqual(pinned, want) {
		t.Errorf("pinned tree changed by later writes: %v, want %v", pinned, want)
	}
	release()
	release() // a second release is a no-op

	e.mu.Lock()
	e.writeOutputs("solo", nil, map[string]any{"m": 2})
	got := e.outputs
	held := e.pins.held
	e.mu.Unlock()
	want = map[string]any{
		"each": map[string]any{
			"a": map[string]any{"value": "3", "more": true, "x": map[string]any{"deep": 1}},
			"b": map[string]any{"value": "2"},
		},
		"solo": map[string]any{"n": 1, "m": 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outputs: %v, want %v", got, want)
	}
	if held != 0 {
		t.Errorf("%d pins held after release, want 0", held)
	}
}

// The outputs a task returns are not the map the tree merges into: a later run's outputs
// merged at the same place leave the earlier run's recorded outputs as they were.
func TestOutputsLeafNotShared(t *testing.T) {
	e := &engine{outputs: map[string]any{}}
	first := map[string]any{"value": "1"}
	e.mu.Lock()
	e.writeOutputs("t", nil, first)
	e.writeOutputs("t", nil, map[string]any{"value": "2"})
	e.mu.Unlock()
	if first["value"] != "1" {
		t.Errorf("first run's outputs changed to %v", first)
	}
}

// The cost of a ForEach's run grows with the values before it no more: the bytes allocated
// per value at 4,000 values stay near those at 1,000 (when each value copied the loop's
// outputs they were 3.5 times as many). Bytes, not time: the machine may be busy.
func TestForEachBytesPerValueFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 5,000 task runs")
	}
	perValue := func(n int) float64 {
		f := forEachFlow(t, n)
		best := 0.0
		for range 2 {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			x, err := Run(context.Background(), f, Options{TempDir: t.TempDir(), Environ: []string{}})
			runtime.ReadMemStats(&after)
			if err != nil || x.State.Current != StateFailed || len(x.TaskRunList) != n+2 {
				t.Fatalf("%d values: %v with %d runs, %v", n, x.State.Current, len(x.TaskRunList), err)
			}
			b := float64(after.TotalAlloc-before.TotalAlloc) / float64(n)
			if best == 0 || b < best {
				best = b
			}
		}
		return best
	}
	small, large := perValue(1000), perValue(4000)
	t.Logf("bytes a value: %.0f at 1,000 values, %.0f at 4,000", small, large)
	if large > 2*small {
		t.Errorf("bytes a value at 4,000 values %.0f, over twice those at 1,000 (%.0f): a run's cost grows with the values before it", large, small)
	}
}

// Runs of a ForEach at once read the outputs the runs before them wrote while others write
// theirs (go test -race watches), and the flow's end sees them all, nested under the values.
func TestForEachConcurrentOutputs(t *testing.T) {
	values := make([]string, 100)
	for i := range values {
		values[i] = fmt.Sprintf("%q", fmt.Sprint(i))
	}
	src := fmt.Sprintf(`id: wide
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    concurrencyLimit: 0
    values: '[%s]'
    tasks:
      - id: seen
        type: io.kestra.plugin.core.debug.Return
        format: "{{ (outputs.seen ?? {}) | keys | length }} {{ outputs | json | length > 0 }}"
      - id: inner
        type: io.kestra.plugin.core.flow.ForEach
        values: '["a", "b"]'
        tasks:
          - id: pair
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parents[0].taskrun.value }}/{{ taskrun.value }}"
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.seen | keys | length }} {{ outputs.pair['99']['b'].value }}"
`, strings.Join(values, ","))
	f, err := flow.Parse("wide.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x := runFlow(t, context.Background(), f, Options{})
	if x.State.Current != StateSuccess {
		t.Fatalf("state %s", x.State.Current)
	}
	for _, tr := range x.TaskRunList {
		if tr.TaskID == "count" {
			if got := tr.Outputs["value"]; got != "100 99/b" {
				t.Errorf("count: %q, want %q", got, "100 99/b")
			}
			return
		}
	}
	t.Error("no run of count")
}
