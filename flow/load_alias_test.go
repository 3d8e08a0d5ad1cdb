package flow

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// aliasedLogFlow is a flow whose variable big is a string of size bytes, anchored once, and
// whose tasks are n Log tasks each with *big as message. Task k's alias is on line 5+k.
func aliasedLogFlow(size, n int) string {
	var b strings.Builder
	b.WriteString("id: bomb\nnamespace: dev\nvariables:\n  big: &big \"")
	b.WriteString(strings.Repeat("x", size))
	b.WriteString("\"\ntasks:\n")
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, "  - {id: t%d, type: io.kestra.plugin.core.log.Log, message: *big}\n", k)
	}
	return b.String()
}

// aliasColumn is the column of *big on task k's line of aliasedLogFlow.
func aliasColumn(k int) int {
	return strings.Index(fmt.Sprintf("  - {id: t%d, type: io.kestra.plugin.core.log.Log, message: *big}", k), "*") + 1
}

// allocatedBy is the number of bytes f allocates. The tests calling it are not parallel, so
// nothing else allocates meanwhile.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLoadAliasByteBombIsRefusedAtTheAliasThatGoesOver(t *testing.T) {
	// The bomb: 1 MiB aliased 300 times is 300 MiB, which a run copied until it
	// ran out of memory. 16 aliases are 16 MiB, the bound: the 17th goes over.
	src := aliasedLogFlow(1<<20, 300)
	var got []string
	allocated := allocatedBy(func() { got = parseProblems(t, src) })
	want := fmt.Sprintf("flow.yml:22:%d: alias *big: aliases expand the flow by more than 16 MiB (the file is %d bytes): use fewer aliases of large anchors (an alias bomb?)",
		aliasColumn(17), len(src))
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want one problem %q", got, want)
	}
	// Refused before the expansion is walked: parsing the file itself takes a few MiB;
	// walking the 300 messages (templates checked, values copied) takes hundreds.
	if allocated > 32<<20 {
		t.Errorf("Parse allocated %d MiB, want the bomb refused before its expansion is walked (under 32 MiB)", allocated>>20)
	}
}

func TestLoadAliasBytesUpToTheBoundLoad(t *testing.T) {
	f := mustParse(t, aliasedLogFlow(1<<20, 16))
	if len(f.Tasks) != 16 {
		t.Fatalf("got %d tasks, want 16", len(f.Tasks))
	}
	if got := f.Tasks[15].Task.(*testLog).Message; len(got) != 1 || len(got[0]) != 1<<20 {
		t.Errorf("task t16: got a message of %d parts, want the 1 MiB string", len(got))
	}
}

func TestLoadAliasBytesCountKeysAndNestedAliases(t *testing.T) {
	// b holds 16 aliases of a 64 KiB string under 3-byte keys: 1 MiB and 48 bytes. Each
	// alias of b adds all of it, the aliases inside b followed: after b's own 16 aliases
	// (1 MiB) the 15th *b takes the flow 720 bytes over 16 MiB. Without the keys it would be
	// exactly 16 MiB; without following the aliases inside b, almost nothing.
	var b strings.Builder
	b.WriteString("id: nested\nnamespace: dev\nvariables:\n  a: &a \"" + strings.Repeat("y", 64<<10) + "\"\n  b: &b\n")
	for k := 1; k <= 16; k++ {
		fmt.Fprintf(&b, "    k%02d: *a\n", k)
	}
	b.WriteString("  c:\n")
	for k := 1; k <= 15; k++ {
		b.WriteString("    - *b\n")
	}
	b.WriteString("tasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	src := b.String()
	got := parseProblems(t, src)
	// Line 4 is a, lines 6-21 b's keys, line 22 "c:", the 15th *b on line 37.
	want := fmt.Sprintf("flow.yml:37:7: alias *b: aliases expand the flow by more than 16 MiB (the file is %d bytes): use fewer aliases of large anchors (an alias bomb?)", len(src))
	if len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want one problem %q", got, want)
	}

	// One alias of b fewer is 1 MiB and 15×48 bytes under the bound: it loads.
	mustParse(t, strings.Replace(src, "    - *b\n", "", 1))
}

// anchorChain is a flow with anchors d0 to d(n-1), each 1,000 levels deep, each nesting the
// one before: no value of the file itself is deep, but d(n-1) expands to n×1,000 levels.
func anchorChain(n int) string {
	const levels = 1000
	var b strings.Builder
	b.WriteString("id: deep\nnamespace: dev\nvariables:\n")
	for i := 0; i < n; i++ {
		inner := "x"
		if i > 0 {
			inner = fmt.Sprintf("*d%d", i-1)
		}
		fmt.Fprintf(&b, "  d%d: &d%d %s%s%s\n", i, i, strings.Repeat("[", levels), inner, strings.Repeat("]", levels))
	}
	b.WriteString("tasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	return b.String()
}

func TestLoadAliasNestingIsBoundedAcrossAnchors(t *testing.T) {
	got := parseProblems(t, anchorChain(11))
	if len(got) != 1 || !strings.HasSuffix(got[0], ": values are nested more than 10000 levels deep") || strings.HasPrefix(got[0], "flow.yml:1:") {
		t.Errorf("11 anchors of 1,000 levels: got %q, want one nesting problem located at an alias", got)
	}
	mustParse(t, anchorChain(9))
}

func TestLoadAliasesOfADeepAnchorAreReadOnce(t *testing.T) {
	// 100 aliases of a list 5,000 levels deep: an 11 KB file that took half a minute and
	// gigabytes of allocations to load while each alias was converted anew, each level's
	// path built in full.
	const depth = 5000
	src := "id: deep\nnamespace: dev\nvariables:\n  d: &d " + strings.Repeat("[", depth) + "x" + strings.Repeat("]", depth) +
		"\n  copies: [" + strings.Repeat("*d, ", 99) + "*d]\ntasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
	var f *Flow
	allocated := allocatedBy(func() { f = mustParse(t, src) })
	if allocated > 64<<20 {
		t.Errorf("Parse allocated %d MiB, want under 64 MiB", allocated>>20)
	}
	copies, _ := f.Variables["copies"].([]any)
	if len(copies) != 100 {
		t.Fatalf("variables.copies: got %d values, want 100", len(copies))
	}
	v := copies[99]
	for i := 0; i < depth; i++ {
		l, ok := v.([]any)
		if !ok || len(l) != 1 {
			t.Fatalf("copies[99] at depth %d: got %#v, want a list of one", i, v)
		}
		v = l[0]
	}
	if v != "x" {
		t.Errorf("copies[99] at the bottom: got %#v, want \"x\"", v)
	}
}

func TestLoadMistakeInAnAnchorIsReportedOnce(t *testing.T) {
	got := parseProblems(t, `id: dup
namespace: dev
variables:
  a: &a {k: 1, k: 2}
  b: [*a, *a, *a]
tasks:
  - id: x
    type: io.kestra.plugin.core.log.Log
    message: hi
`)
	want := []string{`flow.yml:4:16: variables.a: duplicate key "k" (first at line 4)`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLoadCountsProblemsPastThoseItKeeps(t *testing.T) {
	// A list of 300 lists where commands takes strings, aliased by 1,600 tasks: 480,000
	// problems from a 70 KB file. Past the 10,000 kept they are only counted.
	var b strings.Builder
	b.WriteString("id: many\nnamespace: dev\nvariables:\n  bad: &bad [" + strings.Repeat("[x], ", 299) + "[x]]\ntasks:\n")
	for i := 0; i < 1600; i++ {
		fmt.Fprintf(&b, "  - {id: t%d, type: io.kestra.plugin.scripts.shell.Commands, commands: *bad}\n", i)
	}
	got := parseProblems(t, b.String())
	if len(got) != maxProblems+1 {
		t.Fatalf("got %d problems, want %d", len(got), maxProblems+1)
	}
	if want := `flow.yml:4:14: task "t0": commands[0]: expected a string, got a list`; got[0] != want {
		t.Errorf("first: got %q, want %q", got[0], want)
	}
	if want := "479000 more problems not listed"; !strings.HasSuffix(got[maxProblems], want) {
		t.Errorf("last: got %q, want it to end with %q", got[maxProblems], want)
	}
	l := &loader{file: "flow.yml", src: []byte(b.String()), reg: testRegistry()}
	l.load()
	if len(l.problems) != maxRecorded || l.droppedProblems != 480_000-maxRecorded {
		t.Errorf("got %d problems kept and %d counted, want %d and %d", len(l.problems), l.droppedProblems, maxRecorded, 480_000-maxRecorded)
	}
}

func TestLoadListsAtMostMaxProblemsWarnings(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: old\nnamespace: dev\ninputs:\n")
	for i := 0; i < maxProblems+5; i++ {
		fmt.Fprintf(&b, "  - name: in%d\n    type: STRING\n    required: false\n", i)
	}
	b.WriteString("tasks:\n  - id: x\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	f := mustParse(t, b.String())
	if len(f.Warnings) != maxProblems+1 {
		t.Fatalf("got %d warnings, want %d", len(f.Warnings), maxProblems+1)
	}
	if want := "5 more warnings not listed"; !strings.HasSuffix(f.Warnings[maxProblems], want) {
		t.Errorf("last: got %q, want it to end with %q", f.Warnings[maxProblems], want)
	}
}

func TestSubPathElidesTheMiddleOfALongPath(t *testing.T) {
	path := "variables.é"
	for i := 0; i < 1000; i++ {
		path = subPath(path, "[", fmt.Sprint(i), "]")
		if len(path) > maxPathLen || !utf8.ValidString(path) {
			t.Fatalf("step %d: got %q (%d bytes), want valid text of at most %d bytes", i, path, len(path), maxPathLen)
		}
	}
	if !strings.HasPrefix(path, "variables.é[0][1][2]") || !strings.HasSuffix(path, "[998][999]") || !strings.Contains(path, "…") {
		t.Errorf("got %q, want the head and the tail kept, … between", path)
	}
	if got := subPath("variables.a", ".", "b"); got != "variables.a.b" {
		t.Errorf("short path: got %q, want variables.a.b", got)
	}
}

// TestRevisionIsIgnored: Kestra accepts a revision in the source and overwrites it on save
// (its minimal.yaml carries revision: 2); flowctl says it ignores it.
func TestRevisionIsIgnored(t *testing.T) {
	f := mustParse(t, "id: r\nnamespace: dev\nrevision: 2\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n")
	if f.Revision != 1 {
		t.Errorf("revision: got %d, want 1", f.Revision)
	}
	if len(f.Warnings) != 1 || !strings.Contains(f.Warnings[0], "3:11: revision is ignored") {
		t.Errorf("warnings: got %q, want one saying revision is ignored", f.Warnings)
	}
}
