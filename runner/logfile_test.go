package runner

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
)

// Kestra's LogToFileTest: the attempt of a task with logToFile has a log file in the
// storage, one line holding INFO and the message; the line is logged as usual too.
func TestKestraLogToFile(t *testing.T) {
	dir := t.TempDir()
	f, err := flow.Load(filepath.Join("testdata", "kestra", "log-to-file.yaml"), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	root := storage.New(filepath.Join(dir, "storage"))
	x, err := Run(context.Background(), f, Options{TempDir: dir, Environ: []string{}, Storage: root})
	if err != nil {
		t.Fatal(err)
	}
	if x.State.Current != StateSuccess || len(x.TaskRunList) != 1 || len(x.TaskRunList[0].Attempts) != 1 {
		t.Fatalf("%s, %d task runs", x.State.Current, len(x.TaskRunList))
	}
	tr := x.TaskRunList[0]
	uri := tr.Attempts[0].LogFile
	if !regexp.MustCompile(`^kestra:///io/kestra/tests/log-to-file/executions/` + x.ID + `/tasks/hello/` + tr.ID + `/log-[a-z0-9]{5}\.txt$`).MatchString(uri) {
		t.Fatalf("logFile %q", uri)
	}
	r, err := root.OpenURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "INFO") || !strings.Contains(lines[0], "Hello World!") ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO  Hello World!$`).MatchString(lines[0]) {
		t.Fatalf("log file %q", b)
	}
	if len(tr.Logs) != 1 || tr.Logs[0].Message != "Hello World!" {
		t.Fatalf("logged %+v, want the line logged as usual too", tr.Logs)
	}
}

// The file takes the masked lines, and a task without logToFile has none.
func TestLogToFileMasksSecrets(t *testing.T) {
	dir := t.TempDir()
	src := "id: l\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: \"token {{ secret('TOKEN') }}\"\n    logToFile: true\n" +
		"  - id: b\n    type: io.kestra.plugin.core.log.Log\n    message: plain\n"
	f, err := flow.Parse("l.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	root := storage.New(filepath.Join(dir, "storage"))
	x, err := Run(context.Background(), f, Options{TempDir: dir, Environ: []string{"SECRET_TOKEN=c2VjcmV0LXZhbHVl"}, Storage: root})
	if err != nil {
		t.Fatal(err)
	}
	r, err := root.OpenURI(x.TaskRunList[0].Attempts[0].LogFile)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if strings.Contains(string(b), "secret-value") || !strings.Contains(string(b), "token ******") {
		t.Fatalf("log file %q", b)
	}
	if x.TaskRunList[1].Attempts[0].LogFile != "" {
		t.Fatal("a task without logToFile has a log file")
	}
}
