package tasks

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/templating"
)

// benchContext is a context with an in-memory storage holding content, and its URI.
func benchContext(b *testing.B, content string) (*Context, string) {
	st := newMemStorage("kestra:///dev/flow/executions/E/tasks/task/R/")
	from, _ := st.forRun("earlier", "R0").Put("items.ion", strings.NewReader(content))
	// Parsed once, as the runner caches a flow's templates.
	parsed := map[string]*templating.Template{}
	tc := &Context{TaskID: "task", Render: fakeRender, Log: NewLogger(func(Level, string) {}), TempDir: b.TempDir(), Storage: st,
		RenderVars: func(src string, vars map[string]any) (string, error) {
			tm, ok := parsed[src]
			if !ok {
				var err error
				if tm, err = templating.Parse(src); err != nil {
					return "", err
				}
				parsed[src] = tm
			}
			return tm.Render(&templating.Env{Vars: vars})
		}}
	return tc, from
}

// benchItems is n Ion records of about 30 bytes.
func benchItems(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "{key:\"k%d\",value:%d}\n", i%1000, i)
	}
	return b.String()
}

func BenchmarkStorageSplitRows(b *testing.B) {
	content := splitContent(100_000) // 2.1 MB
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		tc, from := benchContext(b, content)
		if _, err := (&StorageSplit{From: from, Rows: "1000"}).Run(context.Background(), tc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStorageReverse(b *testing.B) {
	content := splitContent(100_000)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		tc, from := benchContext(b, content)
		if _, err := (&StorageReverse{From: from}).Run(context.Background(), tc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterItems(b *testing.B) {
	content := benchItems(100_000)
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		tc, from := benchContext(b, content)
		if _, err := (&FilterItems{From: from, FilterCondition: "{{ value % 2 == 0 }}"}).Run(context.Background(), tc); err != nil {
			b.Fatal(err)
		}
	}
}
