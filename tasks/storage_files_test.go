package tasks

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// memStorage is an internal storage in memory: files are put under one task run's prefix,
// and read under the execution's (the prefix up to /tasks/), as the real one's rule goes.
type memStorage struct {
	mu     sync.Mutex
	prefix string // of the task run: kestra:///<ns>/<flow>/executions/<id>/tasks/<task>/<run>/
	files  map[string]string
}

func newMemStorage(prefix string) *memStorage {
	return &memStorage{prefix: prefix, files: map[string]string{}}
}

// forRun returns a storage sharing m's files, for another task run of the same execution.
func (m *memStorage) forRun(task, run string) *memStorage {
	exec, _, _ := strings.Cut(m.prefix, "/tasks/")
	return &memStorage{prefix: exec + "/tasks/" + task + "/" + run + "/", files: m.files}
}

func (m *memStorage) Put(name string, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	uri := m.prefix + url.PathEscape(name)
	m.files[uri] = string(b)
	return uri, nil
}

func (m *memStorage) check(uri string) error {
	exec, _, _ := strings.Cut(m.prefix, "/tasks/")
	if !strings.HasPrefix(uri, exec+"/") {
		return fmt.Errorf("Unable to read the file '%s' as it didn't belong to the current execution", uri)
	}
	if _, ok := m.files[uri]; !ok {
		return fmt.Errorf("the file '%s' does not exist in the internal storage: %w", uri, fs.ErrNotExist)
	}
	return nil
}

func (m *memStorage) Open(uri string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(uri); err != nil {
		return nil, err
	}
	return io.NopCloser(strings.NewReader(m.files[uri])), nil
}

func (m *memStorage) Stat(uri string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.check(uri); err != nil {
		return 0, err
	}
	return int64(len(m.files[uri])), nil
}

// content returns the file at uri, "" when there is none.
func (m *memStorage) content(uri string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.files[uri]
}

func TestOutputFilesFeedTheNextTasksInputFiles(t *testing.T) {
	// The shape of most real flows: one script writes a file, the next reads it.
	first := runTask(t, &ShellCommands{
		Commands:     []string{`printf 'id,name\n1,ada\n' > report.csv`},
		ProcessProps: ProcessProps{OutputFiles: []string{"report.csv"}},
	})
	succeeded(t, first)
	uri, _ := first.res.Outputs["outputFiles"].(map[string]any)["report.csv"].(string)
	if !IsStorageURI(uri) {
		t.Fatalf("outputs.outputFiles['report.csv']: got %q, want a kestra:// URI", uri)
	}

	tc, rec := newContext(t)
	tc.TaskID = "second"
	tc.Storage = first.tc.Storage.(*memStorage).forRun("second", "R2")
	res, err := (&ShellCommands{
		Commands: []string{"cat data/in.csv", "cat note.txt"},
		ProcessProps: ProcessProps{InputFiles: map[string]string{
			"data/in.csv": uri,
			"note.txt":    "plain text stays text",
		}},
	}).Run(context.Background(), tc)
	second := scriptRun{res, err, rec, tc}
	succeeded(t, second)
	infoLines("id,name", "1,ada", "plain text stays text")(t, second)
}

func TestInputFilesFromStorageErrors(t *testing.T) {
	other := "kestra:///dev/flow/executions/OTHER/tasks/t/R/f.csv"
	missing := "kestra:///dev/flow/executions/E/tasks/t/R/none.csv"
	for _, c := range []struct {
		name, uri, want string
		storage         bool
	}{
		{"another execution's file", other, "inputFiles.in.csv: Unable to read the file '" + other + "' as it didn't belong to the current execution", true},
		{"a file not there", missing, "inputFiles.in.csv: the file '" + missing + "' does not exist in the internal storage", true},
		{"no storage", missing, "inputFiles.in.csv: the internal storage is not available here", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			if !c.storage {
				tc.Storage = nil
			}
			res, err := (&ShellCommands{Commands: []string{"echo ran"},
				ProcessProps: ProcessProps{InputFiles: map[string]string{"in.csv": c.uri}}}).Run(context.Background(), tc)
			r := scriptRun{res, err, rec, tc}
			failedWith(c.want)(t, r)
			infoLines()(t, r)
		})
	}
}

func TestOutputFilesWithoutStorageFail(t *testing.T) {
	tc, rec := newContext(t)
	tc.Storage = nil
	res, err := (&ShellCommands{Commands: []string{"touch a.txt"},
		ProcessProps: ProcessProps{OutputFiles: []string{"*.txt"}}}).Run(context.Background(), tc)
	failedWith("outputFiles: a.txt: the internal storage is not available here")(t, scriptRun{res, err, rec, tc})
}

func TestStoredNames(t *testing.T) {
	a, b := storedName("/w/a/x.csv"), storedName("/w/b/x.csv")
	if a == b {
		t.Errorf("two files of one name in two folders: both stored as %q", a)
	}
	if a != storedName("/w/a/x.csv") {
		t.Errorf("storedName is not a function of the path: %q then %q", a, storedName("/w/a/x.csv"))
	}
	if !strings.HasSuffix(a, "-x.csv") || len(a) > 22+len("-x.csv") {
		t.Errorf("storedName: got %q, want <base62 id>-x.csv", a)
	}
}

func TestStorageURIsInScriptsAreLocalCopies(t *testing.T) {
	// As Kestra's script tasks do: a kestra:// URI written in commands or in a script is a
	// local copy's absolute path when the process runs (`cat {{ inputs.file }}`).
	tc, _ := newContext(t)
	store := tc.Storage.(*memStorage)
	uri, err := store.Put("notes.txt", strings.NewReader("line one\nline two\n"))
	if err != nil {
		t.Fatal(err)
	}
	other := "kestra:///dev/flow/executions/OTHER/tasks/t/R/f.csv"
	missing := "kestra:///dev/flow/executions/E/tasks/t/R/none.csv"
	for _, c := range []struct {
		name string
		task Task
		info []string
		err  string
	}{
		{"shell commands", &ShellCommands{Commands: []string{`cat "` + uri + `"`, "cat " + uri + " | wc -l"}},
			[]string{"line one", "line two", "2"}, ""},
		{"the same URI twice is one copy", &ShellCommands{Commands: []string{"ls *.tmp | wc -l # " + uri + " " + uri}},
			[]string{"1"}, ""},
		{"a path: absolute, in the working folder, named like Kestra's temporary files",
			&ShellCommands{Commands: []string{`f=` + uri + `; case $f in "$PWD"/*.tmp) echo in place;; *) echo "$f";; esac`}},
			[]string{"in place"}, ""},
		{"shell script", &ShellScript{Script: "head -n 1 " + uri},
			[]string{"line one"}, ""},
		{"python script", &PythonScript{Script: "print(open('" + uri + "').read().split()[-1])"},
			[]string{"two"}, ""},
		{"another execution's file", &ShellCommands{Commands: []string{"echo ran", "cat " + other}},
			nil, "commands: Unable to read the file '" + other + "' as it didn't belong to the current execution"},
		{"a file not there, in a script", &ShellScript{Script: "echo ran; cat " + missing},
			nil, "script: the file '" + missing + "' does not exist in the internal storage"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			tc.Storage = store.forRun("task", "R2")
			res, err := c.task.Run(context.Background(), tc)
			r := scriptRun{res, err, rec, tc}
			if c.err != "" {
				failedWith(c.err)(t, r)
			} else {
				succeeded(t, r)
			}
			infoLines(c.info...)(t, r)
		})
	}
}
