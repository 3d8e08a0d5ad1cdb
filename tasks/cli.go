package tasks

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CLIProps are the properties Kestra's CLI tasks (TerraformCLI, AnsibleCLI, AwsCLI) share:
// unlike the script types they take no interpreter or warningOnStdErr, each tool fixing its
// own.
type CLIProps struct {
	Commands       []string          `flow:"commands,required" doc:"the shell commands to run, rendered"`
	BeforeCommands []string          `flow:"beforeCommands" doc:"shell commands run first"`
	Env            map[string]string `flow:"env" doc:"environment variables added to the inherited environment"`
	InputFiles     map[string]string `flow:"inputFiles" doc:"files written into the working folder before the run: relative name to content, or to a kestra:// URI to copy in"`
	OutputFiles    []string          `flow:"outputFiles" doc:"globs of files of the working folder to keep in the internal storage; their kestra:// URIs are in outputs.outputFiles"`
	ContainerImage string            `flow:"containerImage,ignored" doc:"the container image; flowctl runs the tool installed on this machine"`
	TaskRunner     map[string]any    `flow:"taskRunner" doc:"the task runner; only io.kestra.plugin.core.runner.Process is used"`
	NamespaceFiles *NamespaceFiles   `flow:"namespaceFiles" doc:"files of the flow's namespace copied into the working folder first (flowctl namespace files push)"`
}

// cliUnsupported are the properties of Kestra's CLI tasks flowctl does not implement: docker
// is Kestra's deprecated container setting.
var cliUnsupported = []string{"docker"}

// exec returns the shared properties, still raw, with the tool's fixed interpreter and
// stderr rule.
func (p *CLIProps) exec(failFast *bool, warningOnStdErr bool, interpreter []string) execProps {
	return execProps{
		beforeCommands:  p.BeforeCommands,
		env:             p.Env,
		interpreter:     interpreter,
		failFast:        failFast,
		warningOnStdErr: &warningOnStdErr,
		inputFiles:      p.InputFiles,
		outputFiles:     p.OutputFiles,
		taskRunner:      p.TaskRunner,
		namespaceFiles:  p.NamespaceFiles,
	}
}

// cliTool is what a CLI task adds to a script run: the tool it needs on the PATH, the
// environment it sets, and hooks around the run. Every hook is optional.
type cliTool struct {
	// prefix names the tool's executables: a command whose first word starts with it
	// (dbt, terraform, ansible-playbook, aws) needs that executable on the PATH.
	prefix string
	// exact makes prefix the executable's whole name (az, not azcopy).
	exact bool
	// install says how to install the tool, for the error when it is missing.
	install string
	// env is set before the task's env, which may override it.
	env map[string]string
	// setup are shell lines run after the beforeCommands and the tool's check (Ansible's
	// requirements installs).
	setup []string
	// prepare writes the tool's files into the working folder once the inputFiles are
	// there (ansible.cfg, a gcloud key), or before them with prepareFirst.
	prepare func(workDir string) error
	// prepareFirst runs prepare before the namespace files and the inputFiles are written,
	// so theirs replace the tool's (DbtCLI: a profiles.yml among them wins, as in Kestra).
	prepareFirst bool
	// logLine takes a line of stdout or stderr that is not a protocol line; it reports
	// whether it logged it itself (dbt's JSON log lines).
	logLine func(stderr bool, text string) bool
	// finish runs after the process ended, failed or not, before the outputs are returned
	// (dbt's run_results.json and manifest.json); runErr is the run's error so far.
	finish func(workDir string, res *Result, runErr error) error
}

// toolExecutables returns the executables the commands run that belong to the tool: the
// first word of each command that starts with the tool's prefix, once each, in order.
func (t *cliTool) toolExecutables(commands []string) []string {
	var out []string
	for _, c := range commands {
		for _, line := range strings.Split(c, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 || !strings.HasPrefix(fields[0], t.prefix) || strings.Contains(fields[0], "=") || t.exact && fields[0] != t.prefix {
				continue
			}
			if !slices.Contains(out, fields[0]) {
				out = append(out, fields[0])
			}
		}
	}
	return out
}

// checkTool finds the tool's executables the commands run before anything starts, so a
// missing tool is named with how to install it rather than ending in a shell's "not found".
// beforeCommands may install the tool or put it on the PATH (a virtual environment's
// activate), so with them the check is a shell line run after them instead.
func (t *cliTool) checkTool(commands, beforeCommands []string, workDir, pathEnv string) (shellCheck []string, err error) {
	for _, exe := range t.toolExecutables(commands) {
		msg := fmt.Sprintf("%s not found on the PATH: %s; flowctl runs the tool installed on this machine, not a container image", exe, t.install)
		if len(beforeCommands) > 0 {
			shellCheck = append(shellCheck, fmt.Sprintf("command -v %s >/dev/null 2>&1 || { echo %s >&2; exit 127; }", shellQuote(exe), shellQuote(msg)))
			continue
		}
		if _, err := lookPath(exe, workDir, pathEnv); err != nil {
			return nil, fmt.Errorf("commands: %s", msg)
		}
	}
	return shellCheck, nil
}

// withDefaults returns env with the entries of defaults it does not set.
func withDefaults(env, defaults map[string]string) map[string]string {
	if len(defaults) == 0 {
		return env
	}
	out := maps.Clone(defaults)
	maps.Copy(out, env)
	return out
}

// runCLI renders the commands and runs them as a script does, with the tool's setup.
func runCLI(ctx context.Context, tc *Context, raw execProps, commands []string, tool *cliTool) (Result, error) {
	rendered, err := renderCommands(tc, commands)
	if err != nil {
		return Result{}, err
	}
	return runScript(ctx, tc, raw, scriptBody{commands: rendered, tool: tool})
}
