package state

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setKV(t *testing.T, s *Store, ns, key, typ, value string) {
	t.Helper()
	if err := s.SetKV(ns, key, KVWrite{Type: typ, Value: []byte(value), Overwrite: true}); err != nil {
		t.Fatal(err)
	}
}

func keysOf(list []KVEntry) string {
	var keys []string
	for _, e := range list {
		keys = append(keys, e.Key)
	}
	return strings.Join(keys, ",")
}

func TestKVSetGetKeepsTypeValueAndDates(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := newStore(t, Options{Now: clock.Now})
	setKV(t, s, "company.team", "config", "JSON", `{"a":[1,2]}`)
	clock.Add(time.Minute)
	setKV(t, s, "company.team", "config", "JSON", `{"a":[3]}`)

	e, ok, err := s.GetKV("company.team", "config")
	if err != nil || !ok {
		t.Fatalf("GetKV: ok %v, err %v", ok, err)
	}
	if e.Type != "JSON" || string(e.Value) != `{"a":[3]}` {
		t.Errorf("got %s %s, want JSON {\"a\":[3]}", e.Type, e.Value)
	}
	if !e.Created.Equal(t0) || !e.Updated.Equal(t0.Add(time.Minute)) || !e.Expires.IsZero() {
		t.Errorf("dates: created %v updated %v expires %v, want %v, a minute later, never", e.Created, e.Updated, e.Expires, t0)
	}
	if _, ok, err := s.GetKV("company.team", "other"); ok || err != nil {
		t.Errorf("missing key: ok %v, err %v; want not found, no error", ok, err)
	}
	if _, ok, err := s.GetKV("company", "config"); ok || err != nil {
		t.Errorf("key of another namespace: ok %v, err %v; want not found (no inheritance)", ok, err)
	}
}

func TestKVOverwriteFalseKeepsTheValue(t *testing.T) {
	s := newStore(t, Options{})
	setKV(t, s, "dev", "k", "STRING", `"one"`)
	err := s.SetKV("dev", "k", KVWrite{Type: "STRING", Value: []byte(`"two"`)})
	want := "Cannot set value for key 'k'. Key already exists and `overwrite` is set to `false`."
	if err == nil || !errors.Is(err, ErrKVExists) || err.Error() != want {
		t.Fatalf("got %v, want %q wrapping ErrKVExists", err, want)
	}
	e, _, _ := s.GetKV("dev", "k")
	if string(e.Value) != `"one"` {
		t.Errorf("value after the refused write: got %s, want \"one\"", e.Value)
	}
	if err := s.SetKV("dev", "new", KVWrite{Type: "STRING", Value: []byte(`"x"`)}); err != nil {
		t.Errorf("overwrite false on a new key: %v", err)
	}
}

func TestKVTTLExpiresWithTheClock(t *testing.T) {
	clock := &fakeClock{t: t0}
	s := newStore(t, Options{Now: clock.Now})
	if err := s.SetKV("dev", "token", KVWrite{Type: "STRING", Value: []byte(`"abc"`), TTL: time.Hour, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	setKV(t, s, "dev", "tokens-kept", "STRING", `"x"`)
	e, ok, _ := s.GetKV("dev", "token")
	if !ok || !e.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("before expiry: ok %v, expires %v; want found, expiring at %v", ok, e.Expires, t0.Add(time.Hour))
	}
	clock.Add(time.Hour - time.Nanosecond)
	if _, ok, _ := s.GetKV("dev", "token"); !ok {
		t.Fatal("gone a nanosecond before its expiry")
	}
	clock.Add(time.Nanosecond)
	if _, ok, err := s.GetKV("dev", "token"); ok || err != nil {
		t.Fatalf("at expiry: ok %v, err %v; want missing", ok, err)
	}
	// An expired key counts as missing for overwrite, and for delete.
	if err := s.SetKV("dev", "token", KVWrite{Type: "STRING", Value: []byte(`"new"`)}); err != nil {
		t.Errorf("overwrite false on an expired key: %v", err)
	}
	e, _, _ = s.GetKV("dev", "token")
	if !e.Created.Equal(clock.Now()) || !e.Expires.IsZero() {
		t.Errorf("set again after expiry: created %v expires %v, want now and never", e.Created, e.Expires)
	}

	if err := s.SetKV("dev", "short", KVWrite{Type: "STRING", Value: []byte(`"s"`), TTL: time.Second, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	if deleted, err := s.DeleteKV("dev", "short"); deleted || err != nil {
		t.Errorf("delete of an expired key: deleted %v, err %v; want false", deleted, err)
	}

	if err := s.SetKV("dev", "tokens-old", KVWrite{Type: "STRING", Value: []byte(`"s"`), TTL: time.Second, Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Second)
	list, err := s.ListKV("dev", "tokens")
	if err != nil || keysOf(list) != "tokens-kept" {
		t.Fatalf("list: got %q (%v), want tokens-kept", keysOf(list), err)
	}
	// The listing removed the expired pair from the file.
	err = s.read(func(tx *bolt.Tx) error {
		if v := kvBucket(tx, "dev").Get([]byte("tokens-old")); v != nil {
			return errors.New("the expired pair is still in the file after a listing")
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestKVListByPrefixAndDelete(t *testing.T) {
	s := newStore(t, Options{})
	for _, k := range []string{"b", "a.1", "a.2", "ab", "c"} {
		setKV(t, s, "dev", k, "NUMBER", "1")
	}
	setKV(t, s, "prod", "a.3", "NUMBER", "1")
	for prefix, want := range map[string]string{"": "a.1,a.2,ab,b,c", "a": "a.1,a.2,ab", "a.": "a.1,a.2", "z": ""} {
		list, err := s.ListKV("dev", prefix)
		if err != nil || keysOf(list) != want {
			t.Errorf("prefix %q: got %q (%v), want %q", prefix, keysOf(list), err, want)
		}
	}
	if list, err := s.ListKV("nothing.here", ""); err != nil || len(list) != 0 {
		t.Errorf("unknown namespace: got %q (%v), want none", keysOf(list), err)
	}
	if deleted, err := s.DeleteKV("dev", "ab"); !deleted || err != nil {
		t.Errorf("delete: deleted %v, err %v; want true", deleted, err)
	}
	if deleted, err := s.DeleteKV("dev", "ab"); deleted || err != nil {
		t.Errorf("delete again: deleted %v, err %v; want false", deleted, err)
	}
	if deleted, err := s.DeleteKV("empty", "ab"); deleted || err != nil {
		t.Errorf("delete in an unknown namespace: deleted %v, err %v; want false", deleted, err)
	}
	if list, _ := s.ListKV("dev", "a"); keysOf(list) != "a.1,a.2" {
		t.Errorf("after delete: got %q, want a.1,a.2", keysOf(list))
	}
}

func TestKVRefusesBadKeysAndBigValues(t *testing.T) {
	s := newStore(t, Options{})
	for key, want := range map[string]string{
		"":        "Key cannot be null or empty",
		"-x":      "Key must start with an alphanumeric character",
		"a/b":     "Key must start with an alphanumeric character",
		"a b":     "Key must start with an alphanumeric character",
		"é":       "Key must start with an alphanumeric character",
		"../etc":  "Key must start with an alphanumeric character",
		"a\x00ok": "Key must start with an alphanumeric character",
	} {
		err := s.SetKV("dev", key, KVWrite{Type: "STRING", Value: []byte(`"x"`), Overwrite: true})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("key %q: got %v, want %q", key, err, want)
		}
		if _, _, err := s.GetKV("dev", key); err == nil {
			t.Errorf("GetKV of key %q: no error", key)
		}
	}
	if err := s.SetKV("a/b", "k", KVWrite{Type: "STRING", Value: []byte(`"x"`)}); err == nil || !strings.Contains(err.Error(), `invalid namespace "a/b"`) {
		t.Errorf("bad namespace: got %v", err)
	}
	big := []byte(`"` + strings.Repeat("x", MaxKVValue) + `"`)
	err := s.SetKV("dev", "big", KVWrite{Type: "STRING", Value: big, Overwrite: true})
	if err == nil || !strings.Contains(err.Error(), "over the 1 MiB a KV value may hold") {
		t.Errorf("value over 1 MiB: got %v", err)
	}
	if _, ok, _ := s.GetKV("dev", "big"); ok {
		t.Error("the value over 1 MiB was stored")
	}
	if err := s.SetKV("dev", "k", KVWrite{Type: "STRING", Value: []byte(`"x"`), TTL: -time.Second}); err == nil {
		t.Error("a negative ttl was accepted")
	}
}

func TestKVConcurrentWritersLoseNothing(t *testing.T) {
	s := newStore(t, Options{})
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("w%d-%02d", w, i)
				if err := s.SetKV("dev", key, KVWrite{Type: "NUMBER", Value: fmt.Appendf(nil, "%d", i), Overwrite: true}); err != nil {
					errs <- err
					return
				}
				// Every writer also overwrites one shared key: it must end up holding one
				// whole value written by one of them.
				if err := s.SetKV("dev", "shared", KVWrite{Type: "STRING", Value: fmt.Appendf(nil, `"w%d-%d"`, w, i), Overwrite: true}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list, err := s.ListKV("dev", "w")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != writers*each {
		t.Errorf("got %d keys, want %d", len(list), writers*each)
	}
	e, ok, _ := s.GetKV("dev", "shared")
	if !ok || !strings.HasSuffix(string(e.Value), `-24"`) {
		t.Errorf("shared key: got %s, want the last value of one writer", e.Value)
	}
}

// helperKV sets $helperCount keys named after its id, once its standard input closes.
func helperKV(path, prefix string) error {
	io.Copy(io.Discard, os.Stdin)
	s, err := Open(path, Options{})
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(os.Getenv(helperCount))
	for i := range n {
		if err := s.SetKV("dev", fmt.Sprintf("%s-%03d", prefix, i), KVWrite{Type: "NUMBER", Value: fmt.Appendf(nil, "%d", i), Overwrite: true}); err != nil {
			return err
		}
	}
	return nil
}

func TestKVTwoProcessesLoseNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	const n = 60
	var cmds []*exec.Cmd
	var stdins []io.WriteCloser
	var stderrs []*strings.Builder
	for _, id := range []string{"p1", "p2"} {
		cmd := helperCmd(t, "kv", path, id)
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", helperCount, n))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, stdins, stderrs = append(cmds, cmd), append(stdins, in), append(stderrs, &stderr)
	}
	for _, in := range stdins {
		in.Close()
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i+1, err, stderrs[i])
		}
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"p1-", "p2-"} {
		list, err := s.ListKV("dev", prefix)
		if err != nil || len(list) != n {
			t.Errorf("keys %s*: got %d (%v), want %d", prefix, len(list), err, n)
		}
	}
}

func TestKVSurvivesPruneCompactAndRecover(t *testing.T) {
	s := newStore(t, Options{})
	for i := range 50 {
		if err := s.PutExecution(execRec(fmt.Sprintf("e%03d", i), "dev", "f", "SUCCESS", t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	setKV(t, s, "dev", "kept", "JSON", `{"x":1}`)
	setKV(t, s, "other.ns", "also", "BOOLEAN", `true`)
	if _, err := s.PruneExecutions(time.Time{}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(s.Path(), Options{})
	if err != nil || rep.Damaged != 0 {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}
	to := filepath.Join(t.TempDir(), "recovered.db")
	rrep, err := Recover(s.Path(), to, Options{})
	if err != nil || rrep.KV != 2 {
		t.Fatalf("recover: %d KV pairs (%v), want 2", rrep.KV, err)
	}
	for _, st := range []*Store{s, mustOpen(t, to)} {
		e, ok, err := st.GetKV("dev", "kept")
		if err != nil || !ok || string(e.Value) != `{"x":1}` {
			t.Errorf("%s: dev/kept: %s %v %v", st.Path(), e.Value, ok, err)
		}
		if e, ok, _ := st.GetKV("other.ns", "also"); !ok || e.Type != "BOOLEAN" {
			t.Errorf("%s: other.ns/also: %+v %v", st.Path(), e, ok)
		}
	}
}

func mustOpen(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestKVCheckFindsADamagedPair(t *testing.T) {
	s := newStore(t, Options{})
	setKV(t, s, "dev", "good", "STRING", `"x"`)
	err := s.update(func(tx *bolt.Tx) error {
		return kvBucket(tx, "dev").Put([]byte("bad"), []byte{recordVersion, 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetKV("dev", "bad"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("GetKV of a damaged pair: got %v, want ErrCorrupt", err)
	}
	rep, err := Check(s.Path(), Options{})
	if err != nil || rep.Damaged != 1 || !strings.Contains(strings.Join(rep.Problems, "\n"), "bad") {
		t.Errorf("check: damaged %d, problems %q (%v); want the bad pair", rep.Damaged, rep.Problems, err)
	}
}

// A KV write checks the pages it touches, as every write does: a damaged leaf of the
// namespace's bucket fails SetKV and DeleteKV with the corrupt-state error, the file as it was.
func TestKVWritesLeaveADamagedStateUntouched(t *testing.T) {
	s := newStore(t, Options{})
	value := []byte(`"` + strings.Repeat("v", 200) + `"`)
	for i := range 200 {
		if err := s.SetKV("dev", fmt.Sprintf("key-%03d", i), KVWrite{Type: "STRING", Value: value, Overwrite: true}); err != nil {
			t.Fatal(err)
		}
	}
	leaves := leavesOf(t, s.Path(), bucketKV, []byte("dev"))
	if len(leaves) < 3 {
		t.Fatalf("%d leaf pages, want several", len(leaves))
	}
	page := leafWith(t, leaves, []byte("key-100"))
	damage(t, s.Path(), page, 1, 16)
	before := fileSum(t, s.Path())
	if err := s.SetKV("dev", "key-100", KVWrite{Type: "STRING", Value: []byte(`"new"`), Overwrite: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("SetKV: got %v, want ErrCorrupt", err)
	}
	if _, err := s.DeleteKV("dev", "key-100"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("DeleteKV: got %v, want ErrCorrupt", err)
	}
	if _, err := s.ListKV("dev", ""); err == nil {
		t.Error("ListKV over the damaged page: no error")
	}
	if fileSum(t, s.Path()) != before {
		t.Error("the file changed")
	}
}
