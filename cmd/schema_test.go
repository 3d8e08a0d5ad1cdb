package cmd

import (
	"encoding/json"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

func TestSchemaPrintsTheBuiltinSchema(t *testing.T) {
	code, out, errs := run(t, "schema")
	if code != ExitOK || errs != "" {
		t.Fatalf("got exit %d, stderr %q; want 0 and nothing", code, errs)
	}
	if !json.Valid([]byte(out)) {
		t.Fatalf("got output that is not JSON:\n%s", out)
	}
	want, err := flow.Schema(tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("got a schema other than flow.Schema(tasks.Builtin())")
	}
}

func TestSchemaTakesNoArguments(t *testing.T) {
	if code, out, _ := run(t, "schema", "extra"); code != ExitUsage || out != "" {
		t.Errorf("got exit %d, stdout %q; want %d and nothing", code, out, ExitUsage)
	}
}
