package tasks

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPythonDepsRender(t *testing.T) {
	tc, _ := newContext(t)
	d := &PythonDeps{Dependencies: []string{" requests ", "pandas==2.0", "", "requests", "{{ dir }}-pkg"}}
	deps, cache, err := d.render(tc)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pandas==2.0", "requests", "sub-pkg"}; !slices.Equal(deps, want) {
		t.Errorf("got %q, want %q (trimmed, rendered, sorted, each once)", deps, want)
	}
	if !cache {
		t.Error("got dependencyCacheEnabled false, want its default true")
	}

	d.DependencyCacheEnabled = ptr(false)
	if _, cache, _ = d.render(tc); cache {
		t.Error("got dependencyCacheEnabled true, want false as written")
	}

	if deps, _, err := (&PythonDeps{}).render(tc); err != nil || deps != nil {
		t.Errorf("no dependencies: got %q, %v; want none and no error", deps, err)
	}

	_, _, err = (&PythonDeps{Dependencies: []string{"a", "b\nc"}}).render(tc)
	if err == nil || !strings.HasPrefix(err.Error(), "dependencies[1]: ") {
		t.Errorf("a line break: got %v, want an error naming dependencies[1]", err)
	}
	_, _, err = (&PythonDeps{Dependencies: []string{"{{ nope }}"}}).render(tc)
	if err == nil || !strings.Contains(err.Error(), "dependencies") {
		t.Errorf("a missing variable: got %v, want an error naming the property", err)
	}
}

func TestDepsKey(t *testing.T) {
	base := depsKey("/usr/bin/python3.12", "3.12.1", []string{"a", "b"})
	if len(base) != 24 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Fatalf("got key %q, want 24 hex digits", base)
	}
	if again := depsKey("/usr/bin/python3.12", "3.12.1", []string{"a", "b"}); again != base {
		t.Errorf("same interpreter and list: got %s then %s, want one key", base, again)
	}
	for name, k := range map[string]string{
		"another interpreter": depsKey("/opt/python3.12", "3.12.1", []string{"a", "b"}),
		"another version":     depsKey("/usr/bin/python3.12", "3.12.2", []string{"a", "b"}),
		"another list":        depsKey("/usr/bin/python3.12", "3.12.1", []string{"a", "b", "c"}),
		"lines joined":        depsKey("/usr/bin/python3.12", "3.12.1", []string{"ab"}),
	} {
		if k == base {
			t.Errorf("%s: got the same key %s, want another", name, k)
		}
	}
}

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		"Looking in indexes: https://user:pa55@pypi.example/simple": "Looking in indexes: https://******@pypi.example/simple",
		"Collecting x @ http://tok3n@host:8080/x.whl":               "Collecting x @ http://******@host:8080/x.whl",
		"git+ssh://git@github.com/a/b.git and https://host/simple":  "git+ssh://******@github.com/a/b.git and https://host/simple",
		"mail me@example.com, no URL":                               "mail me@example.com, no URL",
	} {
		if got := redactURLs(in); got != want {
			t.Errorf("redactURLs(%q):\ngot  %q\nwant %q", in, got, want)
		}
	}
}

func TestMaskCredentials(t *testing.T) {
	tc, _ := newContext(t)
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	env := []string{
		"PIP_INDEX_URL=https://alice:IndexPassword@pypi.example/simple",
		"PIP_EXTRA_INDEX_URL=https://public.example/simple https://TokenUser@private.example/simple",
		"PIP_FIND_LINKS=/some/folder",
	}
	deps := []string{"requests", "--extra-index-url=https://bob:OptionPassword@x.example/simple", "pkg @ https://carol:DepPassword@y.example/pkg.whl"}
	maskCredentials(tc, env, deps)
	slices.Sort(masked)
	if want := []string{"DepPassword", "IndexPassword", "OptionPassword", "TokenUser"}; !slices.Equal(masked, want) {
		t.Errorf("masked %q, want %q (a password, or a token given as the user)", masked, want)
	}
}

func TestLockFileWaitsForTheHolder(t *testing.T) {
	tc, rec := newContext(t)
	path := filepath.Join(t.TempDir(), "k.lock")
	unlock, err := lockFile(context.Background(), tc, path)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*lockPoll)
	defer cancel()
	if _, err := lockFile(ctx, tc, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("while held: got %v, want the wait to end with its context", err)
	}
	if !rec.has(LevelInfo, "Waiting for another run installing the same dependencies") {
		t.Errorf("the wait was not logged: %s", rec.dump())
	}

	got := make(chan error, 1)
	go func() {
		u, err := lockFile(context.Background(), tc, path)
		if err == nil {
			u()
		}
		got <- err
	}()
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("after the release: got %v, want the lock", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the lock was not taken after its release")
	}
}

func TestPythonDepsWithoutPython3(t *testing.T) {
	run := runTask(t, &PythonScript{Script: "print(1)",
		ProcessProps: ProcessProps{Env: map[string]string{"PATH": "/nonexistent"}},
		PythonDeps:   PythonDeps{Dependencies: []string{"requests"}}})
	if run.err == nil || !strings.HasPrefix(run.err.Error(), "dependencies: python3 not found") {
		t.Errorf("got %v, want the task to fail naming dependencies and python3", run.err)
	}
}
