package runner

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// maxCacheEntry bounds one file restored from a cache: a zip entry claiming more is a broken
// or hostile archive, not a dependency folder.
const maxCacheEntry = 4 << 30

// restoreCache unzips a WorkingDirectory's cache into dir when there is one younger than its
// ttl, as Kestra's preExecuteTasks does, and returns when it did (zero when there was none):
// files written after that are what changed. The cache is the task's, and the loop value's
// inside a ForEach.
func (e *engine) restoreCache(spec *flow.TaskSpec, tr *TaskRun, c *flow.WorkingDirectoryCache, dir string) (time.Time, error) {
	root := e.files.Root()
	rc, ok, err := root.OpenCache(e.flow.Namespace, e.flow.ID, spec.ID, tr.Value, c.TTL, time.Now())
	if err != nil || !ok {
		return time.Time{}, err
	}
	defer rc.Close()
	e.log(tr, tasks.LevelDebug, "Cache exist, downloading it")
	zr, err := openZip(rc)
	if err != nil {
		// A cache that cannot be read is no cache: the tasks start without it, and a good
		// one replaces it afterwards.
		e.log(tr, tasks.LevelWarn, fmt.Sprintf("cache: unreadable archive, ignored: %v", err))
		return time.Time{}, nil
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if err := unzipFile(f, dir); err != nil {
			e.log(tr, tasks.LevelError, fmt.Sprintf("Unable to create the file %s: %v", f.Name, err))
		}
	}
	return time.Now(), nil
}

// openZip reads a cache archive in place when it is a file (zip needs random access: a
// dependency folder's archive is not read into memory), else whole.
func openZip(rc io.Reader) (*zip.Reader, error) {
	if f, ok := rc.(*os.File); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return zip.NewReader(f, st.Size())
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return zip.NewReader(bytes.NewReader(b), int64(len(b)))
}

// unzipFile writes one entry of a cache under dir; a name that would leave dir is refused.
func unzipFile(f *zip.File, dir string) error {
	if err := tasks.CheckFileName(f.Name); err != nil {
		return err
	}
	if f.UncompressedSize64 > maxCacheEntry {
		return fmt.Errorf("%d bytes, more than a cache entry may hold", f.UncompressedSize64)
	}
	src, err := f.Open()
	if err != nil {
		return err
	}
	defer src.Close()
	return tasks.WriteUnder(dir, f.Name, io.LimitReader(src, maxCacheEntry))
}

// saveCache zips the files of dir the cache's patterns match into the internal storage, as
// Kestra's postExecuteTasks does: only when one of them changed since the cache was restored
// (any, when none was), so an unchanged cache keeps its age and expires after ttl.
func (e *engine) saveCache(spec *flow.TaskSpec, tr *TaskRun, c *flow.WorkingDirectoryCache, dir string, restored time.Time) error {
	files, err := tasks.FindFilesMatching(dir, c.Patterns)
	if err != nil {
		return fmt.Errorf("cache.patterns: %w", err)
	}
	changed := false
	for _, rel := range files {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil || st.ModTime().After(restored) {
			changed = true
			break
		}
	}
	if !changed {
		e.log(tr, tasks.LevelDebug, "Cache files didn't change, skip updating it")
		return nil
	}
	e.log(tr, tasks.LevelDebug, "Cache files changed, we update the cache")
	tmp, err := os.CreateTemp(e.opts.TempDir, "cache-*.zip")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	zw := zip.NewWriter(tmp)
	for _, rel := range files {
		if err := zipFile(zw, dir, rel); err != nil {
			return fmt.Errorf("cache: %s: %w", rel, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	uri, err := e.files.Root().PutCache(e.flow.Namespace, e.flow.ID, spec.ID, tr.Value, tmp)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	e.log(tr, tasks.LevelDebug, "Caching in "+uri)
	return nil
}

// zipFile adds the file at rel under dir to zw; one that cannot be read is left out, as
// Kestra skips it.
func zipFile(zw *zip.Writer, dir, rel string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	defer f.Close()
	w, err := zw.Create(rel)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}
