package flow

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// update rewrites the golden files of testdata/load from the current output (make update).
var update = flag.Bool("update", false, "rewrite golden files from the current output")

// The task types of the loader tests. They stand in for the real ones under the real names,
// so the tests read like real flows yet do not change when a real type gains a property.

type testLog struct {
	Message tasks.StringList `flow:"message,required"`
	Level   string           `flow:"level" enum:"TRACE,DEBUG,INFO,WARN,ERROR"`
}

type testScript struct {
	Script          string            `flow:"script,required"`
	BeforeCommands  []string          `flow:"beforeCommands"`
	Env             map[string]string `flow:"env"`
	FailFast        *bool             `flow:"failFast"`
	WarningOnStdErr *bool             `flow:"warningOnStdErr"`
	ContainerImage  string            `flow:"containerImage,ignored"`
	TaskRunner      map[string]any    `flow:"taskRunner"`
}

type testCommands struct {
	Commands []string `flow:"commands,required"`
	testShared
}

// testShared is embedded: its properties belong to the type that embeds it.
type testShared struct {
	Interpreter []string `flow:"interpreter"`
}

type testOptions struct {
	ConnectTimeout time.Duration     `flow:"connectTimeout"`
	Headers        map[string]string `flow:"headers"`
	Mode           string            `flow:"mode,required" enum:"FAST,SLOW"`
}

type testKinds struct {
	Text     string         `flow:"text"`
	Count    int            `flow:"count"`
	Small    int8           `flow:"small"`
	Ratio    float64        `flow:"ratio"`
	Flag     bool           `flow:"flag"`
	Any      any            `flow:"any"`
	Data     map[string]any `flow:"data"`
	Names    []string       `flow:"names"`
	Options  *testOptions   `flow:"options"`
	Wait     time.Duration  `flow:"wait"`
	Channels []testOptions  `flow:"channels"`
	private  string
}

type testSlackExecution struct {
	URL         string `flow:"url,required"`
	Channel     string `flow:"channel"`
	ExecutionID string `flow:"executionId"`
}

func (*testSlackExecution) Run(context.Context, *tasks.Context) (tasks.Result, error) {
	return tasks.Result{}, nil
}

func (*testLog) Run(context.Context, *tasks.Context) (tasks.Result, error) {
	return tasks.Result{}, nil
}
func (*testScript) Run(context.Context, *tasks.Context) (tasks.Result, error) {
	return tasks.Result{}, nil
}
func (*testCommands) Run(context.Context, *tasks.Context) (tasks.Result, error) {
	return tasks.Result{}, nil
}
func (*testKinds) Run(context.Context, *tasks.Context) (tasks.Result, error) {
	return tasks.Result{}, nil
}

// testRegistry returns the task types of the loader tests.
func testRegistry() tasks.Registry {
	r := tasks.Registry{}
	r.Add(&tasks.Def{Type: "io.kestra.plugin.core.log.Log", Aliases: []string{"io.kestra.core.tasks.log.Log"},
		New: func() tasks.Task { return &testLog{} }})
	r.Add(&tasks.Def{Type: "io.kestra.plugin.scripts.shell.Script",
		New: func() tasks.Task { return &testScript{} }, Unsupported: []string{"docker", "namespaceFiles"}})
	r.Add(&tasks.Def{Type: "io.kestra.plugin.scripts.shell.Commands",
		New: func() tasks.Task { return &testCommands{} }})
	r.Add(&tasks.Def{Type: "io.flowctl.test.Kinds",
		New: func() tasks.Task { return &testKinds{} }})
	return r
}

// TestLoadGolden loads each flow of testdata/load and compares what the loader says (every
// problem, or "ok" and the warnings) with its .golden file. Run with -update to rewrite them.
func TestLoadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/load/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no flows in testdata/load: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".yml"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := describeLoad(Parse(name, src, testRegistry()))
			golden := strings.TrimSuffix(file, ".yml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./runner -run TestLoadGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// describeLoad renders the outcome of Parse for a golden file.
func describeLoad(f *Flow, err error) string {
	if err != nil {
		var le *LoadError
		if !errors.As(err, &le) {
			return "error (not a *LoadError): " + err.Error() + "\n"
		}
		return le.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString("ok\n")
	for _, w := range f.Warnings {
		b.WriteString("warning: " + w + "\n")
	}
	return b.String()
}

// mustParse parses a flow that must be valid.
func mustParse(t *testing.T, src string) *Flow {
	t.Helper()
	f, err := Parse("flow.yml", []byte(src), testRegistry())
	if err != nil {
		t.Fatalf("Parse: got error\n%v\nwant none", err)
	}
	return f
}

// parseProblems parses a flow that must be invalid and returns its problems as text.
func parseProblems(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse("flow.yml", []byte(src), testRegistry())
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Parse: got %v, want a *LoadError", err)
	}
	out := make([]string, len(le.Problems))
	for i, p := range le.Problems {
		out[i] = p.Error()
	}
	return out
}

func TestLoadRejectsOversizedFileQuickly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 10 MB file: Load must refuse it from its size, without reading it.
	if err := f.Truncate(10 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	_, err = Load(path, testRegistry())
	if err == nil || !strings.Contains(err.Error(), "larger than 5 MiB are refused") {
		t.Fatalf("Load: got %v, want the size error", err)
	}
	if !strings.HasPrefix(err.Error(), path+": ") {
		t.Errorf("Load: got %q, want it to start with the file name", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Load took %v, want it refused at once", d)
	}

	big := []byte(strings.Repeat("# just a comment line\n", 500_000)) // 11 MB
	reg := testRegistry()
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := Parse("big.yml", big, reg); err == nil {
			t.Fatal("Parse: got no error for 11 MB, want the size error")
		}
	})
	// Building the error takes a few allocations; parsing would take millions.
	if allocs > 20 {
		t.Errorf("Parse of an oversized file: got %v allocations, want it refused before parsing", allocs)
	}
}

func TestLoadReadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yml"), testRegistry())
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yml") {
		t.Errorf("missing file: got %v, want a not-exist error naming the file", err)
	}
	dir := t.TempDir()
	if _, err := Load(dir, testRegistry()); err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: got %v, want an error saying it is a folder", err)
	}
}

func TestLoadAliasBombIsRefused(t *testing.T) {
	// Nine levels of ten aliases each: a billion strings if expanded.
	var b strings.Builder
	b.WriteString("id: bomb\nnamespace: dev\nvariables:\n  a0: &a0 [lol]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("  a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("tasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	var got []string
	allocated := allocatedBy(func() { got = parseProblems(t, b.String()) })
	// The first levels add 234,560 values; the fourth alias of a6 (line 10) 211,111 more
	// each: the fourth goes over.
	want := "flow.yml:10:27: alias *a5: aliases expand the flow to more than 1000000 values beyond the 37 the file holds: use fewer aliases of large anchors (an alias bomb?)"
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if allocated > 1<<20 {
		t.Errorf("Parse allocated %d KiB, want the bomb refused before its expansion is walked (under 1 MiB)", allocated>>10)
	}
}

func TestLoadAnchorsAndAliases(t *testing.T) {
	f := mustParse(t, `
id: anchors
namespace: dev
variables:
  base: &base {region: eu, tags: [a, b]}
  copy: *base
tasks:
  - &hello
    id: hello
    type: io.kestra.plugin.core.log.Log
    message: &msg "hi {{ vars.base.region }}"
  - id: again
    type: io.kestra.plugin.core.log.Log
    message: *msg
`)
	if got, want := jsonOf(t, f.Variables["copy"]), `{"region":"eu","tags":["a","b"]}`; got != want {
		t.Errorf("variables.copy: got %s, want %s", got, want)
	}
	if got := f.Tasks[1].Task.(*testLog).Message; !reflect.DeepEqual(got, tasks.StringList{"hi {{ vars.base.region }}"}) {
		t.Errorf("aliased message: got %q", got)
	}
}

func TestLoadSeedFlows(t *testing.T) {
	// The real registry: the seed flows must keep loading as task types are added.
	reg := tasks.Builtin()
	if _, err := Load("../examples/seed/failing-task.yml", reg); err != nil {
		t.Errorf("failing-task.yml: got %v, want no error", err)
	}
	for _, name := range []string{"slack-simple-message.yml", "slack-error-message.yml", "slack-generic.yml"} {
		_, err := Load("../examples/seed/"+name, reg)
		if err == nil {
			continue // the Slack types are registered
		}
		var le *LoadError
		if !errors.As(err, &le) {
			t.Errorf("%s: got %v, want a *LoadError", name, err)
			continue
		}
		// Until the Slack types exist, their type is the only thing the loader may refuse.
		for _, p := range le.Problems {
			if !strings.Contains(p.Msg, "io.kestra.plugin.notifications.slack.") || !strings.HasSuffix(p.Msg, "is not supported by flowctl yet") {
				t.Errorf("%s: got problem %q, want only the not-supported Slack type", name, p.Error())
			}
		}
	}
}

func TestLoadSeedFlowGeneric(t *testing.T) {
	// The trigger of slack-generic.yml, with its old type names, read with a registry that
	// has a stand-in for SlackExecution.
	src, err := os.ReadFile("../examples/seed/slack-generic.yml")
	if err != nil {
		t.Fatal(err)
	}
	reg := testRegistry()
	reg.Add(&tasks.Def{Type: "io.kestra.plugin.notifications.slack.SlackExecution",
		New: func() tasks.Task { return &testSlackExecution{} }})
	f, err := Parse("slack-generic.yml", src, reg)
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if got := f.Tasks[0].Task.(*testSlackExecution).ExecutionID; got != "{{trigger.executionId}}" {
		t.Errorf("executionId: got %q, want the template as written", got)
	}
	if len(f.Triggers) != 1 {
		t.Fatalf("got %d triggers, want 1", len(f.Triggers))
	}
	tr := f.Triggers[0]
	if tr.Type != TriggerFlow || tr.ID != "listen" {
		t.Errorf("trigger: got %q %q, want listen %q", tr.ID, tr.Type, TriggerFlow)
	}
	if len(tr.Conditions) != 1 || tr.Conditions[0].Type != CondExecutionStatus || !reflect.DeepEqual(tr.Conditions[0].In, []string{"FAILED", "WARNING"}) {
		t.Errorf("condition: got %+v, want ExecutionStatus in [FAILED WARNING]", tr.Conditions[0])
	}
	if !reflect.DeepEqual(tr.States, terminalStates) {
		t.Errorf("states: got %v, want the terminal states %v", tr.States, terminalStates)
	}
}

// benchFlow is a realistic flow of 20 tasks: inputs, labels, variables, templates in every
// kind of property, retries, timeouts, errors, finally and a trigger.
func benchFlow() []byte {
	var b strings.Builder
	b.WriteString(`id: nightly-etl
namespace: company.data.etl
description: |
  Extract, transform and load the nightly data set.
labels:
  team: data
  env: prod
inputs:
  - id: day
    type: DATETIME
    required: false
  - id: batch
    type: INT
    defaults: 500
  - id: mode
    type: ENUM
    values: [full, incremental]
    defaults: incremental
variables:
  bucket: s3://company-data
  tables: [orders, customers, products]
tasks:
`)
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, `  - id: log%d
    type: io.kestra.plugin.core.log.Log
    level: INFO
    message: "step %d of {{ flow.id }} ({{ execution.id }}) for {{ inputs.day ?? 'today' }}"
  - id: extract%d
    type: io.kestra.plugin.scripts.shell.Commands
    timeout: PT10M
    retry:
      type: exponential
      interval: PT5S
      maxInterval: PT1M
      maxAttempt: 3
    commands:
      - echo "extracting {{ vars.tables[0] }} in batches of {{ inputs.batch }}"
      - echo '::{"outputs":{"rows":%d}}::'
  - id: transform%d
    type: io.kestra.plugin.scripts.shell.Script
    runIf: "{{ outputs.extract%d.vars.rows > 0 }}"
    warningOnStdErr: false
    env:
      ROWS: "{{ outputs.extract%d.vars.rows }}"
      MODE: "<< inputs.mode >>"
    script: |
      set -e
      echo "transforming $ROWS rows in {{ inputs.mode | upper }} mode"
      cat <<EOF > out.txt
      {{ vars.bucket }}/{{ flow.namespace }}/part-%d
      EOF
`, i, i, i, i*100, i, i, i, i)
	}
	b.WriteString(`errors:
  - id: alert
    type: io.kestra.plugin.core.log.Log
    level: ERROR
    message: "{{ flow.id }} failed: {{ execution.id }}"
finally:
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: done
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
    timezone: Europe/Paris
`)
	return []byte(b.String())
}

func BenchmarkLoad(b *testing.B) {
	src := benchFlow()
	reg := testRegistry()
	f, err := Parse("bench.yml", src, reg)
	if err != nil {
		b.Fatal(err)
	}
	if n := len(f.AllTasks()); n != 20 {
		b.Fatalf("got %d tasks, want 20", n)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.yml", src, reg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadListsAtMostMaxProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: many\nnamespace: dev\ntasks:\n")
	for i := 0; i < maxProblems+10; i++ {
		fmt.Fprintf(&b, "  - id: t%d\n    type: io.kestra.plugin.core.log.Log\n    mesage: x\n", i)
	}
	got := parseProblems(t, b.String())
	// Each task misses message and misspells it: two problems each.
	if len(got) != maxProblems+1 {
		t.Fatalf("got %d problems, want %d", len(got), maxProblems+1)
	}
	if last, want := got[maxProblems], fmt.Sprintf("%d more problems not listed", 2*(maxProblems+10)-maxProblems); !strings.HasSuffix(last, want) {
		t.Errorf("last: got %q, want it to end with %q", last, want)
	}
}
