package tasks

import (
	"crypto/md5"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// storageScheme starts the URIs of the internal storage.
const storageScheme = "kestra://"

// errNoStorage is what a task says when it needs the internal storage and the run has none.
var errNoStorage = errors.New("the internal storage is not available here")

// IsStorageURI reports whether s names a file of the internal storage (kestra://...), which
// inputFiles copy in rather than write as text.
func IsStorageURI(s string) bool { return strings.HasPrefix(s, storageScheme) }

// storedName is the name a file of the working folder is stored under, as Kestra names
// outputFiles: an id made from its path, a dash, its base name. Two files of one name in
// different folders get different ids.
func storedName(path string) string {
	return idFrom(path) + "-" + filepath.Base(path)
}

// idFrom is Kestra's IdUtils.from: the name-based (version 3) UUID of the MD5 of s, written
// in base62 as FriendlyId writes it.
func idFrom(s string) string {
	h := md5.Sum([]byte(s))
	u := md5.Sum(h[:])
	u[6] = u[6]&0x0f | 0x30
	u[8] = u[8]&0x3f | 0x80
	return new(big.Int).SetBytes(u[:]).Text(62)
}

// storeFile stores the file at path in the task run's storage under storedName and returns
// its URI.
func storeFile(tc *Context, path string) (string, error) {
	if tc.Storage == nil {
		return "", errNoStorage
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return tc.Storage.Put(storedName(path), f)
}

// fetchFile copies the file at a kestra:// URI to path, made 0644 like the other input files.
func fetchFile(tc *Context, uri, path string) (err error) {
	if tc.Storage == nil {
		return errNoStorage
	}
	src, err := tc.Storage.Open(uri)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", uri, err)
	}
	return nil
}

// InputFiles renders an inputFiles property written as a mapping of file names to contents
// (or kestra:// URIs), or as a string rendering to a JSON object of them, as Kestra's
// WorkingDirectory and LocalFiles accept; a null content is an empty file. Errors name prop.
func InputFiles(tc *Context, prop string, raw any) (map[string]string, error) {
	if s, ok := raw.(string); ok {
		out, err := tc.render(prop, s)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			return nil, &PropError{Prop: prop, Err: fmt.Errorf("expected a JSON object of file names to contents, got %q: %v", CutRunes(out, 60), err)}
		}
		raw = m
	}
	m, ok := raw.(map[string]any)
	if !ok && raw != nil {
		return nil, &PropError{Prop: prop, Err: fmt.Errorf("expected a mapping of file names to contents, got %T", raw)}
	}
	files := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		name, err := tc.render(prop+"."+k, k)
		if err != nil {
			return nil, err
		}
		if err := CheckFileName(name); err != nil {
			return nil, &PropError{Prop: prop + "." + k, Err: err}
		}
		var content string
		switch v := m[k].(type) {
		case nil:
		case string:
			if content, err = tc.render(prop+"."+k, v); err != nil {
				return nil, err
			}
		case bool, int, int64, float64:
			content = fmt.Sprint(v)
		default:
			return nil, &PropError{Prop: prop + "." + k, Err: fmt.Errorf("expected the file's content as text or a kestra:// URI, got %T", v)}
		}
		if _, dup := files[name]; dup {
			return nil, &PropError{Prop: prop, Err: fmt.Errorf("two names render to %q", name)}
		}
		files[name] = content
	}
	return files, nil
}

// WriteInputFiles writes files (name → content or kestra:// URI) into dir, creating their
// sub-folders; a URI's file is copied from tc.Storage. Names must stay inside dir.
func WriteInputFiles(tc *Context, dir string, files map[string]string) error {
	for name := range files {
		if err := CheckFileName(name); err != nil {
			return fmt.Errorf("inputFiles: %w", err)
		}
	}
	return writeInputFiles(tc, dir, files)
}

// StoreOutputFiles stores the regular files of dir that match a glob in tc.Storage and maps
// their paths relative to dir to their kestra:// URIs, as outputFiles do.
func StoreOutputFiles(tc *Context, dir string, globs []string) (map[string]any, error) {
	return keepOutputFiles(tc, dir, globs, "")
}

// storageURIPattern finds the kestra:// URIs in a script's text: Kestra's
// ScriptService.INTERNAL_STORAGE_PATTERN, so a URI ends where Kestra's does.
var storageURIPattern = regexp.MustCompile(`kestra://[-a-zA-Z0-9%._+~#=/]*`)

// localizeStorageURIs copies the file of every kestra:// URI in text into dir and puts the
// copy's absolute path in the URI's place, as Kestra's script tasks do with their commands
// and scripts: `cat {{ outputs.download.uri }}` reads the downloaded file. Each URI is copied
// once, to a file of its own named like Kestra's temporary files (*.tmp). prop names the
// property in errors.
func localizeStorageURIs(tc *Context, dir, prop, text string) (string, error) {
	if !strings.Contains(text, storageScheme) {
		return text, nil
	}
	copies := map[string]string{}
	var firstErr error
	out := storageURIPattern.ReplaceAllStringFunc(text, func(uri string) string {
		if local, ok := copies[uri]; ok || firstErr != nil {
			return local
		}
		f, err := os.CreateTemp(dir, "*.tmp")
		if err != nil {
			firstErr = &PropError{Prop: prop, Err: err}
			return ""
		}
		local := f.Name()
		f.Close()
		if err := fetchFile(tc, uri, local); err != nil {
			os.Remove(local)
			firstErr = &PropError{Prop: prop, Err: err}
			return ""
		}
		copies[uri] = local
		return local
	})
	return out, firstErr
}

// localizeBody localizes the kestra:// URIs of a script's commands, or of its Python script.
func localizeBody(tc *Context, dir string, body scriptBody) (scriptBody, error) {
	var err error
	if body.python != "" {
		body.python, err = localizeStorageURIs(tc, dir, "script", body.python)
		return body, err
	}
	prop := "commands"
	if body.script {
		prop = "script"
	}
	cmds := make([]string, len(body.commands))
	for i, c := range body.commands {
		if cmds[i], err = localizeStorageURIs(tc, dir, prop, c); err != nil {
			return body, err
		}
	}
	body.commands = cmds
	return body, nil
}
