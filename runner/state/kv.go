package state

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/flowctl/flowctl/internal/units"
)

// The KV store: Kestra's namespace key-value pairs, kept in the state so that every flow and
// every process on the machine sees the same ones. bucketKV holds a bucket per namespace,
// keyed by key; each record is the value's type and its JSON text, with when it was created,
// last set and when it expires. Each operation is one transaction, so concurrent writers
// from several processes never lose a write: the last one to commit wins, whole.
//
// An expired pair reads as missing at once; it is removed from the file when a write or a
// listing meets it, as Kestra's store removes one when it is read.

// bucketKV is made on first use, like bucketSlots.
var bucketKV = []byte("kv")

// MaxKVValue bounds the JSON text of one value: the store is a record of small values
// shared between flows, not a place for files (those go to the internal storage).
const MaxKVValue = 1 << 20

// validKVName reports whether s matches Kestra's KVStore.KEY_VALIDATOR_PATTERN,
// [a-zA-Z0-9][a-zA-Z0-9._-]*. Namespaces follow it too, so that none can smuggle a separator
// into a bucket name.
func validKVName(s string) bool {
	for i, c := range []byte(s) {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return s != ""
}

// ErrKVExists is wrapped by the error of a SetKV that found the key and was told not to
// overwrite it.
var ErrKVExists = errors.New("key already exists")

// kvExistsError is Kestra's error for a key that SetKV must not overwrite.
type kvExistsError string

func (e kvExistsError) Error() string {
	return fmt.Sprintf("Cannot set value for key '%s'. Key already exists and `overwrite` is set to `false`.", string(e))
}

func (kvExistsError) Is(target error) bool { return target == ErrKVExists }

// KVEntry is one pair of the KV store.
type KVEntry struct {
	Namespace string
	Key       string
	// Type is the value's type as Kestra names it: STRING, NUMBER, BOOLEAN, DATETIME, DATE,
	// DURATION or JSON. The store keeps it as given.
	Type string
	// Value is the JSON text of the value.
	Value []byte
	// Created is when the key was first set (since it last went missing), Updated when it
	// was last set.
	Created, Updated time.Time
	// Expires is when the pair vanishes; zero for never.
	Expires time.Time
}

// expired tells whether e has expired at now.
func (e KVEntry) expired(now time.Time) bool {
	return !e.Expires.IsZero() && !now.Before(e.Expires)
}

// KVWrite is what SetKV stores under a key.
type KVWrite struct {
	// Type and Value are stored as KVEntry has them.
	Type  string
	Value []byte
	// TTL, when positive, makes the pair expire that long after it is set.
	TTL time.Duration
	// Overwrite lets the write replace a pair that is there; without it the write fails
	// with Kestra's message, wrapping ErrKVExists.
	Overwrite bool
}

// CheckKVKey returns Kestra's error for a key the KV store does not accept.
func CheckKVKey(key string) error {
	if key == "" {
		return errors.New("Key cannot be null or empty")
	}
	if !validKVName(key) {
		return errors.New("Key must start with an alphanumeric character (uppercase or lowercase) and can contain alphanumeric characters (uppercase or lowercase), dots (.), underscores (_), and hyphens (-) only.")
	}
	return nil
}

// checkKVNamespace refuses a namespace that no flow could have.
func checkKVNamespace(ns string) error {
	if !validKVName(ns) {
		return fmt.Errorf("invalid namespace %q: a namespace starts with a letter or digit and holds letters, digits, dots, underscores and hyphens only", ns)
	}
	return nil
}

func checkKV(ns, key string) error {
	if err := checkKVNamespace(ns); err != nil {
		return err
	}
	return CheckKVKey(key)
}

// now is the store's clock.
func (s *Store) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// SetKV stores w under key in namespace ns, in one transaction. A pair that is there keeps
// its creation date; an expired one counts as not there.
func (s *Store) SetKV(ns, key string, w KVWrite) error {
	if err := checkKV(ns, key); err != nil {
		return err
	}
	if len(w.Value) > MaxKVValue {
		return fmt.Errorf("the value of key '%s' is %s, over the %s a KV value may hold", key, units.Bytes(int64(len(w.Value))), units.Bytes(MaxKVValue))
	}
	if w.TTL < 0 {
		return errors.New("ttl cannot be negative")
	}
	exists := false
	err := s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.kvKey(ns, key) }); err != nil {
			return err
		}
		root, err := tx.CreateBucketIfNotExists(bucketKV)
		if err != nil {
			return err
		}
		b, err := root.CreateBucketIfNotExists([]byte(ns))
		if err != nil {
			return err
		}
		now := s.now().UTC()
		e := KVEntry{Namespace: ns, Key: key, Type: w.Type, Value: w.Value, Created: now, Updated: now}
		if v := b.Get([]byte(key)); v != nil {
			old, err := s.decodeKV(ns, key, v)
			if err != nil {
				return err
			}
			if !old.expired(now) {
				if !w.Overwrite {
					exists = true
					return nil
				}
				e.Created = old.Created
			}
		}
		if w.TTL > 0 {
			e.Expires = now.Add(w.TTL)
		}
		return b.Put([]byte(key), encodeKV(e))
	})
	if err != nil {
		return err
	}
	if exists {
		return kvExistsError(key)
	}
	return nil
}

// GetKV returns the pair under key in namespace ns; ok is false when there is none, or it
// has expired.
func (s *Store) GetKV(ns, key string) (e KVEntry, ok bool, err error) {
	if err := checkKV(ns, key); err != nil {
		return KVEntry{}, false, err
	}
	err = s.read(func(tx *bolt.Tx) error {
		b := kvBucket(tx, ns)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		if e, err = s.decodeKV(ns, key, v); err != nil {
			return err
		}
		ok = !e.expired(s.now())
		return nil
	})
	if err != nil || !ok {
		// What an interrupted read (see Store.locked) may still write is not read.
		return KVEntry{}, false, err
	}
	return e, true, nil
}

// ListKV returns the live pairs of namespace ns whose key starts with prefix, by key. The
// expired pairs it meets are removed.
func (s *Store) ListKV(ns, prefix string) ([]KVEntry, error) {
	if err := checkKVNamespace(ns); err != nil {
		return nil, err
	}
	var live []KVEntry
	expired := false
	err := s.read(func(tx *bolt.Tx) error {
		live, expired = nil, false
		b := kvBucket(tx, ns)
		if b == nil {
			return nil
		}
		now := s.now()
		c := b.Cursor()
		for k, v := c.Seek([]byte(prefix)); k != nil && strings.HasPrefix(string(k), prefix); k, v = c.Next() {
			e, err := s.decodeKV(ns, string(k), v)
			if err != nil {
				return err
			}
			if e.expired(now) {
				expired = true
				continue
			}
			live = append(live, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if expired && !s.opts.ReadOnly {
		if err := s.pruneKV(ns); err != nil {
			return nil, err
		}
	}
	return live, nil
}

// pruneKV removes the expired pairs of namespace ns.
func (s *Store) pruneKV(ns string) error {
	return s.update(func(tx *bolt.Tx) error {
		if err := s.guarded(tx, func(g *guard) error { return g.whole(bucketKV, []byte(ns)) }); err != nil {
			return err
		}
		b := kvBucket(tx, ns)
		if b == nil {
			return nil
		}
		now := s.now()
		var gone [][]byte
		err := b.ForEach(func(k, v []byte) error {
			e, err := s.decodeKV(ns, string(k), v)
			if err != nil {
				return err
			}
			if e.expired(now) {
				gone = append(gone, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteKV removes the pair under key in namespace ns and tells whether there was one; an
// expired pair is removed too, but counts as none.
func (s *Store) DeleteKV(ns, key string) (deleted bool, err error) {
	if err := checkKV(ns, key); err != nil {
		return false, err
	}
	err = s.update(func(tx *bolt.Tx) error {
		deleted = false
		b := kvBucket(tx, ns)
		if b == nil {
			return nil
		}
		if err := s.guarded(tx, func(g *guard) error { return g.kvKey(ns, key) }); err != nil {
			return err
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		e, err := s.decodeKV(ns, key, v)
		if err != nil {
			return err
		}
		deleted = !e.expired(s.now())
		return b.Delete([]byte(key))
	})
	if err != nil {
		return false, err
	}
	return deleted, nil
}

// kvBucket returns the bucket of namespace ns, nil when it has no pair yet.
func kvBucket(tx *bolt.Tx, ns string) *bolt.Bucket {
	root := tx.Bucket(bucketKV)
	if root == nil {
		return nil
	}
	return root.Bucket([]byte(ns))
}

// kvKey checks the pages a write of key in namespace ns touches: the root's path to the KV
// bucket (which it may create), that bucket's path to the namespace's, and the key's.
func (g *guard) kvKey(ns, key string) error {
	if err := g.key(bucketKV); err != nil {
		return err
	}
	if err := g.key([]byte(ns), bucketKV); err != nil {
		return err
	}
	return g.key([]byte(key), bucketKV, []byte(ns))
}

func encodeKV(e KVEntry) []byte {
	b := []byte{recordVersion}
	b = appendString(b, e.Type)
	b = appendString(b, string(e.Value))
	b = appendTime(b, e.Created)
	b = appendTime(b, e.Updated)
	return appendTime(b, e.Expires)
}

// readKV decodes a record of namespace ns under key.
func readKV(ns, key string, v []byte) (KVEntry, error) {
	d := decoder{b: v}
	if d.byte() != recordVersion {
		return KVEntry{}, fmt.Errorf("KV pair %s/%s: unknown record version", ns, key)
	}
	e := KVEntry{Namespace: ns, Key: key, Type: d.string(), Value: d.bytes()}
	e.Created, e.Updated, e.Expires = d.time(), d.time(), d.time()
	if d.err != nil || len(d.b) != 0 {
		return KVEntry{}, fmt.Errorf("KV pair %s/%s: damaged", ns, key)
	}
	// The bytes point into the database's map, which is gone once the transaction ends.
	e.Value = slices.Clone(e.Value)
	return e, nil
}

func (s *Store) decodeKV(ns, key string, v []byte) (KVEntry, error) {
	e, err := readKV(ns, key, v)
	if err != nil {
		return KVEntry{}, s.corrupt(err.Error())
	}
	return e, nil
}

// recoverKV copies the KV pairs that read whole into to, for Recover, and counts them.
func (sc *scan) recoverKV(to *Store) (int, error) {
	root, ok := sc.bucket(bucketKV)
	if !ok {
		return 0, nil
	}
	type pair struct{ ns, key, v []byte }
	var pairs []pair
	err := sc.w.walkBucket([][]byte{bucketKV}, root, func(path [][]byte, n *tnode, el telem) error {
		if el.flags&leafBucketFlag != 0 || len(path) != 2 {
			return nil
		}
		v, err := n.value(el)
		if err == nil {
			_, err = readKV(string(path[1]), string(el.key), v)
		}
		if err != nil {
			sc.problem("%s: %v", bucketName(append(path, el.key)), err)
			return nil
		}
		pairs = append(pairs, pair{slices.Clone(path[1]), slices.Clone(el.key), slices.Clone(v)})
		return nil
	})
	if err != nil || len(pairs) == 0 {
		return 0, err
	}
	err = to.update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketKV)
		if err != nil {
			return err
		}
		for _, p := range pairs {
			b, err := root.CreateBucketIfNotExists(p.ns)
			if err != nil {
				return err
			}
			if err := b.Put(p.key, p.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(pairs), nil
}
