package tasks

import (
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
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
