package templating

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
)

// mapFiles is a storage of a few files, readable under one prefix as an execution's are.
type mapFiles struct {
	prefix string
	files  map[string]string
}

func (m mapFiles) check(uri string) error {
	if !strings.HasPrefix(uri, m.prefix) && !strings.HasPrefix(uri, nsFilesPrefix) {
		return fmt.Errorf("Unable to read the file '%s' as it didn't belong to the current execution", uri)
	}
	if _, ok := m.files[uri]; !ok {
		if strings.HasPrefix(uri, nsFilesPrefix) {
			return fmt.Errorf("%s (No such file or directory)", uri)
		}
		return fmt.Errorf("the file '%s' does not exist in the internal storage: %w", uri, fs.ErrNotExist)
	}
	return nil
}

func (m mapFiles) Open(uri string) (io.ReadCloser, error) {
	if err := m.check(uri); err != nil {
		return nil, err
	}
	return io.NopCloser(strings.NewReader(m.files[uri])), nil
}

func (m mapFiles) Stat(uri string) (int64, error) {
	if err := m.check(uri); err != nil {
		return 0, err
	}
	return int64(len(m.files[uri])), nil
}

const filesPrefix = "kestra:///dev/hello/executions/E/"

// nsFilesPrefix starts the URIs of the files of the flow's namespace (dev).
const nsFilesPrefix = "kestra:///dev/_files/"

func filesEnv() *Env {
	env := testEnv()
	env.Vars["outputs"].(map[string]any)["make"] = map[string]any{"outputFiles": map[string]any{
		"out.csv": filesPrefix + "tasks/make/R/abc-out.csv",
	}}
	env.Files = mapFiles{prefix: filesPrefix, files: map[string]string{
		filesPrefix + "tasks/make/R/abc-out.csv": "a,b\n1,2\n",
		filesPrefix + "tasks/make/R/empty":       "",
		filesPrefix + "tasks/make/R/bad-utf8":    "a\xffb",
		"kestra:///other/flow/executions/X/f":    "not mine",
		nsFilesPrefix + "data/file.txt":          "from the namespace",
	}}
	return env
}

func TestStorageFunctions(t *testing.T) {
	for _, c := range []renderCase{
		{"read an output file", "{{ read(outputs.make.outputFiles['out.csv']) }}", "a,b\n1,2\n"},
		{"read by name", "{{ read(path=outputs.make.outputFiles['out.csv']) | trim }}", "a,b\n1,2"},
		{"read invalid UTF-8", "{{ read('" + filesPrefix + "tasks/make/R/bad-utf8') }}", "a\uFFFDb"},
		{"fileSize", "{{ fileSize(outputs.make.outputFiles['out.csv']) }}", "8"},
		{"fileSize compared", "{{ fileSize(outputs.make.outputFiles['out.csv']) > 4 }}", "true"},
		{"fileExists", "{{ fileExists(outputs.make.outputFiles['out.csv']) }}", "true"},
		{"fileExists not there", "{{ fileExists('" + filesPrefix + "tasks/make/R/nope') }}", "false"},
		{"isFileEmpty", "{{ isFileEmpty('" + filesPrefix + "tasks/make/R/empty') }}", "true"},
		{"read a namespace file", "{{ read('data/file.txt') }}", "from the namespace"},
		{"read a namespace file with a leading slash", "{{ read('/data/file.txt') }}", "from the namespace"},
		{"read fileURI", "{{ read(fileURI('data/file.txt')) }}", "from the namespace"},
		{"fileSize of fileURI", "{{ fileSize(fileURI('data/file.txt')) }}", "18"},
		{"isFileEmpty not empty", "{{ isFileEmpty(outputs.make.outputFiles['out.csv']) }}", "false"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := renderString(c.src, filesEnv())
			if err != nil {
				t.Fatalf("render %q: %v", c.src, err)
			}
			if got != c.want {
				t.Errorf("render %q: got %q, want %q", c.src, got, c.want)
			}
		})
	}
}

func TestStorageFunctionErrors(t *testing.T) {
	expr := func(src, msg string) string {
		return "line 1, col 1: Unable to render the expression `" + src + "` at line 1: " + msg
	}
	other := "kestra:///other/flow/executions/X/f"
	refused := "Unable to read the file '" + other + "' as it didn't belong to the current execution"
	missing := filesPrefix + "tasks/make/R/nope"
	cases := []errorCase{}
	for _, fn := range []string{"read", "fileSize", "fileExists", "isFileEmpty"} {
		src := "{{ " + fn + "('" + other + "') }}"
		cases = append(cases, errorCase{fn + " of another execution", src, expr(src, refused)})
		if fn != "read" {
			src = "{{ " + fn + "('data/file.txt') }}"
			cases = append(cases, errorCase{fn + " of a namespace file's path", src, expr(src,
				"Unable to create the URI from the path data/file.txt: "+fn+" takes an internal storage URI (kestra:///...; fileURI('data/file.txt') gives a namespace file's)")})
		}
		src = "{{ " + fn + "(3) }}"
		cases = append(cases, errorCase{fn + " of a number", src, expr(src,
			"Unable to read the file the number 3: "+fn+" expects an internal storage URI (kestra:///...)")})
	}
	for _, fn := range []string{"read", "fileSize", "isFileEmpty"} {
		src := "{{ " + fn + "('" + missing + "') }}"
		cases = append(cases, errorCase{fn + " of a missing file", src, expr(src,
			"the file '"+missing+"' does not exist in the internal storage: file does not exist")})
	}
	src := "{{ read('nope.txt') }}"
	cases = append(cases, errorCase{"read of a missing namespace file", src, expr(src,
		"kestra:///dev/_files/nope.txt (No such file or directory)")})
	src = "{{ read('../x.txt') }}"
	cases = append(cases, errorCase{"read out of the namespace", src, expr(src, "Path must not contain '../'")})
	runErrorCasesIn(t, filesEnv(), cases)

	// Without a storage, the functions say there is none.
	src = "{{ read('" + filesPrefix + "x') }}"
	runErrorCases(t, []errorCase{{"no storage", src, expr(src, "the internal storage is not available here")}})
}

func TestReadIsChargedToTheBudget(t *testing.T) {
	env := filesEnv()
	big := filesPrefix + "big"
	env.Files.(mapFiles).files[big] = strings.Repeat("x", 2000)
	env.Limits = Limits{Bytes: 1000}
	_, err := renderString("{{ read('"+big+"') | length }}", env)
	var be *BudgetError
	if !errors.As(err, &be) || be.Steps {
		t.Fatalf("read of a file over the byte budget: got %v, want a BudgetError on bytes", err)
	}
}
