package flow

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"

	// The zone database is built in so that timezone checks and schedules do not depend on
	// the machine (CI images often lack /usr/share/zoneinfo).
	_ "time/tzdata"
)

// MaxFileSize is the largest flow file flowctl reads. Real flows are a few kilobytes; the
// bound keeps a stray log or data file from costing seconds and hundreds of megabytes of
// parsing before it is refused.
const MaxFileSize = 5 << 20

// maxExpanded bounds the number of values a file may expand to through YAML aliases beyond
// its own node count, so a "billion laughs" file fails fast instead of exhausting memory.
const maxExpanded = 1_000_000

// maxAliasBytes bounds the bytes (scalar values and keys) that YAML aliases add to a flow
// beyond what the file holds. A count of values alone lets a large anchor aliased a few
// hundred times through: 300 aliases of a 1 MiB string are 300 MiB, and a run holds each
// copy several times over (rendered, logged, recorded), so it ran out of memory. Real flows
// alias task defaults or short lists, a few kilobytes at most; 16 MiB is thousands of times
// that, over three times the largest file accepted, and keeps the worst case a run can be
// handed to tens of megabytes.
const maxAliasBytes = 16 << 20

// maxProblems bounds the problems listed for one file.
const maxProblems = 1000

// maxDepth bounds nesting (aliases included); yaml.v3 stops at 10000 levels of its own.
const maxDepth = 10_000

// Problem is one error in a flow file, at a 1-based line and column (0 when the problem is
// about the whole file, such as its size).
type Problem struct {
	File      string
	Line, Col int
	Msg       string
}

// Error reads "file:line:col: msg".
func (p Problem) Error() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Msg)
}

// LoadError lists every problem found in one file, sorted by position, so a user fixes them
// all in one pass instead of one per run.
type LoadError struct {
	File     string
	Problems []Problem
	// src is the file's content, for Explain's source lines.
	src []byte
}

// Error returns one problem per line.
func (e *LoadError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Load reads and checks a flow file. reg gives the task types. A flow with problems returns
// a *LoadError that lists them all; a file that cannot be read returns the os error.
func Load(path string, reg tasks.Registry) (*Flow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a folder, not a flow file", path)
	}
	// The size is checked before reading so a huge file is refused at once; the limited
	// read also covers pipes and other files whose size Stat does not know.
	if st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, tooLarge(path, st.Size())
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, src, reg)
}

// Parse checks src read from file (file is only used in messages).
func Parse(file string, src []byte, reg tasks.Registry) (*Flow, error) {
	if len(src) > MaxFileSize {
		return nil, tooLarge(file, int64(len(src)))
	}
	l := &loader{file: file, src: src, reg: reg}
	f := l.load()
	if len(l.problems) > 0 {
		return nil, &LoadError{File: file, Problems: listed(l.problems, l.droppedProblems, "problems"), src: src}
	}
	for _, w := range listed(l.warnings, l.droppedWarnings, "warnings") {
		f.Warnings = append(f.Warnings, w.Error())
	}
	f.RefProblems = sortProblems(l.refProblems)
	return f, nil
}

// listed sorts ps and keeps the first maxProblems: past this many the file is not a flow gone
// wrong in places, and megabytes of messages would help nobody. A last entry then says how
// many more there are, dropped (never recorded) included.
func listed(ps []Problem, dropped int, what string) []Problem {
	ps = sortProblems(ps)
	if len(ps) <= maxProblems && dropped == 0 {
		return ps
	}
	n := min(len(ps), maxProblems)
	more := ps[min(n, len(ps)-1)]
	more.Msg = fmt.Sprintf("%d more %s not listed", len(ps)-n+dropped, what)
	return append(ps[:n], more)
}

// tooLarge is the error for a file over MaxFileSize.
func tooLarge(file string, size int64) error {
	return &LoadError{File: file, Problems: []Problem{{File: file, Msg: fmt.Sprintf(
		"the file is %.1f MiB: flow files larger than %d MiB are refused (is it really a flow?)",
		float64(size)/(1<<20), MaxFileSize>>20)}}}
}

// sortProblems sorts by position and drops exact repeats (an alias read twice reports its
// problems twice).
func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Col < ps[j].Col
	})
	return slices.Compact(ps)
}

// loader holds the state of one Parse: the problems found so far and what later checks need.
type loader struct {
	file     string
	src      []byte
	reg      tasks.Registry
	problems []Problem
	warnings []Problem
	// lineStarts are the offsets of each line of src, built on first use.
	lineStarts []int
	// taskIDs holds where each task id was first defined, across tasks, errors and finally.
	taskIDs map[string]Pos
	// droppedProblems and droppedWarnings count those found past maxRecorded.
	droppedProblems, droppedWarnings int
	// anchored holds the values of anchors already converted (see value).
	anchored map[anchoredValue]any
	// reading is the task whose properties are being read; uses are the templates of tasks,
	// checked once the whole flow is known (refs.go).
	reading *TaskSpec
	// taskVars are the variables the task adds for the property being decoded.
	taskVars    []string
	uses        []templateUse
	refProblems []Problem

	// perRecord is set while a perRecord property is decoded (see field.perRecord).
	perRecord bool
}

// errorf records a problem at n's position.
func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	p := posOf(n)
	l.errorAt(p, format, args...)
}

// errorAt records a problem at p.
func (l *loader) errorAt(p Pos, format string, args ...any) {
	l.record(&l.problems, &l.droppedProblems, p, format, args)
}

// warnf records a warning at n's position.
func (l *loader) warnf(n *yaml.Node, format string, args ...any) {
	l.record(&l.warnings, &l.droppedWarnings, posOf(n), format, args)
}

// maxRecorded bounds the problems (and, apart, the warnings) kept while loading; past it they
// are only counted. A task property is read again at each alias, so a small file can make
// hundreds of thousands of messages: 1,600 tasks aliasing one list of 300 wrong items (a
// 70 KB file) made 480,000 and took 186 MiB to validate, 79 MiB now. The loader walks in
// file order, so the first maxRecorded hold the maxProblems listed but in a file wrong
// almost everywhere.
const maxRecorded = 10 * maxProblems

// record appends a problem to list, or counts it in dropped once list holds maxRecorded.
func (l *loader) record(list *[]Problem, dropped *int, p Pos, format string, args []any) {
	if len(*list) >= maxRecorded {
		*dropped++
		return
	}
	*list = append(*list, Problem{File: l.file, Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)})
}

// posOf is n's position; the start of the file when n carries none.
func posOf(n *yaml.Node) Pos {
	if n == nil || n.Line == 0 {
		return Pos{1, 1}
	}
	return Pos{n.Line, n.Column}
}

// notMapping is the message for a document that is not a flow at all.
const notMapping = "a flow must be a mapping with id, namespace and tasks"

// load parses the YAML and walks the flow. Problems are collected in l; the returned flow is
// only meaningful when there are none.
func (l *loader) load() *Flow {
	dec := yaml.NewDecoder(bytes.NewReader(l.src))
	var doc yaml.Node
	if err := decode(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.errorAt(Pos{1, 1}, "the file is empty: %s", notMapping)
		} else {
			l.yamlProblem(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := decode(dec, &extra); {
	case err == nil:
		l.errorAt(l.secondDocPos(&extra), "the file holds more than one YAML document (---): a flow file holds one flow")
	case !errors.Is(err, io.EOF):
		l.yamlProblem(err)
	}
	if len(doc.Content) == 0 {
		l.errorAt(Pos{1, 1}, "the file is empty: %s", notMapping)
		return nil
	}
	root := resolve(doc.Content[0])
	switch {
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		l.errorAt(Pos{1, 1}, "the file is empty: %s", notMapping)
		return nil
	case root.Kind != yaml.MappingNode:
		l.errorf(root, "%s, got %s", notMapping, kindName(root))
		return nil
	}
	if !l.checkExpansion(root) {
		return nil
	}
	return l.flow(root)
}

// decode reads the next document. A panic inside the YAML library (it has had some on
// hostile input) becomes an error: no file may crash flowctl.
func decode(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML reader failed on this file: %v", r)
		}
	}()
	return dec.Decode(doc)
}

// lazyRegexp returns expr compiled on first use: start-up (flowctl version, executions
// list) pays for no pattern it does not use, and a flow without schedule conditions never
// compiles theirs.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// yamlMessage matches yaml.v3's errors: "yaml: line 3: did not find expected key".
var yamlMessage = lazyRegexp(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlProblem turns a yaml.v3 error into a problem at its line, with a clearer word for the
// usual suspects: tabs, control characters and bytes that are not UTF-8.
func (l *loader) yamlProblem(err error) {
	msg := err.Error()
	line := 0
	if m := yamlMessage().FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &line)
		msg = m[2]
	}
	if strings.Contains(msg, "tab") || strings.Contains(msg, "cannot start any token") {
		if p, ok := l.tabIndent(line); ok {
			l.errorAt(p, "tabs are not allowed in YAML indentation (line %d is indented with a tab): indent with spaces", p.Line)
			return
		}
	}
	if strings.Contains(msg, "control characters") {
		if p, ok := l.firstByte(func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f }); ok {
			l.errorAt(p, "invalid YAML: control characters are not allowed")
			return
		}
	}
	if strings.Contains(msg, "UTF-8") {
		if p, ok := l.firstByte(func(r rune) bool { return r == utf8.RuneError }); ok {
			l.errorAt(p, "invalid YAML: the file is not valid UTF-8 text")
			return
		}
	}
	if p, why, ok := l.syntaxPlace(line, msg); ok {
		l.errorAt(p, "invalid YAML: %s: %s", msg, why)
		return
	}
	if line <= 0 {
		line = 1
	}
	l.errorAt(Pos{line, 1}, "invalid YAML: %s", msg)
}

// tabIndent finds the line indented with a tab that a yaml.v3 error is about: the first at or
// after the line yaml.v3 names (it sometimes names the line before), else the first anywhere.
func (l *loader) tabIndent(near int) (Pos, bool) {
	first := Pos{}
	for i, line := range bytes.Split(l.src, []byte("\n")) {
		j := 0
		for j < len(line) && line[j] == ' ' {
			j++
		}
		if j < len(line) && line[j] == '\t' {
			p := Pos{i + 1, j + 1}
			if p.Line >= near {
				return p, true
			}
			if first.Line == 0 {
				first = p
			}
		}
	}
	return first, first.Line > 0
}

// firstByte finds the position of the first rune of src for which bad holds.
func (l *loader) firstByte(bad func(rune) bool) (Pos, bool) {
	line, col := 1, 1
	for i := 0; i < len(l.src); {
		r, size := utf8.DecodeRune(l.src[i:])
		if bad(r) {
			return Pos{line, col}, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return Pos{}, false
}

// secondDocPos is where a second document starts: its node's line, else the second "---".
func (l *loader) secondDocPos(doc *yaml.Node) Pos {
	if doc.Line > 0 {
		return Pos{doc.Line, 1}
	}
	for i, line := range bytes.Split(l.src, []byte("\n")) {
		if i > 0 && bytes.HasPrefix(line, []byte("---")) {
			return Pos{i + 1, 1}
		}
	}
	return Pos{1, 1}
}

// checkExpansion walks the tree once as the rest of the loader will see it, aliases
// followed, and refuses a file whose aliases refer to themselves, nest too deeply, or add
// more than maxExpanded values or maxAliasBytes bytes to what the file holds. The problem is
// at the alias that goes over, counted in the order of the file. Past this check every later
// walk, and every copy a run makes of the flow's values, is bounded.
func (l *loader) checkExpansion(root *yaml.Node) bool {
	// The aliases the file itself holds, with their depth: what each adds is the whole
	// expansion of its anchor, aliases inside it followed.
	type use struct {
		alias *yaml.Node
		depth int
	}
	var uses []use
	ownValues := 0
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		ownValues++
		for _, c := range n.Content {
			if c.Kind == yaml.AliasNode {
				uses = append(uses, use{c, depth + 1})
			} else {
				walk(c, depth+1)
			}
		}
	}
	walk(root, 0)
	if len(uses) == 0 {
		// Without aliases the tree is the file: yaml.v3 already bounded its depth, and the
		// file's size its bytes.
		return true
	}
	x := expander{l: l, memo: map[*yaml.Node]expansion{}, active: map[*yaml.Node]bool{}}
	var added expansion
	for _, u := range uses {
		e, ok := x.expand(u.alias, u.depth)
		if !ok {
			return false
		}
		added.values += e.values
		added.bytes += e.bytes
		switch {
		case added.values > maxExpanded:
			l.errorf(u.alias, "alias *%s: aliases expand the flow to more than %d values beyond the %d the file holds: use fewer aliases of large anchors (an alias bomb?)",
				u.alias.Value, maxExpanded, ownValues)
			return false
		case added.bytes > maxAliasBytes:
			l.errorf(u.alias, "alias *%s: aliases expand the flow by more than %d MiB (the file is %d bytes): use fewer aliases of large anchors (an alias bomb?)",
				u.alias.Value, maxAliasBytes>>20, len(l.src))
			return false
		}
	}
	return true
}

// expansion is what a node amounts to with its aliases followed: its values (nodes), the
// bytes of its scalars (keys included) and how many levels it nests below itself. Values and
// bytes saturate just past their limits, so an exponential bomb never overflows them.
type expansion struct{ values, bytes, height int }

// expander computes expansions, each node's once.
type expander struct {
	l      *loader
	memo   map[*yaml.Node]expansion
	active map[*yaml.Node]bool // the nodes being expanded: an alias to one is a cycle
}

// expand is the expansion of n (an alias is followed) found depth levels below the root. It
// reports a cycle or a nesting over maxDepth at n and returns false.
func (x *expander) expand(n *yaml.Node, depth int) (expansion, bool) {
	at := n
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return expansion{values: 1}, true
		}
		if x.active[n.Alias] {
			x.l.errorf(n, "alias *%s refers to a value that contains it", n.Value)
			return expansion{}, false
		}
		n = n.Alias
	}
	e, seen := x.memo[n]
	if !seen {
		if depth > maxDepth {
			x.l.errorf(at, "values are nested more than %d levels deep", maxDepth)
			return expansion{}, false
		}
		x.active[n] = true
		e = expansion{values: 1, bytes: len(n.Value)}
		for _, c := range n.Content {
			ce, ok := x.expand(c, depth+1)
			if !ok {
				return expansion{}, false
			}
			e.values = min(e.values+ce.values, maxExpanded+1)
			e.bytes = min(e.bytes+ce.bytes, maxAliasBytes+1)
			e.height = max(e.height, ce.height+1)
		}
		delete(x.active, n)
		x.memo[n] = e
	}
	if depth+e.height > maxDepth {
		x.l.errorf(at, "values are nested more than %d levels deep", maxDepth)
		return expansion{}, false
	}
	return e, true
}

// The patterns and lengths of Kestra's ids.
func flowIDPattern() idPattern {
	return idPattern{upper: true, punct: "._-", expr: `^[a-zA-Z0-9][a-zA-Z0-9._-]*$`}
}

func namespacePattern() idPattern {
	return idPattern{punct: "._-", expr: `^[a-z0-9][a-z0-9._-]*$`}
}

func taskIDPattern() idPattern {
	return idPattern{upper: true, punct: "_-", expr: `^[a-zA-Z0-9][a-zA-Z0-9_-]*$`}
}

func inputIDPattern() idPattern {
	return idPattern{upper: true, punct: "._-", expr: `^[a-zA-Z0-9][.a-zA-Z0-9_-]*$`}
}

// idPattern is one of the id patterns: a letter or digit, then letters, digits and the
// punctuation punct. Checked by a loop rather than a regexp: every load checks ids, and
// compiling their patterns cost a run more than checking them.
type idPattern struct {
	upper bool   // upper-case letters are allowed, besides lower-case ones
	punct string // the punctuation allowed after the first character
	expr  string // the same as a regular expression, for the JSON Schema and messages
}

// MatchString reports whether s is a valid id.
func (p idPattern) MatchString(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			if !p.upper {
				return false
			}
		case i > 0 && strings.IndexByte(p.punct, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// String is the pattern as a regular expression.
func (p idPattern) String() string { return p.expr }

const (
	maxFlowIDLen    = 100
	maxNamespaceLen = 150
)

// flowKeys are the flow's keys: how the loader reads each, and its schema.
var flowKeys = keyTable[*Flow]{
	{name: "id", required: true, doc: "The flow's id, unique in its namespace.",
		schema: func(*schemaBuilder) obj { return idSchema(flowIDPattern(), maxFlowIDLen) },
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) {
			if s, ok := l.str(v, "", "id"); ok {
				f.ID = s
				l.checkID(v, "id", s, "flow id", flowIDPattern(), maxFlowIDLen, `letters, digits, ".", "_" and "-"`)
			}
		}},
	{name: "namespace", required: true, doc: "The flow's namespace: lower-case, dotted (company.team).",
		schema: func(*schemaBuilder) obj { return idSchema(namespacePattern(), maxNamespaceLen) },
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) {
			s, ok := l.str(v, "", "namespace")
			if !ok {
				return
			}
			f.Namespace = s
			if l.checkID(v, "namespace", s, "namespace", namespacePattern(), maxNamespaceLen, `lower-case letters, digits, ".", "_" and "-"`) {
				return
			}
			if low := strings.ToLower(s); low != s && namespacePattern().MatchString(low) {
				l.problems[len(l.problems)-1].Msg += fmt.Sprintf(" (did you mean %q?)", low)
			}
		}},
	textKey("description", "What the flow does.", func(f *Flow, s string) { f.Description = s }),
	{name: "labels", doc: "The labels of the flow's executions: a mapping, or a list of {key, value}.",
		schema: func(b *schemaBuilder) obj {
			return obj{"type": []string{"object", "array", "null"}, "additionalProperties": text(), "items": labelKeys.object(b)}
		},
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Labels = l.labels(v) }},
	{name: "inputs", doc: "The flow's inputs, given with run -i ID=VALUE.",
		schema: func(b *schemaBuilder) obj { return obj{"type": []string{"array", "null"}, "items": b.input} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Inputs = l.inputs(v) }},
	{name: "variables", doc: "Values exposed as {{ vars.NAME }}, not rendered.",
		schema: func(*schemaBuilder) obj { return obj{"type": []string{"object", "null"}} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Variables = l.variables(v) }},
	{name: "tasks", required: true, doc: "The tasks, run one after another; the first that fails stops them.",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.taskList}, "type": "array", "minItems": 1} },
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) {
			f.Tasks = l.taskList(v, "tasks")
			if isSeq(v) && len(resolve(v).Content) == 0 {
				l.errorf(v, "tasks: at least one task is required")
			}
		}},
	{name: "errors", doc: "Tasks run when a task of tasks failed.",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.taskList}} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Errors = l.taskList(v, "errors") }},
	{name: "finally", doc: "Tasks run last, after success and failure alike.",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.taskList}} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Finally = l.taskList(v, "finally") }},
	{name: "triggers", doc: "What starts the flow: Flow triggers (another execution ended) and Schedule triggers.",
		schema: func(b *schemaBuilder) obj { return obj{"type": []string{"array", "null"}, "items": b.trigger} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Triggers = l.triggers(v) }},
	boolKey("disabled", "A disabled flow is not run, and its triggers do not fire.", func(f *Flow, b bool) { f.Disabled = b }),
	{name: "concurrency", doc: "How many executions of the flow run at once, across every flowctl process sharing the state.",
		schema: func(b *schemaBuilder) obj { return concurrencyKeys.object(b) },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Concurrency = l.concurrency(v) }},
	{name: "retry", doc: "The retry of a failed task that has no retry of its own or of a flowable task it runs under.",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.retry}} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Retry = l.retry(v, "retry: ") }},
	{name: "sla", doc: "Service level agreements of the flow's executions: what a violation does, and the labels it adds.",
		schema: func(*schemaBuilder) obj { return obj{"type": []string{"array", "null"}, "items": slaSchema()} },
		read:   func(l *loader, f *Flow, v *yaml.Node, _ string) { f.SLA = l.slas(v) }},
	// Read and applied by withDefaults before the walk.
	{name: "pluginDefaults", doc: "Default property values for the tasks, triggers and conditions of a type (or a type prefix).",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.pluginDefaults}} }},
	{name: "taskDefaults", doc: "The older name of pluginDefaults.",
		schema: func(b *schemaBuilder) obj { return obj{"allOf": []any{b.pluginDefaults}} }},
	{name: "outputs", doc: "Values the flow exposes once it has ended: on the execution as outputs, and to a Subflow task's parent.",
		schema: func(b *schemaBuilder) obj {
			return obj{"type": []string{"array", "null"}, "items": outputKeys.object(b)}
		},
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) { f.Outputs = l.outputs(v) }},
	// Kestra's blueprint catalogue describes each blueprint in this mapping (title,
	// description, tags); it is documentation, so a blueprint runs as published.
	{name: "extend", doc: "A blueprint's catalogue entry (title, description, tags, ...): documentation, not read.",
		schema: func(*schemaBuilder) obj { return obj{"type": []string{"object", "null"}} },
		read: func(l *loader, _ *Flow, v *yaml.Node, _ string) {
			if n := resolve(v); n.Kind != yaml.MappingNode && !isNull(n) {
				l.errorf(v, "extend: expected a mapping (a blueprint's title, description and tags), got %s", kindName(n))
			}
		}},
	// Kestra accepts a revision in the source and overwrites it on save; so does flowctl,
	// which numbers revisions itself when a flow is applied.
	{name: "revision", old: true, doc: "Ignored: flowctl numbers revisions itself when a flow is applied.",
		schema: func(*schemaBuilder) obj { return obj{"type": "integer"} },
		read: func(l *loader, f *Flow, v *yaml.Node, _ string) {
			if _, ok := l.integer(v, "", "revision"); ok {
				l.warnf(v, "revision is ignored: flowctl numbers revisions itself when a flow is applied")
			}
		}},
}

// unsupportedFlowKeys are Kestra's other flow keys, each with a hint when one helps.
var unsupportedFlowKeys = map[string]string{
	"afterExecution": " (use finally)",
	"checks":         "",
	"listeners":      " (use errors and finally)",
	"deleted":        "",
	"tenantId":       "",
	"workerGroup":    "",
}

// flow walks the root mapping.
func (l *loader) flow(root *yaml.Node) *Flow {
	f := &Flow{File: l.file, Source: l.src, Revision: 1}
	l.taskIDs = map[string]Pos{}
	root = l.withDefaults(root)
	readKeys(l, root, f, flowKeys, "", unsupportedFlowKeys)
	l.checkTriggerInputs(f)
	l.checkRecursion(f)
	l.checkRefs(f)
	return f
}

// checkRecursion refuses a Subflow or ForEachItem task that calls its own flow, as Kestra's
// validation does: its execution would start another, and so on.
func (l *loader) checkRecursion(f *Flow) {
	for _, spec := range f.AllTasks() {
		if ns, id, ok := CalledFlow(spec); ok && ns == f.Namespace && id == f.ID {
			l.errorAt(spec.Pos, "task %q: Recursive call to flow [%s.%s]", spec.ID, ns, id)
		}
	}
}

// concurrencyBehaviors are the values of a concurrency's behavior.
var concurrencyBehaviors = []string{ConcurrencyQueue, ConcurrencyCancel, ConcurrencyFail}

// concurrencyKeys are the keys of the flow's concurrency.
var concurrencyKeys = keyTable[*Concurrency]{
	{name: "limit", required: true, doc: "How many executions of the flow may run at once.",
		schema: func(*schemaBuilder) obj { return obj{"type": "integer", "minimum": 1} },
		read: func(l *loader, c *Concurrency, v *yaml.Node, ctx string) {
			if i, ok := l.integer(v, ctx, "limit"); ok {
				if i < 1 {
					l.errorf(v, "%slimit: must be at least 1, got %d", ctx, i)
				}
				c.Limit = i
			}
		}},
	{name: "behavior", doc: "What an execution finding no free slot does (default QUEUE).",
		schema: func(*schemaBuilder) obj { return caseless(concurrencyBehaviors) },
		read: func(l *loader, c *Concurrency, v *yaml.Node, ctx string) {
			if s, ok := l.str(v, ctx, "behavior"); ok {
				c.Behavior = strings.ToUpper(s)
				if !slices.Contains(concurrencyBehaviors, c.Behavior) {
					l.errorf(v, "%sbehavior: %q is not one of QUEUE, CANCEL, FAIL%s", ctx, s, didYouMean(c.Behavior, concurrencyBehaviors))
				}
			}
		}},
}

// concurrency reads the flow's `concurrency`: a limit of 1 or more, and the behaviour when
// it is reached (Kestra's default: QUEUE).
func (l *loader) concurrency(n *yaml.Node) *Concurrency {
	const ctx = "concurrency: "
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%sexpected a mapping with limit and behavior, got %s", ctx, kindName(n))
		return nil
	}
	c := &Concurrency{Behavior: ConcurrencyQueue, Pos: posOf(n)}
	readKeys(l, n, c, concurrencyKeys, ctx, nil)
	return c
}

// checkTriggerInputs checks that the inputs a trigger gives are inputs of the flow: one that
// is not would be dropped without a word, or fail every execution the trigger starts.
func (l *loader) checkTriggerInputs(f *Flow) {
	declared := make([]string, 0, len(f.Inputs))
	for _, in := range f.Inputs {
		declared = append(declared, in.ID)
	}
	for _, t := range f.Triggers {
		for _, k := range slices.Sorted(maps.Keys(t.Inputs)) {
			if slices.Contains(declared, k) {
				continue
			}
			what := "the flow has no inputs"
			if len(declared) > 0 {
				what = "the flow's inputs are " + strings.Join(declared, ", ") + didYouMean(k, declared)
			}
			l.errorAt(t.InputsPos[k], "trigger %q: inputs: %q is not an input of the flow: %s", t.ID, k, what)
		}
	}
}

// unknownKey reports a key that is not one of known: "not supported yet" when Kestra has it
// (unsupported maps it to a hint), else unknown with a suggestion.
func (l *loader) unknownKey(k *yaml.Node, ctx, key string, known []string, unsupported map[string]string) {
	if hint, ok := unsupported[key]; ok {
		l.errorf(k, "%sflowctl does not support %q yet%s", ctx, key, hint)
		return
	}
	l.errorf(k, "%sunknown property %q%s", ctx, key, didYouMean(key, known))
}

// checkID checks an id against its pattern and length; it reports whether the id is valid.
func (l *loader) checkID(n *yaml.Node, ctx, s, what string, re idPattern, max int, chars string) bool {
	switch {
	case s == "":
		l.errorf(n, "%s: the %s must not be empty", ctx, what)
	case utf8.RuneCountInString(s) > max:
		l.errorf(n, "%s: the %s is %d characters long, at most %d are allowed", ctx, what, utf8.RuneCountInString(s), max)
	case !re.MatchString(s):
		l.errorf(n, "%s: %q is not a valid %s: use %s, starting with a letter or digit", ctx, s, what, chars)
	default:
		return true
	}
	return false
}

// labels reads a map of labels, or Kestra's list of {key, value}.
func (l *loader) labels(n *yaml.Node) []Label {
	n = resolve(n)
	var out []Label
	firsts := map[string]Pos{}
	add := func(at *yaml.Node, key, value string) {
		if first, dup := firsts[key]; dup {
			l.errorf(at, "labels: label %q is given twice (first at line %d)", key, first.Line)
			return
		}
		firsts[key] = posOf(at)
		out = append(out, Label{Key: key, Value: value})
	}
	switch n.Kind {
	case yaml.MappingNode:
		for _, p := range l.pairs(n, "labels: ") {
			if v, ok := l.labelValue(p.val, fmt.Sprintf("labels: %s", p.key.Value)); ok {
				add(p.key, p.key.Value, v)
			}
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			item = resolve(item)
			ctx := fmt.Sprintf("labels[%d]: ", i)
			if item.Kind != yaml.MappingNode {
				l.errorf(item, "%sexpected a mapping with key and value, got %s", ctx, kindName(item))
				continue
			}
			var e labelEntry
			for _, p := range l.pairs(item, ctx) {
				if k := labelKeys.lookup(p.key.Value); k != nil {
					k.read(l, &e, p.val, ctx)
				} else {
					l.unknownKey(p.key, ctx, p.key.Value, labelKeys.names(), nil)
				}
			}
			// One missing key is reported: the first.
			if missing := slices.IndexFunc(labelKeys, func(k keyDef[*labelEntry]) bool { return !e.has[k.name] }); missing >= 0 {
				l.errorf(item, "%smissing required property %q", ctx, labelKeys[missing].name)
			} else {
				add(item, e.Key, e.Value)
			}
		}
	default:
		if !isNull(n) {
			l.errorf(n, "labels: expected a mapping (or a list of key and value), got %s", kindName(n))
		}
	}
	return out
}

// labelEntry is one {key, value} of a list of labels being read: has says which were read.
type labelEntry struct {
	Label
	has map[string]bool
}

// labelKeys are the keys of one {key, value} of a list of labels.
var labelKeys = keyTable[*labelEntry]{
	{name: "key", required: true, schema: func(*schemaBuilder) obj { return text() },
		read: func(l *loader, e *labelEntry, v *yaml.Node, ctx string) {
			var ok bool
			e.Key, ok = l.str(v, ctx, "key")
			e.read("key", ok)
		}},
	{name: "value", required: true, schema: func(*schemaBuilder) obj { return text() },
		read: func(l *loader, e *labelEntry, v *yaml.Node, ctx string) {
			var ok bool
			e.Value, ok = l.labelValue(v, ctx+"value")
			e.read("value", ok)
		}},
}

// read records whether the key named name was read.
func (e *labelEntry) read(name string, ok bool) {
	if e.has == nil {
		e.has = map[string]bool{}
	}
	e.has[name] = ok
}

// labelValue reads a label value: any scalar, as text, since Kestra's labels are strings.
func (l *loader) labelValue(n *yaml.Node, ctx string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		l.errorf(n, "%s: expected a string, got %s", ctx, kindName(n))
		return "", false
	}
	return n.Value, true
}

// variables reads the flow's variables: a map of anything.
func (l *loader) variables(n *yaml.Node) map[string]any {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "variables: expected a mapping, got %s", kindName(n))
		return nil
	}
	// The top level is a Go map (vars.x looks a name up); the values inside keep the file's
	// order, so {{ vars.m }} prints as written.
	_, m, _ := templating.AsMap(l.orderedValue(n, "variables", nil))
	return m
}

// taskList reads one of tasks, errors and finally.
func (l *loader) taskList(n *yaml.Node, branch string) []*TaskSpec {
	n = resolve(n)
	if isNull(n) {
		if branch == "tasks" {
			l.errorf(n, "tasks: at least one task is required")
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "%s: expected a list of tasks, got %s", branch, kindName(n))
		return nil
	}
	out := make([]*TaskSpec, 0, len(n.Content))
	for i, item := range n.Content {
		if spec := l.task(item, fmt.Sprintf("%s[%d]", branch, i)); spec != nil {
			out = append(out, spec)
		}
	}
	return out
}

// taskKeys are the task keys the runner handles itself, for every type. The id and type are
// read first, to name the task and find its properties.
var taskKeys = keyTable[*TaskSpec]{
	{name: "id", required: true, doc: "The task's id, unique across tasks, errors and finally (no dots).",
		schema: func(*schemaBuilder) obj { return idSchema(taskIDPattern(), maxFlowIDLen) }},
	{name: "type", required: true, doc: "The task type.",
		schema: func(b *schemaBuilder) obj { return caseless(b.taskTypes) }},
	textKey("description", "What the task does.", func(spec *TaskSpec, s string) { spec.Description = s }),
	boolKey("disabled", "A disabled task is dropped: no task run at all.", func(spec *TaskSpec, b bool) { spec.Disabled = b }),
	durationKey("timeout", "The longest an attempt may run, ISO-8601 (PT30S); then it fails and its processes are killed.",
		positiveDuration, func(spec *TaskSpec, d time.Duration) { spec.Timeout = d }),
	{name: "retry",
		schema: func(b *schemaBuilder) obj { return b.retry },
		read: func(l *loader, spec *TaskSpec, v *yaml.Node, ctx string) {
			spec.Retry = l.retry(v, ctx+"retry: ")
		}},
	boolKey("allowFailure", "A failed task (no retry left) ends WARNING instead.", func(spec *TaskSpec, b bool) { spec.AllowFailure = b }),
	boolKey("allowWarning", "A task ending WARNING ends SUCCESS instead.", func(spec *TaskSpec, b bool) { spec.AllowWarning = b }),
	{name: "runIf", doc: "Rendered; false, 0, -0 or empty skips the task.",
		schema: func(*schemaBuilder) obj { return text() },
		read: func(l *loader, spec *TaskSpec, v *yaml.Node, ctx string) {
			if s, ok := l.str(v, ctx, "runIf"); ok {
				spec.RunIf, spec.HasRunIf = s, true
				spec.PropPos["runIf"] = posOf(resolve(v))
				l.checkTemplate(v, s, ctx+"runIf: ")
			}
		}},
	{name: "logLevel", doc: "The lowest level of the task's log lines that is kept; the lines below are dropped.",
		schema: func(*schemaBuilder) obj { return obj{"enum": []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR"}} },
		read: func(l *loader, spec *TaskSpec, v *yaml.Node, ctx string) {
			if s, ok := l.str(v, ctx, "logLevel"); ok {
				lv, err := tasks.ParseLevel(s)
				if err != nil {
					l.errorf(v, "%slogLevel: %v", ctx, err)
				}
				spec.LogLevel = lv
			}
		}},
	boolKey("logToFile", "Also write the attempt's log lines to a file of the execution's storage (the attempt's logFile).",
		func(spec *TaskSpec, b bool) { spec.LogToFile = b }),
}

// flowableKeys are the keys every flowable task has besides its own properties, read by the
// task walk: the tasks run when one under it failed, and after the others.
var flowableKeys = keyTable[*TaskSpec]{
	{name: "errors", doc: "Tasks run when a task under this one failed.", schema: taskListOrNull},
	{name: "finally", doc: "Tasks run after the others, whatever their outcome.", schema: taskListOrNull},
}

// typeKeys are the keys of a task type that the task walk reads itself, by type name.
var typeKeys = map[string]keyTable[*TaskSpec]{
	// The inputs a resume gives values to, and the deprecated child tasks.
	tasks.PauseType: {
		{name: "onResume", doc: "Inputs a resume (flowctl executions resume -i ID=VALUE) gives values to: the task's output onResume.",
			schema: func(*schemaBuilder) obj {
				return nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/input"}})
			}},
		{name: "tasks", doc: "Deprecated: tasks run in order once the pause ended.", schema: taskListOrNull},
	},
}

// taskListOrNull is the schema of a list of tasks that may be written empty (null).
func taskListOrNull(*schemaBuilder) obj {
	return nullable(obj{"type": "array", "items": obj{"$ref": "#/$defs/task"}})
}

// unsupportedTaskKeys are Kestra's other common task keys.
var unsupportedTaskKeys = map[string]string{
	"workerGroup": "",
	"taskCache":   "",
	"version":     "",
}

// task reads one task; where names it until its id is known ("tasks[2]").
func (l *loader) task(n *yaml.Node, where string) *TaskSpec {
	// A task written as an alias (- *common) is reported as a duplicate at the alias, not
	// at the anchor it repeats.
	at := n
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s: expected a task (a mapping with id and type), got %s", where, kindName(n))
		return nil
	}
	ps := l.pairs(n, where+": ")
	spec := &TaskSpec{Pos: posOf(n), PropPos: map[string]Pos{}, OneOfList: map[string]bool{}}
	ctx := where + ": "
	var idNode, typeNode *yaml.Node
	for _, p := range ps {
		switch p.key.Value {
		case "id":
			idNode = p.val
		case "type":
			typeNode = p.val
		}
	}
	if idNode != nil {
		if id, ok := l.str(idNode, ctx, "id"); ok {
			spec.ID = id
			ctx = fmt.Sprintf("task %q: ", id)
			if l.checkID(idNode, ctx+"id", id, "task id", taskIDPattern(), maxFlowIDLen, `letters, digits, "_" and "-" (no dots)`) {
				if first, dup := l.taskIDs[id]; dup {
					if at.Kind != yaml.AliasNode {
						at = idNode
					}
					l.errorf(at, "%sduplicate task id %q (first defined at line %d)", ctx, id, first.Line)
				} else {
					l.taskIDs[id] = posOf(idNode)
				}
			}
		}
	} else {
		l.errorf(n, "%smissing required property \"id\"", ctx)
	}

	// The templates read from here on are this task's (a flowable's children set their own).
	outer := l.reading
	l.reading = spec
	defer func() { l.reading = outer }()
	var (
		def   *tasks.Def
		fdef  *FlowableDef
		props *propDecoder
	)
	if typeNode != nil {
		if typ, ok := l.str(typeNode, ctx, "type"); ok {
			spec.Type = typ
			if fdef, ok = LookupFlowable(typ); !ok {
				def = l.taskType(typeNode, ctx, typ)
			}
		}
	} else {
		l.errorf(n, "%smissing required property \"type\"", ctx)
	}
	switch {
	case fdef != nil:
		spec.Flowable = fdef.New()
		props = l.newStructDecoder(spec.Flowable, spec, ctx, n)
	case def != nil:
		spec.Def = def
		props = l.newPropDecoder(def, spec, ctx, n)
	}

	for _, p := range ps {
		key, v := p.key.Value, p.val
		if k := taskKeys.lookup(key); k != nil {
			if k.read != nil {
				k.read(l, spec, v, ctx)
			}
			continue
		}
		if flowableKeys.lookup(key) != nil {
			if fdef == nil {
				if props != nil {
					l.errorf(p.key, "%sunknown property %q: only flowable tasks (Sequential, If...) have their own %s", ctx, key, key)
				}
				continue
			}
			list := l.taskList(v, ctx+key)
			if key == "errors" {
				spec.Errors = list
			} else {
				spec.Finally = list
			}
			continue
		}
		switch {
		case props == nil:
			// The type is unknown: its properties cannot be checked, and saying so for each
			// would bury the one problem that matters.
			continue
		case def != nil && typeKeys[def.Type].lookup(key) != nil: // a flowable type has no Def
			switch key {
			case "tasks":
				spec.Children = l.taskList(v, ctx+"tasks")
			case "onResume":
				spec.OnResume = l.inputList(v, ctx+"onResume")
				spec.OnResumeSrc = yamlText(v)
			}
			continue
		case props.decode(p.key, v):
			continue
		}
		var names []string
		if def != nil { // a flowable type has no Def
			names = def.Unsupported
		}
		unsupported := withNames(unsupportedTaskKeys, names)
		l.unknownKey(p.key, ctx, key, append(props.names(), taskKeys.names()...), unsupported)
	}
	if props != nil {
		props.finish()
	}
	if spec.Flowable != nil {
		l.checkFlowable(spec, n, ctx)
	}
	return spec
}

// withNames adds names that take no hint to a map of hints.
func withNames(hints map[string]string, names []string) map[string]string {
	if len(names) == 0 {
		return hints
	}
	out := make(map[string]string, len(hints)+len(names))
	for k, v := range hints {
		out[k] = v
	}
	for _, n := range names {
		out[n] = ""
	}
	return out
}

// taskType finds the Def of a task type, or reports why there is none.
func (l *loader) taskType(n *yaml.Node, ctx, typ string) *tasks.Def {
	if def, ok := l.reg.Lookup(typ); ok {
		return def
	}
	low := strings.ToLower(typ)
	if strings.HasPrefix(low, "io.kestra.plugin.core.flow.") || strings.HasPrefix(low, "io.kestra.core.tasks.flows.") {
		l.errorf(n, "%stask type %q is not supported by flowctl yet", ctx, typ)
		return nil
	}
	names := l.typeNames()
	// Only a close spelling is taken for a typo: many real Kestra types differ from a
	// registered one by a word (python.Script, node.Script) and are simply not implemented.
	if s, ok := closeType(typ, names); ok {
		l.errorf(n, "%sunknown task type %q (did you mean %q?)", ctx, typ, s)
		return nil
	}
	if strings.HasPrefix(low, "io.kestra.") {
		l.errorf(n, "%stask type %q is not supported by flowctl yet", ctx, typ)
		return nil
	}
	l.errorf(n, "%sunknown task type %q (see flowctl schema for the task types flowctl runs)", ctx, typ)
	return nil
}

// typeNames lists the canonical names of the registered task types.
func (l *loader) typeNames() []string {
	defs := l.reg.Defs()
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.Type
	}
	return out
}

// closeType suggests a type name for typ: one at most two edits away, or, for a name without
// a package ("Log"), the type whose last segment it is.
func closeType(typ string, names []string) (string, bool) {
	best, bestD := "", 3
	for _, c := range names {
		if d := editDistance(strings.ToLower(typ), strings.ToLower(c), bestD); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best, true
	}
	if !strings.Contains(typ, ".") {
		for _, c := range names {
			if strings.EqualFold(c[strings.LastIndexByte(c, '.')+1:], typ) {
				return c, true
			}
		}
	}
	return "", false
}

// retryTypes are the retry types: how the wait between attempts grows.
var retryTypes = []string{"constant", "exponential", "random"}

// retryBehaviors are what a retry does: new attempts of the task, or a new execution.
var retryBehaviors = []string{RetryFailedTask, RetryNewExecution}

// retryKeys are the keys of a retry, with the retry types that take each (every type when
// none are listed) and those that require it. The type is read first, to know the others.
var retryKeys = keyTable[*Retry]{
	{name: "type", required: true, doc: "How the wait between attempts grows.",
		schema: func(*schemaBuilder) obj { return caseless(retryTypes) }},
	{name: "maxAttempt", anyOf: true, doc: "The most attempts, the first one included.",
		schema: func(*schemaBuilder) obj { return obj{"type": "integer", "minimum": 1} },
		read: func(l *loader, r *Retry, v *yaml.Node, ctx string) {
			if i, ok := l.integer(v, ctx, "maxAttempt"); ok {
				if i < 1 {
					l.errorf(v, "%smaxAttempt: must be at least 1, got %d", ctx, i)
				}
				r.MaxAttempt = i
			}
		}},
	durationKey("maxDuration", "The longest the attempts may take in all, ISO-8601.",
		positiveDuration, func(r *Retry, d time.Duration) { r.MaxDuration = d }).withAnyOf(),
	boolKey("warningOnRetry", "A task that succeeded after a retry ends WARNING.", func(r *Retry, b bool) { r.WarningOnRetry = b }),
	{name: "behavior", doc: "RETRY_FAILED_TASK (default): new attempts of the task run; CREATE_NEW_EXECUTION: the execution ends RETRIED and a new one runs the flow again, maxAttempt counting executions.",
		schema: func(*schemaBuilder) obj { return obj{"enum": retryBehaviors} },
		read: func(l *loader, r *Retry, v *yaml.Node, ctx string) {
			if s, ok := l.str(v, ctx, "behavior"); ok {
				if !slices.Contains(retryBehaviors, s) {
					l.errorf(v, "%sbehavior: unknown retry behavior %q: use RETRY_FAILED_TASK or CREATE_NEW_EXECUTION%s", ctx, s, didYouMean(s, retryBehaviors))
				}
				r.Behavior = s
			}
		}},
	durationKey("interval", "The wait between attempts (constant), or the first wait (exponential), ISO-8601.",
		nonNegativeDuration, func(r *Retry, d time.Duration) { r.Interval = d }).
		forTypes([]string{"constant", "exponential"}, []string{"constant", "exponential"}),
	durationKey("minInterval", "The shortest wait between attempts (random), ISO-8601.",
		nonNegativeDuration, func(r *Retry, d time.Duration) { r.MinInterval = d }).
		forTypes([]string{"random"}, []string{"random"}),
	durationKey("maxInterval", "The longest wait between attempts, ISO-8601.",
		positiveDuration, func(r *Retry, d time.Duration) { r.MaxInterval = d }).
		forTypes([]string{"exponential", "random"}, []string{"exponential", "random"}),
	{name: "delayFactor", types: []string{"exponential"},
		doc:    "What each wait is multiplied by (exponential; default 2).",
		schema: func(*schemaBuilder) obj { return obj{"type": "number", "exclusiveMinimum": 0} },
		read: func(l *loader, r *Retry, v *yaml.Node, ctx string) {
			if f, ok := l.number(v, ctx, "delayFactor"); ok {
				if f <= 0 {
					l.errorf(v, "%sdelayFactor: must be positive, got %s", ctx, resolve(v).Value)
				}
				r.DelayFactor = f
			}
		}},
}

// retry reads a task's retry policy; ctx ends with "retry: ".
func (l *loader) retry(n *yaml.Node, ctx string) *Retry {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%sexpected a mapping with type and maxAttempt, got %s", ctx, kindName(n))
		return nil
	}
	ps := l.pairs(n, ctx)
	r := &Retry{}
	typeKnown := false
	for _, p := range ps {
		if p.key.Value != "type" {
			continue
		}
		if s, ok := l.str(p.val, ctx, "type"); ok {
			r.Type = strings.ToLower(s)
			if typeKnown = slices.Contains(retryTypes, r.Type); !typeKnown {
				l.errorf(p.val, "%stype: unknown retry type %q: use constant, exponential or random%s", ctx, s, didYouMean(s, retryTypes))
			}
		}
	}
	if r.Type == "" {
		l.errorf(n, "%smissing required property \"type\" (constant, exponential or random)", ctx)
	}
	set := map[string]*yaml.Node{}
	for _, p := range ps {
		key, v := p.key.Value, p.val
		k := retryKeys.lookup(key)
		if k == nil {
			l.unknownKey(p.key, ctx, key, retryKeys.names(), nil)
			continue
		}
		if typeKnown && !k.takes(r.Type) {
			l.errorf(p.key, "%s%s is not a property of %s retries (it belongs to %s retries)", ctx, key, r.Type, strings.Join(k.types, " and "))
			continue
		}
		set[key] = v
		if k.read != nil {
			k.read(l, r, v, ctx)
		}
	}
	if !typeKnown {
		return r
	}
	if bounds := retryKeys.anyOfNames(); !slices.ContainsFunc(bounds, func(k string) bool { return set[k] != nil }) {
		l.errorf(n, "%sset %s (or both), or the task would retry forever", ctx, strings.Join(bounds, " or "))
	}
	required := retryKeys.requiredBy(r.Type)
	for _, k := range required {
		if set[k] == nil {
			l.errorf(n, "%smissing required property %q (%s retries need %s)", ctx, k, r.Type, strings.Join(required, " and "))
		}
	}
	if v := set["interval"]; v != nil && set["maxDuration"] != nil && r.MaxDuration > 0 && r.Interval >= r.MaxDuration {
		l.errorf(v, "%sinterval (%s) must be below maxDuration (%s)", ctx, resolve(v).Value, resolve(set["maxDuration"]).Value)
	}
	if v := set["interval"]; v != nil && r.Type == "exponential" && set["maxInterval"] != nil && r.MaxInterval > 0 && r.Interval >= r.MaxInterval {
		l.errorf(v, "%sinterval (%s) must be below maxInterval (%s)", ctx, resolve(v).Value, resolve(set["maxInterval"]).Value)
	}
	if v := set["minInterval"]; v != nil && set["maxInterval"] != nil && r.MaxInterval > 0 && r.MinInterval >= r.MaxInterval {
		l.errorf(v, "%sminInterval (%s) must be below maxInterval (%s)", ctx, resolve(v).Value, resolve(set["maxInterval"]).Value)
	}
	return r
}

// signedDuration reads a duration of the given sign (anyDuration, nonNegativeDuration or
// positiveDuration); false when it is no duration. One of another sign is reported, and
// returned.
func (l *loader) signedDuration(v *yaml.Node, ctx, key string, sign int) (time.Duration, bool) {
	d, ok := l.duration(v, ctx, key)
	if !ok {
		return 0, false
	}
	switch {
	case sign == positiveDuration && d <= 0:
		l.errorf(v, "%s%s: must be positive, got %s", ctx, key, resolve(v).Value)
	case sign == nonNegativeDuration && d < 0:
		l.errorf(v, "%s%s: must not be negative, got %s", ctx, key, resolve(v).Value)
	}
	return d, true
}
