package runner

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

// putTask stores content as name in its task run's storage and outputs the URI as uri.
func putTask(id, name, content string) *flow.TaskSpec {
	return &flow.TaskSpec{ID: id, Type: "test.Put", Task: taskFunc(func(_ context.Context, tc *tasks.Context) (tasks.Result, error) {
		uri, err := tc.Storage.Put(name, strings.NewReader(content))
		return tasks.Result{Outputs: map[string]any{"uri": uri}}, err
	})}
}

func TestTasksHandFilesOnThroughTheStorage(t *testing.T) {
	root := storage.New(t.TempDir())
	f := testFlow([]*flow.TaskSpec{
		putTask("Make_It", "out.txt", "hello file"),
		spec("use", step{log: "{{ read(outputs.Make_It.uri) }} {{ fileSize(outputs.Make_It.uri) }} {{ fileExists(outputs.Make_It.uri) }} {{ isFileEmpty(outputs.Make_It.uri) }}"}),
	}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, Storage: root, TempDir: t.TempDir()})
	if runs(x) != "Make_It:SUCCESS use:SUCCESS" {
		t.Fatalf("runs: got %s, want both SUCCESS; errors: %q %q", runs(x), x.TaskRunList[0].Error, x.TaskRunList[len(x.TaskRunList)-1].Error)
	}
	uri := x.TaskRunList[0].Outputs["uri"].(string)
	if want := "kestra:///dev/f/executions/" + x.ID + "/tasks/make-it/" + x.TaskRunList[0].ID + "/out.txt"; uri != want {
		t.Errorf("URI: got %q, want %q", uri, want)
	}
	if got := x.TaskRunList[1].Logs[0].Message; got != "hello file 10 true false" {
		t.Errorf("rendered: got %q, want %q", got, "hello file 10 true false")
	}
	// The files outlive the execution: they are the state's.
	files, err := root.List("dev", "f", x.ID)
	if err != nil || len(files) != 1 || files[0].URI != uri {
		t.Errorf("files after the run: got %v, %v; want %s", files, err, uri)
	}
}

func TestWithoutStorageFilesGoWithTheExecution(t *testing.T) {
	tmp := t.TempDir()
	f := testFlow([]*flow.TaskSpec{
		putTask("make", "out.txt", "x"),
		spec("use", step{log: "{{ read(outputs.make.uri) }}"}),
	}, nil, nil)
	x, _ := Run(context.Background(), f, Options{Environ: []string{}, TempDir: tmp})
	if runs(x) != "make:SUCCESS use:SUCCESS" || x.TaskRunList[1].Logs[0].Message != "x" {
		t.Fatalf("runs: got %s, want both SUCCESS and x read back", runs(x))
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("temporary folder after the run: got %v, want it empty", left)
	}
}

func TestTriggeredExecutionsReadTheFilesOfTheOneBehind(t *testing.T) {
	root := storage.New(t.TempDir())
	parent, _ := Run(context.Background(), testFlow([]*flow.TaskSpec{putTask("make", "p.txt", "from the parent")}, nil, nil),
		Options{Environ: []string{}, Storage: root, TempDir: t.TempDir()})
	uri := parent.TaskRunList[0].Outputs["uri"].(string)

	child := &flow.Flow{ID: "child", Namespace: "other.team", Tasks: []*flow.TaskSpec{spec("use", step{log: "{{ read('" + uri + "') }}"})}}
	x, _ := Run(context.Background(), child, Options{Environ: []string{}, Storage: root, TempDir: t.TempDir(),
		Trigger: &ExecTrigger{ID: "on", Type: "io.kestra.plugin.core.trigger.Flow", Variables: TriggerVariables(parent)}})
	if runs(x) != "use:SUCCESS" || x.TaskRunList[0].Logs[0].Message != "from the parent" {
		t.Errorf("triggered execution: got %s %q, want the parent's file read", runs(x), x.TaskRunList[0].Error)
	}

	stranger, _ := Run(context.Background(), child, Options{Environ: []string{}, Storage: root, TempDir: t.TempDir()})
	want := "Unable to read the file '" + uri + "' as it didn't belong to the current execution"
	if tr := stranger.TaskRunList[0]; tr.State.Current != StateFailed || !strings.Contains(tr.Error, want) {
		t.Errorf("another execution: got %s %q, want FAILED with %q", tr.State.Current, tr.Error, want)
	}
}

func TestFileInputsAreStoredForTheExecution(t *testing.T) {
	root := storage.New(t.TempDir())
	local := t.TempDir() + "/report.csv"
	if err := os.WriteFile(local, []byte("id\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := testFlow([]*flow.TaskSpec{spec("use", step{log: "{{ inputs.report }} {{ read(inputs.report) | trim }}"})}, nil, nil)
	x, err := Run(context.Background(), f, Options{Environ: []string{}, Storage: root, TempDir: t.TempDir(),
		Inputs: map[string]any{"report": flow.FileInput(local), "who": "me"}})
	if err != nil {
		t.Fatal(err)
	}
	uri := "kestra:///dev/f/executions/" + x.ID + "/inputs/report/report.csv"
	if got, want := x.TaskRunList[0].Logs[0].Message, uri+" id\n1"; got != want {
		t.Errorf("rendered: got %q, want %q", got, want)
	}
	if x.Inputs["report"] != uri || x.Inputs["who"] != "me" {
		t.Errorf("the execution's inputs: got %v, want report as its URI", x.Inputs)
	}

	gone := t.TempDir() + "/gone.csv"
	x, err = Run(context.Background(), f, Options{Environ: []string{}, Storage: root, TempDir: t.TempDir(),
		Inputs: map[string]any{"report": flow.FileInput(gone)}})
	if err == nil || !strings.Contains(err.Error(), `input "report": open `+gone+": no such file or directory") {
		t.Errorf("a file gone before the run: got %v, want the input and the file named", err)
	}
	if x.State.Current != StateFailed || len(x.TaskRunList) != 0 {
		t.Errorf("a file gone before the run: got %s with %d task runs, want FAILED before any", x.State.Current, len(x.TaskRunList))
	}
}
