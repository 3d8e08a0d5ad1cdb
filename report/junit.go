package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// The limits of a JUnit report. CI servers keep these reports for every pipeline and render
// them in a browser, so one chatty task must not make a report of megabytes: each testcase
// stays under 64 KiB of text, split between its three blocks.
const (
	// junitTailLines is how many of its last log lines a failed task run shows with its
	// error: the lines that explain the failure are at the end.
	junitTailLines = 50
	// junitOutCap bounds a testcase's <system-out>, which holds its whole log.
	junitOutCap = 32 << 10
	// junitErrCap bounds a testcase's <system-err>, its ERROR lines.
	junitErrCap = 16 << 10
	// junitFailureCap bounds the text of a <failure>: the error, then the log tail.
	junitFailureCap = 16 << 10
	// junitErrorCap bounds the error inside the failure text, so a huge error still leaves
	// room for the log tail.
	junitErrorCap = 8 << 10
	// junitMessageCap bounds the message attribute: viewers show it on one line.
	junitMessageCap = 1 << 10
)

// junitCase is one <testcase> before it is written.
type junitCase struct {
	classname, name string
	time            time.Duration
	// outcome is "" for a test that passed, else "failure" or "skipped".
	outcome        string
	failType, msg  string
	body           string
	stdout, stderr string
}

// WriteJUnit writes x as a JUnit XML report, the format GitLab (artifacts:reports:junit),
// Jenkins (the junit step) and the GitHub test-report actions read: one <testsuite> for
// the execution, one <testcase> per task run in the order of the task-run tree. A FAILED or KILLED task run is a
// <failure> holding its error and the tail of its log, a SKIPPED one is <skipped>; a
// WARNING one passes, since flowctl exits 0 on WARNING and the report must not turn a
// passing pipeline red, and says WARNING on the first line of its <system-out>.
//
// Everything in x is already masked. Text that XML 1.0 cannot carry (control characters,
// U+FFFE, U+FFFF) is dropped and invalid UTF-8 becomes U+FFFD, so the report parses
// whatever the tasks printed.
func WriteJUnit(w io.Writer, x *runner.Execution) error {
	suite := x.Namespace + "." + x.FlowID
	cases := make([]junitCase, 0, len(x.TaskRunList))
	// The testcases follow the task-run tree; a run under a flowable is named by its path,
	// `each > say (a)`, so that each name says where the run sits.
	var path []string
	for _, r := range tree(x) {
		path = append(path[:r.depth], RunLabel(r.tr))
		c := junitTaskCase(suite, r.tr)
		c.name = strings.Join(path, " > ")
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		cases = append(cases, junitEmptyCase(suite, x))
	}
	var failures, skipped int
	for _, c := range cases {
		switch c.outcome {
		case "failure":
			failures++
		case "skipped":
			skipped++
		}
	}
	counts := func(attrs ...xml.Attr) []xml.Attr {
		return append(attrs,
			junitAttr("tests", strconv.Itoa(len(cases))),
			junitAttr("failures", strconv.Itoa(failures)),
			junitAttr("errors", "0"))
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	e := &junitEncoder{enc: enc}
	elapsed := junitAttr("time", junitSeconds(x.State.Duration()))
	// <testsuites> takes no skipped count in the Jenkins schema: it stays on <testsuite>.
	e.start("testsuites", append(counts(junitAttr("name", suite)), elapsed)...)
	suiteAttrs := append(counts(junitAttr("name", suite)), junitAttr("skipped", strconv.Itoa(skipped)), elapsed)
	if !x.State.StartDate.IsZero() {
		suiteAttrs = append(suiteAttrs, junitAttr("timestamp", x.State.StartDate.UTC().Format(time.RFC3339)))
	}
	e.start("testsuite", suiteAttrs...)
	e.start("properties")
	e.property("execution.id", x.ID)
	e.property("flow.revision", strconv.Itoa(x.FlowRevision))
	e.property("execution.state", x.State.Current)
	if x.Trigger != nil {
		e.property("trigger.type", x.Trigger.Type)
	}
	e.end("properties")
	for _, c := range cases {
		e.testcase(c)
	}
	e.end("testsuite")
	e.end("testsuites")
	if e.err == nil {
		e.err = enc.Flush()
	}
	if e.err == nil {
		_, e.err = io.WriteString(w, "\n")
	}
	return e.err
}

// junitTaskCase is the testcase of one task run.
func junitTaskCase(suite string, tr *runner.TaskRun) junitCase {
	branch := tr.Branch
	if branch == "" {
		branch = runner.BranchTasks
	}
	c := junitCase{classname: suite + "." + branch, name: tr.TaskID, time: tr.State.Duration()}
	lines, errLines := junitLogLines(tr.ShownLogs())

	var head []string
	switch st := tr.State.Current; st {
	case runner.StateSuccess:
	case runner.StateWarning:
		// GitLab shows no output for a passing test, Jenkins shows its standard output:
		// the first line is the one Jenkins keeps when it trims a passing test's output.
		head = append(head, fmt.Sprintf("flowctl: WARNING: task %s ended WARNING (reported as passed: flowctl exits 0 on WARNING unless --fail-on-warning)", tr.TaskID))
	case runner.StateSkipped:
		// GitLab shows the text of a <skipped>, not its message: say it in both.
		c.outcome = "skipped"
		c.msg = junitFirstLine(tr.Error)
		c.body = junitCapHead(junitClean(tr.Error), junitErrorCap)
	default:
		// FAILED, KILLED, and a task run cut off before it ended: none of them passed.
		c.outcome, c.failType = "failure", st
		c.msg = junitFirstLine(tr.Error)
		if c.msg == "" {
			c.msg = "task run ended " + st
		}
		c.body = junitFailureBody(tr.Error, c.msg, lines)
	}
	if len(tr.Attempts) > 1 {
		states := make([]string, len(tr.Attempts))
		for i, a := range tr.Attempts {
			states[i] = a.State.Current
		}
		head = append(head, fmt.Sprintf("flowctl: %d attempts: %s", len(tr.Attempts), strings.Join(states, ", ")))
	}
	c.stdout = junitJoin(append(head, junitCapTail(strings.Join(lines, "\n"), junitOutCap))...)
	c.stderr = junitCapTail(strings.Join(errLines, "\n"), junitErrCap)
	return c
}

// junitEmptyCase is the one testcase of an execution without any task run, so that the
// report still says what happened instead of showing an empty, passing suite.
func junitEmptyCase(suite string, x *runner.Execution) junitCase {
	c := junitCase{classname: suite, name: suite, time: x.State.Duration()}
	what := fmt.Sprintf("execution %s of %s ended %s before any task ran", x.ID, suite, x.State.Current)
	switch x.State.Current {
	case runner.StateSuccess, runner.StateWarning:
		c.stdout = what
	case runner.StateCancelled:
		c.outcome = "skipped"
		c.msg = what + ": its flow's concurrency limit was reached"
		c.body = c.msg
	case runner.StateSkipped:
		c.outcome, c.msg, c.body = "skipped", what, what
	default:
		c.outcome, c.failType, c.msg, c.body = "failure", x.State.Current, what, what
	}
	return c
}

// junitLogLines formats a task run's log one line per line of text, as the terminal shows
// it, and returns apart its ERROR lines.
func junitLogLines(logs []runner.LogLine) (all, errs []string) {
	for _, l := range logs {
		prefix := fmt.Sprintf("%s %-5s ", l.Time.UTC().Format("2006-01-02T15:04:05.000Z"), l.Level)
		for _, text := range strings.Split(strings.TrimSuffix(l.Message, "\n"), "\n") {
			all = append(all, prefix+text)
			if l.Level == tasks.LevelError {
				errs = append(errs, prefix+text)
			}
		}
	}
	return all, errs
}

// junitFailureBody is the text of a failure: the whole error (cut when huge), then the last
// lines of the log.
func junitFailureBody(taskErr, msg string, lines []string) string {
	if taskErr == "" {
		taskErr = msg
	}
	body := junitCapHead(junitClean(strings.TrimRight(taskErr, "\n")), junitErrorCap)
	if len(lines) == 0 {
		return body
	}
	tail := lines[max(0, len(lines)-junitTailLines):]
	head := fmt.Sprintf("\n\nflowctl: the last %d of %d log lines:\n", len(tail), len(lines))
	return body + head + junitCapTail(strings.Join(tail, "\n"), junitFailureCap-len(body)-len(head))
}

// junitFirstLine is the first non-empty line of s, cut for a message attribute.
func junitFirstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return junitCapHead(junitClean(l), junitMessageCap)
		}
	}
	return ""
}

// junitJoin joins the parts that are not empty, one per line.
func junitJoin(parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// junitCapTail keeps the end of s within about n bytes, from the start of a line when one
// starts near the cut: the end of a log says how a task ended.
func junitCapTail(s string, n int) string {
	s = junitClean(s)
	if len(s) <= n {
		return s
	}
	const marker = "flowctl: [%d bytes cut: the report keeps the last %d KiB]\n"
	start := len(s) - max(0, n-len(fmt.Sprintf(marker, len(s), n>>10)))
	if i := strings.IndexByte(s[start:], '\n'); i >= 0 && i < 512 && start+i+1 < len(s) {
		start += i + 1
	}
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return fmt.Sprintf(marker, start, n>>10) + s[start:]
}

// junitCapHead keeps the beginning of s within about n bytes: the beginning of an error
// says what went wrong.
func junitCapHead(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const marker = " [flowctl: %d bytes cut]"
	end := max(0, n-len(fmt.Sprintf(marker, len(s))))
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + fmt.Sprintf(marker, len(s)-end)
}

// junitClean makes s something XML 1.0 can carry: invalid UTF-8 becomes U+FFFD and the
// characters XML forbids are dropped. encoding/xml would write U+FFFD for them, but a
// control character stands for nothing a reader could use.
func junitClean(s string) string {
	ok := utf8.ValidString(s)
	for _, r := range s {
		if !ok || !junitXMLChar(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	return strings.Map(func(r rune) rune {
		if junitXMLChar(r) {
			return r
		}
		return -1
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// junitXMLChar reports whether XML 1.0 allows r (production [2] Char).
func junitXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// junitSeconds writes d as seconds with 3 decimals, the form every JUnit reader parses.
func junitSeconds(d time.Duration) string {
	ms := max(0, d.Round(time.Millisecond).Milliseconds())
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

func junitAttr(name, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: name}, Value: junitClean(value)}
}

// junitEncoder writes tokens and keeps the first error, so WriteJUnit reads as the document.
type junitEncoder struct {
	enc *xml.Encoder
	err error
}

func (e *junitEncoder) token(t xml.Token) {
	if e.err == nil {
		e.err = e.enc.EncodeToken(t)
	}
}

func (e *junitEncoder) start(name string, attrs ...xml.Attr) {
	e.token(xml.StartElement{Name: xml.Name{Local: name}, Attr: attrs})
}

func (e *junitEncoder) end(name string) { e.token(xml.EndElement{Name: xml.Name{Local: name}}) }

// text writes an element holding text; encoding/xml escapes it, newlines kept as they are.
func (e *junitEncoder) text(name, text string, attrs ...xml.Attr) {
	e.start(name, attrs...)
	if text != "" {
		e.token(xml.CharData(junitClean(text)))
	}
	e.end(name)
}

func (e *junitEncoder) property(name, value string) {
	e.start("property", junitAttr("name", name), junitAttr("value", value))
	e.end("property")
}

func (e *junitEncoder) testcase(c junitCase) {
	e.start("testcase", junitAttr("name", c.name), junitAttr("classname", c.classname), junitAttr("time", junitSeconds(c.time)))
	switch c.outcome {
	case "failure":
		e.text("failure", c.body, junitAttr("message", c.msg), junitAttr("type", c.failType))
	case "skipped":
		var attrs []xml.Attr
		if c.msg != "" {
			attrs = append(attrs, junitAttr("message", c.msg))
		}
		e.text("skipped", c.body, attrs...)
	}
	if c.stdout != "" {
		e.text("system-out", c.stdout)
	}
	if c.stderr != "" {
		e.text("system-err", c.stderr)
	}
	e.end("testcase")
}
