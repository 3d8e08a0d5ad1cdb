package tasks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/internal/units"
)

// ScriptProps are the properties of the Script types (shell.Script and python.Script).
type ScriptProps struct {
	Script string `flow:"script,required" doc:"the script to run, rendered"`
	ProcessProps
}

// CommandsProps are the properties of the Commands types (shell.Commands and python.Commands).
type CommandsProps struct {
	Commands []string `flow:"commands,required" doc:"the shell commands to run, rendered"`
	ProcessProps
}

// ProcessProps are the properties every script type shares: how the process is started and
// what it is given and keeps. The loader reads them as the embedding type's own properties.
type ProcessProps struct {
	BeforeCommands  []string          `flow:"beforeCommands" doc:"shell commands run first"`
	Env             map[string]string `flow:"env" doc:"environment variables added to the inherited environment"`
	Interpreter     []string          `flow:"interpreter" doc:"the command the script line is handed to (default [\"/bin/sh\", \"-c\"])"`
	FailFast        *bool             `flow:"failFast" doc:"stop at the first failing command: set -e (default true)"`
	WarningOnStdErr *bool             `flow:"warningOnStdErr" doc:"end WARNING when anything was written to stderr (default true)"`
	InputFiles      map[string]string `flow:"inputFiles" doc:"files written into the working folder before the run: relative name to content, or to a kestra:// URI to copy in"`
	OutputFiles     []string          `flow:"outputFiles" doc:"globs of files of the working folder to keep in the internal storage; their kestra:// URIs are in outputs.outputFiles"`
	ContainerImage  string            `flow:"containerImage,ignored" doc:"the container image; flowctl runs scripts as local processes"`
	TaskRunner      map[string]any    `flow:"taskRunner" doc:"the task runner; only io.kestra.plugin.core.runner.Process is used"`
	NamespaceFiles  *NamespaceFiles   `flow:"namespaceFiles" doc:"files of the flow's namespace copied into the working folder first (flowctl namespace files push)"`
}

// scriptUnsupported are the properties Kestra's script types have that flowctl does not
// implement (docker and runner are Kestra's deprecated container settings).
var scriptUnsupported = []string{"docker", "outputDirectory", "runner", "targetOS"}

// pythonUnsupported adds the Python types' choice of package manager and of interpreter
// version: flowctl installs dependencies with the pip of the python3 on the PATH.
var pythonUnsupported = append(slices.Clip(scriptUnsupported), "packageManager", "pythonVersion", "uvAutoInstallEnabled", "uvInstallerVersion", "uvInstallerSha256")

// processRunner is the one Kestra task runner flowctl implements.
const processRunner = "io.kestra.plugin.core.runner.Process"

// defaultInterpreter is Kestra's default interpreter.
var defaultInterpreter = []string{"/bin/sh", "-c"}

// execProps are the properties every script type shares, still raw.
type execProps struct {
	beforeCommands  []string
	env             map[string]string
	interpreter     []string
	failFast        *bool
	warningOnStdErr *bool
	inputFiles      map[string]string
	outputFiles     []string
	taskRunner      map[string]any
	namespaceFiles  *NamespaceFiles
}

// exec returns the shared properties, still raw.
func (p *ProcessProps) exec() execProps {
	return execProps{p.BeforeCommands, p.Env, p.Interpreter, p.FailFast, p.WarningOnStdErr, p.InputFiles, p.OutputFiles, p.TaskRunner, p.NamespaceFiles}
}

// scriptBody is what a script type runs after its beforeCommands: shell commands, or (for
// python.Script) a Python script run from a file.
type scriptBody struct {
	commands []string    // rendered shell commands
	python   string      // rendered Python script; "" unless python.Script
	script   bool        // commands holds a shell Script's script: errors name "script"
	isPython bool        // a Python type: Python's environment variables are set
	deps     *PythonDeps // a Python type's dependencies, installed into a virtual environment first
	tool     *cliTool    // a CLI task's tool (dbt, terraform...): its check, environment and hooks
}

// renderScript renders the script property of a Script type, which must not be empty.
func renderScript(tc *Context, script string) (string, error) {
	s, err := tc.render("script", script)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", errors.New("script: is empty")
	}
	return s, nil
}

// renderCommands renders the commands property of a Commands type, which must not be empty.
func renderCommands(tc *Context, commands []string) ([]string, error) {
	if len(commands) == 0 {
		return nil, errors.New("commands: at least one command is required")
	}
	return tc.renderList("commands", commands)
}

// workingFolder returns the run's working folder: the runner's when it lends one, else a new
// one under tc.TempDir that the caller removes.
func workingFolder(tc *Context) (string, error) {
	if tc.WorkDir != nil {
		return tc.WorkDir()
	}
	return os.MkdirTemp(tc.TempDir, "flowctl-"+tc.TaskID+"-*")
}

// runScript runs one script task as a local process, as Kestra's Process task runner does.
//
// The working folder is a fresh folder under tc.TempDir, removed when the run ends. As in
// Kestra, inputFiles whose value is a kestra:// URI are copied in from the internal storage,
// and the files outputFiles match are stored there: outputs.outputFiles maps each relative
// path to its kestra:// URI.
func runScript(ctx context.Context, tc *Context, raw execProps, body scriptBody) (Result, error) {
	warnTaskRunner(tc, raw.taskRunner)
	p, err := renderExec(tc, raw)
	if err != nil {
		return Result{}, err
	}

	workDir, err := workingFolder(tc)
	if err != nil {
		return Result{}, fmt.Errorf("working folder: %w", err)
	}
	if tc.WorkDir == nil {
		defer func() {
			if err := RemoveAll(workDir); err != nil {
				tc.Log.Warnf("working folder not removed: %v", err)
			}
		}()
	}
	outputDir := filepath.Join(workDir, "outputs")
	if err := os.MkdirAll(outputDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("working folder: %w", err)
	}
	tool := body.tool
	if tool == nil {
		tool = &cliTool{}
	}
	prepare := func() error {
		if tool.prepare == nil {
			return nil
		}
		return tool.prepare(workDir)
	}
	if tool.prepareFirst {
		if err := prepare(); err != nil {
			return Result{}, err
		}
	}
	// As Kestra's CommandsWrapper: the namespace's files first, the inputFiles over them.
	if _, err := CopyNamespaceFiles(tc, workDir, raw.namespaceFiles); err != nil {
		return Result{}, err
	}
	if err := writeInputFiles(tc, workDir, p.inputFiles); err != nil {
		return Result{}, err
	}
	if body, err = localizeBody(tc, workDir, body); err != nil {
		return Result{}, err
	}
	if !tool.prepareFirst {
		if err := prepare(); err != nil {
			return Result{}, err
		}
	}

	env := scriptEnv(tc.Environ, withDefaults(p.env, tool.env), body.isPython, workDir, outputDir)
	deps, cacheDeps, err := body.deps.render(tc)
	if err != nil {
		return Result{}, err
	}
	if len(deps) > 0 {
		venv, err := setupPythonEnv(ctx, tc, env, workDir, deps, cacheDeps)
		if err != nil {
			return Result{}, err
		}
		defer venv.cleanup()
		env = venvEnv(env, venv.dir)
	}

	// Checked before starting so a missing interpreter is named as such, not reported as a
	// shell's "not found" exit code 127.
	interpPath, err := lookPath(p.interpreter[0], workDir, envValue(env, "PATH"))
	if err != nil {
		return Result{}, fmt.Errorf("interpreter %q not found: %v (install it or set interpreter)", p.interpreter[0], err)
	}

	var toolCheck []string
	if body.tool != nil {
		if toolCheck, err = tool.checkTool(slices.Concat(tool.setup, body.commands), p.beforeCommands, workDir, envValue(env, "PATH")); err != nil {
			return Result{}, err
		}
	}

	lines := slices.Concat(p.beforeCommands, toolCheck, tool.setup)
	if p.failFast {
		lines = slices.Insert(lines, 0, "set -e")
	}
	scriptFile := ""
	if body.python != "" {
		if _, err := lookPath("python3", workDir, envValue(env, "PATH")); err != nil {
			return Result{}, fmt.Errorf("python3 not found: %v (install Python 3, or put it on the PATH)", err)
		}
		if scriptFile, err = writeScriptFile(workDir, body.python); err != nil {
			return Result{}, err
		}
		// In a WorkingDirectory's shared folder the next tasks must not find it.
		defer os.Remove(scriptFile)
		lines = append(lines, "python3 "+shellQuote(scriptFile))
	} else {
		lines = append(lines, body.commands...)
	}

	args := append(slices.Clone(p.interpreter), strings.Join(lines, "\n"))
	out := newScriptLog(tc.Log)
	out.hook = tool.logLine
	code, runErr := runProcess(ctx, interpPath, args, workDir, env, tc.Inherit, out)
	if runErr == nil {
		runErr = out.err // outputs too large: the task fails, whatever the script returned
	}

	outputs := map[string]any{"exitCode": code, "vars": out.vars}
	res := Result{Outputs: outputs, Metrics: out.metrics}
	if raw.outputFiles != nil {
		files, err := keepOutputFiles(tc, workDir, p.outputFiles, scriptFile)
		outputs["outputFiles"] = files
		if err != nil && runErr == nil {
			runErr = err
		}
	}
	if tool.finish != nil {
		if err := tool.finish(workDir, &res, runErr); err != nil && runErr == nil {
			runErr = err
		}
	}
	switch {
	case runErr != nil:
		return res, runErr
	case code != 0:
		return res, fmt.Errorf("Command failed with exit code %d", code)
	}
	if p.warningOnStdErr && out.stderrLines > 0 {
		res.Warning = true
		// Say why: a WARNING whose cause is a stray line on stderr is otherwise a puzzle.
		tc.Log.Warnf("WARNING because the script wrote %d line(s) to stderr and warningOnStdErr is true (set it false if stderr is expected); the first: %s",
			out.stderrLines, out.firstStderr)
	}
	return res, nil
}

// scriptEnv is the environment of a script: the inherited one, then the task's env, then the
// variables describing the working folder. os/exec keeps the last value of a name.
func scriptEnv(inherited []string, taskEnv map[string]string, python bool, workDir, outputDir string) []string {
	env := slices.Clone(inherited)
	if python {
		// As Kestra does: output unbuffered so print() is logged when it happens, and no pip
		// notices on stderr that would end a run WARNING. The task's env may override them.
		env = append(env, "PYTHONUNBUFFERED=1", "PIP_ROOT_USER_ACTION=ignore", "PIP_DISABLE_PIP_VERSION_CHECK=1")
	}
	for _, k := range slices.Sorted(maps.Keys(taskEnv)) {
		env = append(env, k+"="+taskEnv[k])
	}
	// PWD too: os/exec does not update an inherited PWD when Env is given, and a stale one
	// misleads programs that trust it over getcwd.
	return append(env, "WORKING_DIR="+workDir, "OUTPUT_DIR="+outputDir, "PWD="+workDir)
}

// writeScriptFile writes a python.Script's script to a .py file in the working folder, as
// Kestra does; the name has a dash so the script cannot shadow a module it imports.
func writeScriptFile(workDir, script string) (string, error) {
	f, err := os.CreateTemp(workDir, "script-*.py")
	if err != nil {
		return "", fmt.Errorf("script: %w", err)
	}
	_, werr := f.WriteString(script)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", fmt.Errorf("script: %w", werr)
	}
	return f.Name(), nil
}

// renderedExec are the shared script properties, rendered and with defaults applied.
type renderedExec struct {
	beforeCommands  []string
	env             map[string]string
	interpreter     []string
	failFast        bool
	warningOnStdErr bool
	inputFiles      map[string]string
	outputFiles     []string
}

// renderExec renders every shared property before anything is created or started, so a
// template error leaves nothing behind.
func renderExec(tc *Context, raw execProps) (renderedExec, error) {
	var p renderedExec
	var err error
	if p.beforeCommands, err = tc.renderList("beforeCommands", raw.beforeCommands); err != nil {
		return p, err
	}
	if p.env, err = tc.renderMap("env", raw.env); err != nil {
		return p, err
	}
	for k := range p.env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return p, fmt.Errorf("env: invalid variable name %q", k)
		}
	}
	p.interpreter = defaultInterpreter
	if raw.interpreter != nil {
		if len(raw.interpreter) == 0 {
			return p, errors.New("interpreter: is empty (default [\"/bin/sh\", \"-c\"])")
		}
		if p.interpreter, err = tc.renderList("interpreter", raw.interpreter); err != nil {
			return p, err
		}
	}
	p.failFast = raw.failFast == nil || *raw.failFast
	p.warningOnStdErr = raw.warningOnStdErr == nil || *raw.warningOnStdErr
	if p.inputFiles, err = tc.renderMap("inputFiles", raw.inputFiles); err != nil {
		return p, err
	}
	for name := range p.inputFiles {
		if err := CheckFileName(name); err != nil {
			return p, fmt.Errorf("inputFiles: %w", err)
		}
	}
	if p.outputFiles, err = tc.renderList("outputFiles", raw.outputFiles); err != nil {
		return p, err
	}
	return p, nil
}

// warnTaskRunner says, once, that a task runner other than Process is not used: the flow
// still runs, but not where its author meant it to.
func warnTaskRunner(tc *Context, runner map[string]any) {
	if runner == nil {
		return
	}
	typ, _ := runner["type"].(string)
	switch {
	case strings.EqualFold(typ, processRunner):
	case typ == "":
		tc.warn("taskRunner without a type is not used: flowctl runs scripts as local processes")
	default:
		tc.warn(fmt.Sprintf("taskRunner of type %s is not used: flowctl runs scripts as local processes", typ))
	}
}

// CheckFileName refuses an input file name that would land outside the working folder.
func CheckFileName(name string) error {
	switch {
	case name == "":
		return errors.New("empty file name")
	case filepath.IsAbs(name):
		return fmt.Errorf("%q: file names must be relative to the working folder", name)
	case !filepath.IsLocal(name) || slices.Contains(strings.Split(filepath.ToSlash(name), "/"), ".."):
		return fmt.Errorf("%q: file names must not leave the working folder (no ..)", name)
	}
	return nil
}

// writeInputFiles writes each input file, creating its sub-folders: its content, or for a
// kestra:// URI the file it names, copied from the internal storage.
func writeInputFiles(tc *Context, workDir string, files map[string]string) error {
	for _, name := range slices.Sorted(maps.Keys(files)) {
		path := filepath.Join(workDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("inputFiles: %w", err)
		}
		if IsStorageURI(files[name]) {
			if err := fetchFile(tc, files[name], path); err != nil {
				return &PropError{Prop: "inputFiles." + name, Err: err}
			}
			continue
		}
		if err := os.WriteFile(path, []byte(files[name]), 0o644); err != nil {
			return fmt.Errorf("inputFiles: %w", err)
		}
	}
	return nil
}

// keepOutputFiles stores the regular files of workDir that match a glob (all but skip, the
// script file flowctl wrote) in the internal storage, and maps their relative paths to their
// kestra:// URIs.
func keepOutputFiles(tc *Context, workDir string, globs []string, skip string) (map[string]any, error) {
	files := map[string]any{}
	var matchers []*globMatcher
	for i, g := range globs {
		m, err := compileGlob(g)
		if err != nil {
			return files, fmt.Errorf("outputFiles[%d]: %w", i, err)
		}
		matchers = append(matchers, m)
	}
	var matched []string
	size := 0 // of the map to return: keys, and URIs about as long as workDir/key
	err := filepath.WalkDir(workDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || path == skip {
			return err
		}
		rel, err := filepath.Rel(workDir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if slices.ContainsFunc(matchers, func(m *globMatcher) bool { return m.match(rel) }) {
			matched = append(matched, rel)
			if size += 2*len(rel) + len(workDir); size > maxOutputs {
				return fmt.Errorf("outputFiles: the files matched are too many: their paths would take over %s, the most outputs may hold; match fewer files (an archive of them, say)", units.Bytes(maxOutputs))
			}
		}
		return nil
	})
	if err != nil {
		return files, err
	}
	for _, rel := range matched {
		uri, err := storeFile(tc, filepath.Join(workDir, filepath.FromSlash(rel)))
		if err != nil {
			return files, fmt.Errorf("outputFiles: %s: %w", rel, err)
		}
		files[rel] = uri
	}
	return files, nil
}

// envValue returns the value a process given env sees for key: the last entry wins, as in
// os/exec.
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// lookPath finds an executable as the child process will: through the PATH of the child's
// environment (not flowctl's own), and relative to the working folder for a relative path.
func lookPath(file, dir, pathEnv string) (string, error) {
	if strings.Contains(file, "/") {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		p, err := execLookPath(file)
		return p, err
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if !filepath.IsAbs(d) {
			d = filepath.Join(dir, d)
		}
		if p, err := execLookPath(filepath.Join(d, file)); err == nil {
			return p, nil
		}
	}
	return "", errors.New("executable file not found in $PATH")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
