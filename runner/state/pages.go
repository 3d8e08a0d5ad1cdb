package state

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Reading bbolt's pages without bbolt. bbolt trusts its file: a page damaged on disk (a bad
// sector, a torn copy) makes it panic at best, and at worst loop for ever, or free pages that
// are in use and so spread the damage with the next commit. So before a write transaction
// walks pages, the pages it will touch are read here, straight from the file, and checked
// against what bbolt itself writes; `state check` and `state recover` read the whole file the
// same way, skipping what is damaged instead of trusting it.
//
// What a write does not see: the free list is checked against the pages the write checked,
// not against every page in use. A free list damaged so that it names a live page elsewhere
// in the file lets bbolt's commit reuse that page. Reading the whole tree at every write, or
// rebuilding the free list from it at every open (bbolt's NoFreelistSync), would cost a full
// walk per run (1–2 s on 100,000 executions); `state check` finds such a free list.
//
// The layout, as bbolt 1.x writes it: a page starts with a 16-byte header (id, flags, count
// of elements, count of overflow pages), then count elements of 16 bytes, then the elements'
// keys and values one after another in element order. A page spans 1+overflow pages of the
// file, exactly as many as its contents need.

const (
	pageBranch   = 0x01
	pageLeaf     = 0x02
	pageFreelist = 0x10

	elemSize        = 16
	bucketHeader    = 16   // a bucket's value: its root page and sequence; then, when its root page is 0, its page inline
	leafBucketFlag  = 0x01 // a leaf element that is a nested bucket
	maxTreeDepth    = 64   // a B+tree of bbolt's is a few levels deep; deeper means a cycle or worse
	noFreelist      = ^uint64(0)
	wholePageBuffer = 64 << 10 // a page up to this size is read in one call; beyond, its parts
	maxCachedPages  = 256      // parsed pages kept: the upper pages of trees, and the last few leaves
)

// pageFile reads the pages of a bbolt file, as of its newest valid meta page.
type pageFile struct {
	r        io.ReaderAt
	pageSize int64
	hwm      uint64 // pages in use: every page id is below it
	root     uint64 // the root page of the root bucket
	freelist uint64
	// nodes caches parsed pages: the paths to many keys share their upper pages. It may be
	// cleared at any time.
	nodes map[uint64]*tnode
	// read holds every page read (and checked) so far, and how many pages of the file it
	// spans: none of them may be on the free list.
	read map[uint64]uint64
}

// openPages reads the meta pages of f. The caller has already checked them (checkHeader),
// so this fails only if f changed since.
func openPages(f io.ReaderAt) (*pageFile, error) {
	metas := readMetas(f)
	if len(metas) == 0 {
		return nil, errors.New("no valid database header")
	}
	m := slices.MaxFunc(metas, func(a, b boltMeta) int { return cmp.Compare(a.txid, b.txid) })
	return &pageFile{r: f, pageSize: int64(m.pageSize), hwm: m.pgid, root: m.root, freelist: m.freelist,
		nodes: map[uint64]*tnode{}, read: map[uint64]uint64{}}, nil
}

// tnode is one branch or leaf page, or the page of an inline bucket, its elements checked.
type tnode struct {
	id    uint64 // 0 for an inline bucket's page
	span  uint64 // how many pages of the file it spans (0 inline)
	leaf  bool
	elems []telem
	// src holds the page: the file for a page of its own, the parent's value for an inline one.
	src io.ReaderAt
}

// telem is one element of a page. Values are read on demand: a document may be megabytes.
type telem struct {
	flags uint32 // leaf: leafBucketFlag for a nested bucket
	key   []byte
	child uint64 // branch: the page below
	voff  int64  // leaf: where the value starts in src
	vlen  int64
}

// pageErr is a page that is not what bbolt writes.
func pageErr(id uint64, format string, args ...any) error {
	if id == 0 {
		return fmt.Errorf("inline bucket page: "+format, args...)
	}
	return fmt.Errorf("page %d: "+format, append([]any{id}, args...)...)
}

// page reads and checks page id.
func (pf *pageFile) page(id uint64) (*tnode, error) {
	if n := pf.nodes[id]; n != nil {
		return n, nil
	}
	if id < 2 || id >= pf.hwm {
		return nil, pageErr(id, "out of range: the file has %d pages in use", pf.hwm)
	}
	var h [16]byte
	if _, err := pf.r.ReadAt(h[:], int64(id)*pf.pageSize); err != nil {
		return nil, pageErr(id, "cannot read it: %v", err)
	}
	e := binary.NativeEndian
	if got := e.Uint64(h[0:]); got != id {
		return nil, pageErr(id, "its header names page %d", got)
	}
	overflow := uint64(e.Uint32(h[12:]))
	if id+overflow >= pf.hwm {
		return nil, pageErr(id, "%d overflow pages run past the %d pages in use", overflow, pf.hwm)
	}
	n, err := parseNode(pf.r, int64(id)*pf.pageSize, int64(overflow+1)*pf.pageSize, id, pf.pageSize)
	if err != nil {
		return nil, err
	}
	n.span = overflow + 1
	if len(pf.nodes) >= maxCachedPages {
		clear(pf.nodes)
	}
	pf.nodes[id] = n
	pf.read[id] = n.span
	return n, nil
}

// inlinePage checks the page of an inline bucket, held in its parent's value v.
func inlinePage(v []byte) (*tnode, error) {
	page := v[bucketHeader:]
	n, err := parseNode(bytes.NewReader(page), 0, int64(len(page)), 0, 0)
	if err != nil {
		return nil, err
	}
	if !n.leaf {
		return nil, pageErr(0, "a branch page where bbolt keeps only leaves")
	}
	for _, el := range n.elems {
		if el.flags&leafBucketFlag != 0 {
			return nil, pageErr(0, "a nested bucket where bbolt inlines none")
		}
	}
	return n, nil
}

// parseNode reads the page of span bytes at base in r and checks that its elements are laid
// out exactly as bbolt writes them: one after another, keys sorted, the page no larger than
// they need (pageSize 0: an inline page, exactly their size). A page damaged anywhere in its
// header, its elements or its keys fails one of these checks.
func parseNode(r io.ReaderAt, base, span int64, id uint64, pageSize int64) (*tnode, error) {
	head := min(span, wholePageBuffer)
	if head < 16 {
		return nil, pageErr(id, "shorter than a page header")
	}
	buf := make([]byte, head)
	if _, err := r.ReadAt(buf, base); err != nil {
		return nil, pageErr(id, "cannot read it: %v", err)
	}
	e := binary.NativeEndian
	flags, count := e.Uint16(buf[8:]), int64(e.Uint16(buf[10:]))
	n := &tnode{id: id, src: r}
	switch flags {
	case pageLeaf:
		n.leaf = true
	case pageBranch:
		if count == 0 {
			return nil, pageErr(id, "a branch page without elements")
		}
	default:
		return nil, pageErr(id, "flags %#x: neither a branch nor a leaf page", flags)
	}
	off := 16 + elemSize*count // where the first key goes
	if off > span {
		return nil, pageErr(id, "%d elements do not fit in its %d bytes", count, span)
	}
	if off > head {
		buf = make([]byte, off)
		if _, err := r.ReadAt(buf, base); err != nil {
			return nil, pageErr(id, "cannot read it: %v", err)
		}
	}
	n.elems = make([]telem, count)
	for i := range count {
		el := buf[16+elemSize*i:]
		at := 16 + elemSize*i
		var pos, ksize, vsize int64
		if n.leaf {
			n.elems[i].flags = e.Uint32(el[0:])
			pos, ksize, vsize = int64(e.Uint32(el[4:])), int64(e.Uint32(el[8:])), int64(e.Uint32(el[12:]))
			if n.elems[i].flags&^leafBucketFlag != 0 {
				return nil, pageErr(id, "element %d: unknown flags %#x", i, n.elems[i].flags)
			}
			if n.elems[i].flags&leafBucketFlag != 0 && vsize < bucketHeader {
				return nil, pageErr(id, "element %d: a bucket of %d bytes", i, vsize)
			}
		} else {
			pos, ksize = int64(e.Uint32(el[0:])), int64(e.Uint32(el[4:]))
			n.elems[i].child = e.Uint64(el[8:])
		}
		if at+pos != off {
			return nil, pageErr(id, "element %d: its key is at byte %d, not %d where it follows the one before", i, at+pos, off)
		}
		if ksize == 0 {
			return nil, pageErr(id, "element %d: an empty key", i)
		}
		if off+ksize+vsize > span {
			return nil, pageErr(id, "element %d: %d bytes run past the page's %d", i, ksize+vsize, span)
		}
		var key []byte
		if off+ksize <= int64(len(buf)) {
			key = buf[off : off+ksize : off+ksize] // the page stays in memory as long as its keys
		} else {
			key = make([]byte, ksize)
			if _, err := r.ReadAt(key, base+off); err != nil {
				return nil, pageErr(id, "cannot read it: %v", err)
			}
		}
		if i > 0 && bytes.Compare(n.elems[i-1].key, key) >= 0 {
			return nil, pageErr(id, "element %d: keys out of order", i)
		}
		n.elems[i].key = key
		n.elems[i].voff, n.elems[i].vlen = base+off+ksize, vsize
		off += ksize + vsize
	}
	if pageSize == 0 {
		if off != span {
			return nil, pageErr(id, "%d bytes where its elements take %d", span, off)
		}
	} else if need := (off + pageSize - 1) / pageSize * pageSize; need != span {
		// bbolt frees the overflow pages a page claims: a count that does not match its
		// contents would free pages in use.
		return nil, pageErr(id, "spans %d pages where its elements need %d", span/pageSize, need/pageSize)
	}
	return n, nil
}

// value reads the value of a leaf element of n.
func (n *tnode) value(el telem) ([]byte, error) {
	v := make([]byte, el.vlen)
	if _, err := n.src.ReadAt(v, el.voff); err != nil {
		return nil, pageErr(n.id, "cannot read it: %v", err)
	}
	return v, nil
}

// tbucket is a bucket as the walks see it: its root page, or its inline page.
type tbucket struct {
	root   uint64
	seq    uint64 // the bucket's sequence (NextSequence)
	inline *tnode
}

// rootBucket is the bucket holding every other.
func (pf *pageFile) rootBucket() tbucket { return tbucket{root: pf.root} }

// openBucket reads the bucket value v (a leaf element flagged as a bucket).
func openBucket(v []byte) (tbucket, error) {
	b := tbucket{root: binary.NativeEndian.Uint64(v), seq: binary.NativeEndian.Uint64(v[8:])}
	if b.root != 0 {
		return b, nil
	}
	n, err := inlinePage(v)
	if err != nil {
		return b, err
	}
	b.inline = n
	return b, nil
}

// node returns the bucket's root page.
func (pf *pageFile) node(b tbucket) (*tnode, error) {
	if b.inline != nil {
		return b.inline, nil
	}
	return pf.page(b.root)
}

// bucket finds the nested bucket name in b, checking the path to it; ok is false when b has
// no such bucket.
func (pf *pageFile) bucket(b tbucket, name []byte) (nb tbucket, ok bool, err error) {
	n, el, err := pf.find(b, name, true)
	if err != nil || el == nil || el.flags&leafBucketFlag == 0 {
		return tbucket{}, false, err
	}
	v, err := n.value(*el)
	if err != nil {
		return tbucket{}, false, err
	}
	nb, err = openBucket(v)
	if err != nil {
		return tbucket{}, false, fmt.Errorf("bucket %q: %w", name, err)
	}
	return nb, true, nil
}

// find checks the pages from b's root down to the leaf where key is or would be, and returns
// that leaf and key's element (nil when absent). With neighbours, it also checks the pages
// beside each one on the way down: deleting key may merge the page with one of them.
func (pf *pageFile) find(b tbucket, key []byte, neighbours bool) (*tnode, *telem, error) {
	n, err := pf.node(b)
	if err != nil {
		return nil, nil, err
	}
	for depth := 0; !n.leaf; depth++ {
		if depth >= maxTreeDepth {
			return nil, nil, pageErr(n.id, "more than %d levels below it: pages lead back to each other", maxTreeDepth)
		}
		// The last element whose key is at most key, as bbolt's cursor goes.
		i, _ := slices.BinarySearchFunc(n.elems, key, func(el telem, k []byte) int { return bytes.Compare(el.key, k) })
		if i == len(n.elems) || !bytes.Equal(n.elems[i].key, key) {
			i = max(i-1, 0)
		}
		if neighbours {
			for _, j := range []int{i - 1, i + 1} {
				if j >= 0 && j < len(n.elems) {
					if _, err := pf.page(n.elems[j].child); err != nil {
						return nil, nil, err
					}
				}
			}
		}
		child, err := pf.page(n.elems[i].child)
		if err != nil {
			return nil, nil, err
		}
		if child.id == n.id {
			return nil, nil, pageErr(n.id, "a branch that leads to itself")
		}
		if err := firstKey(child, n.elems[i].key); err != nil {
			return nil, nil, err
		}
		n = child
	}
	i, found := slices.BinarySearchFunc(n.elems, key, func(el telem, k []byte) int { return bytes.Compare(el.key, k) })
	if !found {
		return n, nil, nil
	}
	return n, &n.elems[i], nil
}

// firstKey checks that the page n, led to by a branch element with key, starts with that key.
// bbolt keeps them equal, and relies on it: when it writes the page again, it finds the
// element to update in the branch by the page's first key.
func firstKey(n *tnode, key []byte) error {
	if len(n.elems) == 0 || !bytes.Equal(n.elems[0].key, key) {
		return pageErr(n.id, "its first key is not the key that leads to it")
	}
	return nil
}

// walker visits whole trees: each page once, keys in order, nested buckets included.
type walker struct {
	pf *pageFile
	// used holds each page walked and how many pages of the file it spans.
	used map[uint64]uint64
	// skip, when set, is told of each damaged page and the walk goes on past it; when nil,
	// the walk stops at the first.
	skip func(error)
	// stop ends a long walk early (a cancelled context); nil never does.
	stop func() error
}

func newWalker(pf *pageFile) *walker { return &walker{pf: pf, used: map[uint64]uint64{}} }

// walk calls fn for each leaf element of bucket b in key order, with the page holding it.
func (w *walker) walk(b tbucket, fn func(n *tnode, el telem) error) error {
	if b.inline != nil {
		return w.leaf(b.inline, fn)
	}
	return w.subtree(b.root, nil, nil, 0, fn)
}

// subtree walks the pages below id, whose keys must lie in [lo, hi) (nil: unbounded).
func (w *walker) subtree(id uint64, lo, hi []byte, depth int, fn func(n *tnode, el telem) error) error {
	if w.stop != nil {
		if err := w.stop(); err != nil {
			return err
		}
	}
	n, err := w.check(id, lo, hi, depth)
	if err != nil {
		if w.skip == nil {
			return err
		}
		w.skip(err)
		return nil
	}
	if n.leaf {
		return w.leaf(n, fn)
	}
	for i, el := range n.elems {
		next := hi
		if i+1 < len(n.elems) {
			next = n.elems[i+1].key
		}
		if err := w.subtree(el.child, el.key, next, depth+1, fn); err != nil {
			return err
		}
	}
	return nil
}

// check reads page id as a page of a walk: not seen before in it, its keys in bounds.
func (w *walker) check(id uint64, lo, hi []byte, depth int) (*tnode, error) {
	if depth >= maxTreeDepth {
		return nil, pageErr(id, "more than %d levels deep: pages lead back to each other", maxTreeDepth)
	}
	if _, ok := w.used[id]; ok {
		return nil, pageErr(id, "reached twice: pages lead back to each other or share a page")
	}
	w.used[id] = 1
	n, err := w.pf.page(id)
	if err != nil {
		return nil, err
	}
	w.used[id] = n.span
	if n.leaf && len(n.elems) == 0 && depth > 0 {
		return nil, pageErr(id, "an empty leaf below a branch")
	}
	if lo != nil {
		if err := firstKey(n, lo); err != nil {
			return nil, err
		}
	}
	if hi != nil && len(n.elems) > 0 && bytes.Compare(n.elems[len(n.elems)-1].key, hi) >= 0 {
		return nil, pageErr(id, "its last key sorts after the key of the next page")
	}
	// The walk does not come back to a page: keep the cache small.
	delete(w.pf.nodes, id)
	return n, nil
}

func (w *walker) leaf(n *tnode, fn func(n *tnode, el telem) error) error {
	for _, el := range n.elems {
		if err := fn(n, el); err != nil {
			return err
		}
	}
	return nil
}

// walkBucket walks b and, depth first, every bucket nested in it: fn gets the names of the
// buckets from the root down to the element's.
func (w *walker) walkBucket(path [][]byte, b tbucket, fn func(path [][]byte, n *tnode, el telem) error) error {
	return w.walk(b, func(n *tnode, el telem) error {
		if err := fn(path, n, el); err != nil {
			return err
		}
		if el.flags&leafBucketFlag == 0 {
			return nil
		}
		v, err := n.value(el)
		if err == nil {
			var nb tbucket
			if nb, err = openBucket(v); err == nil {
				return w.walkBucket(append(slices.Clip(path), el.key), nb, fn)
			}
		}
		if w.skip == nil {
			return fmt.Errorf("bucket %q: %w", el.key, err)
		}
		w.skip(fmt.Errorf("bucket %q: %w", el.key, err))
		return nil
	})
}

// freePages reads the free list: the pages bbolt will hand out to the next commit, so none of
// them may be a page in use.
func (pf *pageFile) freePages() ([]uint64, error) {
	if pf.freelist == noFreelist {
		return nil, nil
	}
	id := pf.freelist
	if id < 2 || id >= pf.hwm {
		return nil, pageErr(id, "the free list is out of range: the file has %d pages in use", pf.hwm)
	}
	var h [24]byte
	if _, err := pf.r.ReadAt(h[:], int64(id)*pf.pageSize); err != nil {
		return nil, pageErr(id, "cannot read the free list: %v", err)
	}
	e := binary.NativeEndian
	if e.Uint64(h[0:]) != id || e.Uint16(h[8:]) != pageFreelist {
		return nil, pageErr(id, "not the free list the header names")
	}
	overflow := uint64(e.Uint32(h[12:]))
	if id+overflow >= pf.hwm {
		return nil, pageErr(id, "the free list's %d overflow pages run past the %d pages in use", overflow, pf.hwm)
	}
	start, count := int64(16), uint64(e.Uint16(h[10:]))
	if count == 0xFFFF {
		start, count = 24, e.Uint64(h[16:])
	}
	if count > pf.hwm || start+int64(count)*8 > int64(overflow+1)*pf.pageSize {
		return nil, pageErr(id, "a free list of %d pages does not fit in it", count)
	}
	raw := make([]byte, count*8)
	if _, err := pf.r.ReadAt(raw, int64(id)*pf.pageSize+start); err != nil {
		return nil, pageErr(id, "cannot read the free list: %v", err)
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = e.Uint64(raw[8*i:])
	}
	slices.Sort(ids)
	for i, p := range ids {
		if p < 2 || p >= pf.hwm {
			return nil, pageErr(id, "the free list names page %d, out of range", p)
		}
		if i > 0 && ids[i-1] == p {
			return nil, pageErr(id, "the free list names page %d twice", p)
		}
	}
	return ids, nil
}

// notFree checks that none of the pages used (a page id and how many pages it spans) is on
// the sorted free list.
func notFree(free []uint64, used map[uint64]uint64) error {
	for id, span := range used {
		if i, _ := slices.BinarySearch(free, id); i < len(free) && free[i] < id+span {
			return pageErr(id, "in use, and yet on the free list (page %d)", free[i])
		}
	}
	return nil
}
