package flow

import (
	"slices"
	"time"

	"gopkg.in/yaml.v3"
)

// This file holds the shape of the key tables: the mappings the loader reads itself (the
// flow, a task's and a trigger's common keys, a retry, an input, a concurrency, an output, a
// plugin default) each list their keys once, with how the loader reads each key and its
// JSON Schema side by side. The loader dispatches on the table and refuses what it lacks;
// the schema (schema.go) is made from the same table, so a key is added in one place.

// keyDef is one key of a mapping of type T that the loader reads itself.
type keyDef[T any] struct {
	name string
	// required says the mapping must have the key (for every type, unless requiredBy).
	required bool
	// old marks a key kept for compatibility: read, with a warning, never suggested for a
	// typo, and deprecated in the schema.
	old bool
	// of names the key this one is an older spelling of: a mapping has one or the other,
	// not both, where the other is required. Deprecated in the schema.
	of string
	// anyOf marks the keys of which a mapping needs one at least.
	anyOf bool
	// inert is a value of the key that has no effect (allowCustomValue: false): the key
	// written with it goes for the types that do not take the key too. nil for none.
	inert any
	// types are the types of the mapping (retry types, input types) that take the key;
	// nil for every type. requiredBy are those that must have it.
	types, requiredBy []string
	doc               string
	// schema is the JSON Schema of the key's value (doc is added to it).
	schema func(b *schemaBuilder) obj
	// read reads the key's value v into t; ctx prefixes messages ("task \"x\": "). nil when
	// the walk reads the key itself: an id or a type, read first, or a key read once the
	// others are known.
	read func(l *loader, t T, v *yaml.Node, ctx string)
}

// keyTable is the keys of one kind of mapping, in the order suggestions consider them.
type keyTable[T any] []keyDef[T]

// lookup returns the key named name; nil when the mapping has no such key.
func (ks keyTable[T]) lookup(name string) *keyDef[T] {
	for i := range ks {
		if ks[i].name == name {
			return &ks[i]
		}
	}
	return nil
}

// names lists the keys a typo may be taken for: every key but the old spellings.
func (ks keyTable[T]) names() []string {
	out := make([]string, 0, len(ks))
	for _, k := range ks {
		if !k.old {
			out = append(out, k.name)
		}
	}
	return out
}

// requiredNames lists the keys every mapping must have.
func (ks keyTable[T]) requiredNames() []string {
	out := []string{}
	for _, k := range ks {
		if k.required {
			out = append(out, k.name)
		}
	}
	return out
}

// anyOfNames lists the keys of which a mapping needs one at least; nil when it needs none.
func (ks keyTable[T]) anyOfNames() []string {
	var out []string
	for _, k := range ks {
		if k.anyOf {
			out = append(out, k.name)
		}
	}
	return out
}

// requiredBy lists the keys a mapping of type typ must have.
func (ks keyTable[T]) requiredBy(typ string) []string {
	var out []string
	for _, k := range ks {
		if slices.Contains(k.requiredBy, typ) {
			out = append(out, k.name)
		}
	}
	return out
}

// takes reports whether a mapping of type typ takes the key.
func (k *keyDef[T]) takes(typ string) bool {
	return k.types == nil || slices.Contains(k.types, typ)
}

// readKeys reads the keys of mapping n into t by the table ks: a key it lacks is reported
// (unsupported gives Kestra's keys flowctl lacks, with a hint), and so is a required key
// missing, at n.
func readKeys[T any](l *loader, n *yaml.Node, t T, ks keyTable[T], ctx string, unsupported map[string]string) {
	given := map[string]bool{}
	for _, p := range l.pairs(n, ctx) {
		key := p.key.Value
		k := ks.lookup(key)
		if k == nil {
			l.unknownKey(p.key, ctx, key, ks.names(), unsupported)
			continue
		}
		given[key] = true
		if k.read != nil {
			k.read(l, t, p.val, ctx)
		}
	}
	for _, k := range ks {
		if k.required && !given[k.name] {
			l.errorf(n, "%smissing required property %q", ctx, k.name)
		}
	}
}

// all lists every key of the table, the old spellings included.
func (ks keyTable[T]) all() []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.name
	}
	return out
}

// boolKey is a key holding true or false, given to set (false when it holds another value,
// which is reported).
func boolKey[T any](name, doc string, set func(t T, b bool)) keyDef[T] {
	return keyDef[T]{name: name, doc: doc,
		schema: func(*schemaBuilder) obj { return obj{"type": "boolean"} },
		read: func(l *loader, t T, v *yaml.Node, ctx string) {
			b, _ := l.boolean(v, ctx, name)
			set(t, b)
		}}
}

// textKey is a key holding text, or null for none, given to set.
func textKey[T any](name, doc string, set func(t T, s string)) keyDef[T] {
	return keyDef[T]{name: name, doc: doc,
		schema: func(*schemaBuilder) obj { return nullable(text()) },
		read: func(l *loader, t T, v *yaml.Node, ctx string) {
			s, _ := l.optStr(v, ctx, name)
			set(t, s)
		}}
}

// durationKey is a key holding an ISO-8601 duration of the given sign (anyDuration,
// nonNegativeDuration or positiveDuration), given to set.
func durationKey[T any](name, doc string, sign int, set func(t T, d time.Duration)) keyDef[T] {
	return keyDef[T]{name: name, doc: doc,
		schema: func(*schemaBuilder) obj { return durationSchema(sign) },
		read: func(l *loader, t T, v *yaml.Node, ctx string) {
			d, _ := l.signedDuration(v, ctx, name, sign)
			set(t, d)
		}}
}

// forTypes returns k taken by types, and required by requiredBy.
func (k keyDef[T]) forTypes(types, requiredBy []string) keyDef[T] {
	k.types, k.requiredBy = types, requiredBy
	return k
}

// withAnyOf returns k as one of the keys of which a mapping needs one at least.
func (k keyDef[T]) withAnyOf() keyDef[T] {
	k.anyOf = true
	return k
}
