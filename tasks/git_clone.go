package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/flowctl/flowctl/templating"
)

// gitCloneDef is Kestra's git.Clone (plugin-git).
var gitCloneDef = &Def{
	Type: "io.kestra.plugin.git.Clone",
	Doc:  "Clone a Git repository into the working folder (with the git program on PATH); outputs.ID.directory is where.",
	New:  func() Task { return &GitClone{} },
	Unsupported: []string{
		"privateKey", "passphrase", "trustedCaPemPath", "noProxy", "connectTimeout",
		"readTimeout", "kestraUrl", "auth",
	},
}

// GitClone clones a repository with the git program, into the task's working folder: inside
// a WorkingDirectory the shared one, so the tasks after it see the files.
type GitClone struct {
	URL              string         `flow:"url,required" doc:"the repository: an HTTP(S) or SSH URL, a file:// URL or a local path"`
	Directory        string         `flow:"directory" doc:"a sub-folder of the working folder to clone into (default the working folder itself)"`
	Branch           string         `flow:"branch" doc:"the branch to check out (default the remote's); unused with commit or tag"`
	Depth            *int64         `flow:"depth" doc:"the depth of a shallow clone (default 1); unused with commit or tag, which fetch the whole history"`
	Commit           string         `flow:"commit" doc:"a commit to check out, detached (a short SHA will do)"`
	Tag              string         `flow:"tag" doc:"a tag to check out, detached; unused with commit"`
	CloneAllBranches *bool          `flow:"cloneAllBranches" doc:"fetch every branch (default true); false fetches branch alone, which must be set"`
	NoTags           bool           `flow:"noTags" doc:"fetch no tags (default false)"`
	CloneSubmodules  bool           `flow:"cloneSubmodules" doc:"clone the submodules too (default false)"`
	Username         string         `flow:"username" doc:"the user name of HTTP authentication, used with password"`
	Password         string         `flow:"password" doc:"the password or access token of HTTP authentication, used with username; masked, and handed to git through its environment, never its command line"`
	GitConfig        map[string]any `flow:"gitConfig" doc:"git config settings of the clone, set after it is made (core.autocrlf: false); a null or empty value unsets one"`
}

// gitCredentialHelper answers git's credential requests from the environment, so that the
// password is on no command line (ps shows those) and in no file. The empty helper before it
// drops the helpers of the user's git config: the flow's credentials are the ones asked for.
const gitCredentialHelper = `!f() { test "$1" = get || exit 0; printf 'username=%s\npassword=%s\n' "$FLOWCTL_GIT_USERNAME" "$FLOWCTL_GIT_PASSWORD"; }; f`

// gitClone is one rendered Clone.
type gitClone struct {
	url, branch, commit, tag string
	depth                    int
	allBranches, noTags      bool
	submodules               bool
	config                   map[string]any // gitConfig, rendered
	env                      []string       // git's environment
	auth                     []string       // `git -c` options giving the credentials
}

// Run renders the properties, clones and checks out what was asked.
func (t *GitClone) Run(ctx context.Context, tc *Context) (Result, error) {
	g, err := t.render(tc)
	if err != nil {
		return Result{}, err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return Result{}, errors.New("git.Clone runs the git program, and none is on PATH: install git")
	}
	root, err := workingFolder(tc)
	if err != nil {
		return Result{}, fmt.Errorf("working folder: %w", err)
	}
	if tc.WorkDir == nil {
		// Alone, the task's folder is its own and goes with the run, as in Kestra.
		defer func() {
			if err := RemoveAll(root); err != nil {
				tc.Log.Warnf("working folder not removed: %v", err)
			}
		}()
	}
	path := root
	if t.Directory != "" {
		dir, err := tc.render("directory", t.Directory)
		if err != nil {
			return Result{}, err
		}
		if err := CheckFileName(dir); err != nil {
			return Result{}, &PropError{Prop: "directory", Err: err}
		}
		path = filepath.Join(root, dir)
	}

	tc.Log.Infof("Start cloning from '%s'", g.url)
	if err := g.run(ctx, tc, path, path == root); err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"directory": path}}, nil
}

// render renders the properties and checks them together, with Kestra's messages.
func (t *GitClone) render(tc *Context) (*gitClone, error) {
	g := &gitClone{depth: 1, allBranches: true, noTags: t.NoTags, submodules: t.CloneSubmodules}
	var err error
	for _, p := range []struct {
		prop, raw string
		dst       *string
	}{{"url", t.URL, &g.url}, {"branch", t.Branch, &g.branch}, {"commit", t.Commit, &g.commit}, {"tag", t.Tag, &g.tag}} {
		if *p.dst, err = tc.render(p.prop, p.raw); err != nil {
			return nil, err
		}
	}
	if strings.HasPrefix(g.url, "file:/") && !strings.HasPrefix(g.url, "file://") {
		// Java writes a local path's URI file:/path (Path.toUri()), which git would read as
		// an SSH host called file.
		g.url = "file://" + strings.TrimPrefix(g.url, "file:")
	}
	if u, perr := url.Parse(g.url); perr == nil {
		for _, v := range gitURLCredentials(u) {
			tc.mask(v)
		}
	}
	if g.url == "" {
		return nil, &PropError{Prop: "url", Err: errors.New("renders to an empty string: give the repository's URL")}
	}
	if strings.HasPrefix(g.url, "-") {
		return nil, &PropError{Prop: "url", Err: fmt.Errorf("%q: a URL cannot start with a dash", g.url)}
	}
	if t.Depth != nil {
		if g.depth = int(*t.Depth); g.depth < 1 {
			return nil, &PropError{Prop: "depth", Err: fmt.Errorf("%d: the depth of a shallow clone is 1 or more", g.depth)}
		}
	}
	if t.CloneAllBranches != nil {
		g.allBranches = *t.CloneAllBranches
	}
	if !g.allBranches && strings.TrimSpace(g.branch) == "" {
		return nil, errors.New("Invalid clone configuration: when `cloneAllBranches` is false, `branch` must be set.")
	}
	if t.Tag != "" && g.noTags {
		return nil, errors.New("Invalid clone configuration: `tag` cannot be used with `noTags: true`.")
	}
	g.branch = strings.TrimPrefix(g.branch, "refs/heads/")
	if t.GitConfig != nil {
		v, err := tc.renderValue("gitConfig", t.GitConfig, false)
		if err != nil {
			return nil, err
		}
		g.config = v.(map[string]any)
	}

	g.env = append(append([]string(nil), tc.Environ...), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=")
	user, err := tc.render("username", t.Username)
	if err != nil {
		return nil, err
	}
	pass, err := tc.render("password", t.Password)
	if err != nil {
		return nil, err
	}
	tc.mask(pass)
	switch {
	case t.Username != "" && t.Password != "":
		if strings.ContainsAny(user+pass, "\n\x00") {
			return nil, errors.New("username and password: must not hold a line break")
		}
		g.env = append(g.env, "FLOWCTL_GIT_USERNAME="+user, "FLOWCTL_GIT_PASSWORD="+pass)
		g.auth = []string{"-c", "credential.helper=", "-c", "credential.helper=" + gitCredentialHelper}
	case t.Username != "" || t.Password != "":
		tc.warn("git.Clone uses username and password together: one alone is not used, as in Kestra")
	}
	return g, nil
}

// run clones into path. A folder that holds files already is filled as Kestra does it: init,
// fetch, then check out; git clone refuses it. In the working folder itself, the empty
// `outputs` folder flowctl makes there does not count.
func (g *gitClone) run(ctx context.Context, tc *Context, path string, isRoot bool) error {
	empty, err := emptyFolder(path, isRoot)
	if err != nil {
		return err
	}
	if !empty {
		tc.Log.Infof("Target directory '%s' is not empty, using init+fetch strategy", path)
		return g.initFetchCheckout(ctx, tc, path)
	}
	if isRoot {
		// Back once the clone is done, for the scripts that write their outputs there.
		_ = os.Remove(filepath.Join(path, "outputs"))
		defer os.Mkdir(filepath.Join(path, "outputs"), 0o755)
	}
	args := []string{"clone", "--quiet"}
	pinned := g.commit != "" || g.tag != ""
	if !pinned {
		if g.branch != "" {
			args = append(args, "--branch", g.branch)
		}
		args = append(args, "--depth", strconv.Itoa(g.depth))
	}
	if g.allBranches {
		args = append(args, "--no-single-branch")
	} else {
		args = append(args, "--single-branch", "--branch", g.branch)
	}
	if g.noTags {
		args = append(args, "--no-tags")
	}
	if g.submodules {
		args = append(args, "--recurse-submodules")
	}
	args = append(args, "--", g.url, path)
	if err := g.git(ctx, "", args...); err != nil {
		return err
	}
	if err := g.applyConfig(ctx, tc, path); err != nil {
		return err
	}
	return g.checkout(ctx, tc, path)
}

// initFetchCheckout is Kestra's way into a folder that holds files already.
func (g *gitClone) initFetchCheckout(ctx context.Context, tc *Context, path string) error {
	if err := g.git(ctx, path, "init", "--quiet"); err != nil {
		return err
	}
	if err := g.git(ctx, path, "remote", "add", "origin", g.url); err != nil {
		return err
	}
	if err := g.applyConfig(ctx, tc, path); err != nil {
		return err
	}
	args := []string{"fetch", "--quiet"}
	if g.noTags {
		args = append(args, "--no-tags")
	}
	if g.commit == "" && g.tag == "" {
		args = append(args, "--depth", strconv.Itoa(g.depth))
	}
	args = append(args, "origin")
	if !g.allBranches {
		args = append(args, "+refs/heads/"+g.branch+":refs/remotes/origin/"+g.branch)
	} else {
		args = append(args, "+refs/heads/*:refs/remotes/origin/*")
	}
	if !g.noTags {
		args = append(args, "+refs/tags/*:refs/tags/*")
	}
	if err := g.git(ctx, path, args...); err != nil {
		return err
	}
	if g.commit != "" || g.tag != "" {
		if err := g.checkout(ctx, tc, path); err != nil {
			return err
		}
	} else {
		branch := g.branch
		if branch == "" {
			for _, b := range []string{"main", "master"} {
				if g.git(ctx, path, "show-ref", "--verify", "--quiet", "refs/remotes/origin/"+b) == nil {
					branch = b
					break
				}
			}
		}
		if branch == "" {
			return errors.New("Cannot determine the default branch. Please specify the 'branch' property explicitly.")
		}
		if err := g.git(ctx, path, "checkout", "--quiet", "-b", branch, "origin/"+branch); err != nil {
			return err
		}
		tc.Log.Infof("Checked out branch %s from origin/%s", branch, branch)
	}
	if g.submodules {
		return g.git(ctx, path, "submodule", "update", "--init", "--recursive", "--quiet")
	}
	return nil
}

// checkout checks out the commit or the tag asked for, detached; a branch is checked out by
// the clone itself.
func (g *gitClone) checkout(ctx context.Context, tc *Context, path string) error {
	switch {
	case g.commit != "":
		sha, err := g.output(ctx, path, "rev-parse", "--verify", "--quiet", "--end-of-options", g.commit+"^{commit}")
		if err != nil {
			return fmt.Errorf("Failed to checkout commit %s: Cannot resolve commit SHA: %s", g.commit, g.commit)
		}
		if err := g.git(ctx, path, "checkout", "--quiet", "--detach", sha); err != nil {
			return fmt.Errorf("Failed to checkout commit %s: %w", g.commit, err)
		}
		tc.Log.Infof("Checked out commit %s (detached HEAD)", sha)
	case g.tag != "":
		sha, err := g.output(ctx, path, "rev-parse", "--verify", "--quiet", "--end-of-options", "refs/tags/"+g.tag+"^{commit}")
		if err != nil {
			return fmt.Errorf("Cannot resolve tag: %s", g.tag)
		}
		if err := g.git(ctx, path, "checkout", "--quiet", "--detach", sha); err != nil {
			return err
		}
		tc.Log.Infof("Checked out tag %s at commit %s", g.tag, sha)
	}
	return nil
}

// applyConfig sets the gitConfig settings in the clone's own config, as Kestra does: a key
// is section.name or section.subsection.name; a null or blank value unsets it; a list sets
// each of its values.
func (g *gitClone) applyConfig(ctx context.Context, tc *Context, path string) error {
	if len(g.config) == 0 {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(g.config)) {
		if !strings.Contains(key, ".") || strings.HasPrefix(key, "-") {
			tc.Log.Warnf("invalid git gitRepoConfig key format: %s. The name is actually the section and the key separated by a dot. Expected 'section.name' or 'section.subsection.name'", key)
			continue
		}
		v := g.config[key]
		if s, ok := v.(string); v == nil || ok && strings.TrimSpace(s) == "" {
			// Exit status 5: nothing to unset, which is what was asked.
			_ = g.git(ctx, path, "config", "--local", "--unset-all", "--", key)
			tc.Log.Infof("Unset git gitRepoConfig %s", key)
			continue
		}
		var values []string
		if list, ok := v.([]any); ok {
			for _, e := range list {
				values = append(values, templating.ToString(e))
			}
		} else {
			values = []string{strings.TrimSpace(templating.ToString(v))}
		}
		_ = g.git(ctx, path, "config", "--local", "--unset-all", "--", key)
		for _, val := range values {
			if err := g.git(ctx, path, "config", "--local", "--add", "--", key, val); err != nil {
				return &PropError{Prop: "gitConfig." + key, Err: err}
			}
		}
		tc.Log.Infof("Applied git config %s = %s", key, templating.ToString(v))
	}
	tc.Log.Infof("Applied %d git configuration settings", len(g.config))
	return nil
}

// git runs one git command in dir and returns its error with what git wrote to stderr.
func (g *gitClone) git(ctx context.Context, dir string, args ...string) error {
	_, err := g.output(ctx, dir, args...)
	return err
}

// output runs one git command in dir and returns its standard output, trimmed. The command
// runs in a process group of its own, ended with the task (its timeout, Ctrl-C).
func (g *gitClone) output(ctx context.Context, dir string, args ...string) (string, error) {
	full := append(append([]string(nil), g.auth...), args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Dir = dir
	cmd.Env = g.env
	var stdout bytes.Buffer
	stderr := &gitStderr{max: 4096}
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = killGrace
	if err := startChild(cmd); err != nil {
		return "", fmt.Errorf("git: %w", err)
	}
	err := waitChild(cmd)
	if ctx.Err() != nil {
		return "", fmt.Errorf("git %s: %w", args[0], context.Cause(ctx))
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// gitStderr keeps the first max bytes written to it, enough of git's stderr for a message.
type gitStderr struct {
	buf bytes.Buffer
	max int
}

func (c *gitStderr) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *gitStderr) String() string { return c.buf.String() }

// emptyFolder reports whether path is missing or empty; in the working folder itself an
// empty `outputs` folder is all there may be.
func emptyFolder(path string, isRoot bool) (bool, error) {
	entries, err := os.ReadDir(path)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if isRoot && e.Name() == "outputs" && e.IsDir() {
			if sub, err := os.ReadDir(filepath.Join(path, "outputs")); err == nil && len(sub) == 0 {
				continue
			}
		}
		return false, nil
	}
	return true, nil
}

// gitURLCredentials is what authenticates in a repository's URL: urlCredentials, and the
// user name of an http(s) URL without a password, since https://TOKEN@host/repo (GitHub's
// form) carries a token there; an SSH user name (git@) is none.
func gitURLCredentials(u *url.URL) []string {
	out := urlCredentials(u)
	if _, hasPass := u.User.Password(); !hasPass && u.User.Username() != "" && (u.Scheme == "https" || u.Scheme == "http") {
		out = append(out, u.User.Username())
	}
	return out
}
