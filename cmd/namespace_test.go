package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPushListFollowsKestraIgnore(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".kestraignore":      "# comment\n*.tmp\n!keep.tmp\nbuild/\n/top.log\n",
		"a.py":               "",
		"x.tmp":              "",
		"sub/y.tmp":          "",
		"sub/keep.tmp":       "",
		"build/out":          "",
		"sub/build/out":      "",
		"top.log":            "",
		"sub/top.log":        "",
		"notbuild/build.txt": "",
		"deep/er/file.sql":   "",
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := pushList(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := "a.py deep/er/file.sql notbuild/build.txt sub/keep.tmp sub/top.log"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}
