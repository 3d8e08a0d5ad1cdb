// Package cmd is flowctl's command line: one file per command, each an options struct and a
// run function, all writing to explicit Streams so tests can drive them with buffers.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/runner/state"
)

// Version is flowctl's version, set at build time with
// -ldflags "-X github.com/flowctl/flowctl/cmd.Version=v1.2.3".
var Version = ""

// Exit codes of the contract.
const (
	ExitOK          = 0   // SUCCESS, or WARNING without --fail-on-warning; other commands: done
	ExitFailed      = 1   // the execution ended FAILED
	ExitUsage       = 2   // usage error, invalid flow, unreadable state: nothing was run
	ExitWarning     = 3   // WARNING with --fail-on-warning
	ExitInterrupted = 130 // SIGINT/SIGTERM: the execution is KILLED
)

// Streams are the standard streams a command reads and writes.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// exitError carries an exit code out of a command. Its message, when not empty, is printed
// on stderr as "flowctl: <message>".
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is an exit-2 error: bad flags, an invalid flow, nothing was run.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// silentExit ends with code, its message already printed.
func silentExit(code int) error { return &exitError{code: code} }

// Main runs flowctl with args and returns the process exit code. Every command runs under
// ctx.
func Main(ctx context.Context, args []string, s Streams) int {
	return MainInterruptible(ctx, args, s, nil)
}

// MainInterruptible is Main for the program: the commands that touch the state or run
// tasks run under interruptible(ctx) instead (the program's cancels on SIGINT and SIGTERM),
// made when one of them starts; the others (see calm) never call it.
func MainInterruptible(ctx context.Context, args []string, s Streams, interruptible func(context.Context) context.Context) int {
	f := newFactory(s)
	f.interruptible = interruptible
	root := newRootFor(f, args)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(s.Err, "flowctl: %v\n", ee.err)
		}
		if errors.Is(ee.err, state.ErrInterrupted) {
			// A signal ended a wait for the state or a long operation on it.
			return ExitInterrupted
		}
		return ee.code
	}
	// Anything cobra itself reports is about the command line.
	fmt.Fprintf(s.Err, "flowctl: %v\nRun 'flowctl --help' for usage.\n", err)
	return ExitUsage
}

// newRoot is the whole command tree on the factory f: the one place the commands get their
// registry, state and clock from.
func newRoot(f *factory) *cobra.Command { return newRootFor(f, nil) }

// newRootFor is the command tree for args. When the first argument names a command, the
// root holds that command alone: a run builds no flags, help texts or completions of the
// others (a third of `flowctl version` above the package initialisation). Anything else (no
// command, a flag first, help, completion, a mistyped name to suggest for) gets the whole
// tree.
func newRootFor(f *factory, args []string) *cobra.Command {
	s := f.Streams
	root := &cobra.Command{
		Use:   "flowctl",
		Short: "Run Kestra-style flow files on one machine",
		Long: `flowctl runs Kestra flow files on one machine: in a CI step, from cron, or by hand.
The same YAML runs unchanged on a Kestra server.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
	}
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetIn(s.In)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	root.PersistentPreRun = func(c *cobra.Command, _ []string) {
		if f.interruptible != nil && !calm(c) {
			c.SetContext(f.interruptible(c.Context()))
		}
	}
	all := commands()
	if len(args) > 0 {
		for _, c := range all {
			if slices.Contains(c.names, args[0]) {
				root.AddCommand(c.make(f))
				return root
			}
		}
	}
	for _, c := range all {
		root.AddCommand(c.make(f))
	}
	registerCompletions(root, f)
	return root
}

// command is one command under the root: the names that call it (its name, then its
// aliases) and its constructor.
type command struct {
	names []string
	make  func(*factory) *cobra.Command
}

// commands lists the commands under the root.
func commands() []command {
	return []command{
		{[]string{"run"}, newRunCmd},
		{[]string{"validate"}, newValidateCmd},
		{[]string{"flow"}, newFlowCmd},
		{[]string{"executions", "execution", "exec"}, newExecutionsCmd},
		{[]string{"kv"}, newKVCmd},
		{[]string{"namespace"}, newNamespaceCmd},
		{[]string{"storage"}, newStorageCmd},
		{[]string{"scheduler"}, newSchedulerCmd},
		{[]string{"webhook"}, newWebhookCmd},
		{[]string{"state"}, func(f *factory) *cobra.Command { return newStateCmd(f.Streams) }},
		{[]string{"slack-sink"}, func(f *factory) *cobra.Command { return newSlackSinkCmd(f.Streams) }},
		{[]string{"schema"}, newSchemaCmd},
		{[]string{"version"}, func(f *factory) *cobra.Command { return newVersionCmd(f.Streams) }},
	}
}

// calm tells the commands that touch no state and run no task (version, help, completion,
// schema): an interrupt may end them at once, as it ends any program, so they start no
// signal handling.
func calm(c *cobra.Command) bool {
	for c.HasParent() && c.Parent().HasParent() {
		c = c.Parent() // the command under the root: "completion" for "completion bash"
	}
	switch c.Name() {
	case "version", "help", "completion", "schema", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	return false
}

// version is the build's version: the ldflags one, else the module's, else "dev".
func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// userAgent is what tasks that call out over HTTP send.
func userAgent() string { return "flowctl/" + version() }

func newVersionCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print flowctl's version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(s.Out, "flowctl %s\n", version())
			return nil
		},
	}
}

// colorEnabled decides colour for one stream: only on a terminal, never with NO_COLOR set
// to a value that is not empty (no-color.org: an empty NO_COLOR does not count, as for
// fatih/color), TERM=dumb or --no-color.
func colorEnabled(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// outputFlag validates -o.
func outputFlag(o string) error {
	if o != "text" && o != "json" {
		return usageErrorf("invalid --output %q: use text or json", o)
	}
	return nil
}
