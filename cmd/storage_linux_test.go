//go:build linux

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storedFiles runs a flow that stores a text file and a binary one and returns their URIs.
func storedFiles(t *testing.T) (text, binary string) {
	t.Helper()
	t.Setenv("FLOWCTL_STATE", filepath.Join(t.TempDir(), "state.db"))
	path := filepath.Join(t.TempDir(), "files.yml")
	flow := `id: files
namespace: dev
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: ["*.txt", "*.bin"]
    commands:
      - printf 'plain text\n' > a.txt
      - printf 'PK\003\004\000\000binary' > b.bin
`
	if err := os.WriteFile(path, []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "run", "-o", "json", path)
	var x struct {
		TaskRunList []struct {
			Outputs struct {
				OutputFiles map[string]string `json:"outputFiles"`
			} `json:"outputs"`
		} `json:"taskRunList"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &x) != nil || len(x.TaskRunList) != 1 {
		t.Fatalf("run: got %d %q %q, want one task run", code, out, errs)
	}
	files := x.TaskRunList[0].Outputs.OutputFiles
	return files["a.txt"], files["b.bin"]
}

func TestStorageGetOnATerminal(t *testing.T) {
	quietCI(t)
	text, binary := storedFiles(t)
	get := func(uri string) (int, string, string) {
		pty, tty := openPTY(t)
		defer pty.Close()
		got := make(chan []byte)
		go func() {
			var b bytes.Buffer
			io.Copy(&b, pty)
			got <- b.Bytes()
		}()
		var errb bytes.Buffer
		code := Main(context.Background(), []string{"storage", "get", uri}, Streams{In: strings.NewReader(""), Out: tty, Err: &errb})
		tty.Close()
		return code, strings.ReplaceAll(string(<-got), "\r\n", "\n"), errb.String()
	}
	if code, out, errs := get(text); code != 0 || out != "plain text\n" {
		t.Errorf("a text file to a terminal: got %d %q %q, want it written", code, out, errs)
	}
	code, out, errs := get(binary)
	if want := binary + " looks binary: not written to the terminal; give -o FILE or pipe it"; code != ExitUsage || out != "" || !strings.Contains(errs, want) {
		t.Errorf("a binary file to a terminal: got %d %q %q, want exit 2, nothing written and %q", code, out, errs, want)
	}
	// Piped, or to a file, it is copied byte for byte.
	if code, out, _ := run(t, "storage", "get", binary); code != 0 || out != "PK\003\004\000\000binary" {
		t.Errorf("a binary file to a pipe: got %d %q, want its bytes", code, out)
	}
	dst := filepath.Join(t.TempDir(), "b.bin")
	if code, _, errs := run(t, "storage", "get", "-o", dst, binary); code != 0 {
		t.Fatalf("storage get -o: got %d %q", code, errs)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "PK\003\004\000\000binary" {
		t.Errorf("storage get -o: got %q, %v; want its bytes", b, err)
	}
	// -o into a folder that is not there: exit 2, naming the flag.
	if code, _, errs := run(t, "storage", "get", "-o", filepath.Join(t.TempDir(), "no", "x"), binary); code != ExitUsage || !strings.Contains(errs, "-o: open ") {
		t.Errorf("storage get -o into a missing folder: got %d %q, want exit 2 naming -o", code, errs)
	}
}
