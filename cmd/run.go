package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// runOptions are the flags of `flowctl run`.
type runOptions struct {
	execOptions
	file   string
	dryRun bool
}

func newRunCmd(f *factory) *cobra.Command {
	o := &runOptions{}
	c := &cobra.Command{
		Use:   "run FILE",
		Short: "Run a flow file",
		Long: `Run the flow in FILE ("-" reads it from stdin): its tasks in sequence, then its errors tasks if one failed,
then its finally tasks. The execution is recorded in the state, and the Flow triggers of
applied flows that it fires run after it. Exit 0 on SUCCESS or WARNING, 1 on FAILED, 2 when
the flow is invalid, 3 on WARNING with --fail-on-warning, 130 when interrupted.`,
		Example: `  flowctl run flow.yml
  flowctl run deploy.yml -i env=prod -i replicas=3
  flowctl run flow.yml -o json | jq .state.current
  generate-flow | flowctl run -`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.file = args[0]
			return runRun(c.Context(), f, o)
		},
	}
	addExecFlags(c, &o.execOptions, execFlagHelp{
		input:      "flow input `KEY=VALUE` (repeatable)",
		timeout:    "fail the execution when it runs longer than `DURATION` (ISO-8601 like PT10M, or 10m): the running task is killed, errors and finally still run",
		timestamps: "prefix each log line with its time: true or false (default: true when the output is not a terminal; $FLOWCTL_TIMESTAMPS sets the default)",
		junit:      "write a JUnit XML report of the execution to `FILE` (GitLab, Jenkins, GitHub test reporters)",
	})
	c.Flags().BoolVar(&o.dryRun, "dry-run", false, "print every task with its properties rendered as far as they can be before the run (secrets masked); run nothing, record nothing")
	return c
}

func runRun(ctx context.Context, fac *factory, o *runOptions) error {
	s := fac.Streams
	given, timeout, human, err := o.parse(s)
	if err != nil {
		return err
	}
	f, err := loadFlow(s, o.file, fac.registry(), human)
	if err != nil {
		return err
	}
	if f.Disabled {
		return usageErrorf("%s: flow %s.%s is disabled (disabled: true): nothing was run", o.file, f.Namespace, f.ID)
	}
	kv := &inputsKV{open: func() (*state.Store, error) { return fac.openState(ctx, o.state, true) }}
	values, secrets, err := flow.ParseInputs(f, given, flow.WithKV(kv.get))
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	if o.dryRun {
		return writePlan(s, o, f, values, secrets)
	}
	// The execution is recorded KILLED after the signal that kills it: the state outlives it.
	store, err := fac.openState(context.WithoutCancel(ctx), o.state, false)
	if err != nil {
		return err
	}

	svc := fac.service(store, o.noColor)
	svc.Timeout = timeout
	for _, w := range f.Warnings {
		fmt.Fprintf(s.Err, "flowctl: warning: %s\n", w)
	}
	pal := report.NewPalette(colorEnabled(human, o.noColor))
	ciSystem, _ := tasks.CIJob(os.Environ())
	stamps, err := timestampsFlag(o.timestamps, human)
	if err != nil {
		return err
	}
	text := report.NewTextSink(human, pal, f).Live(liveTerminal(human, o.noColor, ciSystem), stamps)
	sink := report.NewCISink(text, human, ciSystem, f, ciPath(o.file))
	x, err := svc.Run(ctx, f, service.RunOptions{Inputs: values, Secrets: secrets, Revision: svc.AppliedRevision(f), Sink: sink})
	text.Close()
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	return o.report(ctx, s, finished{x: x, svc: svc, human: human, pal: pal, ciSystem: ciSystem, retried: true})
}

// ciPath is the flow file as a CI system names files in annotations: relative to the
// checkout (GITHUB_WORKSPACE) when it is inside it, else as given; "" for stdin.
func ciPath(file string) string {
	if file == "-" {
		return "" // stdin: no file in the checkout to point at
	}
	ws := os.Getenv("GITHUB_WORKSPACE")
	abs, err := filepath.Abs(file)
	if ws == "" || err != nil {
		return filepath.ToSlash(file)
	}
	if rel, err := filepath.Rel(ws, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(file)
}

// writeStepSummary appends the execution's Markdown summary to the GitHub job summary, when
// the job has one. A summary that cannot be written is a warning: the run itself happened.
func writeStepSummary(s Streams, x *runner.Execution) {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		err = report.WriteMarkdownSummary(f, x)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(s.Err, "flowctl: warning: job summary not written: %v\n", err)
	}
}

// exitCode maps the final state of the execution to the contract's exit code.
func exitCode(state string, failOnWarning bool) int {
	switch state {
	case runner.StateSuccess, runner.StateCancelled:
		return ExitOK
	case runner.StateWarning:
		if failOnWarning {
			return ExitWarning
		}
		return ExitOK
	case runner.StateKilled:
		return ExitInterrupted
	default:
		return ExitFailed
	}
}

// loadFlow loads a flow; a flow with problems prints them all on stderr and ends with exit 2,
// and under GitHub Actions annotates the file with them on ci (nil: nowhere). The path "-"
// reads the flow from stdin (`generate-flow | flowctl run -`), named <stdin>.
func loadFlow(s Streams, path string, reg tasks.Registry, ci io.Writer) (*flow.Flow, error) {
	var (
		f   *flow.Flow
		err error
	)
	if path == "-" {
		f, err = parseStdin(s, reg)
	} else {
		f, err = flow.Load(path, reg)
	}
	if err == nil {
		// Kestra runs a flow whose templates read what it lacks (they fail as they render):
		// so does run, having said so.
		for _, p := range f.RefProblems {
			fmt.Fprintf(s.Err, "flowctl: warning: %s\n", p.Error())
		}
		return f, nil
	}
	var le *flow.LoadError
	if errors.As(err, &le) {
		fmt.Fprintln(s.Err, le.Explain())
		annotateLoadError(ci, path, le)
		return nil, silentExit(ExitUsage)
	}
	return nil, &exitError{code: ExitUsage, err: err}
}

// annotateLoadError writes le's problems as GitHub Actions annotations on w when the job
// runs there.
func annotateLoadError(w io.Writer, path string, le *flow.LoadError) {
	if w == nil {
		return
	}
	if system, _ := tasks.CIJob(os.Environ()); system == tasks.CIGitHub {
		report.WriteLoadAnnotations(w, ciPath(path), le.Problems)
	}
}

// timestampsVar names the environment variable that sets --timestamps' default.
const timestampsVar = "FLOWCTL_TIMESTAMPS"

// timestampsFlag decides whether log lines carry their time: the flag when given, else
// $FLOWCTL_TIMESTAMPS, else on when w is not a terminal (a pipe, a file, a CI log: read later,
// when the time is what a terminal's watcher saw).
func timestampsFlag(flag string, w io.Writer) (bool, error) {
	v, from := flag, "--timestamps"
	if v == "" {
		v, from = os.Getenv(timestampsVar), "$"+timestampsVar
	}
	if v == "" {
		return !isTerminal(w), nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, usageErrorf("invalid %s %q: use true or false", from, v)
	}
	return b, nil
}

// liveTerminal says whether w gets the live status line: only a terminal, never in CI, never
// with colour turned off (NO_COLOR, TERM=dumb, --no-color: a terminal that wants plain text).
func liveTerminal(w io.Writer, noColor bool, ciSystem string) bool {
	return ciSystem == "" && os.Getenv("CI") == "" && colorEnabled(w, noColor)
}

// writePlan prints what `run --dry-run` would run: each task, under its flowable, with its
// properties rendered against the inputs, flow, vars, envs and secrets (masked); a property
// that needs what only the run makes (outputs, taskrun.value) is shown as written.
func writePlan(s Streams, o *runOptions, f *flow.Flow, values map[string]any, secrets []string) error {
	m := runner.NewMasker()
	for _, v := range secrets {
		m.Add(v)
	}
	plan := runner.Plan(f, runner.PlanOptions{Inputs: values, Masker: m})
	if o.output == "json" {
		return report.WriteJSON(s.Out, plan)
	}
	report.WritePlan(s.Out, report.NewPalette(colorEnabled(s.Out, o.noColor)), f, plan)
	return nil
}

// stdinName names a flow read from stdin in messages.
const stdinName = "<stdin>"

// parseStdin reads a flow from stdin, bounded as a file is.
func parseStdin(s Streams, reg tasks.Registry) (*flow.Flow, error) {
	if s.In == nil {
		return nil, usageErrorf("no flow on stdin")
	}
	src, err := io.ReadAll(io.LimitReader(s.In, flow.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stdinName, err)
	}
	return flow.Parse(stdinName, src, reg)
}

// parseInputFlags reads -i KEY=VALUE flags.
func parseInputFlags(flags []string) (map[string]string, error) {
	given := map[string]string{}
	for _, kv := range flags {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("invalid input %q: use -i KEY=VALUE", kv)
		}
		if _, dup := given[k]; dup {
			return nil, usageErrorf("input %q is given twice", k)
		}
		given[k] = v
	}
	return given, nil
}

// inputsKV is the KV store as the templates of the inputs read it (a SELECT's expression):
// the state is opened read-only on the first kv() (a Store holds the file only while a
// method runs). A flow whose inputs read no key never opens it here, so a mistake in the
// inputs is found without a state, and a dry run needs none.
type inputsKV struct {
	open  func() (*state.Store, error)
	store *state.Store
	err   error
}

func (k *inputsKV) get(ns, key string) (any, bool, error) {
	if k.store == nil && k.err == nil {
		k.store, k.err = k.open()
	}
	if k.err != nil {
		return nil, false, k.err
	}
	return runner.KVLookup(runner.KV(k.store))(ns, key)
}
