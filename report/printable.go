package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// SGR says what Printable does with a colour sequence (ESC [ params m).
type SGR int

const (
	// SGRShow shows it as it shows any other control sequence: for a reader that never
	// colours, such as a Slack message.
	SGRShow SGR = iota
	// SGRStrip drops it, so coloured output reads as plain text: a pipe, a file, a CI log.
	SGRStrip
	// SGRKeep passes it to a terminal with colour on, and ends a line that set a colour
	// with a reset, so the colour does not run into flowctl's own text (nor hide the
	// prefix of the next line).
	SGRKeep
)

// sgrReset ends every colour and attribute.
const sgrReset = "\x1b[0m"

// Printable renders text a task controls (a log line, an error, an output) for a person or
// a CI log viewer to read, so it cannot act on what reads it:
//
//   - control characters other than tab and newline are shown: C0 and DEL as Unicode
//     control pictures (ESC as ␛, CR as ␍, BEL as ␇), C1 as <U+009B>, invalid UTF-8 as
//     U+FFFD. A terminal then gets no sequence that moves the cursor, clears the screen,
//     retitles the window or rewrites a line, and a CI runner gets no line break flowctl
//     did not write; colour sequences are shown, stripped or kept as sgr says;
//   - the markers CI systems act on in the middle of a line are broken with a space:
//     GitHub Actions' legacy `##[command]` reads `## [command]`, GitLab's
//     `section_start:` and `section_end:` read `section _start:` and `section _end:`;
//   - a line starting with GitHub's `::` (after white space) reads `: :`.
//
// The check for `##[` and `::` skips the characters the Actions runner's culture-sensitive
// comparison ignores (U+200B and the like), which stay as they are: they join emoji.
func Printable(s string, sgr SGR) string {
	if inert(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	var (
		lineStart    = true // nothing but white space and ignorables written on this line
		prev1, prev2 rune   // the last two runes written that count in a comparison
		coloured     bool   // a kept colour sequence is on since the line began
	)
	put := func(r rune) {
		b.WriteRune(r)
		if !ignorable(r) {
			prev2, prev1 = prev1, r
			lineStart = lineStart && unicode.IsSpace(r)
		}
	}
	breakLegacy := func() { // before a '[' (or a kept sequence that starts with one)
		if prev1 == '#' && prev2 == '#' {
			put(' ')
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			if coloured {
				breakLegacy()
				b.WriteString(sgrReset)
				coloured = false
			}
			b.WriteByte('\n')
			lineStart, prev1, prev2 = true, 0, 0
		case r == 0x1b && sgr != SGRShow && sgrLen(s[i:]) > 0:
			n := sgrLen(s[i:])
			if sgr == SGRKeep {
				// ESC is ignorable to the runner: "##" ESC "[" would read "##[".
				breakLegacy()
				b.WriteString(s[i : i+n])
				prev2, prev1 = prev1, 'm'
				lineStart, coloured = false, true
			}
			size = n
		case r == utf8.RuneError && size == 1:
			put('\uFFFD')
		case r < 0x20 && r != '\t':
			put(0x2400 + r) // ␀ … ␟
		case r == 0x7f:
			put('␡')
		case r >= 0x80 && r <= 0x9f:
			for _, c := range fmt.Sprintf("<U+%04X>", r) {
				put(c)
			}
		case r == '[':
			breakLegacy()
			put('[')
		case r == ':' && lineStart && nextCounted(s[i+1:]) == ':':
			put(':')
			put(' ')
		case r == 's' && sectionMarker(s[i:]):
			for _, c := range "section _" {
				put(c)
			}
			size = len("section_")
		default:
			put(r)
		}
		i += size
	}
	if coloured {
		breakLegacy()
		b.WriteString(sgrReset)
	}
	return b.String()
}

// inert reports whether s needs no change: printable ASCII, tabs and newlines, and none of
// the markers Printable breaks. Most log lines are, and are returned as they are. It reads
// strings and encoded documents alike, without a copy.
func inert[T ~string | ~[]byte](s T) bool {
	lineStart := true // only spaces and tabs since the line began
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c < 0x20 && c != '\t' && c != '\n') || c >= 0x7f:
			return false
		case c == '\n':
			lineStart = true
			continue
		case lineStart && (c == ' ' || c == '\t'):
			continue
		case lineStart && c == ':' && i+1 < len(s) && s[i+1] == ':':
			return false
		case c == '#' && hasAt(s, i, "##["), c == 's' && hasAt(s, i, "section_"):
			return false
		}
		lineStart = false
	}
	return true
}

// hasAt reports whether s holds p at i.
func hasAt[T ~string | ~[]byte](s T, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		if s[i+k] != p[k] {
			return false
		}
	}
	return true
}

// sgrLen is the length of the colour sequence s starts with (ESC [ digits ; : m), or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}

// ignorable reports whether the Actions runner's culture-sensitive comparison (ICU) skips
// r: format characters (U+200B, U+2060, U+FEFF...), variation selectors and the other
// default-ignorable code points. Controls are ignorable too, but Printable shows them.
func ignorable(r rune) bool {
	if r < 0xad { // U+00AD SOFT HYPHEN is the first
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// nextCounted is the first rune of s that a comparison does not skip, or 0.
func nextCounted(s string) rune {
	for _, r := range s {
		if !ignorable(r) {
			return r
		}
	}
	return 0
}

// sectionMarker reports whether s starts a GitLab section marker as its job log viewer
// reads one: "section_", then "start" or "end" between optional white space, then ':'.
func sectionMarker(s string) bool {
	rest, ok := strings.CutPrefix(s, "section_")
	if !ok {
		return false
	}
	space := func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }
	rest = strings.TrimLeftFunc(rest, space)
	for _, word := range []string{"start", "end"} {
		if after, ok := strings.CutPrefix(rest, word); ok {
			return strings.HasPrefix(strings.TrimLeftFunc(after, space), ":")
		}
	}
	return false
}

// writeJSONInert writes an encoded JSON document to w with escaped what a CI log reader
// would act on if the document were printed in a job's log: the characters the Actions
// runner ignores when it compares, C1 controls and DEL (encoding/json writes them as they
// are), a '[' after "##" and the '_' of a GitLab section marker. These can only stand inside
// JSON strings, where \uXXXX means the same character: the document decodes to the same
// values. It writes through a small buffer, not a second copy of the document: outputs make
// documents of megabytes.
func writeJSONInert(w io.Writer, doc []byte) error {
	if inert(doc) {
		_, err := w.Write(doc)
		return err
	}
	bw := bufio.NewWriter(w)
	var last [2]byte // the last two bytes written, for "##["
	write := func(p []byte) {
		bw.Write(p)
		if len(p) >= 2 {
			last = [2]byte{p[len(p)-2], p[len(p)-1]}
		} else if len(p) == 1 {
			last = [2]byte{last[1], p[0]}
		}
	}
	esc := func(r rune) {
		if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			write(fmt.Appendf(nil, `\u%04x\u%04x`, r1, r2))
			return
		}
		write(fmt.Appendf(nil, `\u%04x`, r))
	}
	for i := 0; i < len(doc); {
		r, size := utf8.DecodeRune(doc[i:])
		switch {
		case ignorable(r), r >= 0x7f && r <= 0x9f:
			esc(r)
		case r == '[' && last == [2]byte{'#', '#'}:
			esc(r)
		case r == 's' && bytes.HasPrefix(doc[i:], []byte("section_")) && sectionMarker(string(markerSpan(doc[i:]))):
			write([]byte("section"))
			esc('_')
			size = len("section_")
		default:
			write(doc[i : i+size])
		}
		i += size
	}
	return bw.Flush()
}

// markerSpan is the start of doc a section marker could take: up to its first ':' or the
// end of its line.
func markerSpan(doc []byte) []byte {
	if end := bytes.IndexAny(doc, ":\n"); end >= 0 {
		return doc[:end+1]
	}
	return doc
}
