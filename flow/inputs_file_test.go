package flow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fileInputFlow = `id: f
namespace: dev
inputs:
  - id: report
    type: FILE
  - id: previous
    type: FILE
    required: false
    defaults: kestra:///dev/f/executions/X/inputs/report/old.csv
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: hi
`

func TestFileInputs(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(report, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f := mustParse(t, fileInputFlow)
	for _, given := range []string{"@report.csv", "report.csv", "@" + report, "./report.csv"} {
		values, _, err := ParseInputs(f, map[string]string{"report": given})
		if err != nil {
			t.Fatalf("-i report=%s: %v", given, err)
		}
		if got := values["report"]; got != FileInput(report) {
			t.Errorf("-i report=%s: got %#v, want FileInput(%q)", given, got, report)
		}
		if got := values["previous"]; got != "kestra:///dev/f/executions/X/inputs/report/old.csv" {
			t.Errorf("the default: got %#v, want the URI", got)
		}
	}
	uri := "kestra:///dev/f/executions/X/tasks/t/R/a.csv"
	values, _, err := ParseInputs(f, map[string]string{"report": uri})
	if err != nil || values["report"] != uri {
		t.Errorf("a kestra:/// URI: got %#v, %v; want it kept", values["report"], err)
	}
}

func TestFileInputErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	f := mustParse(t, fileInputFlow)
	for given, want := range map[string]string{
		"@nope.csv":         `input "report": "nope.csv" is not a readable file: no such file or directory`,
		"folder":            `input "report": "folder" is not a regular file: give the path of a file`,
		"@":                 `input "report": is empty: expected the path of a file (-i NAME=@./file.csv) or a kestra:/// URI`,
		"kestra://host/x/y": `input "report": "kestra://host/x/y" is not a valid FILE: a kestra:// URI starts with kestra:/// (three slashes)`,
	} {
		_, _, err := ParseInputs(f, map[string]string{"report": given})
		if err == nil || err.Error() != want {
			t.Errorf("-i report=%s: got %v, want %q", given, err, want)
		}
	}
	_, _, err := ParseInputs(f, map[string]string{})
	if want := `input "report" (FILE) is required: give it with -i report=@PATH`; err == nil || err.Error() != want {
		t.Errorf("no value: got %v, want %q", err, want)
	}
	problems := parseProblems(t, strings.Replace(fileInputFlow, "kestra:///dev/f/executions/X/inputs/report/old.csv", "./old.csv", 1))
	want := `flow.yml:9:15: input "previous": defaults: a FILE input's default must be a kestra:/// URI; give a local file with -i NAME=@./file`
	if len(problems) != 1 || problems[0] != want {
		t.Errorf("a local path as default: got %q, want %q", problems, want)
	}
}
