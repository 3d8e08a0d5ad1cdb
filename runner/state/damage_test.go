package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A state as years of runs leave it, to damage: 2,500 executions of 5 KB, logs for some, a
// flow and its schedule. Pruning all but ten takes three batches.
func damageState(t *testing.T, withLogs func(i int) bool) (*Store, []ExecRecord) {
	t.Helper()
	s := newStore(t, Options{})
	recs := fillState(t, s, 2500)
	if _, _, err := s.ApplyFlow("dev", "build", []byte("id: build"), false, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSchedules("dev", "build", func(map[string]ScheduleEntry) []ScheduleEntry {
		return []ScheduleEntry{{Namespace: "dev", FlowID: "build", TriggerID: "nightly", Last: t0, Next: t0.Add(time.Hour)}}
	}); err != nil {
		t.Fatal(err)
	}
	// Many executions' logs in one transaction: one fsync each would take a while.
	err := s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error {
			for i, r := range recs {
				if !withLogs(i) {
					continue
				}
				lines := []LogEntry{{TaskRunID: "tr1", Time: r.StartDate, Level: "INFO", Message: "started " + r.ID},
					{TaskRunID: "tr1", Time: r.StartDate, Level: "INFO", Message: strings.Repeat("x", 2000)}}
				if err := s.putLogs(tx, g, r.ID, lines); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, recs
}

// leaf is a leaf page of a bucket, with the keys it holds.
type leaf struct {
	id   uint64
	keys [][]byte
}

// leavesOf finds the leaf pages of the bucket at path by walking bbolt's layout.
func leavesOf(t *testing.T, path string, bucket ...[]byte) []leaf {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := openPages(f)
	if err != nil {
		t.Fatal(err)
	}
	b := pf.rootBucket()
	for _, name := range bucket {
		var ok bool
		if b, ok, err = pf.bucket(b, name); err != nil || !ok {
			t.Fatalf("bucket %s: %v %v", name, ok, err)
		}
	}
	var out []leaf
	err = newWalker(pf).walk(b, func(n *tnode, el telem) error {
		if len(out) == 0 || out[len(out)-1].id != n.id {
			out = append(out, leaf{id: n.id})
		}
		out[len(out)-1].keys = append(out[len(out)-1].keys, el.key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// leafWith is the leaf of leaves holding key.
func leafWith(t *testing.T, leaves []leaf, key []byte) uint64 {
	t.Helper()
	for _, l := range leaves {
		if slices.ContainsFunc(l.keys, func(k []byte) bool { return bytes.Equal(k, key) }) {
			return l.id
		}
	}
	t.Fatalf("no leaf holds %q", key)
	return 0
}

// damage writes 19 random bytes, from a generator seeded with seed, into page id of the state
// at path: at offset off of the page, or at a random offset past its header when off < 0.
func damage(t *testing.T, path string, id uint64, seed uint64, off int64) {
	t.Helper()
	rng := mrand.New(mrand.NewPCG(seed, id))
	junk := make([]byte, 19)
	for i := range junk {
		junk[i] = byte(rng.Uint32())
	}
	ps := int64(os.Getpagesize())
	if off < 0 {
		off = 16 + rng.Int64N(ps-16-int64(len(junk)))
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(junk, int64(id)*ps+off); err != nil {
		t.Fatal(err)
	}
}

// pruneWithin prunes with a deadline: a prune caught in a loop fails the test instead of
// hanging it.
func pruneWithin(t *testing.T, path string, keep int) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Open(path, Options{Context: ctx})
	if err != nil {
		return 0, err
	}
	n, err := s.PruneExecutions(time.Time{}, keep)
	if errors.Is(err, ErrInterrupted) {
		t.Fatalf("prune still running after 2 minutes: caught in a loop")
	}
	return n, err
}

// A prune that meets a damaged page stops with the corrupt-state error before it deletes
// anything: the damaged page here is one that its second batch would reach, after the first
// was committed.
func TestPruneLeavesADamagedStateUntouched(t *testing.T) {
	cases := []struct {
		name   string
		bucket [][]byte
		key    func(recs []ExecRecord) []byte
	}{
		{"executions", [][]byte{bucketExecs}, func(recs []ExecRecord) []byte { return []byte(recs[1500].ID) }},
		{"index", [][]byte{bucketIndex}, func(recs []ExecRecord) []byte { return indexKey(recs[1500].StartDate, recs[1500].ID) }},
		{"logs", [][]byte{bucketLogs}, func(recs []ExecRecord) []byte { return []byte(recs[1500].ID) }},
		{"summaries", [][]byte{bucketSummaries}, func(recs []ExecRecord) []byte { return []byte(recs[1500].ID) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, recs := damageState(t, func(i int) bool { return i%100 == 0 })
			page := leafWith(t, leavesOf(t, s.Path(), c.bucket...), c.key(recs))
			// Where its elements start: the keys' positions and sizes, which bbolt trusts.
			damage(t, s.Path(), page, 1, 16)
			before, err := os.ReadFile(s.Path())
			if err != nil {
				t.Fatal(err)
			}
			n, err := pruneWithin(t, s.Path(), 10)
			if !errors.Is(err, ErrCorrupt) || n != 0 {
				t.Fatalf("got %d deleted, %v; want none and ErrCorrupt", n, err)
			}
			want := fmt.Sprintf("state %s: damaged: page %d: ", s.Path(), page)
			if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "flowctl left it untouched; `flowctl state recover`") {
				t.Errorf("got %q, want it to start %q and point at state recover", err, want)
			}
			if after, _ := os.ReadFile(s.Path()); !bytes.Equal(after, before) {
				t.Error("the file changed")
			}
		})
	}
}

// 19 random bytes anywhere in any leaf page: a prune either does its work, or stops with the
// corrupt-state error and the file as it was. Never a wrong count, a half-done prune, or a
// loop.
func TestPruneOnAnyDamagedLeafPage(t *testing.T) {
	s := newStore(t, Options{})
	recs := fillState(t, s, 150)
	err := s.update(func(tx *bolt.Tx) error {
		return s.guarded(tx, func(g *guard) error {
			for _, r := range recs {
				lines := []LogEntry{{TaskRunID: "tr1", Time: r.StartDate, Level: "INFO", Message: "line of " + r.ID}}
				if err := s.putLogs(tx, g, r.ID, lines); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	var pages []uint64
	for _, b := range [][]byte{bucketExecs, bucketIndex, bucketSummaries, bucketLogs} {
		for _, l := range leavesOf(t, s.Path(), b) {
			pages = append(pages, l.id)
		}
	}
	path := filepath.Join(t.TempDir(), "damaged.db")
	outcomes := map[string]int{}
	for seed := range uint64(3) {
		for _, page := range pages {
			if err := os.WriteFile(path, base, 0o600); err != nil {
				t.Fatal(err)
			}
			damage(t, path, page, seed, -1)
			before, _ := os.ReadFile(path)
			n, err := pruneWithin(t, path, 10)
			after, _ := os.ReadFile(path)
			switch {
			case err == nil && n == 140:
				outcomes["pruned"]++
			case errors.Is(err, ErrCorrupt) && n == 0 && bytes.Equal(before, after):
				outcomes["refused"]++
			default:
				t.Errorf("page %d, seed %d: got %d deleted, %v, file changed %v; want 140 deleted, or ErrCorrupt and the file as it was",
					page, seed, n, err, !bytes.Equal(before, after))
			}
		}
	}
	t.Logf("%d leaf pages damaged 3 times each: %v", len(pages), outcomes)
}

// Every write checks the pages it touches: recording an execution on a damaged page of the
// executions bucket fails, and writes nothing. The damage is to the page's key, which bbolt
// reads without complaint: it would add the record beside it, and its parent page would then
// lead to two pages by the same key.
func TestWritesLeaveADamagedStateUntouched(t *testing.T) {
	s, recs := damageState(t, func(int) bool { return false })
	l := leavesOf(t, s.Path(), bucketExecs)
	page := leafWith(t, l, []byte(recs[700].ID))
	firstKey := int64(16) // after the header, the elements, then the first key
	for _, p := range l {
		if p.id == page {
			firstKey += 16 * int64(len(p.keys))
		}
	}
	damage(t, s.Path(), page, 3, firstKey)
	before := fileSum(t, s.Path())
	r := recs[700]
	r.State = "FAILED"
	if err := s.PutExecution(r); !errors.Is(err, ErrCorrupt) {
		t.Errorf("PutExecution: got %v, want ErrCorrupt", err)
	}
	if err := s.PutExecutionLogs(r, []LogEntry{{TaskRunID: "t", Message: "x"}}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("PutExecutionLogs: got %v, want ErrCorrupt", err)
	}
	if fileSum(t, s.Path()) != before {
		t.Error("the file changed")
	}
	// Executions elsewhere in the file are still recorded.
	if err := s.PutExecution(execRec("new", "dev", "build", "RUNNING", t0.Add(time.Hour))); err != nil {
		t.Errorf("an execution on sound pages: %v", err)
	}
}

// Check reports the damage, Recover copies everything readable into a new file; the damaged
// one stays as it was.
func TestCheckAndRecover(t *testing.T) {
	s, recs := damageState(t, func(i int) bool { return i%10 == 0 })
	if rep, err := Check(s.Path(), Options{}); err != nil || rep.Damaged != 0 || rep.Executions != 2500 || rep.Flows != 1 {
		t.Fatalf("sound state: got %+v, %v; want 2500 executions, 1 flow, no damage", rep, err)
	}
	page := leafWith(t, leavesOf(t, s.Path(), bucketExecs), []byte(recs[1234].ID))
	lost := len(leavesOf(t, s.Path(), bucketExecs)[0].keys) // executions per page
	for _, l := range leavesOf(t, s.Path(), bucketExecs) {
		if l.id == page {
			lost = len(l.keys)
		}
	}
	damage(t, s.Path(), page, 1, 16)
	before := fileSum(t, s.Path())

	rep, err := Check(s.Path(), Options{})
	if err != nil || rep.Damaged == 0 || !strings.HasPrefix(rep.Problems[0], fmt.Sprintf("page %d: ", page)) {
		t.Fatalf("got %+v, %v; want the damage of page %d", rep, err, page)
	}

	dst := filepath.Join(t.TempDir(), "recovered.db")
	got, err := Recover(s.Path(), dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Executions != 2500-lost || got.Lost != lost || got.Flows != 1 || got.Schedules != 1 || got.LogLines != 500 {
		t.Errorf("got %+v; want %d executions, %d lost, 1 flow, 1 schedule, 500 log lines", got, 2500-lost, lost)
	}
	if fileSum(t, s.Path()) != before {
		t.Error("the damaged file changed")
	}
	checkConsistent(t, dst)
	r, err := Open(dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	list, err := r.Executions(ListFilter{})
	if err != nil || len(list) != 2500-lost {
		t.Fatalf("recovered state lists %d, %v; want %d", len(list), err, 2500-lost)
	}
	if x, ok, err := r.Execution(recs[10].ID); err != nil || !ok || !bytes.Equal(x.Doc, recs[10].Doc) {
		t.Errorf("execution %s: %v %v, document kept %v", recs[10].ID, ok, err, bytes.Equal(x.Doc, recs[10].Doc))
	}
	if logs, err := r.Logs(recs[10].ID); err != nil || len(logs) != 2 || logs[0].Message != "started "+recs[10].ID {
		t.Errorf("logs of %s: %+v, %v", recs[10].ID, logs, err)
	}
	if f, ok, err := r.Flow("dev", "build"); err != nil || !ok || f.Revision != 1 {
		t.Errorf("flow: %+v %v %v", f, ok, err)
	}
	if sc, err := r.Schedules(); err != nil || len(sc) != 1 || sc[0].TriggerID != "nightly" {
		t.Errorf("schedules: %+v %v", sc, err)
	}

	if _, err := Recover(s.Path(), dst, Options{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("recovering over an existing file: got %v, want a refusal", err)
	}
}

// A wait for the lock ends when the context does: Ctrl-C stops a command waiting behind a
// stuck process.
func TestLockWaitEndsWithTheContext(t *testing.T) {
	s := newStore(t, Options{})
	f, err := os.OpenFile(s.Path(), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Open waits for the lock too: open it before the lock is taken.
	w := &Store{path: s.Path(), opts: Options{LockTimeout: time.Hour, Context: ctx}}
	done := make(chan error, 1)
	go func() { _, err := w.PruneExecutions(time.Time{}, 1); done <- err }()
	cancel()
	err = <-done
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	if want := "state " + s.Path() + ": interrupted"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %q, want it to start %q", err, want)
	}
	// Once interrupted, the store does nothing more.
	if err := w.PutExecution(execRec("e1", "dev", "f", "RUNNING", t0)); !errors.Is(err, ErrInterrupted) {
		t.Errorf("after the interruption: got %v, want ErrInterrupted", err)
	}
}
