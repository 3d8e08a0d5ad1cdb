package tasks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// killGrace is how long a cancelled script's processes have to exit after SIGTERM before
// what is left of them is killed. Long enough for a trap to clean up, short enough that a
// timeout or Ctrl-C ends the run promptly.
const killGrace = 2 * time.Second

// runProcess runs path with args (args[0] as written by the user) in its own process group,
// feeding its stdout and stderr to log line by line while it runs, in the order they are read
// (see outputReader), and returns its exit code.
//
// When ctx is done the task's processes get SIGTERM: the group, so grandchildren (a `sleep &`
// in the script) die with the shell, and on Linux every other process descending from the
// script, found through /proc (see taskTree), so one that left the group (`setsid`) dies too.
// If the group is not gone after killGrace, os/exec kills the leader (WaitDelay); the output
// is waited for killGrace more, which also bounds the wait for a process that escaped but
// holds the pipes; then what is left of the tree is killed. The error is then ctx's error,
// wrapped.
func runProcess(ctx context.Context, path string, args []string, dir string, env []string, inherit []*os.File, log *scriptLog) (int, error) {
	stdout, stderr := log.writers()
	out, outW, errW, err := newOutputReader(stdout, stderr, log.log.Batch)
	if err != nil {
		return -1, fmt.Errorf("output pipes: %w", err)
	}
	cmd := exec.CommandContext(ctx, path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Dir = dir
	cmd.Env = env
	// Files, not writers: os/exec would copy each from a goroutine of its own.
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.ExtraFiles = inherit
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	tree := &taskTree{}
	cmd.Cancel = func() error {
		// Nothing to report: the processes may already be gone, and WaitDelay is the backstop.
		// cmd.Process is set before os/exec calls Cancel.
		tree.terminate(cmd.Process.Pid)
		return nil
	}
	cmd.WaitDelay = killGrace

	startErr := startChild(cmd)
	// The child has its copies (or none): the streams end when the last process holding
	// them does.
	outW.Close()
	errW.Close()
	out.start()
	if startErr != nil {
		out.close()
		if ctx.Err() != nil {
			return -1, fmt.Errorf("process not started: %w", ctx.Err())
		}
		return -1, fmt.Errorf("start %s: %w", args[0], startErr)
	}
	tree.init(cmd.Process.Pid)
	waitErr := waitChild(cmd)
	// A process the script left in the background may hold its output: the run is over
	// once the script ended and its output is read, or killGrace after it ended.
	drained := out.wait(killGrace)
	if ctx.Err() != nil {
		// What ignored SIGTERM, or forked since, or held no pipe and so was not waited for.
		tree.kill()
	}
	if drained {
		out.close()
	} else {
		out.stop()
	}
	// The reader has returned: no Write runs concurrently.
	stdout.flush()
	stderr.flush()

	code := -1
	if cmd.ProcessState != nil {
		code = exitCode(cmd.ProcessState)
	}
	switch {
	case ctx.Err() != nil:
		return code, fmt.Errorf("processes killed: %w", ctx.Err())
	case cmd.ProcessState == nil:
		return code, waitErr
	case errors.Is(waitErr, exec.ErrWaitDelay):
		return code, nil
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return code, waitErr
	}
	return code, nil
}

// children counts the processes flowctl started and has not waited for yet, by pid. Its lock
// is held while one starts, so that reapOrphans, which takes the same lock, never waits for
// a process os/exec is about to wait for. Process-wide because what it mirrors is: a
// process's children, and the reaper that waits for any of them, belong to the whole
// process, not to a task or an execution.
var children = struct {
	sync.Mutex
	started map[int]int
}{started: map[int]int{}}

// startChild starts cmd and counts it among the children.
func startChild(cmd *exec.Cmd) error {
	adopt()
	children.Lock()
	defer children.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	children.started[cmd.Process.Pid]++
	return nil
}

// waitChild waits for cmd, a child startChild started, then reaps the orphans its exit
// status may have hidden from reapOrphans.
func waitChild(cmd *exec.Cmd) error {
	err := cmd.Wait()
	children.Lock()
	pid := cmd.Process.Pid
	if children.started[pid]--; children.started[pid] <= 0 {
		delete(children.started, pid)
	}
	children.Unlock()
	reapOrphans()
	return err
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
