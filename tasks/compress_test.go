package tasks

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// putFile stores content as a file of another task run of tc's execution and returns its URI.
func putFile(t *testing.T, tc *Context, name, content string) string {
	t.Helper()
	uri, err := tc.Storage.(*memStorage).forRun("src", "R0").Put(name, strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

func makeZip(t *testing.T, files map[string]string, dirs ...string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, d := range dirs {
		if _, err := zw.Create(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range sortedNames(files) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func makeTarGz(t *testing.T, files map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, name := range sortedNames(files) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, files[name])
	}
	tw.WriteHeader(&tar.Header{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
	tw.Close()
	gz.Close()
	return b.String()
}

func sortedNames(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// extracted returns the files an ArchiveDecompress stored, by entry name.
func extracted(t *testing.T, tc *Context, res Result) map[string]string {
	t.Helper()
	files, ok := res.Outputs["files"].(map[string]any)
	if !ok {
		t.Fatalf("files: %#v", res.Outputs["files"])
	}
	out := map[string]string{}
	for name, uri := range files {
		out[name] = tc.Storage.(*memStorage).content(uri.(string))
	}
	return out
}

func TestArchiveDecompressZipAndTarGz(t *testing.T) {
	files := map[string]string{"data.csv": "a,b\n1,2\n", "docs/read me.txt": "hello", "other/data.csv": "x"}
	for name, c := range map[string]struct {
		task    *ArchiveDecompress
		archive string
	}{
		"zip":    {&ArchiveDecompress{Algorithm: "ZIP"}, makeZip(t, files, "docs/")},
		"tar.gz": {&ArchiveDecompress{Algorithm: "TAR", Compression: "GZIP"}, makeTarGz(t, files)},
	} {
		t.Run(name, func(t *testing.T) {
			tc, rec := newContext(t)
			c.task.From = putFile(t, tc, "archive", c.archive)
			res, err := c.task.Run(context.Background(), tc)
			if err != nil {
				t.Fatalf("Run: %v%s", err, rec.dump())
			}
			got := extracted(t, tc, res)
			if len(got) != len(files) {
				t.Errorf("got %d files, want %d: %v", len(got), len(files), got)
			}
			for n, content := range files {
				if got[n] != content {
					t.Errorf("%s: got %q, want %q", n, got[n], content)
				}
			}
			uris := res.Outputs["files"].(map[string]any)
			if u := uris["docs/read me.txt"].(string); !strings.HasSuffix(u, "/read_me.txt") {
				t.Errorf("stored as %s, want the base name with an underscore", u)
			}
			if uris["data.csv"] == uris["other/data.csv"] {
				t.Errorf("two entries of one base name share %s", uris["data.csv"])
			}
			if res.Metrics[0].Name != "size" || res.Metrics[0].Value != float64(len("a,b\n1,2\n")+len("hello")+1) || res.Metrics[1].Value != 3 {
				t.Errorf("metrics: %+v", res.Metrics)
			}
		})
	}
}

func TestArchiveDecompressRefusesPathsOutOfTheArchive(t *testing.T) {
	for _, name := range []string{"../evil.sh", "/etc/cron.d/x", "a/../../evil"} {
		tc, _ := newContext(t)
		from := putFile(t, tc, "a.zip", makeZip(t, map[string]string{name: "x"}))
		_, err := (&ArchiveDecompress{From: from, Algorithm: "ZIP"}).Run(context.Background(), tc)
		if err == nil || err.Error() != "Path traversal attempt detected in archive entry: "+name {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestFileDecompressBzip2(t *testing.T) {
	// bz2.compress(b"hello bzip2\n"), made with Python: Go writes no bzip2.
	blob, _ := hex.DecodeString("425a6839314159265359ab6ba1f1000002d9800010400010001264c01020003100d34d04001ea3ef4e51a2078bb9229c284855b5d0f880")
	tc, _ := newContext(t)
	res, err := (&FileDecompress{From: putFile(t, tc, "f.bz2", string(blob)), Compression: "BZIP2"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := tc.Storage.(*memStorage).content(res.Outputs["uri"].(string)); got != "hello bzip2\n" {
		t.Errorf("got %q", got)
	}
}

func TestFileCompressThenDecompress(t *testing.T) {
	for _, algo := range []string{"GZIP", "DEFLATE"} {
		tc, _ := newContext(t)
		content := strings.Repeat("flowctl ", 1000)
		res, err := (&FileCompress{From: putFile(t, tc, "f.txt", content), Compression: algo}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%s: %v", algo, err)
		}
		packed := res.Outputs["uri"].(string)
		if n := len(tc.Storage.(*memStorage).content(packed)); n >= len(content)/10 {
			t.Errorf("%s: %d bytes compressed from %d", algo, n, len(content))
		}
		res, err = (&FileDecompress{From: packed, Compression: algo}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%s: %v", algo, err)
		}
		if got := tc.Storage.(*memStorage).content(res.Outputs["uri"].(string)); got != content {
			t.Errorf("%s: the round trip changed the file", algo)
		}
	}
}

func TestArchiveCompressThenDecompress(t *testing.T) {
	for _, c := range []struct{ algo, comp string }{{"ZIP", ""}, {"TAR", "GZIP"}, {"TAR", ""}, {"JAR", "DEFLATE"}} {
		tc, rec := newContext(t)
		a := putFile(t, tc, "a.csv", "a\n1\n")
		b := putFile(t, tc, "b.txt", "bee")
		res, err := (&ArchiveCompress{From: map[string]any{"a.csv": a, "sub/{{ name }}.txt": b}, Algorithm: c.algo, Compression: c.comp}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%v: %v%s", c, err, rec.dump())
		}
		res, err = (&ArchiveDecompress{From: res.Outputs["uri"].(string), Algorithm: c.algo, Compression: c.comp}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		got := extracted(t, tc, res)
		if len(got) != 2 || got["a.csv"] != "a\n1\n" || got["sub/world.txt"] != "bee" {
			t.Errorf("%v: got %v", c, got)
		}
	}
}

func TestCompressErrors(t *testing.T) {
	tc, _ := newContext(t)
	from := putFile(t, tc, "x", "x")
	for _, c := range []struct {
		task Task
		want string
	}{
		{&ArchiveDecompress{From: from, Algorithm: "CPIO"}, "algorithm: CPIO is not supported by flowctl yet"},
		{&ArchiveDecompress{From: from, Algorithm: "ZIP", Compression: "XZ"}, "compression: XZ is not supported by flowctl yet"},
		{&ArchiveDecompress{From: from, Algorithm: "ZIP"}, "Unable to read the archive"},
		{&ArchiveDecompress{From: from, Algorithm: "RAR"}, `algorithm: "RAR": expected one of AR, ARJ`},
		{&FileCompress{From: from, Compression: "BZIP2"}, "compression: BZIP2 is not supported by flowctl yet"},
		{&FileCompress{From: from, Compression: "SNAPPY"}, "compression: Not implemented compression 'SNAPPY'"},
		{&FileDecompress{From: from, Compression: "GZIP"}, "Unable to decompress as GZIP: unexpected EOF"},
		{&ArchiveCompress{From: map[string]any{"../x": from}, Algorithm: "ZIP"}, "from.../x: "},
		{&ArchiveCompress{From: map[string]any{"x": "https://example.com"}, Algorithm: "ZIP"}, "expected a kestra:// URI"},
		{&ArchiveCompress{From: map[string]any{"x": from}, Algorithm: "DUMP"}, "Unknown algorithm 'DUMP'"},
	} {
		_, err := c.task.Run(context.Background(), tc)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T %+v: got %v, want %q", c.task, c.task, err, c.want)
		}
	}
}

// TestArchiveCompressFromAString is Kestra's ArchiveRunnerTest.flowString and its sanity
// check: from renders to a JSON object of names to URIs, or to the files output of an
// ArchiveDecompress, or to an Ion file of such records.
func TestArchiveCompressFromAString(t *testing.T) {
	tc, rec := newContext(t)
	f1, f2 := putFile(t, tc, "f1", "1"), putFile(t, tc, "f2", "2")
	ion := putFile(t, tc, "list.ion", "{'file1.txt':\""+f1+"\"}\n{'file2.txt':\""+f2+"\"}\n")
	for name, from := range map[string]any{
		"json text":        `{"file1.txt": "` + f1 + `", "file2.txt": "` + f2 + `"}`,
		"json array":       `[{"file1.txt": "` + f1 + `"}, {"file2.txt": "` + f2 + `"}]`,
		"ion file":         ion,
		"list of mappings": []any{map[string]any{"file1.txt": f1}, map[string]any{"file2.txt": f2}},
	} {
		res, err := (&ArchiveCompress{From: from, Algorithm: "ZIP"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%s: %v%s", name, err, rec.dump())
		}
		res, err = (&ArchiveDecompress{From: res.Outputs["uri"].(string), Algorithm: "ZIP"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := extracted(t, tc, res); len(got) != 2 || got["file1.txt"] != "1" || got["file2.txt"] != "2" {
			t.Errorf("%s: got %v", name, got)
		}
	}
	// A typed render hands the files output over as a map.
	tc.RenderTyped = func(string) (any, error) { return map[string]any{"readme.txt": f1}, nil }
	res, err := (&ArchiveCompress{From: "{{ outputs.decompress.files }}", Algorithm: "JAR"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	res, err = (&ArchiveDecompress{From: res.Outputs["uri"].(string), Algorithm: "JAR"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := extracted(t, tc, res); got["readme.txt"] != "1" {
		t.Errorf("got %v", got)
	}
}

// TestTemporaryFilesBeforeTheRunnerMadeItsFolder: the runner makes its folder for the first
// task that asks for a working folder, and removes only what it made; Concat and these tasks
// work before, and leave no folder behind.
func TestTemporaryFilesBeforeTheRunnerMadeItsFolder(t *testing.T) {
	tc, _ := newContext(t)
	tc.TempDir = filepath.Join(t.TempDir(), "not-made-yet")
	a := putFile(t, tc, "a", "a")
	if _, err := (&Concat{Files: []any{a, a}}).Run(context.Background(), tc); err != nil {
		t.Errorf("Concat: %v", err)
	}
	if _, err := (&FileCompress{From: a, Compression: "GZIP"}).Run(context.Background(), tc); err != nil {
		t.Errorf("FileCompress: %v", err)
	}
	if _, err := os.Stat(tc.TempDir); !os.IsNotExist(err) {
		t.Errorf("the runner's folder was made: %v", err)
	}
}
