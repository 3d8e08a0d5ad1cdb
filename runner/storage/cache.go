package storage

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"math/bits"
	"strings"
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
		segs = append(segs, murmur3Hex(objectID))
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

// murmur3Hex is Kestra's Hashing.hashToString: Guava's murmur3_128 (seed 0) of the UTF-8
// text, its 16 bytes in hexadecimal.
func murmur3Hex(s string) string {
	h1, h2 := murmur3x64128([]byte(s))
	var out [16]byte
	binary.LittleEndian.PutUint64(out[:8], h1)
	binary.LittleEndian.PutUint64(out[8:], h2)
	return strings.ToLower(hex.EncodeToString(out[:]))
}

// murmur3x64128 is MurmurHash3_x64_128 with seed 0.
func murmur3x64128(data []byte) (uint64, uint64) {
	const c1, c2 = 0x87c37b91114253d5, 0x4cf5ad432745937f
	var h1, h2 uint64
	n := len(data)
	for len(data) >= 16 {
		k1 := binary.LittleEndian.Uint64(data)
		k2 := binary.LittleEndian.Uint64(data[8:])
		data = data[16:]
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
		h1 = bits.RotateLeft64(h1, 27)
		h1 += h2
		h1 = h1*5 + 0x52dce729
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
		h2 = bits.RotateLeft64(h2, 31)
		h2 += h1
		h2 = h2*5 + 0x38495ab5
	}
	var k1, k2 uint64
	for i := len(data) - 1; i >= 8; i-- {
		k2 ^= uint64(data[i]) << (8 * uint(i-8))
	}
	if len(data) > 8 {
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
	}
	for i := min(len(data), 8) - 1; i >= 0; i-- {
		k1 ^= uint64(data[i]) << (8 * uint(i))
	}
	if len(data) > 0 {
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
	}
	h1 ^= uint64(n)
	h2 ^= uint64(n)
	h1 += h2
	h2 += h1
	h1, h2 = fmix64(h1), fmix64(h2)
	h1 += h2
	h2 += h1
	return h1, h2
}

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
