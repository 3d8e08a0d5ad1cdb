package state

import (
	"fmt"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// benchRecord does to the state what `flowctl run` does: the execution RUNNING when it
// starts, then its final 5 KB document; two fsync'ed transactions.
func benchRecord(b *testing.B, s *Store) {
	doc := doc5K("x")
	start := time.Now().UTC()
	i := 0
	for b.Loop() {
		r := ExecRecord{ID: fmt.Sprintf("bench-%09d", i), Namespace: "dev", FlowID: "build", State: "RUNNING", StartDate: start, Doc: doc}
		if err := s.PutExecution(r); err != nil {
			b.Fatal(err)
		}
		r.State, r.EndDate = "SUCCESS", start.Add(time.Second)
		if err := s.PutExecution(r); err != nil {
			b.Fatal(err)
		}
		i++
		start = start.Add(time.Millisecond)
	}
}

// BenchmarkRecordExecutionEmptyState is the cost of recording a run in a new state.
func BenchmarkRecordExecutionEmptyState(b *testing.B) {
	benchRecord(b, newStore(b, Options{}))
}

// BenchmarkOpen is the check every flowctl command makes before its first transaction.
func BenchmarkOpen(b *testing.B) {
	path := newStore(b, Options{}).Path()
	for b.Loop() {
		if _, err := Open(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// largeExecutions is the size of the state that listing and lookups must stay fast with.
const largeExecutions = 100_000

// BenchmarkLargeState builds a state of 100,000 executions of 5 KB once and measures the
// CLI's operations on it. 1 in 100 executions belongs to flow "rare" and 1 in 10 is FAILED,
// so the filtered listings walk far back in the index.
//
// Built in big transactions, the file ends with tens of thousands of free pages (each batch
// frees the pages the one before wrote), a free list that every write transaction reads at
// open and writes at commit. A state filled one run at a time has next to none, so the
// measurements run on a compacted copy; "bulk" measures the freshly built file, which is
// also what a state looks like after pruning a large part of it at once.
func BenchmarkLargeState(b *testing.B) {
	bulk := newStore(b, Options{})
	doc := doc5K("x")
	recs := make([]ExecRecord, largeExecutions)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range recs {
		flow, state := "build", "SUCCESS"
		if i%100 == 0 {
			flow = "rare"
		}
		if i%10 == 0 {
			state = "FAILED"
		}
		start := base.Add(time.Duration(i) * time.Minute)
		recs[i] = ExecRecord{ID: benchID(i), Namespace: "dev", FlowID: flow, State: state,
			StartDate: start, EndDate: start.Add(time.Second), Doc: doc}
	}
	setup := time.Now()
	bulkPut(b, bulk, recs)
	b.Logf("%d executions built in %v; bulk file: %s", largeExecutions, time.Since(setup).Round(time.Millisecond), fileStats(b, bulk.Path()))
	b.Run("bulk/RecordExecution", func(b *testing.B) { benchRecord(b, bulk) })

	s := newStore(b, Options{})
	started := time.Now()
	compact(b, bulk.Path(), s.Path())
	b.Logf("compacted in %v: %s", time.Since(started).Round(time.Millisecond), fileStats(b, s.Path()))
	os.Remove(bulk.Path())

	// The same on an empty state, measured next to it so that both see the same disk.
	b.Run("RecordExecution_empty_state", func(b *testing.B) { benchRecord(b, newStore(b, Options{})) })
	b.Run("RecordExecution", func(b *testing.B) { benchRecord(b, s) })
	b.Run("RecordExecution_empty_state_again", func(b *testing.B) { benchRecord(b, newStore(b, Options{})) })
	b.Run("Open", func(b *testing.B) {
		for b.Loop() {
			if _, err := Open(s.Path(), Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	list := func(f ListFilter) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				got, err := s.Executions(f)
				if err != nil || len(got) != f.Limit {
					b.Fatalf("got %d, %v; want %d", len(got), err, f.Limit)
				}
			}
		}
	}
	b.Run("Executions/limit20", list(ListFilter{Limit: 20}))
	b.Run("Executions/limit20_state_FAILED", list(ListFilter{State: "FAILED", Limit: 20}))
	b.Run("Executions/limit20_flow_rare", list(ListFilter{FlowID: "rare", Limit: 20}))
	b.Run("Executions/no_match_walks_all", func(b *testing.B) {
		for b.Loop() {
			if got, err := s.Executions(ListFilter{FlowID: "none", Limit: 20}); err != nil || len(got) != 0 {
				b.Fatal(len(got), err)
			}
		}
	})
	b.Run("Execution", func(b *testing.B) {
		i := 0
		for b.Loop() {
			id := recs[(i*7919)%len(recs)].ID
			if _, ok, err := s.Execution(id); err != nil || !ok {
				b.Fatal(id, ok, err)
			}
			i++
		}
	})
	// What a prune checks before it deletes (see checkPrune): the whole index, then the
	// pages of each execution it will delete.
	for _, victims := range []int{0, 1000, 10_000} {
		b.Run(fmt.Sprintf("checkPrune_%d_victims", victims), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.checkPrune(nil, largeExecutions-victims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			if rep, err := Check(s.Path(), Options{}); err != nil || rep.Damaged > 0 {
				b.Fatal(rep.Problems, err)
			}
		}
	})
	b.Logf("after the runs above: %s", fileStats(b, s.Path()))
}

// compact copies the state at src into the new state at dst, as a state written one run at
// a time would be laid out: without free pages.
func compact(b *testing.B, src, dst string) {
	b.Helper()
	if err := os.Remove(dst); err != nil {
		b.Fatal(err)
	}
	from, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer from.Close()
	to, err := bolt.Open(dst, 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := bolt.Compact(to, from, 64<<20); err != nil {
		b.Fatal(err)
	}
	if err := to.Close(); err != nil {
		b.Fatal(err)
	}
}

// fileStats reports a state file's size and free pages.
func fileStats(b *testing.B, path string) string {
	b.Helper()
	db, err := bolt.Open(path, 0o600, nil) // the free list is loaded in write mode only
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, _ := os.Stat(path)
	return fmt.Sprintf("%d MiB, %d free pages", st.Size()>>20, db.Stats().FreePageN)
}

// benchID is a 22-character id spread over the key space like Kestra's random ones (a
// scrambled prefix), and unique (the index as a suffix).
func benchID(i int) string {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	x := uint64(i+1) * 0x9E3779B97F4A7C15
	var out [11]byte
	for j := range out {
		out[j] = base62[x%62]
		x /= 62
	}
	return fmt.Sprintf("%s%011d", out[:], i)
}
