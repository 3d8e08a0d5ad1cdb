package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// TestCommandsUseTheFactory checks that the commands get their registry, state and clock
// from the factory: with a registry that lacks the Log task a flow using it is invalid, and
// `flow apply` records the factory's date.
func TestCommandsUseTheFactory(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "flow.yml")
	src := "id: hello\nnamespace: dev\ntasks:\n  - id: say\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	f := newFactory(Streams{In: strings.NewReader(""), Out: &out, Err: &errb})
	run := func(args ...string) error {
		root := newRoot(f)
		root.SetArgs(args)
		return root.ExecuteContext(context.Background())
	}

	builtin := f.registry
	f.registry = func() tasks.Registry { return tasks.Registry{} }
	if err := run("validate", file); err == nil || !strings.Contains(errb.String(), "io.kestra.plugin.core.log.Log") {
		t.Fatalf("validate with an empty registry: %v, stderr %q", err, errb.String())
	}
	// The registry is built once, however many commands ask for it.
	if a, b := builtin(), builtin(); len(a) == 0 || reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
		t.Fatal("the factory's registry is empty, or built again on each use")
	}

	f.registry = builtin
	date := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	f.scheduleNow = func() (time.Time, error) { return date, nil }
	var opened *state.Store
	f.openState = func(ctx context.Context, _ string, readOnly bool) (*state.Store, error) {
		s, err := state.Open(filepath.Join(dir, "state.db"), state.Options{ReadOnly: readOnly, Context: ctx})
		opened = s
		return s, err
	}
	if err := run("flow", "apply", file); err != nil {
		t.Fatalf("flow apply: %v, stderr %q", err, errb.String())
	}
	rec, ok, err := opened.Flow("dev", "hello")
	if err != nil || !ok || !rec.Updated.Equal(date) {
		t.Errorf("applied %+v %v %v, want it updated at the factory's date %v", rec.Updated, ok, err, date)
	}
}
