package tasks

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flowctl/flowctl/templating"
)

// scriptRun is what one run of a script task gave.
type scriptRun struct {
	res Result
	err error
	rec *recorder
	tc  *Context
}

// checks for scriptRun, each reporting with t.Errorf.

func succeeded(t *testing.T, r scriptRun) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("error: got %v, want none; logs:%s", r.err, r.rec.dump())
	}
}

func failedWith(want string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if r.err == nil || !strings.Contains(r.err.Error(), want) {
			t.Fatalf("error: got %v, want one containing %q; logs:%s", r.err, want, r.rec.dump())
		}
	}
}

func infoLines(want ...string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if got := r.rec.at(LevelInfo); !slices.Equal(got, want) {
			t.Errorf("INFO lines: got %q, want %q", got, want)
		}
	}
}

func errorLines(want ...string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if got := r.rec.at(LevelError); !slices.Equal(got, want) {
			t.Errorf("ERROR lines: got %q, want %q", got, want)
		}
	}
}

func warning(want bool) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if r.res.Warning != want {
			t.Errorf("Warning: got %v, want %v", r.res.Warning, want)
		}
	}
}

func exitCodeIs(want int) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if got := r.res.Outputs["exitCode"]; got != want {
			t.Errorf("outputs.exitCode: got %v, want %d", got, want)
		}
	}
}

func varsAre(want map[string]any) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if got := r.res.Outputs["vars"]; !reflect.DeepEqual(got, want) {
			t.Errorf("outputs.vars: got %#v, want %#v", got, want)
		}
	}
}

func warns(want ...string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if !slices.Equal(r.rec.warns, want) {
			t.Errorf("warnings: got %q, want %q", r.rec.warns, want)
		}
	}
}

func noOutputFiles(t *testing.T, r scriptRun) {
	t.Helper()
	if got, ok := r.res.Outputs["outputFiles"]; ok {
		t.Errorf("outputs.outputFiles: got %v, want no such key", got)
	}
}

// runTask runs task with a fresh context.
func runTask(t *testing.T, task Task) scriptRun {
	t.Helper()
	tc, rec := newContext(t)
	res, err := task.Run(context.Background(), tc)
	return scriptRun{res, err, rec, tc}
}

func TestScriptTasks(t *testing.T) {
	cases := []struct {
		name   string
		task   Task
		checks []func(*testing.T, scriptRun)
	}{
		{"stdout lines at INFO, in order, the last without newline too",
			&ShellCommands{Commands: []string{"echo one", "echo two", `printf 'three\nfour'`}},
			checks(succeeded, infoLines("one", "two", "three", "four"), errorLines(), warning(false),
				exitCodeIs(0), varsAre(map[string]any{}), noOutputFiles)},
		{"CRLF line ends are dropped",
			&ShellCommands{Commands: []string{`printf 'a\r\nb\r\n'`}},
			checks(succeeded, infoLines("a", "b"))},
		{"stderr lines at ERROR end WARNING",
			&ShellScript{Script: "echo careful >&2\necho fine"},
			checks(succeeded, errorLines("careful"), infoLines("fine"), warning(true))},
		{"stderr with warningOnStdErr false stays SUCCESS",
			&ShellScript{Script: "echo careful >&2", ProcessProps: ProcessProps{WarningOnStdErr: ptr(false)}},
			checks(succeeded, errorLines("careful"), warning(false))},
		{"warningOnStdErr true is the default made explicit",
			&ShellScript{Script: "echo careful >&2", ProcessProps: ProcessProps{WarningOnStdErr: ptr(true)}},
			checks(succeeded, warning(true))},
		{"a protocol line on stderr is no stderr output",
			&ShellCommands{Commands: []string{`echo '::{"outputs":{"a":1}}::' >&2`}},
			checks(succeeded, errorLines(), warning(false), varsAre(map[string]any{"a": 1}))},
		{"failFast stops at the first failing command",
			&ShellCommands{Commands: []string{"false", "echo after"}},
			checks(failedWith("Command failed with exit code 1"), infoLines(), exitCodeIs(1))},
		{"failFast false runs on",
			&ShellCommands{Commands: []string{"false", "echo after"}, ProcessProps: ProcessProps{FailFast: ptr(false)}},
			checks(succeeded, infoLines("after"), exitCodeIs(0))},
		{"failFast stops a failing beforeCommand too",
			&ShellCommands{Commands: []string{"echo main"}, ProcessProps: ProcessProps{BeforeCommands: []string{"false"}}},
			checks(failedWith("Command failed with exit code 1"), infoLines())},
		{"beforeCommands run first, in the same shell",
			&ShellCommands{Commands: []string{`echo "x is $X"`}, ProcessProps: ProcessProps{BeforeCommands: []string{"echo before", "X=set"}}},
			checks(succeeded, infoLines("before", "x is set"))},
		{"interpreter override",
			&ShellCommands{Commands: []string{`echo "${BASH_VERSION:+bash} $0"`}, ProcessProps: ProcessProps{Interpreter: []string{"/bin/bash", "-c"}}},
			checks(succeeded, infoLines("bash /bin/bash"))},
		{"interpreter rendered",
			&ShellCommands{Commands: []string{"echo x"}, ProcessProps: ProcessProps{Interpreter: []string{"/nonexistent/{{ name }}", "-c"}}},
			checks(failedWith(`interpreter "/nonexistent/world" not found: `))},
		{"missing interpreter by path",
			&ShellCommands{Commands: []string{"echo x"}, ProcessProps: ProcessProps{Interpreter: []string{"/nonexistent/zsh", "-c"}}},
			checks(failedWith(`interpreter "/nonexistent/zsh" not found: stat /nonexistent/zsh: no such file or directory (install it or set interpreter)`),
				infoLines(), noOutputs)},
		{"missing interpreter by name",
			&ShellCommands{Commands: []string{"echo x"}, ProcessProps: ProcessProps{Interpreter: []string{"no-such-shell-3f9", "-c"}}},
			checks(failedWith(`interpreter "no-such-shell-3f9" not found: executable file not found in $PATH`))},
		{"the interpreter is looked up in the task's PATH",
			&ShellCommands{Commands: []string{"echo x"}, ProcessProps: ProcessProps{Interpreter: []string{"sh", "-c"}, Env: map[string]string{"PATH": "/nonexistent"}}},
			checks(failedWith(`interpreter "sh" not found`))},
		{"empty interpreter",
			&ShellCommands{Commands: []string{"echo x"}, ProcessProps: ProcessProps{Interpreter: []string{}}},
			checks(failedWith("interpreter: is empty"))},
		{"env rendered and added to the inherited environment",
			&ShellCommands{Commands: []string{`echo "$GREETING"`, `echo "$sub_KEY"`, `test -n "$PATH" && echo inherited`},
				ProcessProps: ProcessProps{Env: map[string]string{"GREETING": "hello {{ name }}", "{{ dir }}_KEY": "k"}}},
			checks(succeeded, infoLines("hello world", "k", "inherited"))},
		{"env overrides an inherited variable",
			&ShellCommands{Commands: []string{`echo "$HOME"`}, ProcessProps: ProcessProps{Env: map[string]string{"HOME": "/custom"}}},
			checks(succeeded, infoLines("/custom"))},
		{"env name with =",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{Env: map[string]string{"A=B": "x"}}},
			checks(failedWith(`env: invalid variable name "A=B"`))},
		{"env fails to render",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{Env: map[string]string{"X": "{{ nope }}"}}},
			checks(failedWith("env.X: Unable to find `nope`"))},
		{"commands fail to render",
			&ShellCommands{Commands: []string{"echo ok", "echo {{ nope }}"}},
			checks(failedWith("commands[1]: Unable to find `nope`"), infoLines())},
		{"beforeCommands fail to render",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{BeforeCommands: []string{"{{ nope }}"}}},
			checks(failedWith("beforeCommands[0]: Unable to find `nope`"))},
		{"no commands",
			&ShellCommands{Commands: []string{}},
			checks(failedWith("commands: at least one command is required"))},
		{"empty script",
			&ShellScript{Script: " \n"},
			checks(failedWith("script: is empty"))},
		{"inputFiles are written before the run, sub-folders too, rendered",
			&ShellCommands{Commands: []string{"cat data/in.txt", "cat sub.txt"},
				ProcessProps: ProcessProps{InputFiles: map[string]string{"data/in.txt": "hello {{ name }}\n", "{{ dir }}.txt": "top\n"}}},
			checks(succeeded, infoLines("hello world", "top"))},
		{"inputFiles refuse ..",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{InputFiles: map[string]string{"../escape.txt": "x"}}},
			checks(failedWith(`inputFiles: "../escape.txt": file names must not leave the working folder`))},
		{"inputFiles refuse .. inside a name",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{InputFiles: map[string]string{"a/../../escape.txt": "x"}}},
			checks(failedWith(`file names must not leave the working folder`))},
		{"inputFiles refuse absolute names",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{InputFiles: map[string]string{"/etc/escape.txt": "x"}}},
			checks(failedWith(`inputFiles: "/etc/escape.txt": file names must be relative to the working folder`))},
		{"WORKING_DIR is the cwd, OUTPUT_DIR a folder in it",
			&ShellCommands{Commands: []string{`[ "$(pwd -P)" = "$(cd "$WORKING_DIR" && pwd -P)" ] && echo cwd`,
				`[ "$PWD" = "$WORKING_DIR" ] && echo pwd`,
				`[ "$OUTPUT_DIR" = "$WORKING_DIR/outputs" ] && [ -d "$OUTPUT_DIR" ] && echo outputs`,
				`ls -A | grep -v '^outputs$' | wc -l | tr -d ' '`}},
			checks(succeeded, infoLines("cwd", "pwd", "outputs", "0"))},
		{"exit code: error, outputs kept",
			&ShellCommands{Commands: []string{`echo '::{"outputs":{"k":1}}::'`, "echo oops >&2", "exit 3"}},
			checks(failedWith("Command failed with exit code 3"), exitCodeIs(3), varsAre(map[string]any{"k": 1}), warning(false))},
		{"exit code of a process killed by a signal",
			&ShellCommands{Commands: []string{"kill -9 $$"}},
			checks(failedWith("Command failed with exit code 137"), exitCodeIs(137))},
		{"shell Script: the script is the command",
			&ShellScript{Script: "a=1\nif [ $a = 1 ]; then\n  echo yes {{ name }}\nfi\n"},
			checks(succeeded, infoLines("yes world"))},
		{"shell Script with failFast",
			&ShellScript{Script: "false\necho after"},
			checks(failedWith("Command failed with exit code 1"), infoLines())},
		{"taskRunner of another type: one warning, runs locally",
			&ShellCommands{Commands: []string{"echo ran"}, ProcessProps: ProcessProps{TaskRunner: map[string]any{"type": "io.kestra.plugin.scripts.runner.docker.Docker", "pullPolicy": "ALWAYS"}}},
			checks(succeeded, infoLines("ran"),
				warns("taskRunner of type io.kestra.plugin.scripts.runner.docker.Docker is not used: flowctl runs scripts as local processes"))},
		{"taskRunner Process, in any case: no warning",
			&ShellCommands{Commands: []string{"echo ran"}, ProcessProps: ProcessProps{TaskRunner: map[string]any{"type": "io.kestra.plugin.core.runner.process"}}},
			checks(succeeded, warns())},
		{"taskRunner without a type",
			&ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{TaskRunner: map[string]any{}}},
			checks(succeeded, warns("taskRunner without a type is not used: flowctl runs scripts as local processes"))},
		{"python Script: rendered, unbuffered, outputs, stderr",
			&PythonScript{Script: "import os, sys\nprint('hi {{ name }}')\nprint(os.environ['PYTHONUNBUFFERED'])\n" +
				"print('::{\"outputs\":{\"py\":true}}::')\nprint('careful', file=sys.stderr)\n"},
			checks(succeeded, infoLines("hi world", "1"), errorLines("careful"), warning(true),
				varsAre(map[string]any{"py": true}))},
		{"python Script after beforeCommands",
			&PythonScript{Script: "print('main')", ProcessProps: ProcessProps{BeforeCommands: []string{"echo setup"}}},
			checks(succeeded, infoLines("setup", "main"))},
		{"python Script failing on an import",
			&PythonScript{Script: "import non_existing_library\n", ProcessProps: ProcessProps{WarningOnStdErr: ptr(false)}},
			checks(failedWith("Command failed with exit code 1"), exitCodeIs(1), logsContain(LevelError, "ModuleNotFoundError: No module named 'non_existing_library'"))},
		{"python Script: its own file is not an output file",
			&PythonScript{Script: "open('out.txt', 'w').write('x')", ProcessProps: ProcessProps{OutputFiles: []string{"*"}}},
			checks(succeeded, outputFileKeys("out.txt"))},
		{"python Script without python3 on the task's PATH",
			&PythonScript{Script: "print(1)", ProcessProps: ProcessProps{Env: map[string]string{"PATH": "/nonexistent"}}},
			checks(failedWith("python3 not found: executable file not found in $PATH (install Python 3"), noOutputs)},
		{"python Commands: unbuffered",
			&PythonCommands{Commands: []string{`python3 -c 'import os; print(os.environ["PYTHONUNBUFFERED"])'`}},
			checks(succeeded, infoLines("1"))},
		{"shell types leave PYTHONUNBUFFERED alone",
			&ShellCommands{Commands: []string{`echo "$PYTHONUNBUFFERED"`}, ProcessProps: ProcessProps{Env: map[string]string{"PYTHONUNBUFFERED": "x"}}},
			checks(succeeded, infoLines("x"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runTask(t, c.task)
			for _, check := range c.checks {
				check(t, r)
			}
		})
	}
}

func checks(c ...func(*testing.T, scriptRun)) []func(*testing.T, scriptRun) { return c }

func noOutputs(t *testing.T, r scriptRun) {
	t.Helper()
	if r.res.Outputs != nil {
		t.Errorf("outputs: got %v, want none (nothing ran)", r.res.Outputs)
	}
}

func logsContain(level Level, want string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		if !slices.ContainsFunc(r.rec.at(level), func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("%s lines: got %q, want one containing %q", level, r.rec.at(level), want)
		}
	}
}

func outputFileKeys(want ...string) func(*testing.T, scriptRun) {
	return func(t *testing.T, r scriptRun) {
		t.Helper()
		files, ok := r.res.Outputs["outputFiles"].(map[string]any)
		if !ok {
			t.Fatalf("outputs.outputFiles: got %#v, want a map", r.res.Outputs["outputFiles"])
		}
		var got []string
		for k := range files {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("outputs.outputFiles keys: got %q, want %q", got, want)
		}
	}
}

func TestScriptOutputFilesAreStored(t *testing.T) {
	task := &ShellCommands{
		Commands: []string{
			"echo a > a.txt", "mkdir -p sub/deep", "echo b > sub/deep/b.txt", "echo c > c.log",
			`echo o > "$OUTPUT_DIR/o.txt"`, `echo "$WORKING_DIR"`,
		},
		ProcessProps: ProcessProps{OutputFiles: []string{"*.txt", "{{ dir }}/**", "outputs/*.txt", "nothing/*"}},
	}
	r := runTask(t, task)
	succeeded(t, r)
	outputFileKeys("a.txt", "outputs/o.txt", "sub/deep/b.txt")(t, r)
	files := r.res.Outputs["outputFiles"].(map[string]any)
	for rel, content := range map[string]string{"a.txt": "a\n", "sub/deep/b.txt": "b\n", "outputs/o.txt": "o\n"} {
		uri, _ := files[rel].(string)
		// Kestra's name: an id made from the path, a dash, the base name.
		if !regexp.MustCompile(`^kestra:///dev/flow/executions/E/tasks/task/R/[0-9A-Za-z]{1,22}-` + regexp.QuoteMeta(path.Base(rel)) + `$`).MatchString(uri) {
			t.Errorf("outputFiles[%q]: got %q, want the task run's URI of <id>-%s", rel, uri, path.Base(rel))
		}
		if got := r.tc.Storage.(*memStorage).content(uri); got != content {
			t.Errorf("content of %s: got %q, want %q", uri, got, content)
		}
	}
	workDir := r.rec.at(LevelInfo)[0]
	if _, err := os.Stat(workDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("working folder %s after the run: got %v, want it removed", workDir, err)
	}
}

func TestScriptOutputFilesEdgeCases(t *testing.T) {
	cases := []struct {
		name   string
		task   Task
		checks []func(*testing.T, scriptRun)
	}{
		{"nothing matched: an empty map", &ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{OutputFiles: []string{"*.csv"}}},
			checks(succeeded, outputFileKeys())},
		{"**/ matches the top folder too", &ShellCommands{Commands: []string{"touch a.csv", "mkdir d", "touch d/b.csv"}, ProcessProps: ProcessProps{OutputFiles: []string{"**/*.csv"}}},
			checks(succeeded, outputFileKeys("a.csv", "d/b.csv"))},
		{"folders are not files", &ShellCommands{Commands: []string{"mkdir d"}, ProcessProps: ProcessProps{OutputFiles: []string{"*"}}},
			checks(succeeded, outputFileKeys())},
		{"input files can be outputs", &ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{InputFiles: map[string]string{"in.txt": "x"}, OutputFiles: []string{"./in.txt"}}},
			checks(succeeded, outputFileKeys("in.txt"))},
		{"kept after a failure too", &ShellCommands{Commands: []string{"touch r.txt", "exit 2"}, ProcessProps: ProcessProps{OutputFiles: []string{"r.txt"}}},
			checks(failedWith("Command failed with exit code 2"), outputFileKeys("r.txt"))},
		{"a bad glob fails the task", &ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{OutputFiles: []string{"[a"}}},
			checks(failedWith(`outputFiles[0]: glob "[a": [ without ]`), exitCodeIs(0))},
		{"a glob fails to render", &ShellCommands{Commands: []string{"true"}, ProcessProps: ProcessProps{OutputFiles: []string{"{{ nope }}"}}},
			checks(failedWith("outputFiles[0]: Unable to find `nope`"))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runTask(t, c.task)
			for _, check := range c.checks {
				check(t, r)
			}
		})
	}
}

func TestScriptOutputProtocol(t *testing.T) {
	task := &ShellCommands{Commands: []string{
		`echo '::{"outputs":{"a":1,"b":"x","n":{"k":[1,2.5]}}}::'`,
		`echo '::{"outputs":{"a":2,"big":12345678901234567890}}::'`,
		`echo '::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"table":"t","n":1}},{"name":"took","type":"timer","value":0.25}]}::'`,
		`echo '::{"logs":[{"level":"WARN","message":"from script"},{"level":"ERROR","message":"bad"},{"level":"debug","message":"dbg"}]}::'`,
		`echo '::{not json}::'`,
		`echo '::{"outputs":{"c":1}} {"x":1}::'`,
		`echo '::{"outputs":{"c":1},"metrics":[{"name":"g","type":"gauge","value":1}]}::'`,
		`echo '::{"logs":[{"level":"LOUD","message":"m"}]}::'`,
		`echo ' ::{"outputs":{"d":1}}::'`,
		`echo '::{}::'`,
	}}
	r := runTask(t, task)
	succeeded(t, r)
	n := templating.NewMap(1)
	n.Set("k", []any{1, 2.5})
	varsAre(map[string]any{"a": 2, "b": "x", "n": n, "big": 12345678901234567890.0})(t, r)
	wantMetrics := []Metric{
		{Name: "rows", Type: "counter", Value: 3, Tags: map[string]string{"table": "t", "n": "1"}},
		{Name: "took", Type: "timer", Value: 0.25},
	}
	if !reflect.DeepEqual(r.res.Metrics, wantMetrics) {
		t.Errorf("metrics: got %+v, want %+v", r.res.Metrics, wantMetrics)
	}
	want := []entry{
		{LevelWarn, "from script"},
		{LevelError, "bad"},
		{LevelDebug, "dbg"},
		{LevelWarn, `Invalid outputs '::{not json}::'`},
		{LevelWarn, `Invalid outputs '::{"outputs":{"c":1}} {"x":1}::'`},
		{LevelWarn, `Invalid outputs '::{"outputs":{"c":1},"metrics":[{"name":"g","type":"gauge","value":1}]}::'`},
		{LevelWarn, `Invalid outputs '::{"logs":[{"level":"LOUD","message":"m"}]}::'`},
		{LevelInfo, ` ::{"outputs":{"d":1}}::`},
	}
	if !slices.Equal(r.rec.lines, want) {
		t.Errorf("lines:\ngot  %v\nwant %v", r.rec.lines, want)
	}
	warning(false)(t, r)
}

// TestScriptStreamsLinesWhileRunning proves lines are logged as they are written: the
// script waits on a FIFO that the test opens only after it has seen the first line.
func TestScriptStreamsLinesWhileRunning(t *testing.T) {
	tc, rec := newContext(t)
	fifo := filepath.Join(t.TempDir(), "go")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	rec.onLine = func(e entry) {
		if e.msg == "err ready" {
			go func() {
				err := os.WriteFile(fifo, []byte("go\n"), 0o600)
				released <- err
			}()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	task := &ShellCommands{
		Commands:     []string{"echo out ready", "echo err ready >&2", `read line < "$FIFO"`, `echo "got $line"`},
		ProcessProps: ProcessProps{Env: map[string]string{"FIFO": fifo}},
	}
	_, err := task.Run(ctx, tc)
	if err != nil {
		t.Fatalf("error: got %v, want none (was the first line logged before the script ended?)", err)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
	if got, want := rec.at(LevelInfo), []string{"out ready", "got go"}; !slices.Equal(got, want) {
		t.Errorf("INFO lines: got %q, want %q", got, want)
	}
}

// grandchildPID reads the pid a script printed as "grandchild <pid>".
func grandchildPID(rec *recorder) (pid int, ok bool) {
	for _, m := range rec.at(LevelInfo) {
		if s, found := strings.CutPrefix(m, "grandchild "); found {
			n, err := strconv.Atoi(s)
			return n, err == nil
		}
	}
	return 0, false
}

func TestScriptTimeoutKillsTheProcessGroup(t *testing.T) {
	tc, rec := newContext(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	task := &ShellCommands{Commands: []string{"sleep 30 & echo grandchild $!; sleep 30; wait"}}
	res, err := task.Run(ctx, tc)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error: got %v, want one wrapping context.DeadlineExceeded", err)
	}
	pid, ok := grandchildPID(rec)
	if !ok {
		t.Fatalf("no grandchild pid logged; lines:%s", rec.dump())
	}
	if !exited(t, pid, 5*time.Second) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("grandchild %d: got alive after the timeout, want killed", pid)
	}
	if got := res.Outputs["exitCode"]; got != 128+int(syscall.SIGTERM) {
		t.Errorf("outputs.exitCode: got %v, want %d", got, 128+int(syscall.SIGTERM))
	}
}

// runWithWatchdog runs task, cancelling ctx once the script has logged its grandchild pid,
// and fails the test if Run does not return within limit.
func runWithWatchdog(t *testing.T, task Task, limit time.Duration) (scriptRun, int) {
	t.Helper()
	tc, rec := newContext(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec.onLine = func(e entry) {
		if strings.HasPrefix(e.msg, "grandchild ") {
			cancel()
		}
	}
	done := make(chan scriptRun, 1)
	go func() {
		res, err := task.Run(ctx, tc)
		done <- scriptRun{res, err, rec, tc}
	}()
	select {
	case r := <-done:
		pid, ok := grandchildPID(r.rec)
		if !ok {
			t.Fatalf("no grandchild pid logged; error %v", r.err)
		}
		return r, pid
	case <-time.After(limit):
		t.Fatalf("Run: got no return %s after cancel, want a prompt one", limit)
	}
	return scriptRun{}, 0
}

func TestScriptCancelKillsGrandchildrenThatIgnoreSIGTERM(t *testing.T) {
	// The grandchild ignores SIGTERM and holds the pipes, so only the escalation ends it.
	task := &ShellCommands{Commands: []string{"(trap '' TERM; exec sleep 300) & echo grandchild $!; wait"}}
	r, pid := runWithWatchdog(t, task, 30*time.Second)
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("error: got %v, want one wrapping context.Canceled", r.err)
	}
	if !exited(t, pid, 5*time.Second) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("grandchild %d: got alive after cancel, want killed", pid)
	}
}

func TestScriptCancelKillsProcessesThatLeftTheGroup(t *testing.T) {
	// setsid puts the grandchild out of the group, and it ignores SIGTERM while holding the
	// pipes: Run must not wait for it, and must kill it all the same.
	task := &ShellCommands{Commands: []string{`setsid sh -c 'trap "" TERM; echo grandchild $$; exec sleep 300' & wait`}}
	r, pid := runWithWatchdog(t, task, 30*time.Second)
	if !errors.Is(r.err, context.Canceled) {
		t.Errorf("error: got %v, want one wrapping context.Canceled", r.err)
	}
	if !exited(t, pid, 5*time.Second) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("grandchild %d out of the group: got alive after cancel, want killed", pid)
	}
}

func TestScriptSucceedsWhenABackgroundProcessOutlivesIt(t *testing.T) {
	task := &ShellCommands{Commands: []string{"setsid sleep 300 & echo grandchild $!", "echo done"}}
	r := runTask(t, task)
	if pid, ok := grandchildPID(r.rec); ok {
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	}
	succeeded(t, r)
	exitCodeIs(0)(t, r)
	logsContain(LevelInfo, "done")(t, r)
}

func TestScriptNotStartedWhenAlreadyCancelled(t *testing.T) {
	tc, rec := newContext(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&ShellCommands{Commands: []string{"echo never"}}).Run(ctx, tc)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error: got %v, want one wrapping context.Canceled", err)
	}
	if len(rec.lines) != 0 {
		t.Errorf("lines: got %v, want none", rec.lines)
	}
}

func TestScriptLongLinesAreSplitNotDropped(t *testing.T) {
	r := runTask(t, &ShellCommands{Commands: []string{`head -c 2500000 /dev/zero | tr '\0' a; echo`, "echo next"}})
	succeeded(t, r)
	var lens []int
	for _, m := range r.rec.at(LevelInfo) {
		lens = append(lens, len(m))
	}
	if want := []int{maxLine, maxLine, 2500000 - 2*maxLine, 4}; !slices.Equal(lens, want) {
		t.Errorf("line lengths: got %v, want %v", lens, want)
	}
}

// outputLine is a shell command printing a protocol line whose output key holds a string of
// n letters.
func outputLine(key string, n int) string {
	return `printf '::{"outputs":{"%s":"' "` + key + `"; head -c ` + strconv.Itoa(n) + ` /dev/zero | tr '\0' a; printf '"}}::\n'`
}

func TestScriptOutputsAreBounded(t *testing.T) {
	const mb = 1_000_000
	tooMuch := `outputs: the outputs and metrics of this task run are over 8 MiB in all, the most they may hold; write large data to a file and list it in outputFiles`
	tooLong := `outputs: a ::{...}:: line is over 1 MiB, the most one may hold; write large data to a file and list it in outputFiles`
	t.Run("outputs over 8 MiB in all fail the task, what came before is kept", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{
			`for i in $(seq 18); do ` + outputLine("k$i", mb) + `; done`,
			`echo '::{"outputs":{"after":1}}::'`, "echo still logged",
		}})
		failedWith(tooMuch)(t, r)
		vars := r.res.Outputs["vars"].(map[string]any)
		if len(vars) != 8 || vars["k8"] == nil || vars["k9"] != nil || vars["after"] != nil {
			t.Errorf("vars: got %d keys, want k1 to k8 (8 MB, under 8 MiB) and nothing after", len(vars))
		}
		logsContain(LevelInfo, "still logged")(t, r)
	})
	t.Run("an output replaced is counted once", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{`for i in $(seq 18); do ` + outputLine("same", mb) + `; done`}})
		succeeded(t, r)
		if got := len(r.res.Outputs["vars"].(map[string]any)["same"].(string)); got != mb {
			t.Errorf("vars.same: got %d bytes, want %d", got, mb)
		}
	})
	t.Run("a list counts for the memory it takes, not its JSON", func(t *testing.T) {
		// 300,000 zeros: 600 KB of JSON, 4.8 MB in memory; two of them are over 8 MiB.
		zeros := func(key string) string {
			return `printf '::{"outputs":{"` + key + `":['; yes 0, | head -n 299999 | tr -d '\n'; printf '0]}}::\n'`
		}
		r := runTask(t, &ShellCommands{Commands: []string{zeros("a"), zeros("b")}})
		failedWith(tooMuch)(t, r)
		vars := r.res.Outputs["vars"].(map[string]any)
		if a, _ := vars["a"].([]any); len(a) != 300000 || vars["b"] != nil {
			t.Errorf("vars: got a of %d values and b %v, want a whole and no b", len(a), vars["b"] != nil)
		}
	})
	t.Run("metrics count too", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{
			`for i in $(seq 36); do printf '::{"metrics":[{"name":"m","type":"counter","value":1,"tags":{"t":"'; head -c 500000 /dev/zero | tr '\0' t; printf '"}}]}::\n'; done`,
		}})
		failedWith(tooMuch)(t, r)
		if n := len(r.res.Metrics); n < 15 || n > 17 {
			t.Errorf("metrics: got %d, want the 16 or so that fit in 8 MiB", n)
		}
	})
	t.Run("a protocol line over 1 MiB fails the task and is not logged in pieces", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{
			outputLine("big", 3*mb), `echo '::{"outputs":{"after":1}}::'`, "echo next",
		}})
		failedWith(tooLong)(t, r)
		varsAre(map[string]any{})(t, r)
		if got, want := r.rec.at(LevelInfo), []string{"next"}; !slices.Equal(got, want) {
			t.Errorf("INFO lines: got %q, want %q", abbreviate(got), want)
		}
	})
	t.Run("a protocol line over 1 MiB on stderr too", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{"{ " + outputLine("big", 2*mb) + "; } >&2", "echo next >&2"}})
		failedWith(tooLong)(t, r)
		if got, want := r.rec.at(LevelError), []string{"next"}; !slices.Equal(got, want) {
			t.Errorf("ERROR lines: got %q, want %q", abbreviate(got), want)
		}
	})
	t.Run("the end of a long line is not a protocol line", func(t *testing.T) {
		r := runTask(t, &ShellCommands{Commands: []string{
			`head -c 1500000 /dev/zero | tr '\0' a; echo '::{"outputs":{"x":1}}::'`, `echo '::{"outputs":{"y":2}}::'`,
		}})
		succeeded(t, r)
		varsAre(map[string]any{"y": 2})(t, r)
		lines := r.rec.at(LevelInfo)
		if len(lines) != 2 || !strings.HasSuffix(lines[1], `::{"outputs":{"x":1}}::`) {
			t.Errorf("INFO lines: got %q, want the long line in two pieces", abbreviate(lines))
		}
	})
}

func TestScriptOutputFilesAreBounded(t *testing.T) {
	// 2,300 files 15 folders deep, paths of 3,800 characters: over 8 MiB of paths in
	// outputs.outputFiles (keys and values).
	pad := strings.Repeat("f", 240)
	deep := strings.Repeat(pad+"/", 15)
	r := runTask(t, &ShellCommands{
		Commands:     []string{"mkdir -p " + deep, "cd " + deep, `seq 2300 | sed 's/^/` + pad + `-/' | xargs touch`},
		ProcessProps: ProcessProps{OutputFiles: []string{"**"}},
	})
	failedWith("outputFiles: the files matched are too many: their paths would take over 8 MiB, the most outputs may hold; match fewer files (an archive of them, say)")(t, r)
	outputFileKeys()(t, r)
}
