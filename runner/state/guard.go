package state

import (
	"errors"
	"os"

	bolt "go.etcd.io/bbolt"
)

// guard checks the pages a write transaction is about to touch, before bbolt reads them (see
// pages.go): the path from the root to each key it changes, with the pages beside each page
// on the way (a deletion may merge a page with one of them), the whole of each bucket it
// walks or deletes, and that none of these pages is on the free list that the commit takes
// new pages from. A damaged page among them fails the transaction with the corrupt-state
// error before anything is written, so the file stays as it was.
//
// It reads the pages that were committed: the file as it is on disk, which the exclusive lock
// keeps still. What the transaction itself changed is in bbolt's memory, not on those pages.
type guard struct {
	s  *Store
	f  *os.File
	pf *pageFile
	// top holds the top-level buckets found so far: most checks start from one.
	top map[string]tbucket
}

// guard starts the checks of a transaction; close ends them.
func (s *Store) guard(tx *bolt.Tx) (*guard, error) {
	f, err := os.Open(tx.DB().Path())
	if err != nil {
		return nil, err
	}
	pf, err := openPages(f)
	if err != nil {
		f.Close()
		return nil, s.corrupt(err.Error())
	}
	return &guard{s: s, f: f, pf: pf, top: map[string]tbucket{}}, nil
}

// fail turns a damaged page into the corrupt-state error; interruptions and I/O errors pass.
func (g *guard) fail(err error) error {
	var se *Error
	if err == nil || errors.As(err, &se) {
		return err
	}
	return g.s.corrupt(err.Error())
}

// bucket checks the path to the bucket named by path (from the root down) and returns it; ok
// is false when it does not exist.
func (g *guard) bucket(path ...[]byte) (b tbucket, ok bool, err error) {
	b = g.pf.rootBucket()
	for i, name := range path {
		if top, found := g.top[string(name)]; i == 0 && found {
			b = top
			continue
		}
		if b, ok, err = g.pf.bucket(b, name); err != nil || !ok {
			return b, false, g.fail(err)
		}
		if i == 0 {
			g.top[string(name)] = b
		}
	}
	return b, true, nil
}

// key checks the pages leading to key in the bucket at path, and beside them.
func (g *guard) key(key []byte, path ...[]byte) error {
	b, ok, err := g.bucket(path...)
	if err != nil || !ok {
		return err
	}
	_, _, err = g.pf.find(b, key, true)
	return g.fail(err)
}

// whole checks every page of the bucket at path, and of the buckets nested in it.
func (g *guard) whole(path ...[]byte) error {
	return g.keys(nil, path...)
}

// keys is whole, calling fn (when not nil) with each key of the bucket at path, in order.
func (g *guard) keys(fn func(k []byte), path ...[]byte) error {
	b, ok, err := g.bucket(path...)
	if err != nil || !ok {
		return err
	}
	w := newWalker(g.pf)
	w.stop = g.s.checkInterrupt
	err = w.walkBucket(nil, b, func(path [][]byte, _ *tnode, el telem) error {
		if fn != nil && len(path) == 0 {
			fn(el.key)
		}
		return nil
	})
	return g.fail(err)
}

// close checks the free list against every page checked, and lets the file go.
func (g *guard) close() error {
	defer g.f.Close()
	free, err := g.pf.freePages()
	if err != nil {
		return g.fail(err)
	}
	return g.fail(notFree(free, g.pf.read))
}

// checkWhole checks every page of the state file at path, as the guard checks those it is
// asked about, and the free list: for compaction, which copies them all.
func (s *Store) checkWhole(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	pf, err := openPages(f)
	if err != nil {
		return s.corrupt(err.Error())
	}
	g := &guard{s: s, f: f, pf: pf, top: map[string]tbucket{}}
	w := newWalker(pf)
	w.stop = s.checkInterrupt
	if err := w.walkBucket(nil, pf.rootBucket(), func([][]byte, *tnode, telem) error { return nil }); err != nil {
		return g.fail(err)
	}
	free, err := pf.freePages()
	if err == nil {
		err = notFree(free, pf.read)
	}
	return g.fail(err)
}

// guarded runs fn with a guard, then checks the free list against the pages fn checked: fn
// checks what it touches before it touches it.
func (s *Store) guarded(tx *bolt.Tx, fn func(g *guard) error) error {
	g, err := s.guard(tx)
	if err != nil {
		return err
	}
	if err := fn(g); err != nil {
		g.f.Close()
		return err
	}
	return g.close()
}
