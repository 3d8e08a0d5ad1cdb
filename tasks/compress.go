package tasks

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/bzip2"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/templating"
)

// Kestra's plugin-compress: archives (ZIP, JAR, TAR) and single-file compressions (GZIP,
// DEFLATE, BZIP2) of files of the internal storage, with Go's own readers and writers.

// archiveAlgorithms and compressionAlgorithms are Kestra's enums; flowctl runs some of each.
const (
	archiveAlgorithms     = "AR,ARJ,CPIO,DUMP,JAR,TAR,ZIP"
	compressionAlgorithms = "BROTLI,BZIP2,DEFLATE,DEFLATE64,GZIP,LZ4BLOCK,LZ4FRAME,LZMA,SNAPPY,SNAPPYFRAME,XZ,Z,ZSTD"
)

// decompressor reads what algo compressed; algo is one of compressionAlgorithms.
func decompressor(algo string, r io.Reader) (io.ReadCloser, error) {
	switch algo {
	case "GZIP":
		// Concatenated members are read one after another, as Commons Compress does.
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("Unable to decompress as GZIP: %v", err)
		}
		return z, nil
	case "DEFLATE":
		z, err := zlib.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("Unable to decompress as DEFLATE: %v", err)
		}
		return z, nil
	case "BZIP2":
		return io.NopCloser(bzip2.NewReader(r)), nil
	}
	return nil, &PropError{Prop: "compression", Err: fmt.Errorf("%s is not supported by flowctl yet: it reads GZIP, DEFLATE and BZIP2", algo)}
}

// compressor writes w compressed with algo.
func compressor(algo string, w io.Writer) (io.WriteCloser, error) {
	switch algo {
	case "GZIP":
		return gzip.NewWriter(w), nil
	case "DEFLATE":
		return zlib.NewWriter(w), nil
	case "BROTLI", "DEFLATE64", "SNAPPY":
		return nil, &PropError{Prop: "compression", Err: fmt.Errorf("Not implemented compression '%s'", algo)}
	}
	return nil, &PropError{Prop: "compression", Err: fmt.Errorf("%s is not supported by flowctl yet: it writes GZIP and DEFLATE", algo)}
}

// renderEnum renders an enum property and checks it against values (a templated one is
// checked only here).
func renderEnum(tc *Context, prop, raw, values string) (string, error) {
	v, err := tc.render(prop, raw)
	if err != nil {
		return "", err
	}
	v = strings.ToUpper(strings.TrimSpace(v))
	if !slices.Contains(strings.Split(values, ","), v) {
		return "", &PropError{Prop: prop, Err: fmt.Errorf("%q: expected one of %s", v, strings.ReplaceAll(values, ",", ", "))}
	}
	return v, nil
}

// openFrom renders a from property naming a file of the internal storage and opens it.
func openFrom(tc *Context, from string) (io.ReadCloser, error) {
	if tc.Storage == nil {
		return nil, errNoStorage
	}
	uri, err := tc.render("from", from)
	if err != nil {
		return nil, err
	}
	if !IsStorageURI(uri) {
		return nil, &PropError{Prop: "from", Err: fmt.Errorf("%q: expected a kestra:// URI of the internal storage", CutRunes(uri, 80))}
	}
	r, err := tc.Storage.Open(uri)
	if err != nil {
		return nil, &PropError{Prop: "from", Err: err}
	}
	return r, nil
}

// tempStore is a temporary file that a task fills, then stores.
type tempStore struct {
	f *os.File
}

func newTempStore(tc *Context) (*tempStore, error) {
	f, err := createTemp(tc, "flowctl-compress-*")
	if err != nil {
		return nil, err
	}
	return &tempStore{f: f}, nil
}

func (t *tempStore) close() {
	t.f.Close()
	os.Remove(t.f.Name())
}

// put stores the file under a fresh name ending with ext.
func (t *tempStore) put(tc *Context, ext string) (string, error) {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	name, err := storedFileName(tc, "", ext)
	if err != nil {
		return "", err
	}
	return tc.Storage.Put(name, t.f)
}

// archiveDecompressDef is Kestra's compress.ArchiveDecompress.
var archiveDecompressDef = &Def{
	Type: "io.kestra.plugin.compress.ArchiveDecompress",
	Doc:  "Extract the files of a ZIP, JAR or TAR archive of the internal storage: outputs.ID.files maps each entry's name to its kestra:// URI.",
	New:  func() Task { return &ArchiveDecompress{} },
}

// ArchiveDecompress stores each file of an archive in the internal storage.
type ArchiveDecompress struct {
	From        string `flow:"from,required" doc:"the kestra:// URI of the archive"`
	Algorithm   string `flow:"algorithm,required" enum:"AR,ARJ,CPIO,DUMP,JAR,TAR,ZIP" doc:"the archive's format: ZIP, JAR or TAR (AR, ARJ, CPIO and DUMP are not supported yet)"`
	Compression string `flow:"compression" enum:"BROTLI,BZIP2,DEFLATE,DEFLATE64,GZIP,LZ4BLOCK,LZ4FRAME,LZMA,SNAPPY,SNAPPYFRAME,XZ,Z,ZSTD" doc:"the compression around the archive, such as GZIP for a .tar.gz (GZIP, DEFLATE and BZIP2 are read)"`
}

// Run reads the archive an entry at a time and stores its files.
func (t *ArchiveDecompress) Run(ctx context.Context, tc *Context) (Result, error) {
	algo, err := renderEnum(tc, "algorithm", t.Algorithm, archiveAlgorithms)
	if err != nil {
		return Result{}, err
	}
	if algo != "ZIP" && algo != "JAR" && algo != "TAR" {
		return Result{}, &PropError{Prop: "algorithm", Err: fmt.Errorf("%s is not supported by flowctl yet: it reads ZIP, JAR and TAR", algo)}
	}
	comp := ""
	if t.Compression != "" {
		if comp, err = renderEnum(tc, "compression", t.Compression, compressionAlgorithms); err != nil {
			return Result{}, err
		}
	}
	in, err := openFrom(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	var r io.Reader = bufio.NewReaderSize(in, 64<<10)
	if comp != "" {
		d, err := decompressor(comp, r)
		if err != nil {
			return Result{}, err
		}
		defer d.Close()
		r = d
	}
	x := &extraction{tc: tc, ctx: ctx, files: map[string]any{}, names: map[string]bool{}}
	if algo == "TAR" {
		err = x.tar(r)
	} else {
		err = x.zip(r)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{
		Outputs: map[string]any{"files": x.files},
		Metrics: []Metric{
			{Name: "size", Type: "counter", Value: float64(x.size)},
			{Name: "count", Type: "counter", Value: float64(len(x.files))},
		},
	}, nil
}

// extraction stores an archive's files as they are read.
type extraction struct {
	tc    *Context
	ctx   context.Context
	files map[string]any  // entry name → URI
	names map[string]bool // the stored names taken
	size  int64
}

// store stores one entry's file, refusing a name that would leave the folder it is
// extracted to (zip-slip). Kestra stores it under its base name, spaces made underscores.
func (x *extraction) store(name string, r io.Reader) error {
	if err := context.Cause(x.ctx); err != nil {
		return err
	}
	clean := strings.ReplaceAll(name, " ", "_")
	if filepath.IsAbs(clean) || strings.HasPrefix(clean, "/") || !filepath.IsLocal(path.Clean(strings.ReplaceAll(clean, `\`, "/"))) {
		return fmt.Errorf("Path traversal attempt detected in archive entry: %s", name)
	}
	stored := path.Base(path.Clean(clean))
	if stored == "." || stored == "/" {
		return fmt.Errorf("archive entry %q: no file name", name)
	}
	if x.names[stored] {
		// Two entries of one base name in different folders: both are kept.
		stored = idFrom(clean) + "-" + stored
	}
	x.names[stored] = true
	cr := &countingReader{r: r}
	uri, err := x.tc.Storage.Put(stored, cr)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	x.size += cr.n
	x.files[name] = uri
	return nil
}

// tar stores the regular files of a tar stream; folders, links and devices are not files.
func (x *extraction) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("Unable to read the archive: %v", err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			if err := x.store(h.Name, tr); err != nil {
				return err
			}
		case tar.TypeSymlink, tar.TypeLink:
			x.tc.Log.Warnf("archive entry '%s' is a link: not extracted", h.Name)
		}
	}
}

// zip stores the files of a zip archive. Go reads a zip from its end (the central
// directory), so the stream is copied to a temporary file first.
func (x *extraction) zip(r io.Reader) error {
	tmp, err := newTempStore(x.tc)
	if err != nil {
		return err
	}
	defer tmp.close()
	n, err := io.Copy(tmp.f, r)
	if err != nil {
		return fmt.Errorf("Unable to read the archive: %v", err)
	}
	zr, err := zip.NewReader(tmp.f, n)
	if err != nil {
		return fmt.Errorf("Unable to read the archive: %v", err)
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("Unable to read entry '%s': %v", f.Name, err)
		}
		err = x.store(f.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// archiveCompressDef is Kestra's compress.ArchiveCompress.
var archiveCompressDef = &Def{
	Type: "io.kestra.plugin.compress.ArchiveCompress",
	Doc:  "Store files of the internal storage as one ZIP, JAR or TAR archive, optionally compressed: outputs.ID.uri.",
	New:  func() Task { return &ArchiveCompress{} },
}

// ArchiveCompress writes files of the internal storage into one archive.
type ArchiveCompress struct {
	From        any    `flow:"from,required" doc:"the files: a mapping of entry name to kestra:// URI (names and URIs rendered), or a kestra:// URI of an Ion file of such mappings"`
	Algorithm   string `flow:"algorithm,required" enum:"AR,ARJ,CPIO,DUMP,JAR,TAR,ZIP" doc:"the archive's format: ZIP, JAR or TAR (AR and CPIO are not supported yet; ARJ and DUMP are read-only in Kestra too)"`
	Compression string `flow:"compression" enum:"BROTLI,BZIP2,DEFLATE,DEFLATE64,GZIP,LZ4BLOCK,LZ4FRAME,LZMA,SNAPPY,SNAPPYFRAME,XZ,Z,ZSTD" doc:"a compression around the archive, such as GZIP for a .tar.gz (GZIP and DEFLATE are written)"`
}

// Run writes the archive, a file at a time.
func (t *ArchiveCompress) Run(ctx context.Context, tc *Context) (Result, error) {
	algo, err := renderEnum(tc, "algorithm", t.Algorithm, archiveAlgorithms)
	if err != nil {
		return Result{}, err
	}
	switch algo {
	case "ZIP", "JAR", "TAR":
	case "ARJ", "DUMP":
		return Result{}, &PropError{Prop: "algorithm", Err: fmt.Errorf("Unknown algorithm '%s'", algo)}
	default:
		return Result{}, &PropError{Prop: "algorithm", Err: fmt.Errorf("%s is not supported by flowctl yet: it writes ZIP, JAR and TAR", algo)}
	}
	comp := ""
	if t.Compression != "" {
		if comp, err = renderEnum(tc, "compression", t.Compression, compressionAlgorithms); err != nil {
			return Result{}, err
		}
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	entries, err := archiveEntries(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	tmp, err := newTempStore(tc)
	if err != nil {
		return Result{}, err
	}
	defer tmp.close()
	bw := bufio.NewWriterSize(tmp.f, 64<<10)
	var w io.Writer = bw
	var cw io.WriteCloser
	if comp != "" {
		if cw, err = compressor(comp, bw); err != nil {
			return Result{}, err
		}
		w = cw
	}
	if algo == "TAR" {
		err = writeTar(ctx, tc, w, entries)
	} else {
		err = writeZip(ctx, tc, w, entries)
	}
	if err != nil {
		return Result{}, err
	}
	if cw != nil {
		if err := cw.Close(); err != nil {
			return Result{}, err
		}
	}
	if err := bw.Flush(); err != nil {
		return Result{}, err
	}
	uri, err := tmp.put(tc, ".tmp")
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// archiveEntry is one file to archive: its name in the archive and its URI.
type archiveEntry struct{ name, uri string }

// archiveEntries renders from: a mapping of names to URIs, or a URI of an Ion file of such
// mappings (Kestra's Data.From), in the order they are written.
func archiveEntries(tc *Context, from any) ([]archiveEntry, error) {
	var out []archiveEntry
	add := func(prop string, keys []string, m map[string]any) error {
		for _, k := range keys {
			name, err := tc.render(prop+"."+k, k)
			if err != nil {
				return err
			}
			if err := CheckFileName(name); err != nil {
				return &PropError{Prop: prop + "." + k, Err: err}
			}
			raw, ok := m[k].(string)
			if !ok {
				return &PropError{Prop: prop + "." + k, Err: fmt.Errorf("expected a kestra:// URI, got %T", m[k])}
			}
			uri, err := tc.render(prop+"."+k, raw)
			if err != nil {
				return err
			}
			if !IsStorageURI(uri) {
				return &PropError{Prop: prop + "." + k, Err: fmt.Errorf("%q: expected a kestra:// URI of the internal storage", CutRunes(uri, 80))}
			}
			out = append(out, archiveEntry{name: name, uri: uri})
		}
		return nil
	}
	if raw, ok := from.(string); ok {
		// A string renders to a kestra:// URI of an Ion file of records, or to the mapping
		// (or list of mappings) itself: `{{ outputs.unzip.files }}`, a JSON text.
		var v any
		var err error
		if tc.RenderTyped != nil {
			if v, err = tc.RenderTyped(raw); err != nil {
				return nil, &PropError{Prop: "from", Err: err}
			}
		} else if v, err = tc.render("from", raw); err != nil {
			return nil, err
		}
		if s, isText := v.(string); isText {
			s = strings.TrimSpace(s)
			switch {
			case IsStorageURI(s):
				if err := ionEntries(tc, s, add); err != nil {
					return nil, err
				}
				return out, nil
			case strings.HasPrefix(s, "{") || strings.HasPrefix(s, "["):
				dec := json.NewDecoder(strings.NewReader(s))
				dec.UseNumber()
				if v, err = templating.DecodeJSON(dec, nil); err != nil {
					return nil, &PropError{Prop: "from", Err: fmt.Errorf("invalid JSON: %v", err)}
				}
			default:
				return nil, &PropError{Prop: "from", Err: fmt.Errorf("%q: expected a kestra:// URI, or a mapping of entry names to kestra:// URIs", CutRunes(s, 80))}
			}
		}
		from = v
	}
	if list, ok := from.([]any); ok {
		for i, item := range list {
			keys, m, ok := templating.AsMap(item)
			if !ok {
				return nil, &PropError{Prop: fmt.Sprintf("from[%d]", i), Err: fmt.Errorf("expected a mapping of entry names to kestra:// URIs, got %T", item)}
			}
			if err := add(fmt.Sprintf("from[%d]", i), keys, m); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if from == nil {
		return nil, &PropError{Prop: "from", Err: errors.New("give a mapping of entry names to kestra:// URIs")}
	}
	keys, m, ok := templating.AsMap(from)
	if !ok {
		return nil, &PropError{Prop: "from", Err: fmt.Errorf("expected a mapping of entry names to kestra:// URIs, got %T", from)}
	}
	if err := add("from", keys, m); err != nil {
		return nil, err
	}
	return out, nil
}

// ionEntries reads the entries of an Ion file of records of entry names to URIs.
func ionEntries(tc *Context, uri string, add func(string, []string, map[string]any) error) error {
	in, err := tc.Storage.Open(uri)
	if err != nil {
		return &PropError{Prop: "from", Err: err}
	}
	defer in.Close()
	dec := templating.NewIonDecoder(in)
	for {
		rec, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &PropError{Prop: "from", Err: err}
		}
		keys, m, ok := templating.AsMap(rec)
		if !ok {
			return &PropError{Prop: "from", Err: fmt.Errorf("expected records of entry names to URIs, got %s", templating.ToString(rec))}
		}
		if err := add("from", keys, m); err != nil {
			return err
		}
	}
	return nil
}

func writeZip(ctx context.Context, tc *Context, w io.Writer, entries []archiveEntry) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(e.name), Method: zip.Deflate, Modified: tc.Now()})
		if err != nil {
			return err
		}
		if err := copyFrom(tc, fw, e); err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeTar(ctx context.Context, tc *Context, w io.Writer, entries []archiveEntry) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if err := context.Cause(ctx); err != nil {
			return err
		}
		size, err := tc.Storage.Stat(e.uri)
		if err != nil {
			return &PropError{Prop: "from." + e.name, Err: err}
		}
		h := &tar.Header{Name: filepath.ToSlash(e.name), Mode: 0o644, Size: size, ModTime: tc.Now(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if err := copyFrom(tc, tw, e); err != nil {
			return err
		}
	}
	return tw.Close()
}

// copyFrom copies the file of an entry into w.
func copyFrom(tc *Context, w io.Writer, e archiveEntry) error {
	r, err := tc.Storage.Open(e.uri)
	if err != nil {
		return &PropError{Prop: "from." + e.name, Err: err}
	}
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	return nil
}

// fileCompressDef is Kestra's compress.FileCompress.
var fileCompressDef = &Def{
	Type: "io.kestra.plugin.compress.FileCompress",
	Doc:  "Compress a file of the internal storage (GZIP or DEFLATE): outputs.ID.uri.",
	New:  func() Task { return &FileCompress{} },
}

// FileCompress compresses one file of the internal storage.
type FileCompress struct {
	From        string `flow:"from,required" doc:"the kestra:// URI of the file"`
	Compression string `flow:"compression,required" enum:"BROTLI,BZIP2,DEFLATE,DEFLATE64,GZIP,LZ4BLOCK,LZ4FRAME,LZMA,SNAPPY,SNAPPYFRAME,XZ,Z,ZSTD" doc:"the compression (GZIP and DEFLATE are written)"`
}

// Run compresses the file as it is read.
func (t *FileCompress) Run(ctx context.Context, tc *Context) (Result, error) {
	comp, err := renderEnum(tc, "compression", t.Compression, compressionAlgorithms)
	if err != nil {
		return Result{}, err
	}
	tmp, err := newTempStore(tc)
	if err != nil {
		return Result{}, err
	}
	defer tmp.close()
	bw := bufio.NewWriterSize(tmp.f, 64<<10)
	cw, err := compressor(comp, bw)
	if err != nil {
		return Result{}, err
	}
	in, err := openFrom(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	if _, err := io.Copy(cw, in); err != nil {
		return Result{}, err
	}
	if err := cw.Close(); err != nil {
		return Result{}, err
	}
	if err := bw.Flush(); err != nil {
		return Result{}, err
	}
	uri, err := tmp.put(tc, ".tmp")
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// fileDecompressDef is Kestra's compress.FileDecompress.
var fileDecompressDef = &Def{
	Type: "io.kestra.plugin.compress.FileDecompress",
	Doc:  "Decompress a file of the internal storage (GZIP, DEFLATE or BZIP2): outputs.ID.uri.",
	New:  func() Task { return &FileDecompress{} },
}

// FileDecompress decompresses one file of the internal storage.
type FileDecompress struct {
	From        string `flow:"from,required" doc:"the kestra:// URI of the compressed file"`
	Compression string `flow:"compression,required" enum:"BROTLI,BZIP2,DEFLATE,DEFLATE64,GZIP,LZ4BLOCK,LZ4FRAME,LZMA,SNAPPY,SNAPPYFRAME,XZ,Z,ZSTD" doc:"the compression (GZIP, DEFLATE and BZIP2 are read)"`
}

// Run decompresses the file as it is read.
func (t *FileDecompress) Run(ctx context.Context, tc *Context) (Result, error) {
	comp, err := renderEnum(tc, "compression", t.Compression, compressionAlgorithms)
	if err != nil {
		return Result{}, err
	}
	in, err := openFrom(tc, t.From)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	d, err := decompressor(comp, bufio.NewReaderSize(in, 64<<10))
	if err != nil {
		return Result{}, err
	}
	defer d.Close()
	tmp, err := newTempStore(tc)
	if err != nil {
		return Result{}, err
	}
	defer tmp.close()
	if _, err := io.Copy(tmp.f, d); err != nil {
		return Result{}, fmt.Errorf("Unable to decompress as %s: %v", comp, err)
	}
	uri, err := tmp.put(tc, ".tmp")
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri}}, nil
}

// createTemp makes a temporary file under tc.TempDir, or under the system's temporary
// folder while the runner has not made that one yet (it makes it only when a task asks for
// a working folder, and removes only what it made).
func createTemp(tc *Context, pattern string) (*os.File, error) {
	dir := tc.TempDir
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		dir = ""
	}
	return os.CreateTemp(dir, pattern)
}
