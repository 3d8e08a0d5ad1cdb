package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// killGrace is how long a cancelled script's process group has to exit after SIGTERM before
// what is left of it is killed. Long enough for a trap to clean up, short enough that a
// timeout or Ctrl-C ends the run promptly.
const killGrace = 2 * time.Second

// runProcess runs path with args (args[0] as written by the user) in its own process group,
// feeding its stdout and stderr to log line by line while it runs, and returns its exit code.
//
// When ctx is done the whole group gets SIGTERM, so grandchildren (a `sleep &` in the script)
// die with the shell. If the group is not gone after killGrace, os/exec kills the leader and
// closes the pipes (WaitDelay), which also bounds the wait for a grandchild that escaped the
// group but holds the pipes; then what is left of the group is killed. The error is then
// ctx's error, wrapped.
func runProcess(ctx context.Context, path string, args []string, dir string, env []string, inherit []*os.File, log *scriptLog) (int, error) {
	stdout := &lineWriter{emit: func(s string) { log.line(false, s) }, mask: log.log.masking()}
	stderr := &lineWriter{emit: func(s string) { log.line(true, s) }, mask: log.log.masking()}
	cmd := exec.CommandContext(ctx, path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.ExtraFiles = inherit
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The error is dropped: the group may already be gone, and WaitDelay is the backstop.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		return nil
	}
	cmd.WaitDelay = killGrace

	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return -1, fmt.Errorf("process not started: %w", ctx.Err())
		}
		return -1, fmt.Errorf("start %s: %w", args[0], err)
	}
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		// Members of the group that ignored SIGTERM and hold no pipe are still running. The
		// group id cannot be reused while any of them lives, so this reaches only them.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// Both pipes are drained and closed once Wait returns: no Write runs concurrently.
	stdout.flush()
	stderr.flush()

	code := -1
	if cmd.ProcessState != nil {
		code = exitCode(cmd.ProcessState)
	}
	switch {
	case ctx.Err() != nil:
		return code, fmt.Errorf("process group killed: %w", ctx.Err())
	case cmd.ProcessState == nil:
		return code, waitErr
	case errors.Is(waitErr, exec.ErrWaitDelay):
		// The script ended but a process it left in the background still held its output:
		// the run is over, what the script itself returned decides.
		return code, nil
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return code, waitErr
	}
	return code, nil
}

// exitCode returns the exit status, or 128 plus the signal number for a process killed by a
// signal, as a shell (and Kestra's Java process API) reports it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// execLookPath is exec.LookPath without its "exec: name:" prefix, which the caller's message
// already carries.
func execLookPath(file string) (string, error) {
	p, err := exec.LookPath(file)
	var e *exec.Error
	if errors.As(err, &e) {
		return "", e.Err
	}
	return p, err
}
