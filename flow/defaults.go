package flow

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file applies the flow's pluginDefaults (Kestra's older name: taskDefaults) to the YAML
// tree before anything is decoded, as Kestra's PluginDefaultService does on the flow's source:
// every mapping with a string `type` (a task at any depth, a trigger, a condition) takes the
// values of each default whose type equals its type or is a prefix of it. Working on the
// nodes keeps positions: a property that came from a default is reported at the default's
// line.

// pluginDefault is one entry of pluginDefaults.
type pluginDefault struct {
	// names are the type names the default matches as equal or as a prefix: the one written,
	// and the canonical name when the written one is an older alias of a known type.
	names  []string
	forced bool
	values *yaml.Node // a mapping
	where  string     // "pluginDefaults[2]", for messages
	// wrong says a key of the default is wrong (and reported): the default is dropped.
	wrong bool
}

// matches reports whether the default applies to a plugin of type typ.
func (d *pluginDefault) matches(typ string) bool {
	for _, n := range d.names {
		if strings.HasPrefix(typ, n) {
			return true
		}
	}
	return false
}

// defaultKeys are the keys of one pluginDefaults entry.
var defaultKeys = keyTable[*pluginDefault]{
	{name: "type", required: true, doc: "The plugin type the values apply to, or a prefix of type names (io.kestra.plugin.scripts).",
		schema: func(*schemaBuilder) obj { return obj{"type": "string", "minLength": 1} },
		read: func(l *loader, d *pluginDefault, v *yaml.Node, ctx string) {
			s, ok := l.str(v, ctx, "type")
			switch {
			case !ok:
				d.wrong = true
			case s == "":
				l.errorf(v, "%stype: must not be empty (it would match every plugin)", ctx)
				d.wrong = true
			default:
				d.names = []string{s}
			}
		}},
	{name: "forced", doc: "The values win over the plugin's own (default false: the plugin's win).",
		schema: func(*schemaBuilder) obj { return obj{"type": "boolean"} },
		read: func(l *loader, d *pluginDefault, v *yaml.Node, ctx string) {
			var ok bool
			if d.forced, ok = l.boolean(v, ctx, "forced"); !ok {
				d.wrong = true
			}
		}},
	{name: "values", required: true, doc: "The properties to give every matching task, trigger or condition.",
		schema: func(*schemaBuilder) obj { return obj{"type": "object"} },
		read: func(l *loader, d *pluginDefault, v *yaml.Node, ctx string) {
			if r := resolve(v); r.Kind != yaml.MappingNode {
				l.errorf(r, "%svalues: expected a mapping of properties, got %s", ctx, kindName(r))
				d.wrong = true
			} else {
				d.values = r
			}
		}},
}

// withDefaults reads the flow's pluginDefaults and returns root with them applied; root
// itself when the flow has none. The defaults' own entry is left in the result for flow()
// to skip.
func (l *loader) withDefaults(root *yaml.Node) *yaml.Node {
	var key, list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := resolve(root.Content[i])
		if k.Kind != yaml.ScalarNode || k.Value != "pluginDefaults" && k.Value != "taskDefaults" {
			continue
		}
		if key != nil {
			if key.Value != k.Value {
				l.errorf(k, "%s: give pluginDefaults or taskDefaults (its older name), not both", k.Value)
			}
			// A repeated key is reported by the walk of the flow's keys.
			continue
		}
		key, list = k, root.Content[i+1]
	}
	if key == nil {
		return root
	}
	defs := l.pluginDefaults(list, key.Value)
	if len(defs) == 0 {
		return root
	}
	var plain, forced []*pluginDefault
	for _, d := range defs {
		if d.forced {
			forced = append(forced, d)
		} else {
			plain = append(plain, d)
		}
	}
	// Kestra applies the forced defaults last, over the result of the others, and reverses
	// them so the first listed is merged last and wins.
	slices.Reverse(forced)
	x := &expander{l: l, memo: map[*yaml.Node]expansion{}, active: map[*yaml.Node]bool{}}
	var added expansion
	for _, group := range [][]*pluginDefault{plain, forced} {
		if len(group) == 0 {
			continue
		}
		a := &applier{l: l, defs: group, memo: map[*yaml.Node]*yaml.Node{}, x: x, added: &added}
		root = a.root(root, key)
		if a.over {
			return root
		}
	}
	return root
}

// pluginDefaults reads the list of defaults; what is "pluginDefaults" or "taskDefaults".
func (l *loader) pluginDefaults(n *yaml.Node, what string) []*pluginDefault {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s: expected a list of {type, values}, got %s", what, kindName(n))
		return nil
	}
	var out []*pluginDefault
	for i, item := range n.Content {
		where := fmt.Sprintf("%s[%d]", what, i)
		ctx := where + ": "
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			l.errorf(item, "%sexpected a mapping with type and values, got %s", ctx, kindName(item))
			continue
		}
		d := &pluginDefault{where: where}
		hasType := false
		for _, p := range l.pairs(item, ctx) {
			k := defaultKeys.lookup(p.key.Value)
			if k == nil {
				l.unknownKey(p.key, ctx, p.key.Value, defaultKeys.names(), nil)
				continue
			}
			hasType = hasType || k.name == "type"
			k.read(l, d, p.val, ctx)
		}
		// A default without values is only reported when nothing else is wrong with it.
		switch {
		case !hasType:
			l.errorf(item, "%smissing required property \"type\"", ctx)
			d.wrong = true
		case d.values == nil && !d.wrong:
			l.errorf(item, "%smissing required property \"values\"", ctx)
			d.wrong = true
		}
		if d.wrong {
			continue
		}
		if canon := l.canonicalType(d.names[0]); canon != "" && canon != d.names[0] {
			d.names = append(d.names, canon)
		}
		l.checkDefaultValues(d, ctx)
		out = append(out, d)
	}
	return out
}

// canonicalType is the canonical name of a known task, trigger or condition type; "" for a
// name flowctl does not know (a prefix, or a plugin it does not run).
func (l *loader) canonicalType(typ string) string {
	if def, ok := l.reg.Lookup(typ); ok {
		return def.Type
	}
	if d := registry().triggerDef(typ); d != nil {
		return d.Type
	}
	if d := registry().conditionDef(typ); d != nil {
		return d.Type
	}
	return ""
}

// checkDefaultValues checks the values of a default for a known task type against the
// type's properties, as Kestra does; for a prefix or a type flowctl does not run, nothing
// can be checked until a plugin takes the values.
func (l *loader) checkDefaultValues(d *pluginDefault, ctx string) {
	def, ok := l.reg.Lookup(d.names[0])
	if !ok || def.New == nil {
		return
	}
	rv := reflect.ValueOf(def.New())
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return
	}
	known := append(slices.Clone(infoOf(rv.Elem().Type()).names), taskKeys.names()...)
	known = append(known, def.Unsupported...)
	for k := range unsupportedTaskKeys {
		known = append(known, k)
	}
	for _, p := range l.pairs(d.values, ctx+"values: ") {
		if !slices.Contains(known, p.key.Value) {
			l.errorf(p.key, "%svalues: No property '%s' exists in plugin '%s'%s", ctx, p.key.Value, d.names[0], didYouMean(p.key.Value, known))
		}
	}
}

// applier applies one group of defaults (the plain ones, or the forced ones) to a tree. A
// node is copied only where something in it changes, and each node once: an anchor used in
// several places keeps one result, and its aliases point at it.
type applier struct {
	l     *loader
	defs  []*pluginDefault
	memo  map[*yaml.Node]*yaml.Node
	x     *expander
	added *expansion
	// over is set once the defaults added more to the flow than an alias may; nothing more
	// is applied.
	over bool
}

// root applies the defaults below the flow's root mapping, leaving the defaults' own entry
// (skip is its key) as written.
func (a *applier) root(root, skip *yaml.Node) *yaml.Node {
	out := root
	for i := 1; i < len(root.Content); i += 2 {
		if resolve(root.Content[i-1]) == skip {
			continue
		}
		if c := a.walk(root.Content[i]); c != root.Content[i] {
			if out == root {
				out = shallowCopy(root)
			}
			out.Content[i] = c
		}
	}
	return out
}

// shallowCopy copies n with its own Content slice, without the anchor (a merged copy is no
// longer what the anchor names).
func shallowCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = slices.Clone(n.Content)
	c.Anchor = ""
	return &c
}

// walk returns n with the defaults applied to every mapping with a type in it, deepest
// first (a task's default may not add to the tasks nested in it).
func (a *applier) walk(n *yaml.Node) *yaml.Node {
	if a.over || n == nil {
		return n
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return n
		}
		t := a.walk(n.Alias)
		if t == n.Alias {
			return n
		}
		c := *n
		c.Alias = t
		return &c
	}
	if out, ok := a.memo[n]; ok {
		return out
	}
	out := n
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		for i, c := range n.Content {
			if nc := a.walk(c); nc != c {
				if out == n {
					out = shallowCopy(n)
				}
				out.Content[i] = nc
			}
		}
	}
	if out.Kind == yaml.MappingNode {
		out = a.apply(out)
	}
	a.memo[n] = out
	return out
}

// apply merges into m, a mapping, each default that matches its type, in the group's order.
func (a *applier) apply(m *yaml.Node) *yaml.Node {
	typ, ok := typeOf(m)
	if !ok {
		return m
	}
	for _, d := range a.defs {
		if !d.matches(typ) {
			continue
		}
		e, good := a.x.expand(d.values, 0)
		if !good {
			a.over = true
			return m
		}
		a.added.values += e.values
		a.added.bytes += e.bytes
		if a.added.values > maxExpanded || a.added.bytes > maxAliasBytes {
			a.l.errorf(d.values, "%s: values: applied to every matching plugin, the defaults add more than %d values or %d MiB to the flow: make them smaller",
				d.where, maxExpanded, maxAliasBytes>>20)
			a.over = true
			return m
		}
		m = mergeMapping(d.values, m, d.forced)
	}
	return m
}

// typeOf is the string value of m's `type` key.
func typeOf(m *yaml.Node) (string, bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		if k.Kind == yaml.ScalarNode && k.Value == "type" {
			v := resolve(m.Content[i+1])
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
				return v.Value, true
			}
			return "", false
		}
	}
	return "", false
}

// mergeMapping merges the values of a default into a plugin's mapping, as Kestra's
// MapUtils.merge: mappings merge key by key, lists are concatenated (the first side's items
// first), and for a scalar the winner's value stays: the plugin's, or the default's when it
// is forced. A null on one side gives way to the other. The result has the plugin's position
// and key order, the default's new keys after.
func mergeMapping(def, plugin *yaml.Node, forced bool) *yaml.Node {
	out := shallowCopy(plugin)
	out.Tag = "!!map"
	index := map[string]int{}
	for i := 0; i+1 < len(out.Content); i += 2 {
		if k := resolve(out.Content[i]); k.Kind == yaml.ScalarNode {
			if _, seen := index[k.Value]; !seen {
				index[k.Value] = i
			}
		}
	}
	for i := 0; i+1 < len(def.Content); i += 2 {
		k, v := def.Content[i], def.Content[i+1]
		rk := resolve(k)
		j, both := index[rk.Value]
		if rk.Kind != yaml.ScalarNode || !both {
			out.Content = append(out.Content, k, v)
			continue
		}
		out.Content[j+1] = mergeValue(v, out.Content[j+1], forced)
	}
	return out
}

// mergeValue merges one property present in both a default (d) and a plugin (p).
func mergeValue(d, p *yaml.Node, forced bool) *yaml.Node {
	rd, rp := resolve(d), resolve(p)
	switch {
	case isNull(rd):
		return p
	case isNull(rp):
		return d
	case rd.Kind == yaml.MappingNode && rp.Kind == yaml.MappingNode:
		return mergeMapping(rd, rp, forced)
	case rd.Kind == yaml.SequenceNode && rp.Kind == yaml.SequenceNode:
		out := shallowCopy(rp)
		out.Tag = "!!seq"
		if forced {
			out.Content = append(slices.Clone(rp.Content), rd.Content...)
		} else {
			out.Content = append(slices.Clone(rd.Content), rp.Content...)
		}
		return out
	case forced:
		return d
	}
	return p
}
