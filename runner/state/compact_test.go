package state

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// fillState writes n executions of 5 KB in one transaction, so that (unlike a prune) it
// leaves next to no free pages.
func fillState(t *testing.T, s *Store, n int) []ExecRecord {
	t.Helper()
	var recs []ExecRecord
	for i := range n {
		id := fmt.Sprintf("e%04d", i)
		r := execRec(id, "dev", "build", "SUCCESS", t0.Add(time.Duration(i)*time.Second))
		r.Doc = doc5K(id)
		recs = append(recs, r)
	}
	bulkPut(t, s, recs)
	return recs
}

func TestCompactKeepsEverything(t *testing.T) {
	s := newStore(t, Options{})
	recs := fillState(t, s, 3000)
	kept := recs[len(recs)-10:]
	if _, _, err := s.ApplyFlow("dev", "build", []byte("id: build"), false, t0); err != nil {
		t.Fatal(err)
	}
	last := kept[len(kept)-1].ID
	if err := s.PutLogs(last, []LogEntry{{TaskRunID: "t", Level: "INFO", Message: "one"}}); err != nil {
		t.Fatal(err)
	}
	// Delete all but the last ten by hand: a prune would compact on its own.
	if err := s.update(func(tx *bolt.Tx) error {
		for _, r := range recs[:len(recs)-10] {
			if err := tx.Bucket(bucketIndex).Delete(indexKey(r.StartDate, r.ID)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketExecs).Delete([]byte(r.ID)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	before, after, err := s.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if before != fileSize(t, s.Path()) && after != fileSize(t, s.Path()) || after > before/4 {
		t.Errorf("compacted from %d to %d bytes (file now %d), want it to shrink to under a quarter", before, after, fileSize(t, s.Path()))
	}
	checkConsistent(t, s.Path())

	list, err := s.Executions(ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := ids([]ExecRecord{kept[9], kept[8], kept[7], kept[6], kept[5], kept[4], kept[3], kept[2], kept[1], kept[0]}); ids(list) != want {
		t.Errorf("left %q, want %q", ids(list), want)
	}
	for _, r := range list {
		if full, _, err := s.Execution(r.ID); err != nil || string(full.Doc) != string(doc5K(r.ID)) {
			t.Errorf("%s: document changed (%v)", r.ID, err)
		}
	}
	if f, ok, err := s.Flow("dev", "build"); err != nil || !ok || f.Revision != 1 {
		t.Errorf("flow after compaction: %+v %v %v", f, ok, err)
	}
	// The log's sequence survives: a new line goes after the old one, not over it.
	if err := s.PutLogs(last, []LogEntry{{TaskRunID: "t", Level: "INFO", Message: "two"}}); err != nil {
		t.Fatal(err)
	}
	logs, err := s.Logs(last)
	if err != nil || len(logs) != 2 || logs[0].Message != "one" || logs[1].Message != "two" {
		t.Errorf("logs after compaction: %+v, %v; want one, two", logs, err)
	}
	if err := s.PutExecution(execRec("new", "dev", "build", "RUNNING", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), ".*compact*")); len(m) > 0 {
		t.Errorf("compaction left %v behind", m)
	}
}

func TestPruneCompactsWhenMostIsFree(t *testing.T) {
	s := newStore(t, Options{})
	fillState(t, s, 3000)
	before := fileSize(t, s.Path())
	n, err := s.PruneExecutions(time.Time{}, 10)
	if err != nil || n != 2990 {
		t.Fatalf("pruned %d, %v; want 2990", n, err)
	}
	if after := fileSize(t, s.Path()); after > before/4 {
		t.Errorf("file of %d bytes after pruning all but 10 of 3000 executions (%d before), want it compacted", after, before)
	}
	checkConsistent(t, s.Path())
}

func TestCompactEmptyState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s.opts.ReadOnly = false // a writer that has not written yet
	if _, _, err := s.Compact(); err != nil {
		t.Errorf("compacting an empty state: %v", err)
	}
}

func TestCompactThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.db")
	s, err := Open(real, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fillState(t, s, 10)
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	ls, err := Open(link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ls.Compact(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st.Mode(), err)
	}
	if got, err := s.Executions(ListFilter{}); err != nil || len(got) != 10 {
		t.Errorf("after compaction through the link: %d executions, %v; want 10", len(got), err)
	}
}

// Compaction replaces the file while other processes wait for its lock: they must write
// into the new file, not the old one, or their executions are lost.
func TestCompactWhileOthersWrite(t *testing.T) {
	s := newStore(t, Options{})
	fillState(t, s, 500) // some MB, so that each copy keeps the writers waiting a while
	const writers, each = 3, 15
	var (
		mu       sync.Mutex
		reported []string
		wg       sync.WaitGroup
	)
	lines := make(chan struct{}, writers*each)
	for w := range writers {
		cmd := helperCmd(t, "loop", s.Path(), fmt.Sprintf("w%d", w))
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", helperCount, each))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReader(out)
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					break
				}
				mu.Lock()
				reported = append(reported, strings.TrimSuffix(l, "\n"))
				mu.Unlock()
				lines <- struct{}{}
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("writer: %v: %s", err, stderr.String())
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	// Compact each time a writer finishes an execution, up to 20 times: the writers go on
	// between copies and are bound to wait on some of them.
	compactions := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-lines:
			if compactions < 20 {
				if _, _, err := s.Compact(); err != nil {
					t.Fatal(err)
				}
				compactions++
			}
		}
	}
	if len(reported) != writers*each {
		t.Errorf("%d executions reported, want %d", len(reported), writers*each)
	}
	for _, id := range reported {
		if r, ok, err := s.Execution(id); err != nil || !ok || r.State != "SUCCESS" {
			t.Errorf("%s: ok %v state %q err %v; want SUCCESS", id, ok, r.State, err)
		}
		if logs, err := s.Logs(id); err != nil || len(logs) != 1 {
			t.Errorf("%s: %d log lines, %v; want 1", id, len(logs), err)
		}
	}
	t.Logf("%d executions written by %d processes across %d compactions", len(reported), writers, compactions)
	checkConsistent(t, s.Path())
}
