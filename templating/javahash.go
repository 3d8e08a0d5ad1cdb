package templating

import (
	"math"
	"sort"
	"unicode/utf16"
)

// A map written in a template ({'b': 1, 'a': 2}) is, in Pebble 3.2.2, a java.util.HashMap
// (MapExpression.evaluate): printed, listed by keys or gone through by for, its entries come
// in the order of the HashMap's table, not in the order they were written, so Kestra prints
// {"a":2,"b":1}. hashMapOrder gives that order: the table has room for the entries at a load
// factor of 0.75 (new HashMap<>(ceil(n / 0.75)), rounded up to a power of two, so it is
// never resized), an entry sits in the bucket its spread hash picks, and a bucket keeps the
// order its entries came in.
func hashMapOrder(keys []any) []int {
	return hashTableOrder(keys, int(math.Ceil(float64(len(keys))/0.75)))
}

// hashTableOrder is the order of a HashMap made with room for capacity entries and given
// keys, in this order: its table is capacity rounded up to a power of two, doubled while the
// entries pass three quarters of it (a resize keeps each bucket's order).
func hashTableOrder(keys []any, capacity int) []int {
	n := len(keys)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if n < 2 {
		return order
	}
	size := 1
	for size < capacity {
		size <<= 1
	}
	for float64(n) > 0.75*float64(size) {
		size <<= 1
	}
	bucket := make([]int, n)
	for i, k := range keys {
		h := javaHash(k)
		bucket[i] = int(uint32(h^int32(uint32(h)>>16)) & uint32(size-1))
	}
	sort.SliceStable(order, func(a, b int) bool { return bucket[order[a]] < bucket[order[b]] })
	return order
}

// javaHash is the hashCode Java gives a key: String's over its UTF-16 code units, Long's,
// Double's, Boolean's; a map's, the sum of its entries' key ^ value; a list's, 31 × hash +
// each element.
func javaHash(k any) int32 {
	switch x := k.(type) {
	case nil:
		return 0
	case string:
		var h int32
		for _, u := range utf16.Encode([]rune(x)) {
			h = 31*h + int32(u)
		}
		return h
	case bool:
		if x {
			return 1231
		}
		return 1237
	}
	if i, f, isInt, ok := toNumber(k); ok {
		if !isInt {
			bits := math.Float64bits(f)
			return int32(bits ^ bits>>32)
		}
		return int32(uint64(i) ^ uint64(i)>>32)
	}
	if list, ok := asList(k); ok {
		h := int32(1)
		for _, e := range list {
			h = 31*h + javaHash(e)
		}
		return h
	}
	if keys, m, ok := AsMap(k); ok {
		var h int32
		for _, key := range keys {
			h += javaHash(key) ^ javaHash(m[key])
		}
		return h
	}
	return javaHash(ToString(k))
}

// hashMap makes the Map a java.util.HashMap holds once keys were put in it with vals, in
// this order, in a table made with room for capacity: a key put twice keeps its first place
// and takes its last value.
func (c *evalCtx) hashMap(keys, vals []any, capacity int) (*Map, error) {
	out := NewMap(len(keys))
	for _, i := range hashTableOrder(keys, capacity) {
		out.Set(keyString(keys[i]), vals[i])
	}
	return out, c.b.step(int64(len(keys)))
}
