package runner

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// TestSplitLines checks the batches Kestra's StorageService.split makes of a file: by rows,
// by bytes (the line that crosses the size stays in the batch), by partitions (lines dealt in
// turn, empty partitions dropped), lines ending at \n, \r\n or \r, each written with the
// separator.
func TestSplitLines(t *testing.T) {
	cases := []struct {
		name string
		in   string
		rule flow.BatchRule
		want []string
	}{
		{"rows", "a\nb\nc\nd\ne\n", flow.BatchRule{Rows: 2, Separator: "\n"}, []string{"a\nb\n", "c\nd\n", "e\n"}},
		{"rows, no newline at the end", "a\nb\nc", flow.BatchRule{Rows: 2, Separator: "\n"}, []string{"a\nb\n", "c\n"}},
		{"one row a batch", "a\r\nb\rc\n", flow.BatchRule{Rows: 1, Separator: "\n"}, []string{"a\n", "b\n", "c\n"}},
		{"empty lines count", "a\n\nb\n", flow.BatchRule{Rows: 2, Separator: "\n"}, []string{"a\n\n", "b\n"}},
		{"separator", "a\nb\nc\n", flow.BatchRule{Rows: 2, Separator: ";"}, []string{"a;b;", "c;"}},
		{"bytes", "aaa\nbb\ncccc\nd\n", flow.BatchRule{Bytes: 5, Separator: "\n"}, []string{"aaa\nbb\n", "cccc\n", "d\n"}},
		{"partitions", "1\n2\n3\n4\n5\n", flow.BatchRule{Partitions: 2, Separator: "\n"}, []string{"1\n3\n5\n", "2\n4\n"}},
		{"empty partitions dropped", "1\n2\n", flow.BatchRule{Partitions: 4, Separator: "\n"}, []string{"1\n", "2\n"}},
		{"empty file", "", flow.BatchRule{Rows: 1, Separator: "\n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files, err := splitLines(context.Background(), strings.NewReader(c.in), c.rule, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(b))
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestForEachItemNotAStorageURI(t *testing.T) {
	x := runSource(t, `id: each
namespace: dev
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "/tmp/{{ flow.id }}.txt"
    namespace: dev
    flowId: child
`)
	if x.State.Current != StateFailed || len(x.TaskRunList) != 2 {
		t.Fatalf("got %s: %s, want FAILED after each_split", x.State.Current, runs(x))
	}
	split := x.TaskRunList[1]
	want := `flow.yml:6:12: task "each_split": items: Unable to split the items from /tmp/each.txt, this is not an internal storage URI!`
	if split.TaskID != "each_split" || split.State.Current != StateFailed || split.Error != want {
		t.Errorf("each_split: got %s %s %q, want FAILED %q", split.TaskID, split.State.Current, split.Error, want)
	}
}

// TestForEachItemWithoutState checks that the batches are cut, then that running them says
// what is missing: children are flows applied to a state.
func TestForEachItemWithoutState(t *testing.T) {
	items := t.TempDir() + "/items.txt"
	if err := os.WriteFile(items, []byte("a\nb\nc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := flow.Parse("flow.yml", []byte(`id: each
namespace: dev
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ inputs.file }}"
    batch:
      rows: 2
    namespace: dev
    flowId: child
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	inputs, _, err := flow.ParseInputs(f, map[string]string{"file": items})
	if err != nil {
		t.Fatal(err)
	}
	x, err := Run(context.Background(), f, Options{Inputs: inputs, TempDir: t.TempDir(), Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateFailed || len(x.TaskRunList) != 3 {
		t.Fatalf("got %s: %s, want FAILED at each_items", x.State.Current, runs(x))
	}
	split, batches := x.TaskRunList[1], x.TaskRunList[2]
	if split.State.Current != StateSuccess || !strings.HasSuffix(split.Outputs["splits"].(string), "/tasks/each-split/"+split.ID+"/splits.txt") {
		t.Errorf("each_split: got %s %v, want SUCCESS and its splits.txt", split.State.Current, split.Outputs)
	}
	if want := "a ForEachItem runs a flow applied to the state (flowctl flow apply), and this run has no state"; batches.Error != want {
		t.Errorf("each_items: got %q, want %q", batches.Error, want)
	}
}

// TestForEachItemBatchRendered checks a batch size given by a template: rendered when the
// ForEachItem runs, and a value that is no count fails the split at its line.
func TestForEachItemBatchRendered(t *testing.T) {
	x := runSource(t, `id: each
namespace: dev
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "kestra:///dev/each/executions/{{ execution.id }}/none.txt"
    batch:
      rows: "{{ flow.id }}"
    namespace: dev
    flowId: child
`)
	split := x.TaskRunList[1]
	if want := `flow.yml:8:13: task "each_split": batch.rows: expected an integer, got "each"`; split.Error != want {
		t.Errorf("each_split: got %q, want %q", split.Error, want)
	}
}

// BenchmarkSplitLines cuts 1,000,000 short lines (6.9 MB) into batches of 10,000 rows, as
// ForEachItem's split does, files written to a temporary folder.
func BenchmarkSplitLines(b *testing.B) {
	var buf strings.Builder
	for i := range 1_000_000 {
		buf.WriteString(strconv.Itoa(i + 1))
		buf.WriteByte('\n')
	}
	text := buf.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		dir := b.TempDir()
		files, err := splitLines(context.Background(), strings.NewReader(text), flow.BatchRule{Rows: 10_000, Separator: "\n"}, dir)
		if err != nil || len(files) != 100 {
			b.Fatalf("got %d files, %v", len(files), err)
		}
	}
}
