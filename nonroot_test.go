package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// nobody is the user the tests below run flowctl as when they run as root.
const nobody = 65534

// unprivileged prepares a folder where flowctl can run as a user that permissions apply to:
// the tests' own user when it is not root, else nobody through setpriv (root ignores file
// permissions, which hides what these tests look for). It returns the folder (with a copy
// of flowctl, and tmp and state folders that user owns) and the command prefix to run as
// that user. It skips the test when there is no way to drop privileges.
func unprivileged(t *testing.T) (dir string, prefix []string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "flowctl-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The test binary is flowctl when named so (see TestMain); the one testscript installs
	// is in a folder only root may enter.
	copyFile(t, self, filepath.Join(dir, "flowctl"), 0o755)
	// The state folder is private, as flowctl makes it (a more open one gets a warning).
	for sub, perm := range map[string]os.FileMode{"tmp": 0o755, "state": 0o700} {
		if err := os.Mkdir(filepath.Join(dir, sub), perm); err != nil {
			t.Fatal(err)
		}
	}
	if os.Geteuid() != 0 {
		return dir, nil
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root without setpriv (util-linux): no way to run flowctl as a user permissions apply to")
	}
	prefix = []string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}
	if out, err := exec.Command(prefix[0], append(prefix[1:], "true")...).CombinedOutput(); err != nil {
		t.Skipf("cannot run as uid %d: %v %s", nobody, err, out)
	}
	for _, sub := range []string{"tmp", "state"} {
		if err := os.Chown(filepath.Join(dir, sub), nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	return dir, prefix
}

func copyFile(t *testing.T, from, to string, perm os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// runUnprivileged runs `flowctl run` on flow (YAML text) in dir as prepared by unprivileged,
// with TMPDIR and the state in dir, and returns its stdout, stderr and exit code.
func runUnprivileged(t *testing.T, dir string, prefix []string, flow string) (string, string, int) {
	t.Helper()
	file := filepath.Join(dir, "flow.yml")
	if err := os.WriteFile(file, []byte(flow), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(prefix, filepath.Join(dir, "flowctl"), "run", file)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FLOWCTL_TIMESTAMPS=false", "TMPDIR="+filepath.Join(dir, "tmp"),
		"FLOWCTL_STATE="+filepath.Join(dir, "state", "state.db"), "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// TestReadOnlyFoldersAreRemoved: a task that leaves read-only folders in its working folder
// (a Go module cache, `chmod -R a-w`) leaves nothing behind in $TMPDIR, as any user.
func TestReadOnlyFoldersAreRemoved(t *testing.T) {
	dir, prefix := unprivileged(t)
	stdout, stderr, code := runUnprivileged(t, dir, prefix, `
id: readonly
namespace: dev
tasks:
  - id: cache
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - mkdir -p cache/mod/v1 && echo x > cache/mod/v1/f && chmod -R a-w cache
  - id: unreadable
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - mkdir -p locked/in && echo x > locked/in/f && chmod 0 locked/in locked
  - id: self
    type: io.kestra.plugin.scripts.shell.Commands
    outputFiles: [f]
    commands:
      - echo kept > f && chmod -R a-w .
  - id: read
    type: io.kestra.plugin.scripts.shell.Commands
    inputFiles:
      f: "{{ outputs.self.outputFiles.f }}"
    commands:
      - cat f
`)
	if code != 0 {
		t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr: got %q, want nothing", stderr)
	}
	if !regexp.MustCompile(`(?m)^\[read\] +INFO  kept$`).MatchString(stdout) {
		t.Errorf("stdout: got %q, want the file kept by outputFiles read by the next task", stdout)
	}
	left, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("$TMPDIR after the run: got %v, want it empty", left)
	}
}

// TestFolderLeftBehindIsSaid: what still cannot be removed (here the task took write
// permission away from $TMPDIR itself, which flowctl does not change) is said on stderr.
func TestFolderLeftBehindIsSaid(t *testing.T) {
	dir, prefix := unprivileged(t)
	tmp := filepath.Join(dir, "tmp")
	t.Cleanup(func() { os.Chmod(tmp, 0o755) })
	stdout, stderr, code := runUnprivileged(t, dir, prefix, `
id: parent
namespace: dev
tasks:
  - id: lock
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - chmod a-w "$TMPDIR"
`)
	if code != 0 {
		t.Fatalf("exit code: got %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	want := regexp.MustCompile(`(?m)^flowctl: warning: working folders of execution [0-9A-Za-z]{22} not removed: .*permission denied \(remove ` +
		regexp.QuoteMeta(tmp) + `/flowctl-[0-9A-Za-z]{22} by hand\)$`)
	if !want.MatchString(stderr) {
		t.Errorf("stderr: got %q, want a line matching %s", stderr, want)
	}
}
