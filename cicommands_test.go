package main

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/rogpeppe/go-internal/testscript"
)

// The GitHub Actions runner reads a step's output with .NET's StreamReader.ReadLine, so a
// line ends at "\r\n", "\r" or "\n", and passes every line to ActionCommand.TryParseV2, then
// to the legacy ActionCommand.TryParse (actions/runner, src/Runner.Common/ActionCommand.cs):
//
//   - TryParseV2: the line, leading white space trimmed, starts with "::"; a second "::"
//     ends the command and its properties; the command is the text up to the first space.
//   - TryParse: "##[" anywhere in the line, then "]" after it; the command is the text
//     between them up to the first space.
//
// Both compare with the current culture: with ICU, characters the collation ignores (most
// controls, format characters such as U+200B, variation selectors) may sit inside "::" or
// "##[" and still match. The runner runs a command only when its name is registered, but
// ::stop-commands:: registers any token, so ghCommands lists every line that parses,
// whatever its name: the tests then say exactly which commands flowctl's output holds.
func ghCommands(out string) []string {
	var cmds []string
	for _, line := range dotnetLines(out) {
		if name, ok := ghCommandV2(line); ok {
			cmds = append(cmds, name)
		} else if name, ok := ghCommandLegacy(line); ok {
			cmds = append(cmds, "##["+name+"]")
		}
	}
	return cmds
}

// dotnetLines splits s as StreamReader.ReadLine does, invalid UTF-8 decoded as U+FFFD.
func dotnetLines(s string) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var lines []string
	for s != "" {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return lines
}

// icuIgnorable reports whether ICU's root collation gives r no weight at all, so that a
// culture-sensitive comparison skips it: the controls other than the white space ones, the
// format characters and the other default-ignorable code points. A few more than ICU
// ignores, to err on the side of finding a command.
func icuIgnorable(r rune) bool {
	return unicode.IsControl(r) && !unicode.IsSpace(r) ||
		unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// icuFold drops what ICU ignores, so that strings.Index on the result finds what the
// runner's culture-sensitive IndexOf and StartsWith find.
func icuFold(s string) string {
	return strings.Map(func(r rune) rune {
		if icuIgnorable(r) {
			return -1
		}
		return r
	}, s)
}

func ghCommandV2(line string) (string, bool) {
	msg := icuFold(strings.TrimLeftFunc(line, unicode.IsSpace))
	msg = strings.TrimLeftFunc(msg, unicode.IsSpace)
	rest, ok := strings.CutPrefix(msg, "::")
	if !ok {
		return "", false
	}
	info, _, ok := strings.Cut(rest, "::")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(info, " ")
	return name, name != ""
}

func ghCommandLegacy(line string) (string, bool) {
	msg := icuFold(line)
	i := strings.Index(msg, "##[")
	if i < 0 {
		return "", false
	}
	info, _, ok := strings.Cut(msg[i+3:], "]")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(info, " ")
	return name, name != ""
}

// GitLab reads a section marker two ways: the server's Ansi2json converter takes
// `section_(start|end):TIME:NAME[OPTIONS]\r\e[0K` anywhere in the log, and the job log
// viewer's scanner (app/assets/javascripts/ci/job_log_viewer/lib/scanner.js) takes
// "section_" anywhere in a line, then everything up to a "\r" or the line's end split on
// ":" into exactly three trimmed parts: start or end, a number, a name.
var gitlabServerSection = regexp.MustCompile(`section_(start|end):(\d+):([a-zA-Z0-9_.-]+)(\[\w+=\w+(?:, ?\w+=\w+)*\])?\r\x1b\[0K`)

// glSections lists the section markers either reader finds in out, as ACTION:NAME.
func glSections(out string) []string {
	var found []string
	for _, m := range gitlabServerSection.FindAllStringSubmatch(out, -1) {
		found = append(found, "server "+m[1]+":"+m[3])
	}
	for _, line := range strings.Split(out, "\n") {
		for off := 0; ; {
			i := strings.Index(line[off:], "section_")
			if i < 0 {
				break
			}
			from := off + i + len("section_")
			to := strings.IndexByte(line[from:], '\r')
			if to < 0 {
				to = len(line)
			} else {
				to += from + 1
			}
			parts := strings.Split(line[from:to], ":")
			for j := range parts {
				parts[j] = strings.TrimFunc(parts[j], jsSpace)
			}
			if len(parts) == 3 && (parts[0] == "start" || parts[0] == "end") && jsNumber(parts[1]) && parts[2] != "" {
				found = append(found, "viewer "+parts[0]+":"+parts[2])
				off = to
			} else {
				off = from
			}
		}
	}
	return found
}

// jsSpace is what JavaScript's String.prototype.trim removes.
func jsSpace(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }

// jsNumber reports whether Number(s) is not NaN for a trimmed s: "" is 0, and decimal,
// hexadecimal, binary and octal forms, exponents and Infinity parse.
func jsNumber(s string) bool { return jsNumeral.MatchString(s) }

var jsNumeral = regexp.MustCompile(`^([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?Infinity|0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|)$`)

// checkCommands is the `ghcommands FILE NAME...` and `glsections FILE ACTION:NAME...`
// script command: the workflow commands (or section markers) a CI system would act on in
// FILE ("stdout" and "stderr" for the last command's streams) are exactly the ones listed,
// in order. A listed NAME ending in "*" matches any name with that prefix.
func checkCommands(find func(string) []string) func(ts *testscript.TestScript, neg bool, args []string) {
	return func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 {
			ts.Fatalf("usage: ghcommands|glsections FILE [NAME...]")
		}
		got := find(ts.ReadFile(args[0]))
		if !namesMatch(got, args[1:]) {
			ts.Fatalf("%s holds the CI commands %q, want %q", args[0], got, args[1:])
		}
	}
}

func namesMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			if !strings.HasPrefix(got[i], p) {
				return false
			}
		} else if got[i] != w {
			return false
		}
	}
	return true
}

// TestCICommandReaders checks the readers the scripts rely on against what the runner and
// GitLab are known to take, so that a script finding no command means something.
func TestCICommandReaders(t *testing.T) {
	gh := map[string][]string{
		"::group::build\n[t] INFO  ok\n::endgroup::\n": {"group", "endgroup"},
		"[t] INFO  x\r::error file=a::pwned\n":         {"error"},
		"[t] INFO  y\r\n::add-mask::s3cret":            {"add-mask"},
		"   \t::stop-commands::tok\n":                  {"stop-commands"},
		"[t] INFO  ##[error]legacy\n":                  {"##[error]"},
		"[t] INFO  #\u200b#[set-output name=a;]b\n":    {"##[set-output]"},
		"\u200b::warning::zw\n":                        {"warning"},
		"[t] INFO  :: not one\n":                       nil,
		"[t] INFO  ## [error]x\n":                      nil,
		"[t] INFO  : :error::x\n":                      nil,
		"::error:: at the end\x85::warning::x":         {"error"},
	}
	for in, want := range gh {
		if got := ghCommands(in); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ghCommands(%q): got %q, want %q", in, got, want)
		}
	}
	gl := map[string][]string{
		"\x1b[0Ksection_start:1:build\r\x1b[0Kheader\n":   {"server start:build", "viewer start:build"},
		"[t] INFO  section_end:1:flowctl_a_x\n":           {"viewer end:flowctl_a_x"},
		"[t] INFO  section_ start :  : x\n":               {"viewer start:x"},
		"[t] INFO  section _start:1:x\n":                  nil,
		"[t] INFO  ␛[0Ksection _end:1:x␍␛[0K\n":           nil,
		"[t] INFO  section_start:1:x:y\n":                 nil,
		"[t] INFO  section_starter:1:x\n":                 nil,
		"\x1b[0Ksection_end:1:a\r\x1b[0K\n section_end:2": {"server end:a", "viewer end:a"},
	}
	for in, want := range gl {
		if got := glSections(in); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("glSections(%q): got %q, want %q", in, got, want)
		}
	}
}
