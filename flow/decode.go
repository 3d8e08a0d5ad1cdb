package flow

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// This file holds the loader's YAML helpers: reading scalars of a given kind with positions
// kept, converting nodes to Go values, decoding a task type's properties into its struct by
// the struct's `flow` tags, and checking templates with their position in the file.

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is YAML's null (an empty value, ~ or null).
func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// isSeq reports whether n is a list.
func isSeq(n *yaml.Node) bool { return resolve(n).Kind == yaml.SequenceNode }

// kindName names the kind of n for messages: "a mapping", "a list", "a string"...
func kindName(n *yaml.Node) string {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		}
		return "a string"
	}
	return "nothing"
}

// got describes the value n for a "got ..." message: its kind, or for a scalar the value
// itself, quoted when it is a string.
func got(n *yaml.Node) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return kindName(n)
	}
	v := n.Value
	if utf8.RuneCountInString(v) > 40 {
		v = string([]rune(v)[:40]) + "…"
	}
	switch n.ShortTag() {
	case "!!bool", "!!int", "!!float":
		return v
	}
	return strconv.Quote(v)
}

// pair is one key and its value; the value is not resolved, so its own position is kept.
type pair struct {
	key, val *yaml.Node
}

// pairs returns the entries of mapping m in order. Keys that are not scalars and repeated
// keys are reported (yaml.v3 only refuses repeats when it decodes into Go values) and left
// out. ctx prefixes messages.
func (l *loader) pairs(m *yaml.Node, ctx string) []pair {
	m = resolve(m)
	out := make([]pair, 0, len(m.Content)/2)
	var firsts map[string]int
	if len(m.Content) > 16 {
		firsts = make(map[string]int, len(m.Content)/2)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := resolve(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			l.errorf(k, "%skeys must be strings, got %s", ctx, kindName(k))
			continue
		}
		if k.Value == "<<" && k.ShortTag() == "!!merge" {
			// Kestra's YAML reader takes << for an ordinary key, so a flow that relies on
			// merging would mean something else there.
			l.errorf(k, "%sYAML merge keys (<<) are not supported: Kestra does not read them either; repeat the keys", ctx)
			continue
		}
		dup := 0
		if firsts != nil {
			if line, ok := firsts[k.Value]; ok {
				dup = line
			} else {
				firsts[k.Value] = k.Line
			}
		} else {
			for _, p := range out {
				if p.key.Value == k.Value {
					dup = p.key.Line
					break
				}
			}
		}
		if dup > 0 {
			l.errorf(k, "%sduplicate key %q (first at line %d)", ctx, k.Value, dup)
			continue
		}
		out = append(out, pair{key: k, val: m.Content[i+1]})
	}
	return out
}

// str reads a required string: any scalar but null, as written (Kestra reads a number where
// a string goes as its text).
func (l *loader) str(n *yaml.Node, ctx, name string) (string, bool) {
	r := resolve(n)
	if r.Kind != yaml.ScalarNode || isNull(r) {
		l.errorf(r, "%s%s: expected a string, got %s%s", ctx, name, got(r), l.quoteHint(r))
		return "", false
	}
	return r.Value, true
}

// optStr reads a string that may be null.
func (l *loader) optStr(n *yaml.Node, ctx, name string) (string, bool) {
	if isNull(n) {
		return "", false
	}
	return l.str(n, ctx, name)
}

// boolean reads a YAML boolean; "yes", "on" or "1" are not booleans, as in YAML 1.2.
func (l *loader) boolean(n *yaml.Node, ctx, name string) (bool, bool) {
	r := resolve(n)
	if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!bool" {
		l.errorf(r, "%s%s: expected true or false, got %s", ctx, name, got(r))
		return false, false
	}
	return strings.EqualFold(r.Value, "true"), true
}

// integer reads a YAML integer that fits an int.
func (l *loader) integer(n *yaml.Node, ctx, name string) (int, bool) {
	r := resolve(n)
	if r.Kind == yaml.ScalarNode && r.ShortTag() == "!!int" {
		if i, err := parseInt(r.Value); err == nil && int64(int(i)) == i {
			return int(i), true
		}
		l.errorf(r, "%s%s: %s is too large", ctx, name, r.Value)
		return 0, false
	}
	l.errorf(r, "%s%s: expected an integer, got %s", ctx, name, got(r))
	return 0, false
}

// number reads a YAML integer or float.
func (l *loader) number(n *yaml.Node, ctx, name string) (float64, bool) {
	r := resolve(n)
	if r.Kind == yaml.ScalarNode && (r.ShortTag() == "!!int" || r.ShortTag() == "!!float") {
		if f, ok := scalarValue(r).(float64); ok {
			return f, true
		}
		if i, ok := scalarValue(r).(int); ok {
			return float64(i), true
		}
	}
	l.errorf(r, "%s%s: expected a number, got %s", ctx, name, got(r))
	return 0, false
}

// duration reads an ISO-8601 duration (PT30S).
func (l *loader) duration(n *yaml.Node, ctx, name string) (time.Duration, bool) {
	s, ok := l.str(n, ctx, name)
	if !ok {
		return 0, false
	}
	d, err := duration.Parse(s)
	if err != nil {
		l.errorf(n, "%s%s: %v", ctx, name, err)
		return 0, false
	}
	return d, true
}

// parseInt reads a YAML integer as yaml.v3 does: base prefixes and underscores allowed.
func parseInt(s string) (int64, error) {
	return strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
}

// scalarValue converts a scalar to its Go value: nil, bool, int, float64 or string. Dates
// stay text, as Kestra keeps them.
func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.EqualFold(n.Value, "true")
	case "!!int":
		if i, err := parseInt(n.Value); err == nil && int64(int(i)) == i {
			return int(i)
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); err == nil {
			return f
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	}
	return n.Value
}

// value converts n to a Go value: map[string]any, []any, string, int, float64, bool or nil.
// path names it in messages ("variables.x[2]"), its middle elided when long (subPath);
// check, when set, sees every string (to check templates).
//
// An anchored mapping or list is converted once and its aliases share the result, so the
// values of a flow are read-only. Converted at each alias, 333,000 aliases of a one-key
// mapping (a 1.3 MB file) took 212 MiB to validate, against 112 MiB now, and a mistake
// inside an anchor was reported once per alias.
func (l *loader) value(n *yaml.Node, path string, check func(n *yaml.Node, s, path string)) any {
	return l.read(n, path, check, false)
}

// orderedValue is value with mappings read as *templating.Map, in the order of the file:
// for the values a user sees printed (variables, a mapping property declared as a Map),
// which Kestra keeps in LinkedHashMaps.
func (l *loader) orderedValue(n *yaml.Node, path string, check func(n *yaml.Node, s, path string)) any {
	return l.read(n, path, check, true)
}

// read is value and orderedValue.
func (l *loader) read(n *yaml.Node, path string, check func(n *yaml.Node, s, path string), ordered bool) any {
	r := resolve(n)
	if r.Anchor == "" || r.Kind == yaml.ScalarNode {
		return l.convert(r, path, check, ordered)
	}
	k := anchoredValue{r, check != nil, ordered}
	if v, ok := l.anchored[k]; ok {
		return v
	}
	v := l.convert(r, path, check, ordered)
	if l.anchored == nil {
		l.anchored = map[anchoredValue]any{}
	}
	l.anchored[k] = v
	return v
}

// anchoredValue is the key of an anchor's converted value. An anchor first read where its
// strings are not checked (variables) is read again where they are (a trigger's inputs), one
// read as Go maps again as Maps.
type anchoredValue struct {
	node    *yaml.Node
	checked bool
	ordered bool
}

// convert is value for a node that is not an alias.
func (l *loader) convert(r *yaml.Node, path string, check func(n *yaml.Node, s, path string), ordered bool) any {
	switch r.Kind {
	case yaml.MappingNode:
		ps := l.pairs(r, path+": ")
		if ordered {
			m := templating.NewMap(len(ps))
			for _, p := range ps {
				m.Set(p.key.Value, l.read(p.val, subPath(path, ".", p.key.Value), check, true))
			}
			return m
		}
		m := make(map[string]any, len(ps))
		for _, p := range ps {
			m[p.key.Value] = l.read(p.val, subPath(path, ".", p.key.Value), check, false)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(r.Content))
		for i, item := range r.Content {
			s[i] = l.read(item, subPath(path, "[", strconv.Itoa(i), "]"), check, ordered)
		}
		return s
	case yaml.ScalarNode:
		v := scalarValue(r)
		if s, ok := v.(string); ok && check != nil {
			check(r, s, path)
		}
		return v
	}
	return nil
}

// maxPathLen bounds the path value() gives a value for messages. Past it the middle is
// elided: the line and column say where the value is. Built in full at every level, the
// paths of a deep value cost time and memory quadratic in its depth, and every alias of a
// deep anchor paid it again: an 11 KB file (100 aliases of a list 5,000 levels deep) took
// over 5 seconds of CPU and 212 MiB to validate.
const maxPathLen = 160

// subPath is path followed by the parts of one more step (".key", "[2]"). A result longer
// than maxPathLen keeps its first and last bytes with "…" between, cut between runes; the
// kept head never changes as the path grows, so a long path is cut the same way each time.
func subPath(path string, parts ...string) string {
	s := path + strings.Join(parts, "")
	if len(s) <= maxPathLen {
		return s
	}
	const head = maxPathLen / 3
	h := head
	for h > 0 && !utf8.RuneStart(s[h]) {
		h--
	}
	t := len(s) - (maxPathLen - head - len("…"))
	for t < len(s) && !utf8.RuneStart(s[t]) {
		t++
	}
	return s[:h] + "…" + s[t:]
}

// templateMarks open a template tag.
var templateMarks = []string{"{{", "{%", "<<"}

// hasTemplate reports whether s holds a template tag, so its value is only known when
// rendered (an enum is then not checked).
func hasTemplate(s string) bool {
	return slices.ContainsFunc(templateMarks, func(m string) bool { return strings.Contains(s, m) })
}

// checkTemplate parses s as a template and reports an error at its place in the file. ctx
// names the property ("task \"x\": message: ").
func (l *loader) checkTemplate(n *yaml.Node, s, ctx string) {
	if !strings.ContainsAny(s, "{<") {
		return
	}
	t, err := templating.Parse(s)
	if err != nil {
		n = resolve(n)
		var te *templating.Error
		if errors.As(err, &te) {
			l.errorAt(l.templatePos(n, s, te), "%s%s", ctx, te.Msg)
			return
		}
		l.errorf(n, "%s%v", ctx, err)
		return
	}
	if l.reading != nil && !l.perRecord && len(l.uses) < maxRecorded {
		l.uses = append(l.uses, templateUse{n: resolve(n), src: s, ctx: ctx, task: l.reading, tmpl: t, vars: l.taskVars})
	}
}

// templatePos maps a position inside the template s, the value of scalar n, to the file.
// Block scalars (|) start on the line after their indicator, at the block's indentation;
// plain and quoted ones at the node (one column further for the quote). The candidate is
// kept when the file holds the template's character there; otherwise (folded lines,
// escapes) the failing tag is looked up in the file, and the node's position is the last
// resort.
func (l *loader) templatePos(n *yaml.Node, s string, te *templating.Error) Pos {
	var cand Pos
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		cand = Pos{n.Line + te.Line, l.blockIndent(n.Line) + te.Col}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if te.Line == 1 {
			cand = Pos{n.Line, n.Column + te.Col}
		}
	default:
		if te.Line == 1 {
			cand = Pos{n.Line, n.Column + te.Col - 1}
		}
	}
	want, inside := runeAt(s, te.Line, te.Col)
	if cand.Line > 0 {
		if !inside {
			return cand
		}
		if r, ok := l.srcRuneAt(cand); ok && r == want {
			return cand
		}
	}
	if p, ok := l.findTag(n, s, te); ok {
		return p
	}
	if cand.Line > 0 {
		return cand
	}
	return posOf(n)
}

// runeAt returns the rune at 1-based line and column (in runes) of s.
func runeAt(s string, line, col int) (rune, bool) {
	off, ok := offsetAt(s, line, col)
	if !ok || off >= len(s) {
		return 0, false
	}
	r, _ := utf8.DecodeRuneInString(s[off:])
	return r, true
}

// offsetAt converts a 1-based line and rune column of s to a byte offset.
func offsetAt(s string, line, col int) (int, bool) {
	off := 0
	for i := 1; i < line; i++ {
		j := strings.IndexByte(s[off:], '\n')
		if j < 0 {
			return 0, false
		}
		off += j + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(s) || s[off] == '\n' {
			return off, false
		}
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off, true
}

// findTag looks for the failing tag (te.Expr) in the file, after the start of n, and
// returns the position of the error within it.
func (l *loader) findTag(n *yaml.Node, s string, te *templating.Error) (Pos, bool) {
	if te.Expr == "" {
		return Pos{}, false
	}
	start, ok := l.offset(Pos{n.Line, n.Column})
	if !ok {
		return Pos{}, false
	}
	window := l.src[start:]
	if max := 2*len(s) + 256; len(window) > max {
		window = window[:max]
	}
	i := strings.Index(string(window), te.Expr)
	if i < 0 {
		return Pos{}, false
	}
	delta := 0
	if at := strings.Index(s, te.Expr); at >= 0 {
		if off, ok := offsetAt(s, te.Line, te.Col); ok && off >= at && off <= at+len(te.Expr) {
			delta = off - at
		}
	}
	return l.posAt(start + i + delta), true
}

// lines returns the offsets of the start of each line of src, 0-based by line.
func (l *loader) lines() []int {
	if l.lineStarts == nil {
		l.lineStarts = append(l.lineStarts, 0)
		for i, b := range l.src {
			if b == '\n' {
				l.lineStarts = append(l.lineStarts, i+1)
			}
		}
	}
	return l.lineStarts
}

// offset converts a position (rune column) to a byte offset of src.
func (l *loader) offset(p Pos) (int, bool) {
	ls := l.lines()
	if p.Line < 1 || p.Line > len(ls) {
		return 0, false
	}
	off := ls[p.Line-1]
	for c := 1; c < p.Col; c++ {
		if off >= len(l.src) || l.src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(l.src[off:])
		off += size
	}
	return off, true
}

// posAt converts a byte offset of src to a position.
func (l *loader) posAt(off int) Pos {
	ls := l.lines()
	// The last line that starts at or before off.
	line := sort.Search(len(ls), func(i int) bool { return ls[i] > off }) - 1
	return Pos{line + 1, utf8.RuneCount(l.src[ls[line]:off]) + 1}
}

// srcRuneAt returns the rune of src at p.
func (l *loader) srcRuneAt(p Pos) (rune, bool) {
	off, ok := l.offset(p)
	if !ok || off >= len(l.src) {
		return 0, false
	}
	r, _ := utf8.DecodeRune(l.src[off:])
	return r, true
}

// blockIndent is the indentation of the content of a block scalar whose indicator is on
// line: the leading spaces of its first line that is not blank.
func (l *loader) blockIndent(line int) int {
	ls := l.lines()
	for i := line; i < len(ls); i++ {
		end := len(l.src)
		if i+1 < len(ls) {
			end = ls[i+1]
		}
		text := l.src[ls[i]:end]
		j := 0
		for j < len(text) && text[j] == ' ' {
			j++
		}
		if j < len(text) && text[j] != '\n' && text[j] != '\r' {
			return j
		}
	}
	return 0
}

// field is one property of a task type's struct, read from its `flow` tag.
type field struct {
	name     string
	index    []int
	required bool
	// anyOf marks the properties of which a type needs one at least.
	anyOf   bool
	ignored bool
	enum    []string
	doc     string
	// vars are variables the task adds for this property's templates (`vars:"workingDir"`).
	vars []string

	// perRecord marks a template rendered on each record of a file, whose fields are
	// variables (FilterItems' filterCondition): the names it reads are not checked.
	perRecord bool
}

// structInfo lists the properties of one struct type.
type structInfo struct {
	fields []*field
	byName map[string]*field
	names  []string
}

// structInfos caches structInfo by type: reflection over a struct's tags is done once per
// process, not once per task. Process-wide on purpose, as encoding/json's field cache: a
// type's tags are fixed when flowctl is compiled, so an entry never goes stale; there is
// one per struct type decoded, and an entry is never changed once stored.
var structInfos sync.Map // reflect.Type → *structInfo

// infoOf returns the properties of struct type t. Embedded structs without a tag lend their
// properties, so a type may share a block of them.
func infoOf(t reflect.Type) *structInfo {
	if v, ok := structInfos.Load(t); ok {
		return v.(*structInfo)
	}
	info := &structInfo{byName: map[string]*field{}}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			idx := append(append([]int(nil), index...), i)
			tag, hasTag := sf.Tag.Lookup("flow")
			if !hasTag && sf.Anonymous && sf.Type.Kind() == reflect.Struct {
				walk(sf.Type, idx)
				continue
			}
			if !hasTag || tag == "-" || !sf.IsExported() {
				continue
			}
			parts := strings.Split(tag, ",")
			f := &field{name: parts[0], index: idx, doc: sf.Tag.Get("doc")}
			for _, opt := range parts[1:] {
				switch opt {
				case "required":
					f.required = true
				case "ignored":
					f.ignored = true
				case "anyOf":
					f.anyOf = true
				case "perRecord":
					f.perRecord = true
				}
			}
			if e := sf.Tag.Get("enum"); e != "" {
				f.enum = strings.Split(e, ",")
			}
			if v := sf.Tag.Get("vars"); v != "" {
				f.vars = strings.Split(v, ",")
			}
			if _, dup := info.byName[f.name]; dup || f.name == "" {
				continue
			}
			info.fields = append(info.fields, f)
			info.byName[f.name] = f
			info.names = append(info.names, f.name)
		}
	}
	walk(t, nil)
	v, _ := structInfos.LoadOrStore(t, info)
	return v.(*structInfo)
}

// propDecoder decodes the type-specific properties of one task into its struct.
type propDecoder struct {
	l    *loader
	spec *TaskSpec
	ctx  string
	node *yaml.Node
	sv   reflect.Value
	info *structInfo
	seen map[string]bool
}

// newPropDecoder makes the struct of def for spec; nil when the type cannot be configured.
func (l *loader) newPropDecoder(def *tasks.Def, spec *TaskSpec, ctx string, n *yaml.Node) *propDecoder {
	if def.New == nil {
		l.errorf(n, "%stask type %q has no properties to configure (internal error)", ctx, def.Type)
		return nil
	}
	t := def.New()
	rv := reflect.ValueOf(t)
	if t == nil || rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		l.errorf(n, "%stask type %q has no properties to configure (internal error)", ctx, def.Type)
		return nil
	}
	spec.Task = t
	return l.newStructDecoder(t, spec, ctx, n)
}

// newStructDecoder decodes properties into v, a pointer to a struct: a task's or a
// flowable's properties.
func (l *loader) newStructDecoder(v any, spec *TaskSpec, ctx string, n *yaml.Node) *propDecoder {
	rv := reflect.ValueOf(v)
	return &propDecoder{l: l, spec: spec, ctx: ctx, node: n, sv: rv.Elem(), info: infoOf(rv.Elem().Type()), seen: map[string]bool{}}
}

// decode decodes the property k: v; false when the type has no such property.
func (d *propDecoder) decode(k, v *yaml.Node) bool {
	f := d.info.byName[k.Value]
	if f == nil {
		return false
	}
	dc := &decodeCtx{spec: d.spec, ctx: d.ctx}
	d.l.decodeField(d.sv, f, k, v, dc, f.name)
	// A property written with a wrong value is not also reported missing.
	d.seen[f.name] = true
	return true
}

// names lists the properties of the type, for suggestions.
func (d *propDecoder) names() []string { return d.info.names }

// finish reports the required properties that were not given.
func (d *propDecoder) finish() {
	for _, f := range d.info.fields {
		if f.required && !d.seen[f.name] {
			d.l.errorf(d.node, "%smissing required property %q", d.ctx, f.name)
		}
	}
	// A literal value a run would refuse is said now, where it is written.
	if c, ok := d.sv.Addr().Interface().(tasks.Checker); ok {
		for _, pe := range c.Check() {
			d.l.errorf(propNode(d.node, pe.Prop), "%s%s: %v", d.ctx, pe.Prop, pe.Err)
		}
	}
}

// propNode returns the node of the property at path ("labels[1].key") in the mapping n, or
// the deepest node of it found: n itself when the property is not written there.
func propNode(n *yaml.Node, path string) *yaml.Node {
	at := n
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		next := mappingValue(resolve(at), name)
		if next == nil {
			return at
		}
		at = next
		for rest != "" {
			var idx string
			idx, rest, _ = strings.Cut(rest, "]")
			rest = strings.TrimPrefix(rest, "[")
			i, err := strconv.Atoi(idx)
			r := resolve(at)
			if err != nil || r.Kind != yaml.SequenceNode || i < 0 || i >= len(r.Content) {
				return at
			}
			at = r.Content[i]
		}
	}
	return at
}

// mappingValue returns the value of key in the mapping n; nil when n is not a mapping or
// has no such key.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// decodeCtx is what decoding a task's properties carries down.
type decodeCtx struct {
	spec *TaskSpec // PropPos is filled in; nil for a trigger or condition
	ctx  string    // `task "x": `
	// literal reads properties as Kestra reads a trigger's or a condition's: null is a
	// mistake rather than an absent value, and a string is a value, not a template.
	literal bool
	// place is where the conditions of a combining condition (Not, Or) go.
	place *conditionPlace
}

// A propertyType is a property type that reads itself, for the rules and messages of a
// trigger or condition property that a plain Go type cannot carry (flow/props.go): a list
// of execution states, a time of day with its offset, nested conditions... schemaOf is its
// JSON Schema. decodeProp reports whether a value was set.
type propertyType interface {
	decodeProp(l *loader, n *yaml.Node, c *decodeCtx, key string) bool
	schemaOf() obj
}

// finisher is a trigger or condition type that checks or completes its properties once all
// are read (a default, a rule across two properties).
type finisher interface {
	finish(f *finishing)
}

// finishing is what a finisher gets: the loader for messages, the prefix of its messages,
// and the value node of each property given.
type finishing struct {
	l    *loader
	ctx  string
	seen map[string]*yaml.Node
}

// decodeProps decodes the properties ps of a trigger or condition (mapping n) into the
// struct sv by its fields' `flow` tags, in the order written; a key of no field goes to
// unknown. Then it reports the required properties missing, and lets the type finish.
func (l *loader) decodeProps(sv reflect.Value, n *yaml.Node, ps []pair, c *decodeCtx, unknown func(p pair)) {
	info := infoOf(sv.Type())
	seen := map[string]*yaml.Node{}
	for _, p := range ps {
		f := info.byName[p.key.Value]
		if f == nil {
			unknown(p)
			continue
		}
		// A property written with a wrong value is not also reported missing.
		seen[f.name] = p.val
		l.taskVars, l.perRecord = f.vars, f.perRecord
		l.decodeValue(sv.FieldByIndex(f.index), p.val, c, f.name, f.enum)
		l.taskVars, l.perRecord = nil, false
	}
	var anyOf []string
	given := false
	for _, f := range info.fields {
		if f.required && seen[f.name] == nil {
			l.errorf(n, "%smissing required property %q", c.ctx, f.name)
		}
		if f.anyOf {
			anyOf = append(anyOf, f.name)
			given = given || seen[f.name] != nil
		}
	}
	if len(anyOf) > 0 && !given {
		l.errorf(n, "%smissing required property %s (or both)", c.ctx, quoteJoin(anyOf, " or "))
	}
	if fin, ok := sv.Addr().Interface().(finisher); ok {
		fin.finish(&finishing{l: l, ctx: c.ctx, seen: seen})
	}
}

// ignoredReasons say why a property accepted for compatibility has no effect.
var ignoredReasons = map[string]string{
	"containerImage":      "scripts run as local processes",
	"outputsMode":         "Ansible's own output is logged; no playbook results become outputs",
	"engine":              "it only chooses Kestra's container image",
	"compatibilityMode":   "Kestra's AwsCLI does not use it either",
	"forcePathStyle":      "Kestra's AwsCLI does not use it either",
	"stsEndpointOverride": "Kestra's AwsCLI does not use it either",
}

// decodeField decodes v into field f of struct sv; it reports whether a value was set. A
// required property written without a value is reported at its key.
func (l *loader) decodeField(sv reflect.Value, f *field, k, v *yaml.Node, c *decodeCtx, path string) bool {
	if f.required && isNull(v) {
		l.errorf(k, "%s%s: a value is required, got nothing (null)", c.ctx, path)
		return false
	}
	l.taskVars, l.perRecord = f.vars, f.perRecord
	set := l.decodeValue(sv.FieldByIndex(f.index), v, c, path, f.enum)
	l.taskVars, l.perRecord = nil, false
	if f.ignored && set {
		msg := fmt.Sprintf("%s%s is not used by flowctl", c.ctx, path)
		if why := ignoredReasons[f.name]; why != "" {
			msg += " (" + why + ")"
		}
		l.warnf(k, "%s", msg)
	}
	return set
}

var (
	durationType   = reflect.TypeFor[time.Duration]()
	stringMapType  = reflect.TypeFor[tasks.StringMap]()
	orderedMapType = reflect.TypeFor[*templating.Map]()
	stringListType = reflect.TypeFor[tasks.StringList]()
	timeType       = reflect.TypeFor[time.Time]()
)

// expected describes what a property of type t takes, for messages.
func expected(t reflect.Type) string {
	switch {
	case t == durationType:
		return "an ISO-8601 duration such as PT30S"
	case t.Kind() == reflect.Pointer:
		return expected(t.Elem())
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "an integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		if isScalarOrList(t) {
			return "a string or a list of strings"
		}
		return "a list of strings"
	case t == taskListType:
		return "a list of tasks"
	case t == taskSpecPtrType:
		return "a task (a mapping with id and type)"
	case t == casesType:
		return "a mapping of values to lists of tasks"
	case t.Kind() == reflect.Slice:
		return "a list"
	case t.Kind() == reflect.Map || t.Kind() == reflect.Struct:
		return "a mapping"
	}
	return "a value"
}

// isScalarOrList reports whether a list type also takes a single string: tasks.StringList,
// or any named type over []string, which Kestra writes either way.
func isScalarOrList(t reflect.Type) bool {
	return t == stringListType || t.Name() != "" && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String
}

// decodeValue decodes n into rv (settable) according to rv's type; it reports whether a
// value was set (null leaves the zero value: the property is absent). enum lists allowed
// values of a string, compared without regard to case when the string is not a template.
func (l *loader) decodeValue(rv reflect.Value, n *yaml.Node, c *decodeCtx, path string, enum []string) bool {
	r := resolve(n)
	if rv.CanAddr() {
		if p, ok := rv.Addr().Interface().(propertyType); ok {
			return p.decodeProp(l, n, c, path)
		}
	}
	if c.literal {
		return l.decodeLiteral(rv, n, c, path)
	}
	if isNull(r) {
		return false
	}
	if c.spec != nil {
		c.spec.PropPos[path] = posOf(r)
	}
	t := rv.Type()
	bad := func() bool {
		hint := ""
		if t.Kind() == reflect.String {
			hint = l.quoteHint(r)
		}
		l.errorf(r, "%s%s: expected %s, got %s%s", c.ctx, path, expected(t), got(r), hint)
		return false
	}
	switch t {
	case taskListType:
		rv.Set(reflect.ValueOf(l.taskList(n, c.ctx+path)))
		return true
	case taskSpecPtrType:
		spec := l.task(n, c.ctx+path)
		if spec == nil {
			return false
		}
		rv.Set(reflect.ValueOf(spec))
		return true
	case casesType:
		if r.Kind != yaml.MappingNode {
			return bad()
		}
		var cases Cases
		for _, p := range l.pairs(r, c.ctx+path+": ") {
			cases = append(cases, Case{Key: p.key.Value, Pos: posOf(p.key),
				Tasks: l.taskList(p.val, fmt.Sprintf("%s%s.%s", c.ctx, path, p.key.Value))})
		}
		rv.Set(reflect.ValueOf(cases))
		return true
	}
	if t == durationType {
		d, ok := l.duration(r, c.ctx, path)
		if ok {
			rv.SetInt(int64(d))
		}
		return ok
	}
	if t == stringMapType {
		return l.decodeStringMap(rv, r, c, path)
	}
	if t == orderedMapType {
		if r.Kind != yaml.MappingNode {
			return bad()
		}
		rv.Set(reflect.ValueOf(l.orderedValue(r, c.ctx+path, nil)))
		return true
	}
	switch t.Kind() {
	case reflect.String:
		if r.Kind != yaml.ScalarNode {
			return bad()
		}
		s := r.Value
		l.checkEnum(r, s, c.ctx+path, enum)
		l.checkTemplate(r, s, c.ctx+path+": ")
		rv.SetString(s)
		return true
	case reflect.Bool:
		b, ok := l.boolean(r, c.ctx, path)
		rv.SetBool(b)
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!int" {
			return bad()
		}
		i, err := parseInt(r.Value)
		if err != nil || rv.OverflowInt(i) {
			l.errorf(r, "%s%s: %s is out of range", c.ctx, path, r.Value)
			return false
		}
		rv.SetInt(i)
		return true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if r.Kind != yaml.ScalarNode || r.ShortTag() != "!!int" {
			return bad()
		}
		i, err := parseInt(r.Value)
		if err != nil || i < 0 || rv.OverflowUint(uint64(i)) {
			l.errorf(r, "%s%s: %s is out of range", c.ctx, path, r.Value)
			return false
		}
		rv.SetUint(uint64(i))
		return true
	case reflect.Float32, reflect.Float64:
		f, ok := l.number(r, c.ctx, path)
		rv.SetFloat(f)
		return ok
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		if !l.decodeValue(e.Elem(), r, c, path, enum) {
			return false
		}
		rv.Set(e)
		return true
	case reflect.Interface:
		if t.NumMethod() != 0 {
			break
		}
		if v := l.value(r, c.ctx+path, nil); v != nil {
			rv.Set(reflect.ValueOf(v))
		}
		if c.spec != nil && c.spec.Flowable != nil && r.Kind == yaml.SequenceNode {
			// A loop's values: each item's place, for the checks of checkLoopValues.
			for i, item := range r.Content {
				c.spec.PropPos[fmt.Sprintf("%s[%d]", path, i)] = posOf(resolve(item))
			}
		}
		return true
	case reflect.Slice:
		if r.Kind == yaml.ScalarNode && isScalarOrList(t) {
			s := reflect.MakeSlice(t, 1, 1)
			if !l.decodeValue(s.Index(0), r, c, path, enum) {
				return false
			}
			if c.spec != nil {
				// A task renders the single value as the list's first element.
				c.spec.PropPos[path+"[0]"] = posOf(r)
				c.spec.OneOfList[path] = true
			}
			rv.Set(s)
			return true
		}
		if r.Kind != yaml.SequenceNode {
			return bad()
		}
		s := reflect.MakeSlice(t, 0, len(r.Content))
		for i, item := range r.Content {
			e := reflect.New(t.Elem()).Elem()
			p := fmt.Sprintf("%s[%d]", path, i)
			if l.decodeItem(e, item, c, p, enum) {
				s = reflect.Append(s, e)
			}
		}
		rv.Set(s)
		return true
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			break
		}
		if r.Kind != yaml.MappingNode {
			return bad()
		}
		ps := l.pairs(r, c.ctx+path+": ")
		m := reflect.MakeMapWithSize(t, len(ps))
		for _, p := range ps {
			key := p.key.Value
			if t.Elem().Kind() == reflect.String {
				// Kestra renders the keys of a string map too.
				l.checkTemplate(p.key, key, c.ctx+path+": ")
			}
			e := reflect.New(t.Elem()).Elem()
			if l.decodeItem(e, p.val, c, path+"."+key, nil) {
				m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), e)
			}
		}
		rv.Set(m)
		return true
	case reflect.Struct:
		return l.decodeStruct(rv, r, c, path)
	}
	l.errorf(r, "%s%s: flowctl cannot read this property (internal error: Go type %s)", c.ctx, path, t)
	return false
}

// decodeLiteral decodes a trigger's or a condition's property of a plain Go type (see
// decodeCtx.literal).
func (l *loader) decodeLiteral(rv reflect.Value, n *yaml.Node, c *decodeCtx, path string) bool {
	var ok bool
	switch t := rv.Type(); {
	case t == durationType:
		var d time.Duration
		if d, ok = l.duration(n, c.ctx, path); ok {
			rv.SetInt(int64(d))
		}
	case t == timeType:
		var at time.Time
		if at, ok = l.zonedDateTime(n, c.ctx, path); ok {
			rv.Set(reflect.ValueOf(at))
		}
	case t.Kind() == reflect.String:
		var s string
		if s, ok = l.str(n, c.ctx, path); ok {
			rv.SetString(s)
		}
	case t.Kind() == reflect.Bool:
		var b bool
		b, ok = l.boolean(n, c.ctx, path)
		rv.SetBool(b)
	case t.Kind() == reflect.Int:
		var i int
		i, ok = l.integer(n, c.ctx, path)
		rv.SetInt(int64(i))
	case t.Kind() == reflect.Float64:
		var f float64
		f, ok = l.number(n, c.ctx, path)
		rv.SetFloat(f)
	case t.Kind() == reflect.Pointer:
		e := reflect.New(t.Elem())
		if ok = l.decodeValue(e.Elem(), n, c, path, nil); ok {
			rv.Set(e)
		}
	default:
		l.errorf(resolve(n), "%s%s: flowctl cannot read this property (internal error: Go type %s)", c.ctx, path, t)
	}
	return ok
}

// decodeItem decodes an element of a list or a value of a map, where null is a mistake
// rather than an absent property (except where anything goes).
func (l *loader) decodeItem(e reflect.Value, n *yaml.Node, c *decodeCtx, path string, enum []string) bool {
	if isNull(n) {
		if e.Kind() == reflect.Interface || e.Kind() == reflect.Pointer {
			return true
		}
		l.errorf(resolve(n), "%s%s: expected %s, got nothing (null)", c.ctx, path, expected(e.Type()))
		return false
	}
	return l.decodeValue(e, n, c, path, enum)
}

// decodeStruct decodes a nested mapping into struct rv by its fields' `flow` tags, with the
// rules of a task's own properties: every key checked, required ones present.
func (l *loader) decodeStruct(rv reflect.Value, n *yaml.Node, c *decodeCtx, path string) bool {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s%s: expected a mapping, got %s", c.ctx, path, got(n))
		return false
	}
	info := infoOf(rv.Type())
	seen := map[string]bool{}
	for _, p := range l.pairs(n, c.ctx+path+": ") {
		f := info.byName[p.key.Value]
		if f == nil {
			l.unknownKey(p.key, c.ctx+path+": ", p.key.Value, info.names, nil)
			continue
		}
		l.decodeField(rv, f, p.key, p.val, c, path+"."+f.name)
		seen[f.name] = true
	}
	for _, f := range info.fields {
		if f.required && !seen[f.name] {
			l.errorf(n, "%s%s: missing required property %q", c.ctx, path, f.name)
		}
	}
	return true
}

// checkEnum reports a value that is not one of enum (compared without regard to case);
// templates are only known when rendered and are left alone.
func (l *loader) checkEnum(n *yaml.Node, s, ctx string, enum []string) {
	if len(enum) == 0 || hasTemplate(s) {
		return
	}
	for _, e := range enum {
		if strings.EqualFold(e, s) {
			return
		}
	}
	l.errorf(n, "%s: %q is not one of %s%s", ctx, s, strings.Join(enum, ", "), didYouMean(s, enum))
}

// decodeStringMap decodes a tasks.StringMap: as a map[string]string, keys in the order of
// the file (keys brought in by a merge key `<<` follow, sorted).
func (l *loader) decodeStringMap(rv reflect.Value, r *yaml.Node, c *decodeCtx, path string) bool {
	var m map[string]string
	if !l.decodeValue(reflect.ValueOf(&m).Elem(), r, c, path, nil) {
		return false
	}
	var out tasks.StringMap
	for i := 0; i+1 < len(r.Content); i += 2 {
		if k := r.Content[i].Value; r.Content[i].Kind == yaml.ScalarNode {
			if v, ok := m[k]; ok {
				out.Set(k, v)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out.Set(k, m[k])
	}
	rv.Set(reflect.ValueOf(out))
	return true
}
