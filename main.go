// Command flowctl runs Kestra-style flow files on one machine.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	// Schedule triggers name IANA time zones: the binary carries them, so it needs no
	// tzdata package on the machine (a slim container, a CI image).
	_ "time/tzdata"

	"github.com/flowctl/flowctl/cmd"
	"github.com/flowctl/flowctl/tasks"
)

func main() {
	os.Exit(run())
}

// softMemoryLimit is where the garbage collector starts working harder: a run holding
// megabytes of outputs (8 MiB per task run at most) stays well inside 64 MiB instead of
// letting its heap double between collections. A run that holds little never reaches it.
const softMemoryLimit = 32 << 20

// run is the whole program; the end-to-end tests run it as the flowctl command.
func run() int {
	if os.Getenv("GOMEMLIMIT") == "" { // the user's own limit wins
		debug.SetMemoryLimit(softMemoryLimit)
	}
	// A task's process whose parent exits becomes flowctl's child, not init's, so a timeout
	// or an interrupt still finds it (Linux, from the first task process on; elsewhere a
	// no-op).
	tasks.AdoptOrphans()
	return cmd.MainInterruptible(context.Background(), os.Args[1:], cmd.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, interruptible)
}

// interruptible is the context of the commands that touch the state or run tasks: SIGINT
// and SIGTERM cancel it, so the running task's processes are killed and the execution ends
// KILLED (exit 130) instead of the process dying mid-record, and a wait for the state lock
// ends at once. The commands that need neither (version, help, completion, schema) never
// call it. It is not stopped: the process exits when the command ends.
//
// Setting up the handler takes the runtime a thread and a few hand-offs with it, so it is
// done beside the command's first steps (loading the flow) rather than before them; whoever
// asks the context whether it is done waits until the handler is in place, so no interrupt
// is missed from then on.
func interruptible(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	go func() {
		signals := make(chan os.Signal, 1)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		close(ready)
		<-signals
		// Later interrupts are caught too and left unread: the first one ends the command
		// cleanly, a second must not kill it mid-record.
		cancel()
	}()
	return &handledContext{Context: ctx, ready: ready}
}

// handledContext is a context whose Done and Err first wait until its signal handler is in
// place.
type handledContext struct {
	context.Context
	ready chan struct{}
}

func (c *handledContext) Done() <-chan struct{} {
	<-c.ready
	return c.Context.Done()
}

func (c *handledContext) Err() error {
	<-c.ready
	return c.Context.Err()
}
