package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

func TestPrintable(t *testing.T) {
	cases := []struct {
		in                string
		show, strip, keep string
	}{
		{"plain text\twith a tab", "plain text\twith a tab", "plain text\twith a tab", "plain text\twith a tab"},
		{"x\r::error file=a::pwned", "x␍::error file=a::pwned", "x␍::error file=a::pwned", "x␍::error file=a::pwned"},
		{"\x1b]0;title\a\x1b[2J\x1b[1Aup", "␛]0;title␇␛[2J␛[1Aup", "␛]0;title␇␛[2J␛[1Aup", "␛]0;title␇␛[2J␛[1Aup"},
		{"\x1b[31mred\x1b[0m plain", "␛[31mred␛[0m plain", "red plain", "\x1b[31mred\x1b[0m plain\x1b[0m"},
		{"\x1b[38;2;1;2;3mrgb", "␛[38;2;1;2;3mrgb", "rgb", "\x1b[38;2;1;2;3mrgb\x1b[0m"},
		{"\x1b[1;2H not colour", "␛[1;2H not colour", "␛[1;2H not colour", "␛[1;2H not colour"},
		{"nul\x00 del\x7f vt\v ff\f", "nul␀ del␡ vt␋ ff␌", "nul␀ del␡ vt␋ ff␌", "nul␀ del␡ vt␋ ff␌"},
		{"c1 \u009b2J nel\u0085", "c1 <U+009B>2J nel<U+0085>", "c1 <U+009B>2J nel<U+0085>", "c1 <U+009B>2J nel<U+0085>"},
		{"bad \xff\x9b byte", "bad \uFFFD\uFFFD byte", "bad \uFFFD\uFFFD byte", "bad \uFFFD\uFFFD byte"},
		{"##[error]x ###[y]", "## [error]x ### [y]", "## [error]x ### [y]", "## [error]x ### [y]"},
		{"#\u200b#[error]zw", "#\u200b# [error]zw", "#\u200b# [error]zw", "#\u200b# [error]zw"},
		{"##\x1b[31m[x", "##␛[31m[x", "## [x", "## \x1b[31m[x\x1b[0m"},
		{"## [ok] #[ok] [##]", "## [ok] #[ok] [##]", "## [ok] #[ok] [##]", "## [ok] #[ok] [##]"},
		{"::add-mask::x", ": :add-mask::x", ": :add-mask::x", ": :add-mask::x"},
		{" \t::warning::x", " \t: :warning::x", " \t: :warning::x", " \t: :warning::x"},
		{"\u200b:\u200b:x", "\u200b: \u200b:x", "\u200b: \u200b:x", "\u200b: \u200b:x"},
		{"a ::b:: c", "a ::b:: c", "a ::b:: c", "a ::b:: c"},
		{"one\n::two::\n  ::three", "one\n: :two::\n  : :three", "one\n: :two::\n  : :three", "one\n: :two::\n  : :three"},
		{"\x1b[1mbold\nnext", "␛[1mbold\nnext", "bold\nnext", "\x1b[1mbold\x1b[0m\nnext"},
		{"section_start:1:evil", "section _start:1:evil", "section _start:1:evil", "section _start:1:evil"},
		{"x section_ end :2:y", "x section _ end :2:y", "x section _ end :2:y", "x section _ end :2:y"},
		{"my_section_name section_starter", "my_section_name section_starter", "my_section_name section_starter", "my_section_name section_starter"},
		{"emoji ❤️ 👨‍👩‍👧 é", "emoji ❤️ 👨‍👩‍👧 é", "emoji ❤️ 👨‍👩‍👧 é", "emoji ❤️ 👨‍👩‍👧 é"},
	}
	for _, c := range cases {
		for sgr, want := range map[SGR]string{SGRShow: c.show, SGRStrip: c.strip, SGRKeep: c.keep} {
			if got := Printable(c.in, sgr); got != want {
				t.Errorf("Printable(%q, %d): got %q, want %q", c.in, sgr, got, want)
			}
		}
	}
}

// colourSequence is a colour sequence SGRKeep passes on.
var colourSequence = regexp.MustCompile(`\x1b\[[0-9;:]*m`)

// FuzzPrintable checks what Printable promises whatever the text: valid UTF-8 without a
// control character but tab, newline and (kept) colour sequences; no "##[" and no line
// starting with "::", even with the characters the Actions runner's comparison skips taken
// out; no GitLab section marker; and the same lines as the text.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"x\r::error::a", "##[error]", "#\u200b#[x]", "\x1b[31m##\x1b[0m[", " ::a::",
		"section_start:1:x", "\x1b[0Ksection_end:1:y\r\x1b[0K", "\u009b31m", "\xff", "a\nb\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, sgr := range []SGR{SGRShow, SGRStrip, SGRKeep} {
			got := Printable(s, sgr)
			if !utf8.ValidString(got) {
				t.Fatalf("Printable(%q, %d) = %q: not UTF-8", s, sgr, got)
			}
			rest := got
			if sgr == SGRKeep {
				rest = colourSequence.ReplaceAllString(got, "m")
			}
			if i := strings.IndexFunc(rest, func(r rune) bool {
				return unicode.IsControl(r) && r != '\t' && r != '\n'
			}); i >= 0 {
				t.Fatalf("Printable(%q, %d) = %q: a control character at %d", s, sgr, got, i)
			}
			folded := strings.Map(func(r rune) rune {
				if ignorable(r) || r == 0x1b {
					return -1
				}
				return r
			}, got)
			if strings.Contains(folded, "##[") {
				t.Fatalf("Printable(%q, %d) = %q: holds ##[", s, sgr, got)
			}
			for line := range strings.Lines(folded) {
				if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::") {
					t.Fatalf("Printable(%q, %d) = %q: a line starts with ::", s, sgr, got)
				}
			}
			for i := range len(got) {
				if sectionMarker(got[i:]) {
					t.Fatalf("Printable(%q, %d) = %q: a section marker at %d", s, sgr, got, i)
				}
			}
			if n, m := strings.Count(s, "\n"), strings.Count(got, "\n"); n != m {
				t.Fatalf("Printable(%q, %d) = %q: %d lines, want %d", s, sgr, got, m, n)
			}
		}
	})
}

// FuzzJSONInert checks that the escaped document decodes to the same value and holds
// nothing a CI log reader acts on.
func FuzzJSONInert(f *testing.F) {
	for _, s := range []string{"##[error]x", "#\u200b#[", "section_start:1:x", "\u0085 \u007f", "❤️ 👨‍👩‍👧", "\U000e0041"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b bytes.Buffer
		if err := WriteJSON(&b, map[string]string{"k": s}); err != nil {
			t.Fatal(err)
		}
		var back map[string]string
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("WriteJSON(%q) = %s: %v", s, b.Bytes(), err)
		}
		var want string // encoding/json's own reading of s (invalid bytes become U+FFFD)
		plain, _ := json.Marshal(s)
		must(t, json.Unmarshal(plain, &want))
		if back["k"] != want {
			t.Fatalf("WriteJSON(%q) decodes to %q, want %q", s, back["k"], want)
		}
		out := b.String()
		if strings.ContainsFunc(out, func(r rune) bool { return ignorable(r) || r >= 0x7f && r <= 0x9f }) ||
			strings.Contains(out, "##[") {
			t.Fatalf("WriteJSON(%q) = %s: holds what a CI reader acts on", s, out)
		}
		for i := range len(out) {
			if sectionMarker(out[i:]) {
				t.Fatalf("WriteJSON(%q) = %s: a section marker at %d", s, out, i)
			}
		}
	})
}

func TestTextSinkShowsControlSequences(t *testing.T) {
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "t"}}}
	tr := &runner.TaskRun{TaskID: "t"}
	msg := "\x1b[32mok\x1b[0m \x1b]0;title\a\nfake\r\x1b[1A[t] INFO  SUCCESS"
	for colour, want := range map[bool]string{
		false: "[t] INFO  ok ␛]0;title␇\n[t] INFO  fake␍␛[1A[t] INFO  SUCCESS\n",
		true:  "\x1b[2m[t]\x1b[22m INFO  \x1b[32mok\x1b[0m ␛]0;title␇\x1b[0m\n\x1b[2m[t]\x1b[22m INFO  fake␍␛[1A[t] INFO  SUCCESS\n",
	} {
		var b bytes.Buffer
		NewTextSink(&b, NewPalette(colour), f).Log(tr, runner.LogLine{Level: tasks.LevelInfo, Message: msg})
		if b.String() != want {
			t.Errorf("colour %v: got %q, want %q", colour, b.String(), want)
		}
	}
}

func TestMarkdownSummaryKeepsTaskTextInside(t *testing.T) {
	x := fixedExecution()
	x.TaskRunList[2].Error = "boom\r\x1b[2J\n`````\n</details><img src=x onerror=alert(1)>\n````"
	x.TaskRunList[0].Outputs = map[string]any{"v": "a|b`c\r\n<b>"}
	var b bytes.Buffer
	must(t, WriteMarkdownSummary(&b, x))
	out := b.String()
	want := "``````\nboom␍␛[2J\n`````\n</details><img src=x onerror=alert(1)>\n````\n``````\n"
	if !strings.Contains(out, want) {
		t.Errorf("the error is not inside a fence no line of it closes:\n%s\nwant it to hold:\n%s", out, want)
	}
	if cell := "| `outputs.download.v` | `\"a\\|b'c\\r\\n\\u003cb\\u003e\"` |\n"; !strings.Contains(out, cell) {
		t.Errorf("got:\n%s\nwant the cell:\n%s", out, cell)
	}
	if strings.ContainsFunc(out, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) {
		t.Errorf("the summary holds a control character:\n%q", out)
	}
}

func TestCIAnnotationShowsControlSequences(t *testing.T) {
	f := &flow.Flow{Tasks: []*flow.TaskSpec{{ID: "t", Type: "io.kestra.plugin.core.log.Log"}}}
	var b bytes.Buffer
	sink := NewCISink(NewTextSink(&b, NewPalette(false), f), &b, tasks.CIGitHub, f, "flow.yml")
	tr := &runner.TaskRun{TaskID: "t", Branch: runner.BranchTasks, Error: "\x1b[31mfailed\x1b[0m\r::error::x\n100%"}
	tr.State.End(runner.StateFailed, time.Now())
	sink.TaskEnded(tr)
	want := "::error file=flow.yml,title=task t FAILED::failed␍::error::x%0A100%25\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("got %q, want it to end with %q", b.String(), want)
	}
}

// BenchmarkPrintable measures the cost per log line: most lines are plain ASCII and take
// the fast path; coloured or non-ASCII lines are rebuilt.
func BenchmarkPrintable(b *testing.B) {
	for name, line := range map[string]string{
		"ascii":  "2026-11-26 17:00:01 INFO  uploaded 1532 objects to s3://bucket/backups/2026-11-26 in 12.4s",
		"colour": "\x1b[32m✓\x1b[0m 1532 objects uploaded to \x1b[1ms3://bucket/backups/2026-11-26\x1b[0m in 12.4s",
	} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				Printable(line, SGRKeep)
			}
		})
	}
}
