package tasks

import (
	"context"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a repository with two commits on main, a tag v1 on the first, and a branch
// other; it returns its path and the SHAs of the two commits of main.
func gitRepo(t *testing.T) (dir, first, second string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("these tests need git on PATH")
	}
	dir = t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "-q", "-b", "main")
	write("a.txt", "one\n")
	run("add", ".")
	run("commit", "-q", "-m", "first")
	first = run("rev-parse", "HEAD")
	run("tag", "v1")
	run("checkout", "-q", "-b", "other")
	write("other.txt", "other\n")
	run("add", ".")
	run("commit", "-q", "-m", "other")
	run("checkout", "-q", "main")
	write("a.txt", "two\n")
	run("add", ".")
	run("commit", "-q", "-m", "second")
	second = run("rev-parse", "HEAD")
	return dir, first, second
}

// headOf returns the SHA checked out in dir and how many commits its history holds.
func headOf(t *testing.T, dir string) (sha, count string) {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("rev-parse in %s: %v", dir, err)
	}
	n, err := exec.Command("git", "-C", dir, "rev-list", "--count", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out)), strings.TrimSpace(string(n))
}

// sharedFolder makes tc lend one folder, with the empty outputs folder the runner makes, as a
// WorkingDirectory does.
func sharedFolder(t *testing.T, tc *Context) string {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "outputs"), 0o755); err != nil {
		t.Fatal(err)
	}
	tc.WorkDir = func() (string, error) { return dir, nil }
	return dir
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGitCloneIntoTheSharedFolderShallowAtTheDefaultBranch(t *testing.T) {
	repo, _, second := gitRepo(t)
	tc, rec := newContext(t)
	dir := sharedFolder(t, tc)
	res, err := (&GitClone{URL: "file://" + repo}).Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if got := res.Outputs["directory"]; got != dir {
		t.Errorf("directory: got %v, want %s", got, dir)
	}
	if got := readText(t, filepath.Join(dir, "a.txt")); got != "two\n" {
		t.Errorf("a.txt: got %q", got)
	}
	sha, count := headOf(t, dir)
	if sha != second || count != "1" {
		t.Errorf("HEAD %s with %s commits, want %s with 1 (depth 1)", sha, count, second)
	}
	if fi, err := os.Stat(filepath.Join(dir, "outputs")); err != nil || !fi.IsDir() {
		t.Errorf("the outputs folder is gone: %v", err)
	}
	if !rec.has(LevelInfo, "Start cloning from 'file://"+repo+"'") {
		t.Errorf("no start line:%s", rec.dump())
	}
}

func TestGitCloneBranchIntoDirectory(t *testing.T) {
	repo, _, _ := gitRepo(t)
	tc, rec := newContext(t)
	dir := sharedFolder(t, tc)
	res, err := (&GitClone{URL: repo, Branch: "other", Directory: "src/{{ dir }}"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	want := filepath.Join(dir, "src", "sub")
	if res.Outputs["directory"] != want {
		t.Errorf("directory: got %v, want %s", res.Outputs["directory"], want)
	}
	if got := readText(t, filepath.Join(want, "other.txt")); got != "other\n" {
		t.Errorf("other.txt: got %q", got)
	}
}

func TestGitCloneTagAndCommitAreCheckedOutDetached(t *testing.T) {
	repo, first, _ := gitRepo(t)
	for name, task := range map[string]*GitClone{
		"tag":    {URL: "file://" + repo, Tag: "v1"},
		"commit": {URL: "file://" + repo, Commit: first[:8]},
	} {
		t.Run(name, func(t *testing.T) {
			tc, rec := newContext(t)
			dir := sharedFolder(t, tc)
			if _, err := task.Run(context.Background(), tc); err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			sha, count := headOf(t, dir)
			if sha != first || count != "1" {
				t.Errorf("HEAD %s (%s commits), want %s", sha, count, first)
			}
			if got := readText(t, filepath.Join(dir, "a.txt")); got != "one\n" {
				t.Errorf("a.txt: got %q", got)
			}
			// The whole history was fetched: main's tip is there too.
			if err := exec.Command("git", "-C", dir, "cat-file", "-e", "origin/main").Run(); err != nil {
				t.Errorf("origin/main not fetched: %v", err)
			}
		})
	}
}

func TestGitCloneIntoAFolderWithFilesKeepsThem(t *testing.T) {
	repo, _, second := gitRepo(t)
	tc, rec := newContext(t)
	dir := sharedFolder(t, tc)
	if err := os.WriteFile(filepath.Join(dir, "input.csv"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The URL as Java's Path.toUri() writes it, as Kestra's CloneTest gives it.
	if _, err := (&GitClone{URL: "file:" + repo + "/"}).Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if sha, _ := headOf(t, dir); sha != second {
		t.Errorf("HEAD %s, want main's %s", sha, second)
	}
	if got := readText(t, filepath.Join(dir, "input.csv")); got != "x\n" {
		t.Errorf("input.csv: got %q", got)
	}
	if !rec.has(LevelInfo, "Checked out branch main from origin/main") {
		t.Errorf("no checkout line:%s", rec.dump())
	}
}

func TestGitCloneErrors(t *testing.T) {
	repo, _, _ := gitRepo(t)
	f := false
	zero := int64(0)
	for _, c := range []struct {
		name string
		task *GitClone
		want string
	}{
		{"missing tag", &GitClone{URL: repo, Tag: "v9"}, "Cannot resolve tag: v9"},
		{"missing commit", &GitClone{URL: repo, Commit: "deadbeef"}, "Failed to checkout commit deadbeef"},
		{"no repository", &GitClone{URL: filepath.Join(repo, "nope")}, "git clone: "},
		{"missing branch", &GitClone{URL: repo, Branch: "nope"}, "nope"},
		{"one branch without its name", &GitClone{URL: repo, CloneAllBranches: &f}, "when `cloneAllBranches` is false, `branch` must be set."},
		{"tag without tags", &GitClone{URL: repo, Tag: "v1", NoTags: true}, "`tag` cannot be used with `noTags: true`"},
		{"depth 0", &GitClone{URL: repo, Depth: &zero}, "depth: 0: the depth"},
		{"directory out", &GitClone{URL: repo, Directory: "../x"}, "directory: "},
		{"url as option", &GitClone{URL: "--upload-pack=touch /tmp/x"}, "cannot start with a dash"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tc, _ := newContext(t)
			sharedFolder(t, tc)
			_, err := c.task.Run(context.Background(), tc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

// TestGitCloneAuthenticatesWithoutShowingThePassword clones from git's own HTTP server behind
// basic authentication on loopback.
func TestGitCloneAuthenticatesWithoutShowingThePassword(t *testing.T) {
	repo, _, second := gitRepo(t)
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatal(err)
	}
	backend := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + filepath.Dir(repo), "GIT_HTTP_EXPORT_ALL=1"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bot" || p != "s3cret-token" {
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	defer srv.Close()
	url := srv.URL + "/" + filepath.Base(repo)

	tc, rec := newContext(t)
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	dir := sharedFolder(t, tc)
	if _, err := (&GitClone{URL: url, Username: "bot", Password: "s3cret-token"}).Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	if sha, _ := headOf(t, dir); sha != second {
		t.Errorf("HEAD %s, want %s", sha, second)
	}
	if len(masked) != 1 || masked[0] != "s3cret-token" {
		t.Errorf("masked %q, want the password", masked)
	}
	// Neither the repository's config nor the log keeps the password.
	if cfg := readText(t, filepath.Join(dir, ".git", "config")); strings.Contains(cfg, "s3cret") {
		t.Errorf(".git/config holds the password:\n%s", cfg)
	}
	if strings.Contains(rec.dump(), "s3cret") {
		t.Errorf("the log shows the password:%s", rec.dump())
	}

	tc, rec = newContext(t)
	sharedFolder(t, tc)
	_, err = (&GitClone{URL: url, Username: "bot", Password: "wrong-one"}).Run(context.Background(), tc)
	if err == nil {
		t.Fatal("a wrong password cloned")
	}
	if strings.Contains(err.Error()+rec.dump(), "wrong-one") {
		t.Errorf("the password shows: %v%s", err, rec.dump())
	}
}

func TestGitCloneGitConfigAndBranchesAndTags(t *testing.T) {
	repo, _, _ := gitRepo(t)
	f := false
	tc, rec := newContext(t)
	dir := sharedFolder(t, tc)
	task := &GitClone{URL: "file://" + repo, Branch: "main", CloneAllBranches: &f, NoTags: true, GitConfig: map[string]any{
		"core.autocrlf": false, "remote.origin.pushurl": "{{ name }}", "bad": "x", "user.name": nil, "test.dash": "--global",
	}}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v%s", err, rec.dump())
	}
	cfg := func(key string) string {
		out, _ := exec.Command("git", "-C", dir, "config", "--local", "--get-all", key).Output()
		return strings.TrimSpace(string(out))
	}
	if cfg("core.autocrlf") != "false" || cfg("remote.origin.pushurl") != "world" || cfg("test.dash") != "--global" {
		t.Errorf("config: autocrlf=%q pushurl=%q", cfg("core.autocrlf"), cfg("remote.origin.pushurl"))
	}
	for _, line := range []string{"Applied git config core.autocrlf = false", "Unset git gitRepoConfig user.name", "Applied 5 git configuration settings"} {
		if !rec.has(LevelInfo, line) {
			t.Errorf("no %q:%s", line, rec.dump())
		}
	}
	if len(rec.at(LevelWarn)) != 1 || !strings.HasPrefix(rec.at(LevelWarn)[0], "invalid git gitRepoConfig key format: bad.") {
		t.Errorf("warnings: %q", rec.at(LevelWarn))
	}
	// One branch, no tag.
	out, _ := exec.Command("git", "-C", dir, "for-each-ref", "--format=%(refname)").Output()
	if refs := strings.Fields(string(out)); strings.Join(refs, " ") != "refs/heads/main refs/remotes/origin/HEAD refs/remotes/origin/main" {
		t.Errorf("refs: %v", refs)
	}
}

func TestGitCloneAllBranchesAndTagsByDefault(t *testing.T) {
	repo, _, _ := gitRepo(t)
	tc, _ := newContext(t)
	dir := sharedFolder(t, tc)
	if _, err := (&GitClone{URL: "file://" + repo}).Run(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("git", "-C", dir, "for-each-ref", "--format=%(refname)").Output()
	refs := string(out)
	if !strings.Contains(refs, "refs/remotes/origin/other") {
		t.Errorf("branch other not fetched: %s", refs)
	}
}

func TestGitCloneStopsWithItsContext(t *testing.T) {
	repo, _, _ := gitRepo(t)
	tc, _ := newContext(t)
	sharedFolder(t, tc)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&GitClone{URL: "file://" + repo}).Run(ctx, tc)
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("got %v, want the clone stopped by its context", err)
	}
}

func TestGitCloneSubmodules(t *testing.T) {
	sub, _, _ := gitRepo(t)
	top, _, _ := gitRepo(t)
	env := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@x", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@x",
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=protocol.file.allow", "GIT_CONFIG_VALUE_0=always")
	for _, args := range [][]string{{"submodule", "add", "-q", "file://" + sub, "lib"}, {"commit", "-q", "-m", "lib"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = top, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, withSubmodules := range []bool{false, true} {
		tc, rec := newContext(t)
		tc.Environ = env // local submodules need protocol.file.allow, as git asks
		dir := sharedFolder(t, tc)
		if _, err := (&GitClone{URL: "file://" + top, CloneSubmodules: withSubmodules}).Run(context.Background(), tc); err != nil {
			t.Fatalf("Run: %v%s", err, rec.dump())
		}
		_, err := os.Stat(filepath.Join(dir, "lib", "a.txt"))
		if withSubmodules && err != nil {
			t.Errorf("cloneSubmodules: lib/a.txt missing: %v", err)
		}
		if !withSubmodules && err == nil {
			t.Errorf("without cloneSubmodules, lib/a.txt is there")
		}
	}
}

// TestGitCloneNoTagsIntoAFolderWithFiles is Kestra's cloneNoTagsDoesNotFetchTags: the
// init and fetch way fetches no tag either.
func TestGitCloneNoTagsIntoAFolderWithFiles(t *testing.T) {
	repo, _, _ := gitRepo(t)
	for _, noTags := range []bool{true, false} {
		tc, rec := newContext(t)
		dir := sharedFolder(t, tc)
		if err := os.WriteFile(filepath.Join(dir, "pre-existing.txt"), []byte("trigger fallback\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := (&GitClone{URL: "file://" + repo, NoTags: noTags}).Run(context.Background(), tc); err != nil {
			t.Fatalf("Run: %v%s", err, rec.dump())
		}
		err := exec.Command("git", "-C", dir, "show-ref", "--verify", "--quiet", "refs/tags/v1").Run()
		if noTags == (err == nil) {
			t.Errorf("noTags %v: tag v1 fetched: %v", noTags, err == nil)
		}
	}
}

// TestGitCloneMasksATokenGivenAsUserName: https://TOKEN@host/repo (GitHub's form) carries the
// token as the URL's user name: it is masked as a password is.
func TestGitCloneMasksATokenGivenAsUserName(t *testing.T) {
	tc, _ := newContext(t)
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	sharedFolder(t, tc)
	_, _ = (&GitClone{URL: "https://ghp_tokenAsUser123@127.0.0.1:1/repo.git"}).Run(context.Background(), tc)
	if !slices.Contains(masked, "ghp_tokenAsUser123") {
		t.Errorf("masked %q, want the token given as the user name", masked)
	}
	// An SSH user name is no secret: git@ stays readable.
	tc, _ = newContext(t)
	masked = nil
	tc.Mask = func(v string) { masked = append(masked, v) }
	sharedFolder(t, tc)
	_, _ = (&GitClone{URL: "ssh://git@127.0.0.1:1/repo.git"}).Run(context.Background(), tc)
	if slices.Contains(masked, "git") {
		t.Errorf("masked %q, want the SSH user name left readable", masked)
	}
}
