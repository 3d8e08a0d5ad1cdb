package flow

import (
	"strings"
	"testing"
)

// forEachItem is a flow with a ForEachItem of the given properties after items.
func forEachItem(more string) string {
	return "id: parent\nnamespace: dev\ntasks:\n  - id: each\n    type: io.kestra.plugin.core.flow.ForEachItem\n    items: \"{{ inputs.file }}\"\n" + more
}

func TestForEachItemChecks(t *testing.T) {
	cases := []struct{ more, want string }{
		{"    namespace: dev\n    flowId: child\n    batch:\n      rows: 0\n",
			`flow.yml:10:13: task "each": batch.rows: must be 1 or more, got 0`},
		{"    namespace: dev\n    flowId: child\n    batch:\n      bytes: 10XB\n",
			`flow.yml:10:14: task "each": batch.bytes: Invalid size with value '10XB' (a number of bytes, or 10KB, 5MB, 1GB)`},
		{"    namespace: dev\n    flowId: child\n    batch:\n      partitions: many\n",
			`flow.yml:10:19: task "each": batch.partitions: expected an integer, got "many"`},
		{"    namespace: dev\n    flowId: child\n    scheduleDate: \"2026-01-01T00:00:00Z\"\n",
			`flow.yml:9:19: task "each": scheduleDate: not supported yet: flowctl starts the children at once (remove scheduleDate)`},
		{"    namespace: dev\n    flowId: parent\n",
			`flow.yml:4:5: task "each": Recursive call to flow [dev.parent]`},
		{"    namespace: dev\n",
			`task "each": missing required property "flowId"`},
		{"    namespace: dev\n    flowId: child\n    batch:\n      size: 3\n",
			`task "each": batch: unknown property "size"`},
	}
	for _, c := range cases {
		got := strings.Join(parseProblems(t, forEachItem(c.more)), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s\ngot  %s\nwant %s", c.more, got, c.want)
		}
	}
}

func TestForEachItemLoads(t *testing.T) {
	f := mustParse(t, forEachItem("    namespace: dev\n    flowId: child\n    batch:\n      rows: \"{{ inputs.n }}\"\n      separator: \";\"\n    inputs:\n      items: \"{{ taskrun.items }} {{ taskrun.iteration }}\"\n"))
	fe, ok := f.Tasks[0].Flowable.(*ForEachItem)
	if !ok || fe.Batch.Rows != "{{ inputs.n }}" || *fe.Batch.Separator != ";" {
		t.Fatalf("got %#v, want a ForEachItem with its batch", f.Tasks[0].Flowable)
	}
	if ns, id, ok := CalledFlow(f.Tasks[0]); !ok || ns != "dev" || id != "child" {
		t.Errorf("CalledFlow: got %s %s %v, want dev child", ns, id, ok)
	}
}

func TestBatchRule(t *testing.T) {
	id := func(_, s string) (string, error) { return s, nil }
	for _, c := range []struct {
		b    *Batch
		want BatchRule
	}{
		{nil, BatchRule{Rows: 1, Separator: "\n"}},
		{&Batch{Rows: "4"}, BatchRule{Rows: 4, Separator: "\n"}},
		{&Batch{Bytes: "10KB", Rows: "4"}, BatchRule{Bytes: 10 << 10, Separator: "\n"}},
		{&Batch{Bytes: "2mb"}, BatchRule{Bytes: 2 << 20, Separator: "\n"}},
		{&Batch{Bytes: "1GB"}, BatchRule{Bytes: 1 << 30, Separator: "\n"}},
		{&Batch{Bytes: "512"}, BatchRule{Bytes: 512, Separator: "\n"}},
		{&Batch{Partitions: "3", Rows: "4"}, BatchRule{Partitions: 3, Separator: "\n"}},
	} {
		got, err := c.b.Rule(id)
		if err != nil || got != c.want {
			t.Errorf("%+v: got %+v, %v, want %+v", c.b, got, err, c.want)
		}
	}
}

func TestWaitForChecks(t *testing.T) {
	waitFor := func(more string) string {
		return "id: loop\nnamespace: dev\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.WaitFor\n" + more
	}
	cases := []struct{ more, want string }{
		{"    condition: \"{{ true }}\"\n    tasks: []\n", `flow.yml:7:12: task "loop": tasks: at least one task is required`},
		{"    tasks:\n      - id: a\n        type: io.kestra.plugin.core.log.Log\n        message: hi\n", `task "loop": missing required property "condition"`},
		{"    condition: x\n    checkFrequency:\n      interval: -PT1S\n    tasks:\n      - id: a\n        type: io.kestra.plugin.core.log.Log\n        message: hi\n",
			`task "loop": checkFrequency.interval: must not be negative`},
		{"    condition: x\n    checkFrequency:\n      maxIterations: -1\n    tasks:\n      - id: a\n        type: io.kestra.plugin.core.log.Log\n        message: hi\n",
			`flow.yml:8:22: task "loop": checkFrequency.maxIterations: must be 0 or more, got -1`},
	}
	for _, c := range cases {
		got := strings.Join(parseProblems(t, waitFor(c.more)), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s\ngot  %s\nwant %s", c.more, got, c.want)
		}
	}
	f := mustParse(t, waitFor("    condition: \"{{ outputs.loop.iterationCount > 2 }}\"\n    tasks:\n      - id: a\n        type: io.kestra.plugin.core.log.Log\n        message: \"{{ outputs.loop.iterationCount }}\"\n"))
	if maxIter, maxDur, interval := f.Tasks[0].Flowable.(*WaitFor).CheckFrequency.Bounds(); maxIter != 100 || maxDur.Hours() != 1 || interval.Seconds() != 1 {
		t.Errorf("default bounds: got %d %s %s, want Kestra's 100, PT1H, PT1S", maxIter, maxDur, interval)
	}
}
