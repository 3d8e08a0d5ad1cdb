package tasks

import (
	"context"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// memNamespaces is every namespace's files in memory: namespace → path → content.
type memNamespaces map[string]map[string]string

func (m memNamespaces) NamespaceFilePaths(ns string) ([]string, error) {
	var out []string
	for p := range m[ns] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

func (m memNamespaces) OpenNamespaceFileOf(ns, p string) (io.ReadCloser, error) {
	c, ok := m[ns][p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return io.NopCloser(strings.NewReader(c)), nil
}

func (m memNamespaces) PutNamespaceFileOf(ns, p string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if m[ns] == nil {
		m[ns] = map[string]string{}
	}
	m[ns][p] = string(b)
	return err
}

func (m memNamespaces) DeleteNamespaceFileOf(ns, p string) (bool, error) {
	_, ok := m[ns][p]
	delete(m[ns], p)
	return ok, nil
}

func TestDownloadAndDeleteFiles(t *testing.T) {
	tc, _ := newContext(t)
	nss := memNamespaces{"team": {"/a.sql": "select 1", "/sub/b.sql": "select 2", "/c.txt": "c"}}
	tc.Namespaces = nss
	res, err := (&DownloadFiles{Namespace: "team", Files: StringList{"**.sql"}}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	files := res.Outputs["files"].(map[string]any)
	if len(files) != 2 || tc.Storage.(*memStorage).content(files["/sub/b.sql"].(string)) != "select 2" {
		t.Errorf("got %v, want /a.sql and /sub/b.sql stored", files)
	}
	if res.Metrics[0].Name != "downloaded" || res.Metrics[0].Value != 2 {
		t.Errorf("metrics: got %+v", res.Metrics)
	}
	res, err = (&DeleteFiles{Namespace: "team", Files: StringList{"/sub/**", "c.txt"}}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := nss.NamespaceFilePaths("team"); !slices.Equal(got, []string{"/a.sql"}) || res.Metrics[0].Value != 2 {
		t.Errorf("after delete: got %v (deleted %v), want /a.sql left", got, res.Metrics[0].Value)
	}
	if _, err := (&DeleteFiles{Namespace: "team"}).Run(context.Background(), tc); err == nil {
		t.Error("DeleteFiles without files: got no error")
	}
	tc.Namespaces = nil
	if _, err := (&DownloadFiles{Namespace: "team", Files: StringList{"x"}}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("no storage: got %v", err)
	}
}

func TestUploadFilesConflicts(t *testing.T) {
	tc, rec := newContext(t)
	nss := memNamespaces{"team": {"/in/x.txt": "old"}}
	tc.Namespaces = nss
	st := tc.Storage.(*memStorage)
	uri, _ := st.Put("x.txt", strings.NewReader("new"))
	upload := func(conflict string, m map[string]any) error {
		_, err := (&UploadFiles{Namespace: "team", FilesMap: m, Destination: "/in/", Conflict: conflict}).Run(context.Background(), tc)
		return err
	}
	if err := upload("SKIP", map[string]any{"x.txt": uri}); err != nil || nss["team"]["/in/x.txt"] != "old" {
		t.Errorf("SKIP: got %v, %q; want the old file kept", err, nss["team"]["/in/x.txt"])
	}
	if !rec.has(LevelDebug, "File '/in/x.txt' already exists in namespace 'team' and conflict is set to SKIP. Skipping.") {
		t.Errorf("SKIP: not logged: %v", rec.lines)
	}
	if err := upload("ERROR", map[string]any{"x.txt": uri}); err == nil || !strings.Contains(err.Error(), "File 'in/x.txt' already exists in namespace 'team' and conflict is set to ERROR") {
		t.Errorf("ERROR: got %v", err)
	}
	if err := upload("", map[string]any{"x.txt": uri, "gone.txt": st.prefix + "nope"}); err != nil || nss["team"]["/in/x.txt"] != "new" {
		t.Errorf("OVERWRITE: got %v, %q; want the new file", err, nss["team"]["/in/x.txt"])
	}
	if _, ok := nss["team"]["/in/gone.txt"]; ok {
		t.Error("a URI with no file was uploaded; Kestra skips it")
	}
	if err := upload("", map[string]any{"x.txt": 3}); err == nil || !strings.Contains(err.Error(), "filesMap must be a Map<String, String>") {
		t.Errorf("a number: got %v", err)
	}
	if _, err := (&UploadFiles{Namespace: "team"}).Run(context.Background(), tc); err == nil || err.Error() != "files or filesMap is required" {
		t.Errorf("nothing to upload: got %v", err)
	}
}
