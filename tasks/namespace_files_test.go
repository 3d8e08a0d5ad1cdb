package tasks

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPathPredicateIsKestras replays Kestra's PathMatcherPredicateTest.
func TestPathPredicateIsKestras(t *testing.T) {
	filter := func(include, exclude []string, paths ...string) []string {
		t.Helper()
		m, err := pathPredicate(include, exclude)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range paths {
			if m(p) {
				out = append(out, p)
			}
		}
		return out
	}
	two := []string{"/base/test.txt", "/base/sub/dir/test.txt"}
	for _, c := range []struct {
		name             string
		include, exclude []string
		paths, want      []string
	}{
		{"recursive glob", []string{"**/*.txt"}, nil, two, two},
		{"a name matches at any depth", []string{"test.txt"}, nil, two, two},
		{"regex", []string{"regex:.*\\.txt"}, nil, two, two},
		{"include and exclude", []string{"/a/**", "c/**"}, []string{"**/2"},
			[]string{"/a/b/c/1", "/a/2", "/b/c/d/3", "/b/d/4", "/c/5"},
			[]string{"/a/b/c/1", "/b/c/d/3", "/c/5"}},
		{"exclude only", nil, []string{"/ignore/**"},
			[]string{"/test/a/b/c/1.txt", "/a/b/3.txt", "/ignore/4.txt"},
			[]string{"/test/a/b/c/1.txt", "/a/b/3.txt"}},
		{"neither: all", nil, nil, two, two},
		// Java's glob: * stays in one folder, and the path has a leading slash.
		{"a star does not cross folders", []string{"*.txt"}, nil, two, nil},
		{"a leading slash anchors", []string{"/base/*.txt"}, nil, two, two[:1]},
	} {
		if got := filter(c.include, c.exclude, c.paths...); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := pathPredicate([]string{"regex:("}, nil); err == nil {
		t.Error("a bad regex: got no error")
	}
}

func TestFindFilesMatching(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"hello.txt", "sub/deep.txt", "node_modules/a/b.js", "node_modules/c.js", "x.bin"} {
		writeFile(t, filepath.Join(dir, p), "x")
	}
	for _, c := range []struct {
		patterns []string
		want     string
	}{
		{[]string{"*.txt"}, "hello.txt"},
		{[]string{"/*.txt"}, "hello.txt"},
		{[]string{"**.txt"}, "hello.txt sub/deep.txt"},
		{[]string{"node_modules/**"}, "node_modules/a/b.js node_modules/c.js"},
		{[]string{"*.bin", "sub/*"}, "sub/deep.txt x.bin"},
		{nil, ""},
	} {
		got, err := FindFilesMatching(dir, c.patterns)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%v: got %v, want %s", c.patterns, got, c.want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapNamespace is a namespace's files in memory.
type mapNamespace map[string]string

func (m mapNamespace) ListNamespaceFiles() ([]string, error) {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

func (m mapNamespace) OpenNamespaceFile(p string) (io.ReadCloser, error) {
	c, ok := m[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return io.NopCloser(strings.NewReader(c)), nil
}

func TestCopyNamespaceFiles(t *testing.T) {
	ns := mapNamespace{"/scripts/a.py": "print(1)", "/data/in.csv": "a,b", "/ignore/x": "no", "/../evil": "no"}
	tc := &Context{TaskID: "t", Render: func(s string) (string, error) { return strings.ReplaceAll(s, "{{ dir }}", "scripts"), nil }, Namespace: ns}
	off := false
	for _, c := range []struct {
		name string
		nf   *NamespaceFiles
		want string
		err  string
	}{
		{"no block: nothing", nil, "", ""},
		{"disabled", &NamespaceFiles{Enabled: &off}, "", ""},
		{"include rendered", &NamespaceFiles{Include: []string{"{{ dir }}/**"}}, "scripts/a.py", ""},
		{"exclude", &NamespaceFiles{Include: []string{"/scripts/**", "/data/**", "/ignore/**"}, Exclude: []string{"ignore/**"}}, "data/in.csv scripts/a.py", ""},
		{"a path leaving the folder", &NamespaceFiles{}, "", "namespaceFiles: /../evil"},
	} {
		dir := t.TempDir()
		_, err := CopyNamespaceFiles(tc, dir, c.nf)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: got %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				rel, _ := filepath.Rel(dir, p)
				got = append(got, filepath.ToSlash(rel))
			}
			return err
		})
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s: got %v, want %s", c.name, got, c.want)
		}
	}
	// Without the namespace's files, a task that asks for them fails saying so.
	if _, err := CopyNamespaceFiles(&Context{Render: tc.Render}, t.TempDir(), &NamespaceFiles{}); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("no store: got %v", err)
	}
}
