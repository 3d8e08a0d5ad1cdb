package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
)

// checkJUnitPath checks, before anything runs, that a --junit report can be written at
// path: a run of an hour must not end unable to write the report its CI job collects. It
// creates nothing, so a run refused afterwards leaves no empty folder behind; the errors
// are usage errors (exit 2).
func checkJUnitPath(path string) error {
	if path == "" {
		return usageErrorf("--junit needs a file path")
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return usageErrorf("--junit %s: names a folder, want a file path such as %sflowctl.xml", path, path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usageErrorf("--junit %s: is a folder, want a file path such as %s", path, filepath.Join(path, "flowctl.xml"))
	}
	// Walk up to the nearest folder that exists: the rest will be created.
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return usageErrorf("--junit %s: cannot create its folder: %s is a file", path, dir)
			}
			break
		}
		// ENOTDIR: a parent is a file, which the next step up reports by name.
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return usageErrorf("--junit %s: %v", path, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return usageErrorf("--junit %s: %v", path, err)
		}
		dir = parent
	}
	// Permissions alone do not tell (ACLs, read-only mounts): try, and leave nothing.
	f, err := os.CreateTemp(dir, ".flowctl-junit-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name would only confuse
		}
		return usageErrorf("--junit %s: cannot write in %s: %v", path, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// writeJUnitFile writes the JUnit report of x to path, creating its folders. It writes a
// temporary file in the same folder and renames it, so a CI job collecting the report
// never reads half of one, and an older report is replaced whole or not at all.
func writeJUnitFile(path string, x *runner.Execution) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("junit report %s: %w", path, err)
		}
	}()
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := bufio.NewWriter(f)
	if err := report.WriteJUnit(w, x); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; the report is an artifact for others to read.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
