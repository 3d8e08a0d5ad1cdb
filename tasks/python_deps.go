package tasks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// PythonDeps are the Python types' dependency properties: packages installed with pip into
// a virtual environment the script runs in, as Kestra installs them before the script.
type PythonDeps struct {
	Dependencies           []string `flow:"dependencies" doc:"pip requirement lines (pandas, requests>=2.28) installed into a virtual environment the script runs in, rendered"`
	DependencyCacheEnabled *bool    `flow:"dependencyCacheEnabled" doc:"reuse the virtual environment of the same interpreter and dependencies across runs, kept beside the state (default true)"`
}

// readyFile marks a cached virtual environment whose install ended well; one without it is
// a build that was cut off, made again.
const readyFile = "flowctl-ready"

// lockPoll is how often a run waiting for another one's install of the same dependencies
// looks again: flock cannot be interrupted, so the wait polls and stays cancellable.
const lockPoll = 100 * time.Millisecond

// pythonEnv is a virtual environment ready to run a script in, and what to do once the run
// ended (remove it, when it was made for this run alone).
type pythonEnv struct {
	dir     string
	cleanup func()
}

// render renders the dependencies, one requirement a line: trimmed, blank ones dropped,
// sorted and each once (the cache key is the set); and whether the cache is enabled.
func (d *PythonDeps) render(tc *Context) ([]string, bool, error) {
	if d == nil || len(d.Dependencies) == 0 {
		return nil, false, nil
	}
	deps, err := tc.renderList("dependencies", d.Dependencies)
	if err != nil {
		return nil, false, err
	}
	var out []string
	for i, dep := range deps {
		dep = strings.TrimSpace(dep)
		if strings.ContainsAny(dep, "\n\r") {
			return nil, false, fmt.Errorf("dependencies[%d]: %q holds a line break: write one requirement per entry", i, dep)
		}
		if dep != "" {
			out = append(out, dep)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), d.DependencyCacheEnabled == nil || *d.DependencyCacheEnabled, nil
}

// setupPythonEnv returns a virtual environment holding deps for the python3 that env's PATH
// finds (a relative PATH entry, or a path among deps, is relative to workDir): the cached one
// under tc.CacheDir when cache is true, made first when missing, else one made for this run
// under tc.TempDir.
func setupPythonEnv(ctx context.Context, tc *Context, env []string, workDir string, deps []string, cache bool) (*pythonEnv, error) {
	maskCredentials(tc, env, deps)
	python, err := lookPath("python3", workDir, envValue(env, "PATH"))
	if err != nil {
		return nil, fmt.Errorf("dependencies: python3 not found: %v (install Python 3, or put it on the PATH)", err)
	}
	exe, version, err := pythonIdentity(ctx, python, env)
	if err != nil {
		return nil, fmt.Errorf("dependencies: %s: %w", python, err)
	}
	key := depsKey(exe, version, deps)
	if !cache || tc.CacheDir == "" {
		dir, err := os.MkdirTemp(tc.TempDir, "flowctl-venv-*")
		if err != nil {
			return nil, fmt.Errorf("dependencies: %w", err)
		}
		remove := func() {
			if err := RemoveAll(dir); err != nil {
				tc.Log.Warnf("virtual environment not removed: %v", err)
			}
		}
		if err := buildVenv(ctx, tc, env, workDir, exe, dir, deps); err != nil {
			remove()
			return nil, err
		}
		return &pythonEnv{dir: dir, cleanup: remove}, nil
	}

	root := filepath.Join(tc.CacheDir, "python")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("dependencies: cache: %w (make it writable, or set dependencyCacheEnabled: false to install for each run)", err)
	}
	// MkdirAll keeps the mode of folders that exist: the cache's own is made private here.
	_ = os.Chmod(tc.CacheDir, 0o700)
	unlock, err := lockFile(ctx, tc, filepath.Join(root, key+".lock"))
	if err != nil {
		return nil, fmt.Errorf("dependencies: cache: %w", err)
	}
	defer unlock()
	dir := filepath.Join(root, key)
	if _, err := os.Stat(filepath.Join(dir, readyFile)); err == nil {
		tc.Log.Log(LevelDebug, "Python dependencies cache found for key: "+key+" ("+dir+")")
		return &pythonEnv{dir: dir, cleanup: func() {}}, nil
	}
	tc.Log.Log(LevelDebug, "Could not find python dependencies cache for key: "+key)
	// What is there is a build cut off (kill -9, a full disk): start over.
	if err := RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("dependencies: cache: %w", err)
	}
	if err := buildVenv(ctx, tc, env, workDir, exe, dir, deps); err != nil {
		_ = RemoveAll(dir)
		return nil, err
	}
	// The cache outlives the run: it keeps no credentials of index URLs.
	ready := "interpreter: " + exe + "\nversion: " + version + "\n" + redactURLs(strings.Join(deps, "\n")) + "\n"
	if err := os.WriteFile(filepath.Join(dir, readyFile), []byte(ready), 0o600); err != nil {
		_ = RemoveAll(dir)
		return nil, fmt.Errorf("dependencies: cache: %w", err)
	}
	return &pythonEnv{dir: dir, cleanup: func() {}}, nil
}

// pythonIdentity asks python which interpreter it is: its real executable (a pyenv shim or
// a symlink names another) and its full version, which together key the cache.
func pythonIdentity(ctx context.Context, python string, env []string) (exe, version string, err error) {
	out, err := runCaptured(ctx, env, "", python, "-c", "import sys; print(sys.executable); print(sys.version.split()[0])")
	if err != nil {
		return "", "", fmt.Errorf("%v: %s", err, strings.TrimSpace(redactURLs(string(out))))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || lines[0] == "" {
		return "", "", fmt.Errorf("cannot tell which interpreter it is (it printed %q)", out)
	}
	return strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1]), nil
}

// depsKey is the cache key of an interpreter and a sorted dependency list.
func depsKey(exe, version string, deps []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "flowctl python venv v1\n%s\n%s\n", exe, version)
	for _, d := range deps {
		fmt.Fprintf(h, "%s\n", d)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// buildVenv makes a virtual environment in dir with python -m venv and installs deps in it
// with its pip, from a requirements file (so option lines such as --extra-index-url work,
// as in Kestra). pip reads PIP_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX... from env.
func buildVenv(ctx context.Context, tc *Context, env []string, workDir, python, dir string, deps []string) error {
	start := time.Now()
	tc.Log.Infof("Installing packages with pip into a new virtual environment: %s", strings.Join(deps, ", "))
	if out, err := runQuiet(ctx, env, workDir, python, "-m", "venv", dir); err != nil {
		logLines(tc, LevelError, out)
		return fmt.Errorf("dependencies: python -m venv failed: %v", err)
	}
	req := filepath.Join(dir, "flowctl-requirements.txt")
	if err := os.WriteFile(req, []byte(strings.Join(deps, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("dependencies: %w", err)
	}
	// It may hold the credentials of index URLs, and a cached environment outlives the run.
	defer os.Remove(req)
	out, err := runQuiet(ctx, env, workDir, filepath.Join(dir, "bin", "python"), "-m", "pip", "install", "--no-input", "--progress-bar", "off", "--requirement", req)
	if err != nil {
		logLines(tc, LevelError, out)
		if ctx.Err() != nil {
			return fmt.Errorf("dependencies: pip install stopped: %w", context.Cause(ctx))
		}
		return fmt.Errorf("dependencies: pip install failed (%s): %s", exitOf(err), lastError(out))
	}
	logLines(tc, LevelDebug, out)
	installed := "nothing new"
	for _, l := range out {
		if s, ok := strings.CutPrefix(l, "Successfully installed "); ok {
			installed = strings.Join(strings.Fields(s), ", ")
		}
	}
	tc.Log.Infof("Installed dependencies: %s in %.1fs", installed, time.Since(start).Seconds())
	return nil
}

// runQuiet runs a setup command (venv, pip) in the working folder (a local path among the
// dependencies is relative to it), in its own process group killed when ctx ends, and
// returns its output lines, credentials in URLs hidden.
func runQuiet(ctx context.Context, env []string, dir, path string, args ...string) ([]string, error) {
	env = append(slices.Clone(env), "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_ROOT_USER_ACTION=ignore", "PYTHONUNBUFFERED=1")
	out, err := runCaptured(ctx, env, dir, path, args...)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l = strings.TrimRight(l, "\r "); l != "" {
			lines = append(lines, redactURLs(l))
		}
	}
	return lines, err
}

// runCaptured runs a setup command in its own process group, killed whole when ctx ends,
// and returns its stdout and stderr together. It is started and waited for as the script
// processes are, so the reaper of orphans never takes its exit status.
func runCaptured(ctx context.Context, env []string, dir, path string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = killGrace
	if err := startChild(cmd); err != nil {
		return nil, err
	}
	err := waitChild(cmd)
	return out.Bytes(), err
}

// exitOf names how a setup command ended: its exit code, or the error that stopped it.
func exitOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Sprintf("exit code %d", exitCode(ee.ProcessState))
	}
	return err.Error()
}

// logLines logs the lines of a setup command at level.
func logLines(tc *Context, level Level, lines []string) {
	for _, l := range lines {
		tc.Log.Log(level, l)
	}
}

// lastError is pip's last ERROR line, what the task's error says.
func lastError(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "ERROR:") {
			return lines[i]
		}
	}
	if len(lines) > 0 {
		return lines[len(lines)-1]
	}
	return "no output"
}

// userinfo matches the credentials of a URL (scheme://user:password@ or scheme://token@).
var userinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@`)

// redactURLs hides the credentials of the URLs in a line: pip masks the password of its
// index URLs but names a token given as a user name.
func redactURLs(line string) string {
	return userinfo.ReplaceAllString(line, "${1}******@")
}

// maskCredentials registers as secrets the credentials of the index URLs pip is given,
// in the environment and in requirement option lines, so no line of the task shows them.
func maskCredentials(tc *Context, env []string, deps []string) {
	if tc.Mask == nil {
		return
	}
	var urls []string
	for _, k := range []string{"PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST"} {
		urls = append(urls, strings.Fields(envValue(env, k))...)
	}
	for _, d := range deps {
		urls = append(urls, strings.Fields(strings.ReplaceAll(d, "=", " "))...)
	}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil || u.User == nil {
			continue
		}
		if p, ok := u.User.Password(); ok && p != "" {
			tc.Mask(p)
		} else if n := u.User.Username(); n != "" {
			tc.Mask(n)
		}
	}
}

// lockFile takes an exclusive lock on path, waiting while another process holds it, until
// ctx ends. The lock is released when the returned function is called or the process dies.
func lockFile(ctx context.Context, tc *Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		if !said {
			said = true
			tc.Log.Infof("Waiting for another run installing the same dependencies")
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, context.Cause(ctx)
		case <-time.After(lockPoll):
		}
	}
}

// venvEnv puts the virtual environment first on env's PATH, as its activate script does.
func venvEnv(env []string, dir string) []string {
	path := filepath.Join(dir, "bin")
	if p := envValue(env, "PATH"); p != "" {
		path += string(os.PathListSeparator) + p
	}
	return append(env, "VIRTUAL_ENV="+dir, "PATH="+path)
}
