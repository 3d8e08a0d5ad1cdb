package runner

import (
	"os"
	"strings"
	"testing"
)

func TestWorkingDirectoryTasksShareOneFolderRemovedAfter(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: write
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo shared > note.txt
          - echo '::{"outputs":{"dir":"'"$PWD"'"}}::'
      - id: read
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - echo "read $(cat note.txt) in $PWD"
  - id: after
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - test ! -e '{{ outputs.write.vars.dir }}/note.txt' && echo gone
`)
	if got, want := runs(x), "work:SUCCESS write:SUCCESS read:SUCCESS after:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s; errors: %s", got, want, errorsOf(x))
	}
	dir, _ := output(t, x, "write", "vars").(map[string]any)["dir"].(string)
	if dir == "" {
		t.Fatal("the first task reported no folder")
	}
	if got, want := logText(byTask(x, "read")[0]), "read shared in "+dir; got != want {
		t.Errorf("second task: got %q, want %q", got, want)
	}
	if got := logText(byTask(x, "after")[0]); got != "gone" {
		t.Errorf("the folder's files after the WorkingDirectory: got %q, want them gone", got)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder %s after the execution: got %v, want it removed", dir, err)
	}
}

func TestWorkingDirectoryInputAndOutputFiles(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf 'a\nb\nc\n' > data.csv
    outputFiles: [data.csv]
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      in/data.csv: "{{ outputs.make.outputFiles['data.csv'] }}"
      greeting.txt: hello
    outputFiles: ["out/*.txt"]
    tasks:
      - id: count
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - mkdir out
          - wc -l < in/data.csv | tr -d ' ' > out/lines.txt
          - cp greeting.txt out/greeting.txt
          - echo skipped > out/other.log
  - id: json
    type: io.kestra.core.tasks.flows.Worker
    inputFiles: '{"lines.txt": "{{ outputs.work.outputFiles[''out/lines.txt''] }}"}'
    tasks:
      - id: show
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - cat lines.txt
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.work.outputFiles['out/lines.txt']) | trim }} {{ read(outputs.work.outputFiles['out/greeting.txt']) }}"
`)
	if got, want := runs(x), "make:SUCCESS work:SUCCESS count:SUCCESS json:SUCCESS show:SUCCESS use:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s; errors: %s", got, want, errorsOf(x))
	}
	files, _ := output(t, x, "work", "outputFiles").(map[string]any)
	if len(files) != 2 || files["out/lines.txt"] == nil || files["out/greeting.txt"] == nil {
		t.Fatalf("outputFiles: got %v, want out/lines.txt and out/greeting.txt", files)
	}
	work := byTask(x, "work")[0]
	prefix := "kestra:///dev/f/executions/" + x.ID + "/tasks/work/" + work.ID + "/"
	if uri, _ := files["out/lines.txt"].(string); !strings.HasPrefix(uri, prefix) || !strings.HasSuffix(uri, "-lines.txt") {
		t.Errorf("URI: got %q, want it under %s", uri, prefix)
	}
	if got := output(t, x, "use", "value"); got != "3 hello" {
		t.Errorf("read back: got %q, want %q", got, "3 hello")
	}
	if got := logText(byTask(x, "show")[0]); got != "3" {
		t.Errorf("inputFiles as JSON: got %q, want 3", got)
	}
}

func TestWorkingDirectoryFailedTaskStopsTheRest(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    outputFiles: ["*.txt"]
    tasks:
      - id: tolerated
        type: io.kestra.plugin.scripts.shell.Commands
        allowFailure: true
        commands:
          - echo partial > partial.txt
          - exit 3
      - id: broken
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - exit 1
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: never
    errors:
      - id: handle
        type: io.kestra.plugin.scripts.shell.Commands
        commands:
          - test ! -e partial.txt && echo outside
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: not reached
`)
	if got, want := runs(x), "work:FAILED tolerated:WARNING broken:FAILED handle:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s", got, want)
	}
	if x.State.Current != StateFailed {
		t.Errorf("execution: got %s, want FAILED", x.State.Current)
	}
	// The files are stored even so, as Kestra's worker does, and errors run outside the folder.
	files, _ := output(t, x, "work", "outputFiles").(map[string]any)
	if files["partial.txt"] == nil {
		t.Errorf("outputFiles after a failure: got %v, want partial.txt", files)
	}
	if got := logText(byTask(x, "handle")[0]); got != "outside" {
		t.Errorf("errors branch: got %q, want it run outside the folder", got)
	}
}

func TestWorkingDirectoryBadInputFileFailsBeforeItsTasks(t *testing.T) {
	x := runYAML(t, `
tasks:
  - id: work
    type: io.kestra.plugin.core.flow.WorkingDirectory
    inputFiles:
      data.csv: "kestra:///dev/f/executions/nope/tasks/make/x/data.csv"
    tasks:
      - id: never
        type: io.kestra.plugin.core.log.Log
        message: never
`)
	if got, want := runs(x), "work:FAILED"; got != want {
		t.Fatalf("runs: got %s, want %s", got, want)
	}
	if msg := byTask(x, "work")[0].Error; !strings.Contains(msg, `task "work": inputFiles.data.csv:`) {
		t.Errorf("error: got %q, want it to name inputFiles.data.csv", msg)
	}
}

func TestLocalFilesInsideWorkingDirectory(t *testing.T) {
	// Kestra's own test flow working-directory.yaml.
	x := runYAML(t, `
tasks:
  - id: worker
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: first
        type: io.kestra.plugin.core.storage.LocalFiles
        inputs:
          out/stay.txt: "{{ taskrun.id }}"
      - id: second
        type: io.kestra.plugin.core.storage.LocalFiles
        outputs:
          - out/*
  - id: end
    type: io.kestra.plugin.core.debug.Return
    format: "{{ read(outputs.second.uris['out/stay.txt']) }}"
`)
	if got, want := runs(x), "worker:SUCCESS first:SUCCESS second:SUCCESS end:SUCCESS"; got != want {
		t.Fatalf("runs: got %s, want %s; errors: %s", got, want, errorsOf(x))
	}
	if got, want := output(t, x, "end", "value"), byTask(x, "first")[0].ID; got != want {
		t.Errorf("file read back: got %q, want the first task's run id %q", got, want)
	}
}

// logText joins the messages tr logged.
func logText(tr *TaskRun) string {
	var lines []string
	for _, l := range tr.Logs {
		lines = append(lines, l.Message)
	}
	return strings.Join(lines, "\n")
}

// errorsOf lists the errors of the runs of x, for a failure message.
func errorsOf(x *Execution) string {
	var out []string
	for _, tr := range x.TaskRunList {
		if tr.Error != "" {
			out = append(out, tr.TaskID+": "+tr.Error)
		}
	}
	return strings.Join(out, "; ")
}
