package storage

import (
	"github.com/flowctl/flowctl/internal/murmur3"
	"io"
	"time"
)

// A WorkingDirectory's cache is one zip file per task (and per taskrun.value inside a
// ForEach), where Kestra keeps it (StorageContext.getCacheURI):
//
//	kestra:///<namespace>/<flow slug>/<task slug>/cache/cache.zip
//	kestra:///<namespace>/<flow slug>/<task slug>/cache/<murmur3 of the value>/cache.zip

// cacheSegs returns the segments of a cache file.
func cacheSegs(namespace, flowID, cacheID, objectID string) ([]string, error) {
	segs, err := namespaceSegs(namespace)
	if err != nil {
		return nil, err
	}
	segs = append(segs[:len(segs)-1], Slug(flowID), Slug(cacheID), "cache")
	if objectID != "" {
		segs = append(segs, murmur3.Hex(objectID))
	}
	return append(segs, "cache.zip"), nil
}

// CacheURI returns the URI of the cache file of a task.
func CacheURI(namespace, flowID, cacheID, objectID string) string {
	segs, err := cacheSegs(namespace, flowID, cacheID, objectID)
	if err != nil {
		return ""
	}
	return encode(segs)
}

// OpenCache opens the cache file of a task. With a ttl, a file older than ttl at now is
// removed and reported missing, as Kestra's getCacheFile does; ok is false when there is no
// (live) cache.
func (r *Root) OpenCache(namespace, flowID, cacheID, objectID string, ttl time.Duration, now time.Time) (rc io.ReadCloser, ok bool, err error) {
	segs, err := cacheSegs(namespace, flowID, cacheID, objectID)
	if err != nil {
		return nil, false, err
	}
	mod, found := r.statModTime(segs)
	if !found {
		return nil, false, nil
	}
	if ttl > 0 && now.After(mod.Add(ttl)) {
		return nil, false, r.removeFile(segs)
	}
	rc, err = r.openFile(encode(segs), segs)
	if err != nil {
		return nil, false, err
	}
	return rc, true, nil
}

// PutCache stores what src yields as the cache file of a task, replacing the one before.
func (r *Root) PutCache(namespace, flowID, cacheID, objectID string, src io.Reader) (string, error) {
	segs, err := cacheSegs(namespace, flowID, cacheID, objectID)
	if err != nil {
		return "", err
	}
	if err := r.put(segs, src); err != nil {
		return "", err
	}
	return encode(segs), nil
}
