package tasks

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
)

// Delete and DeleteExecutionFiles make memStorage a StorageRemover, under the real one's
// rule: only the execution's own files.
func (m *memStorage) Delete(uri string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exec, _, _ := strings.Cut(m.prefix, "/tasks/")
	if !strings.HasPrefix(uri, exec+"/") {
		return false, fmt.Errorf("Unable to delete the file '%s' as it didn't belong to the current execution", uri)
	}
	_, ok := m.files[uri]
	delete(m.files, uri)
	return ok, nil
}

func (m *memStorage) DeleteExecutionFiles() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	exec, _, _ := strings.Cut(m.prefix, "/tasks/")
	var out []string
	for _, uri := range slices.Sorted(maps.Keys(m.files)) {
		if strings.HasPrefix(uri, exec+"/") {
			out = append(out, uri)
			delete(m.files, uri)
		}
	}
	return out, nil
}

// put stores content as a file of an earlier task run of the execution and returns its URI.
func put(t *testing.T, tc *Context, name, content string) string {
	t.Helper()
	uri, err := tc.Storage.(*memStorage).forRun("earlier", "R0").Put(name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

func TestStorageSize(t *testing.T) {
	// Kestra's SizeTest: 42 bytes give a size of 42.
	tc, _ := newContext(t)
	uri := put(t, tc, "get.yml", strings.Repeat("x", 42))
	res, err := (&StorageSize{URI: uri}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Outputs["size"]; got != int64(42) {
		t.Errorf("size: got %v (%T), want 42", got, got)
	}
	_, err = (&StorageSize{URI: uri + "-missing"}).Run(context.Background(), tc)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "uri: ") {
		t.Errorf("a missing file: got %v, want uri: ... does not exist", err)
	}
}

func TestStorageDelete(t *testing.T) {
	// Kestra's DeleteTest: deleted once, then not, then an error with errorOnMissing.
	tc, _ := newContext(t)
	uri := put(t, tc, "get.yml", "a: 1\n")
	task := &StorageDelete{URI: uri}
	res, err := task.Run(context.Background(), tc)
	if err != nil || res.Outputs["deleted"] != true || res.Outputs["uri"] != uri {
		t.Fatalf("first delete: got %v, %v", res.Outputs, err)
	}
	if _, err := tc.Storage.Stat(uri); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the file is still there: %v", err)
	}
	res, err = task.Run(context.Background(), tc)
	if err != nil || res.Outputs["deleted"] != false {
		t.Fatalf("second delete: got %v, %v", res.Outputs, err)
	}
	_, err = (&StorageDelete{URI: uri, ErrorOnMissing: true}).Run(context.Background(), tc)
	if err == nil || err.Error() != "Unable to find file '"+uri+"'" {
		t.Errorf("errorOnMissing: got %v", err)
	}
	other := "kestra:///dev/flow/executions/OTHER/tasks/t/R/f.txt"
	if _, err := (&StorageDelete{URI: other}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "didn't belong to the current execution") {
		t.Errorf("another execution's file: got %v", err)
	}
}

func TestPurgeCurrentExecutionFiles(t *testing.T) {
	tc, _ := newContext(t)
	a := put(t, tc, "a.txt", "Hello World")
	b := put(t, tc, "b.txt", "Hello again")
	res, err := (&PurgeCurrentExecutionFiles{}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Outputs["uris"], []any{a, b}; !slices.Equal(got.([]any), want) {
		t.Errorf("uris: got %v, want %v", got, want)
	}
	if _, err := tc.Storage.Stat(a); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still there: %v", a, err)
	}
}

// splitContent is Kestra's SplitTest content: count lines, each the number left-padded to 20.
func splitContent(count int) string {
	var b strings.Builder
	for i := range count {
		fmt.Fprintf(&b, "%20d\n", i)
	}
	return b.String()
}

func runSplit(t *testing.T, task *StorageSplit, content string) (*Context, []string) {
	t.Helper()
	tc, _ := newContext(t)
	task.From = put(t, tc, "get.yml", content)
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, u := range res.Outputs["uris"].([]any) {
		uris = append(uris, u.(string))
	}
	return tc, uris
}

func readAll(tc *Context, uris []string) string {
	var b strings.Builder
	for _, u := range uris {
		b.WriteString(tc.Storage.(*memStorage).content(u))
	}
	return b.String()
}

func TestStorageSplit(t *testing.T) {
	t.Run("partitions", func(t *testing.T) {
		tc, uris := runSplit(t, &StorageSplit{Partitions: "8"}, splitContent(1000))
		if len(uris) != 8 || !strings.HasSuffix(uris[0], ".yml") {
			t.Fatalf("got %d files (%v), want 8 .yml", len(uris), uris[:1])
		}
		if n := strings.Count(readAll(tc, uris), "\n"); n != 1000 {
			t.Errorf("got %d lines, want 1000", n)
		}
	})
	t.Run("partitions, more than lines: the empty ones are left out", func(t *testing.T) {
		_, uris := runSplit(t, &StorageSplit{Partitions: "8"}, "a\nb\nc\n")
		if len(uris) != 3 {
			t.Errorf("got %d files, want 3", len(uris))
		}
	})
	t.Run("rows", func(t *testing.T) {
		tc, uris := runSplit(t, &StorageSplit{Rows: "10"}, splitContent(1000))
		if len(uris) != 100 {
			t.Fatalf("got %d files, want 100", len(uris))
		}
		if readAll(tc, uris) != splitContent(1000) {
			t.Error("the parts joined are not the file")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		tc, uris := runSplit(t, &StorageSplit{Bytes: "1KB"}, splitContent(12288))
		if len(uris) != 251 {
			t.Fatalf("got %d files, want 251", len(uris))
		}
		if readAll(tc, uris) != splitContent(12288) {
			t.Error("the parts joined are not the file")
		}
	})
	t.Run("separator and CRLF lines", func(t *testing.T) {
		tc, uris := runSplit(t, &StorageSplit{Rows: "2", Separator: ";"}, "a\r\nb\rc\nd")
		if got := readAll(tc, uris); got != "a;b;c;d;" || len(uris) != 2 {
			t.Errorf("got %q in %d files", got, len(uris))
		}
	})
	for _, c := range []struct {
		task *StorageSplit
		want string
	}{
		{&StorageSplit{}, "Invalid configuration with no size, count, nor rows"},
		{&StorageSplit{Bytes: "ten"}, "bytes: Invalid size with value 'ten'"},
		{&StorageSplit{Rows: "0"}, "rows: 0: must be at least 1"},
		{&StorageSplit{Partitions: "x"}, `partitions: "x" is not an integer`},
	} {
		tc, _ := newContext(t)
		c.task.From = put(t, tc, "f.txt", "a\n")
		_, err := c.task.Run(context.Background(), tc)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.task, err, c.want)
		}
	}
}

func TestReadableBytes(t *testing.T) {
	for in, want := range map[string]int64{"1KB": 1024, "10mb": 10 << 20, "2GB": 2 << 30, "300": 300} {
		if got, err := readableBytes(in); err != nil || got != want {
			t.Errorf("%s: got %d, %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1TB", "-1", "0", "1.5MB", "KB"} {
		if _, err := readableBytes(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

func TestStorageReverse(t *testing.T) {
	for _, c := range []struct{ in, sep, want string }{
		{"1\n2\n3\n", "", "3\n2\n1\n"}, // Kestra's ReverseTest
		{"1\n2\n3", "", "3\n2\n1\n"},
		{"a\r\n\r\nb", "", "b\n\na\n"},
		{"x\ny\n", "|", "y|x|"},
		{"", "", ""},
	} {
		tc, _ := newContext(t)
		from := put(t, tc, "get.yml", c.in)
		res, err := (&StorageReverse{From: from, Separator: c.sep}).Run(context.Background(), tc)
		if err != nil {
			t.Fatal(err)
		}
		uri := res.Outputs["uri"].(string)
		if !strings.HasSuffix(uri, ".yml") {
			t.Errorf("%q: the URI %s does not keep .yml", c.in, uri)
		}
		if got := tc.Storage.(*memStorage).content(uri); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
	tc, _ := newContext(t)
	from := put(t, tc, "f.txt", "a\n")
	if _, err := (&StorageReverse{From: from, Charset: "EBCDIC"}).Run(context.Background(), tc); err == nil || !strings.HasPrefix(err.Error(), "charset: ") {
		t.Errorf("an unknown charset: got %v", err)
	}
}

func TestAssert(t *testing.T) {
	t.Run("all true", func(t *testing.T) {
		tc, rec := newContext(t)
		res, err := (&Assert{Conditions: []string{"{{ yes }}", "1", "ok"}}).Run(context.Background(), tc)
		if err != nil || len(rec.at(LevelError)) != 0 {
			t.Fatalf("got %v, logs %s", err, rec.dump())
		}
		if len(res.Metrics) != 2 || res.Metrics[0].Name != "success" || res.Metrics[0].Value != 3 || res.Metrics[1].Value != 0 {
			t.Errorf("metrics: %+v", res.Metrics)
		}
	})
	t.Run("two false, each logged, with the error message", func(t *testing.T) {
		tc, rec := newContext(t)
		res, err := (&Assert{Conditions: []string{"{{ no }}", "{{ yes }}", "0"}, ErrorMessage: "level {{ level }}"}).Run(context.Background(), tc)
		if err == nil || err.Error() != "2 assertions failed!\nlevel warn" {
			t.Fatalf("got %v", err)
		}
		if !rec.has(LevelError, "Assertion `{{ no }}` failed!") || !rec.has(LevelError, "Assertion `0` failed!") {
			t.Errorf("logs: %s", rec.dump())
		}
		if len(res.Metrics) != 2 || res.Metrics[1].Name != "failed" || res.Metrics[1].Value != 2 {
			t.Errorf("metrics: %+v", res.Metrics)
		}
	})
	t.Run("one false", func(t *testing.T) {
		tc, _ := newContext(t)
		_, err := (&Assert{Conditions: []string{""}}).Run(context.Background(), tc)
		if err == nil || err.Error() != "1 assertion failed!" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a condition that cannot render counts failed, and the others are tried", func(t *testing.T) {
		tc, rec := newContext(t)
		_, err := (&Assert{Conditions: []string{"{{ nope }}", "0"}}).Run(context.Background(), tc)
		if err == nil || err.Error() != "2 assertions failed!" {
			t.Fatalf("got %v", err)
		}
		errs := rec.at(LevelError)
		if len(errs) != 2 || !strings.HasPrefix(errs[0], "Assertion `{{ nope }}` failed, failed to render `Unable to find `nope`") {
			t.Errorf("logs: %s", rec.dump())
		}
	})
	t.Run("no condition asserts nothing", func(t *testing.T) {
		tc, _ := newContext(t)
		if _, err := (&Assert{}).Run(context.Background(), tc); err != nil {
			t.Fatal(err)
		}
	})
}
