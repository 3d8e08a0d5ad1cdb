package flow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/tasks"
)

// FuzzLoad feeds the loader arbitrary bytes: it must never panic, and must either return a
// flow with an id, a namespace and tasks, or a *LoadError whose problems are well formed and
// sorted. Its corpus holds the seed flows and the loader's test flows.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/seed/*.yml")
	more, _ := filepath.Glob("testdata/load/*.yml")
	for _, path := range append(seeds, more...) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	reg := tasks.Builtin()
	for _, d := range testRegistry().Defs() {
		if _, ok := reg.Lookup(d.Type); !ok {
			reg.Add(d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		flow, err := Parse("fuzz.yml", data, reg)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("got %T %v, want a *LoadError", err, err)
			}
			if len(le.Problems) == 0 {
				t.Fatal("got a LoadError without problems")
			}
			for i, p := range le.Problems {
				if p.Msg == "" || p.File != "fuzz.yml" || p.Line < 0 || p.Col < 0 || (p.Line > 0) != (p.Col > 0) {
					t.Fatalf("malformed problem %#v", p)
				}
				if strings.Contains(p.Msg, "\n") {
					t.Fatalf("problem %q spans lines", p.Msg)
				}
				if i > 0 {
					q := le.Problems[i-1]
					if q.Line > p.Line || q.Line == p.Line && q.Col > p.Col {
						t.Fatalf("problems not sorted: %v before %v", q, p)
					}
				}
			}
			return
		}
		if flow.ID == "" || flow.Namespace == "" || len(flow.Tasks) == 0 {
			t.Fatalf("loaded a flow without id, namespace or tasks: %+v", flow)
		}
		for _, spec := range flow.AllTasks() {
			if spec.ID == "" || spec.Flowable == nil && (spec.Def == nil || spec.Task == nil) {
				t.Fatalf("loaded an incomplete task: %+v", spec)
			}
		}
	})
}
