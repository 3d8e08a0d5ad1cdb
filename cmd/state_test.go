package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A state command waiting for the lock ends when its context does (SIGINT, SIGTERM): exit
// 130, saying so.
func TestStateWaitInterruptedExits130(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var out, errs bytes.Buffer
	s := Streams{In: strings.NewReader(""), Out: &out, Err: &errs}
	if code := Main(context.Background(), []string{"executions", "prune", "--keep", "1", "--state", path}, s); code != 0 {
		t.Fatalf("prune on a new state: exit %d, %s", code, errs.String())
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs.Reset()
	done := make(chan int)
	go func() { done <- Main(ctx, []string{"executions", "prune", "--keep", "1", "--state", path}, s) }()
	cancel()
	code := <-done
	if code != ExitInterrupted || !strings.Contains(errs.String(), "interrupted") {
		t.Errorf("got exit %d, %q; want 130 and the interruption said", code, errs.String())
	}
}

func TestWarnOpenModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "it's mine")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	warnOpenModes(&w, path)
	if w.Len() != 0 {
		t.Errorf("0700 folder, 0600 file: got %q, want no warning", w.String())
	}
	os.Chmod(path, 0o640)
	os.Chmod(dir, 0o750)
	warnOpenModes(&w, path)
	want := "flowctl: warning: state file " + path + " has mode 0640, open to other users: chmod 600 '" + strings.ReplaceAll(path, "'", `'\''`) + "'\n" +
		"flowctl: warning: state folder " + dir + " has mode 0750, open to other users: chmod 700 '" + strings.ReplaceAll(dir, "'", `'\''`) + "'\n"
	if w.String() != want {
		t.Errorf("got\n%s\nwant\n%s", w.String(), want)
	}
	// A shared folder with the sticky bit (/tmp): the file's own mode keeps others out.
	w.Reset()
	os.Chmod(path, 0o600)
	os.Chmod(dir, 0o777|os.ModeSticky)
	warnOpenModes(&w, path)
	if w.Len() != 0 {
		t.Errorf("sticky folder: got %q, want no warning", w.String())
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/flowctl-state":  "/tmp/flowctl-state",
		"a_b.c:d@e%f+g=h,i-j": "a_b.c:d@e%f+g=h,i-j",
		"my state":            "'my state'",
		"it's":                `'it'\''s'`,
		"":                    "''",
		"$HOME":               "'$HOME'",
		"été":                 "'été'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q): got %s, want %s", in, got, want)
		}
	}
}
