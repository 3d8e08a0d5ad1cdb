package cmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// The -update flag rewrites golden files. Other test files of the package may register it
// too; package variables are initialised before init functions run, so this one registers
// it only when none did, and the two never collide.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files from the current output")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkSinkGolden compares got with testdata/slacksink/NAME.txt.
func checkSinkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "slacksink", name+".txt")
	if updateGolden() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with: go test ./cmd -run SlackSink -update)", err)
	}
	if got != string(want) {
		t.Errorf("output of %s:\ngot:\n%s\nwant (%s):\n%s", name, got, path, want)
	}
}

// syncBuffer is a buffer the sink's handlers write while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// sinkAnswer is what the sink answered one request.
type sinkAnswer struct {
	status int
	body   string
	header http.Header
}

// sendToSink sends one request to the sink and reads its whole answer.
func sendToSink(t *testing.T, method, target, contentType, body string) sinkAnswer {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return sinkAnswer{resp.StatusCode, string(b), resp.Header}
}

// startTestSink serves a sink with a fixed clock on a loopback port until the test ends.
func startTestSink(t *testing.T, out io.Writer) (base string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := newSlackSink(out, sinkPalette{}, nil, 0)
	k.now = func() time.Time { return time.Date(2026, 11, 26, 17, 0, 1, 0, time.UTC) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveSlackSink(ctx, ln, k) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serveSlackSink: got %v, want nil", err)
		}
	})
	return "http://" + ln.Addr().String()
}

const sinkHookPath = "/services/T000/B000/XXXX"

// executionMessage is a message shaped like SlackExecution's for a failed execution.
const executionMessage = `{
  "channel": "#kestra-notifications",
  "username": "flowctl",
  "icon_emoji": ":robot_face:",
  "text": "*<https://ci.example/runs/42|[dev] failing-task ➛ FAILED>*\n> Failed on task ` + "`pythonScriptThatWillFail`" + ` after 00:00:01.111",
  "blocks": [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Nightly data load"}},
    {"type": "section",
     "text": {"type": "mrkdwn", "text": "*<https://ci.example/runs/42|[dev] failing-task ➛ FAILED>*\n> Failed on task ` + "`pythonScriptThatWillFail`" + ` after 00:00:01.111"},
     "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Details"}, "url": "https://ci.example/runs/42"}}
  ],
  "attachments": [{
    "color": "danger",
    "fields": [
      {"title": "Namespace", "value": "dev", "short": true},
      {"title": "Flow ID", "value": "failing-task", "short": true},
      {"title": "Execution ID", "value": "5xWq0m3RkAgYyBvdcxOuUz", "short": true},
      {"title": "Execution Status", "value": "FAILED", "short": true},
      {"title": "Final task ID", "value": "pythonScriptThatWillFail", "short": true},
      {"title": "Error", "value": "ModuleNotFoundError: No module named 'non_existing_library' &amp; more", "short": false}
    ],
    "ts": 1795712400
  }]
}`

// blocksMessage uses every kind of block the sink renders.
const blocksMessage = `{
  "blocks": [
    {"type": "header", "text": {"type": "plain_text", "text": "Deploy finished"}},
    {"type": "section", "fields": [
      {"type": "mrkdwn", "text": "*Environment:*\nproduction"},
      {"type": "mrkdwn", "text": "*Version:*\n<https://git.example/v1.2.3|v1.2.3>"}]},
    {"type": "divider"},
    {"type": "context", "elements": [
      {"type": "image", "image_url": "https://img.example/a.png", "alt_text": "avatar"},
      {"type": "mrkdwn", "text": "by <@U024BE7LH|alice> in <#C123|deploys>, cc <!here>"}]},
    {"type": "actions", "elements": [
      {"type": "button", "text": {"type": "plain_text", "text": "Logs"}, "url": "https://ci.example/logs"},
      {"type": "button", "text": {"type": "plain_text", "text": "Retry"}, "action_id": "retry"}]},
    {"type": "image", "image_url": "https://img.example/chart.png", "alt_text": "latency chart"},
    {"type": "rich_text", "elements": [
      {"type": "rich_text_section", "elements": [
        {"type": "text", "text": "See "},
        {"type": "link", "url": "https://docs.example", "text": "the docs"},
        {"type": "text", "text": " "},
        {"type": "emoji", "name": "tada"}]}]},
    {"type": "video", "title": {"type": "plain_text", "text": "v"}}
  ],
  "attachments": [
    {"color": "#36a64f", "pretext": "Also:", "author_name": "ci", "title": "Build 42",
     "title_link": "https://ci.example/42", "text": "All <https://ci.example/42/tests|tests> passed",
     "footer": "flowctl", "ts": "1795712400"},
    {"fallback": "only a fallback"}
  ]
}`

func TestSlackSinkPrintsMessages(t *testing.T) {
	cases := []struct {
		name, method, path, contentType, body string
		status                                int
		word                                  string
	}{
		{"seed-simple", "POST", sinkHookPath, "application/json",
			`{"channel": "#kestra-notifications", "text": "Hello from Kestra! Flow dev.slack-simple-message started with execution 5xWq0m3RkAgYyBvdcxOuUz"}`,
			200, "ok"},
		{"execution-failed", "POST", sinkHookPath, "application/json; charset=utf-8", executionMessage, 200, "ok"},
		{"blocks", "POST", "/hooks/abcdef?token=s3cret", "application/json", blocksMessage, 200, "ok"},
		{"form-payload", "POST", sinkHookPath, "application/x-www-form-urlencoded",
			"payload=" + url.QueryEscape(`{"text": "<https://example.com|Example> &amp; <https://plain.example> &lt;3 <!channel>"}`),
			200, "ok"},
		{"curl-default-type", "POST", sinkHookPath, "application/x-www-form-urlencoded", `{"text": "sent with curl -d"}`, 200, "ok"},
		{"not-json", "POST", sinkHookPath, "application/json", "{\"text\": \"Flow \"dev\" failed\"}\n", 400, "invalid_payload"},
		{"no-text", "POST", sinkHookPath, "application/json", `{"channel": "#kestra-notifications"}`, 400, "no_text"},
		{"header-too-long", "POST", sinkHookPath, "application/json",
			fmt.Sprintf(`{"text": "t", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": %q}}]}`, strings.Repeat("h", tasks.SlackMaxHeaderText+1)),
			400, "invalid_payload"},
		{"terminal-escapes", "POST", sinkHookPath, "application/json", `{"text": "red \u001b[31malert\u001b[0m"}`, 200, "ok"},
		{"get", "GET", sinkHookPath, "", "", 405, "method_not_allowed"},
	}
	out := &syncBuffer{}
	base := startTestSink(t, out)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out.Reset()
			got := sendToSink(t, c.method, base+c.path, c.contentType, c.body)
			if got.status != c.status || got.body != c.word {
				t.Errorf("got %d %q, want %d %q", got.status, got.body, c.status, c.word)
			}
			if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("got Content-Type %q, want text/plain", ct)
			}
			printed := out.String()
			if strings.Contains(printed, "XXXX") || strings.Contains(printed, "s3cret") || strings.Contains(printed, "cdef") {
				t.Errorf("the secret part of the path was printed:\n%s", printed)
			}
			checkSinkGolden(t, c.name, printed)
		})
	}
}

func TestSlackSinkAnswersGetWithAllow(t *testing.T) {
	base := startTestSink(t, io.Discard)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		got := sendToSink(t, m, base+sinkHookPath, "", "")
		if got.status != http.StatusMethodNotAllowed || got.header.Get("Allow") != "POST" {
			t.Errorf("%s: got %d Allow %q, want 405 Allow POST", m, got.status, got.header.Get("Allow"))
		}
	}
}

func TestSlackSinkColoursTheBar(t *testing.T) {
	cases := map[string]string{
		"good":    "\x1b[32m▌",
		"warning": "\x1b[33m▌",
		"danger":  "\x1b[31m▌",
		"#36a64f": "\x1b[38;2;54;166;79m▌",
		"#fff":    "\x1b[38;2;255;255;255m▌",
	}
	for col, want := range cases {
		var b bytes.Buffer
		msg := fmt.Sprintf(`{"attachments": [{"color": %q, "text": "x"}]}`, col)
		writeSlackPost(&b, sinkPalette{on: true}, time.Now(), "/", tasks.ReviewSlackMessage([]byte(msg)), []byte(msg), nil)
		if !strings.Contains(b.String(), want) {
			t.Errorf("color %s: got %q, want it to contain %q", col, b.String(), want)
		}
		b.Reset()
		writeSlackPost(&b, sinkPalette{}, time.Now(), "/", tasks.ReviewSlackMessage([]byte(msg)), []byte(msg), nil)
		if strings.Contains(b.String(), "\x1b") {
			t.Errorf("color %s without a terminal: got %q, want no escape codes", col, b.String())
		}
	}
}

func TestSlackSinkReadableMrkdwn(t *testing.T) {
	cases := map[string]string{
		"*bold* _it_ `code`":                      "*bold* _it_ `code`",
		"<https://a.example|A site>":              "A site (https://a.example)",
		"<https://a.example>":                     "https://a.example",
		"<https://a.example|https://a.example>":   "https://a.example",
		"<https://a.example?x=1&amp;y=2|q>":       "q (https://a.example?x=1&y=2)",
		"<@U123> <@U123|bob> <#C1|general> <#C1>": "@U123 @bob #general #C1",
		"<!here> <!channel> <!subteam^S1|@ops>":   "@here @channel @ops",
		"<!date^1392734382^{date}|Feb 18>":        "Feb 18",
		"a &lt; b &amp;&amp; c &gt; d":            "a < b && c > d",
		"x < y and z":                             "x < y and z",
		"a <b\nc> d":                              "a <b\nc> d",
		"bell\a":                                  "bell␇",
	}
	for in, want := range cases {
		if got := slackReadable(in); got != want {
			t.Errorf("slackReadable(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestSlackSinkRedactsPath(t *testing.T) {
	cases := map[string]string{
		"/services/T000/B000/XXXX": "/services/T0…/***",
		"/services/T0":             "/services/T0…/***",
		"/hooks/abcdef":            "/hooks/ab…/***",
		"/":                        "/",
		"":                         "/",
		"/secretonly":              "/***",
		"/services/T000?k=v":       "/services/T0…/***?***",
	}
	for in, want := range cases {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := redactWebhookPath(u); got != want {
			t.Errorf("redactWebhookPath(%q): got %q, want %q", in, got, want)
		}
	}
}

func TestSlackSinkCheckAddr(t *testing.T) {
	cases := []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:8099", false, true},
		{"127.0.0.2:0", false, true},
		{"[::1]:8099", false, true},
		{"localhost:8099", false, true},
		{"0.0.0.0:8099", false, false},
		{":8099", false, false},
		{"[::]:8099", false, false},
		{"192.168.1.10:8099", false, false},
		{"sink.example:8099", false, false},
		{"0.0.0.0:8099", true, true},
		{"8099", false, false},
		{"8099", true, false},
	}
	for _, c := range cases {
		err := checkSinkAddr(c.addr, c.public)
		if (err == nil) != c.ok {
			t.Errorf("checkSinkAddr(%q, public=%v): got %v, want ok=%v", c.addr, c.public, err, c.ok)
		}
	}
}

// mainSink is `flowctl slack-sink` run through Main, its stdout read as it is written.
type mainSink struct {
	base   string // http://127.0.0.1:PORT, from the first line
	banner string
	out    *syncBuffer // stdout after the first line
	errb   *syncBuffer
	code   chan int
	copied chan struct{}
}

// startMainSink runs Main with args and waits for its first line, which says where it
// listens: once it is printed, the sink takes posts.
func startMainSink(t *testing.T, ctx context.Context, args ...string) *mainSink {
	t.Helper()
	pr, pw := io.Pipe()
	m := &mainSink{out: &syncBuffer{}, errb: &syncBuffer{}, code: make(chan int, 1), copied: make(chan struct{})}
	go func() {
		code := Main(ctx, append([]string{"slack-sink"}, args...), Streams{In: strings.NewReader(""), Out: pw, Err: m.errb})
		pw.Close()
		m.code <- code
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("slack-sink printed no first line (%v); exit %d, stderr %q", err, <-m.code, m.errb.String())
	}
	m.banner = line
	if f := strings.Fields(line); len(f) > 3 {
		m.base = f[3]
	}
	go func() {
		io.Copy(m.out, br)
		close(m.copied)
	}()
	return m
}

// wait returns the exit code once Main has returned and its output is all read.
func (m *mainSink) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-m.code:
		<-m.copied
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("slack-sink did not stop")
		return -1
	}
}

func TestSlackSinkMainAnswersLikeSlack(t *testing.T) {
	save := filepath.Join(t.TempDir(), "messages.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := startMainSink(t, ctx, "--addr", "127.0.0.1:0", "--save", save)

	wantBanner := fmt.Sprintf("slack-sink listening on %[1]s (point SECRET_SLACK_WEBHOOK at it: export SECRET_SLACK_WEBHOOK=$(printf %%s %[1]s/services/T000/B000/XXXX | base64 -w0))\n", m.base)
	if !strings.HasPrefix(m.base, "http://127.0.0.1:") || m.banner != wantBanner {
		t.Fatalf("got first line %q, want %q", m.banner, wantBanner)
	}
	manyAttachments := `{"attachments": [` + strings.TrimSuffix(strings.Repeat(`{"text": "a"},`, tasks.SlackMaxAttachments+1), ",") + `]}`
	cases := []struct {
		name, method, contentType, body string
		status                          int
		word                            string
	}{
		{"valid", "POST", "application/json", `{"text": "hello"}`, 200, "ok"},
		{"form", "POST", "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"text": "from a form"}`), 200, "ok"},
		{"invalid JSON", "POST", "application/json", `{"text": `, 400, "invalid_payload"},
		{"no text", "POST", "application/json", `{"username": "bot"}`, 400, "no_text"},
		{"too many attachments", "POST", "application/json", manyAttachments, 400, "too_many_attachments"},
		{"GET", "GET", "", "", 405, "method_not_allowed"},
	}
	for _, c := range cases {
		got := sendToSink(t, c.method, m.base+sinkHookPath, c.contentType, c.body)
		if got.status != c.status || got.body != c.word {
			t.Errorf("%s: got %d %q, want %d %q", c.name, got.status, got.body, c.status, c.word)
		}
	}
	cancel()
	if code := m.wait(t); code != ExitOK {
		t.Errorf("after cancel: got exit %d, want 0 (stderr %q)", code, m.errb.String())
	}
	out := m.out.String()
	for _, want := range []string{
		"POST /services/T0…/*** → 200 ok\n  text       hello\n",
		"POST /services/T0…/*** → 200 ok\n  text       from a form\n",
		"→ 400 invalid_payload\n  refused    not JSON",
		"→ 400 no_text\n",
		"→ 400 too_many_attachments\n  refused    101 attachments, over Slack's 100\n",
		"GET /services/T0…/*** → 405",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout: got\n%s\nwant it to contain %q", out, want)
		}
	}
	if strings.Contains(out, "XXXX") || strings.Contains(out, "\x1b") {
		t.Errorf("stdout: got\n%s\nwant no secret path and no escape codes", out)
	}

	// Every JSON message is saved, refused or not, one per line; the invalid JSON is not.
	b, err := os.ReadFile(save)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 4 || lines[0] != `{"text":"hello"}` || lines[1] != `{"text":"from a form"}` || lines[2] != `{"username":"bot"}` {
		t.Errorf("--save: got %d lines %q, want hello, from a form, the no-text one and the attachments", len(lines), lines)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("--save: got line %q, want JSON", l)
		}
	}
	if fi, err := os.Stat(save); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("--save file: got %v %v, want mode 0600", fi.Mode().Perm(), err)
	}
}

func TestSlackSinkCountStopsAfterN(t *testing.T) {
	m := startMainSink(t, context.Background(), "--addr", "127.0.0.1:0", "--count", "2")
	sendToSink(t, "GET", m.base+"/", "", "") // not a message: not counted
	for i := range 2 {
		if got := sendToSink(t, "POST", m.base+sinkHookPath, "application/json", fmt.Sprintf(`{"text": "message %d"}`, i)); got.status != 200 {
			t.Errorf("message %d: got %d %q, want 200 ok", i, got.status, got.body)
		}
	}
	if code := m.wait(t); code != ExitOK {
		t.Errorf("got exit %d, want 0 (stderr %q)", code, m.errb.String())
	}
	out := m.out.String()
	if strings.Count(out, "→ 200 ok") != 2 || !strings.Contains(out, "message 1") || !strings.HasSuffix(out, "\nslack-sink stopped after 2 messages\n") {
		t.Errorf("stdout: got\n%s\nwant two messages, then the count", out)
	}
	// The sink is gone: nothing listens any more.
	if c, err := net.Dial("tcp", strings.TrimPrefix(m.base, "http://")); err == nil {
		c.Close()
		t.Errorf("after --count 2: got a connection to %s, want none", m.base)
	}
}

func TestSlackSinkCountRefusesPostsPastTheLimit(t *testing.T) {
	out := &syncBuffer{}
	k := newSlackSink(out, sinkPalette{}, nil, 1)
	for i, want := range []int{http.StatusOK, http.StatusServiceUnavailable} {
		// A post that races the last one, before the server has closed its listener.
		rec := httptest.NewRecorder()
		k.ServeHTTP(rec, httptest.NewRequest("POST", sinkHookPath, strings.NewReader(fmt.Sprintf(`{"text": "post %d"}`, i))))
		if rec.Code != want {
			t.Errorf("post %d: got %d %q, want %d", i, rec.Code, rec.Body.String(), want)
		}
	}
	select {
	case <-k.full:
	default:
		t.Error("after --count 1 posts: got the sink still open, want it full")
	}
	if got := out.String(); !strings.Contains(got, "post 0") || strings.Contains(got, "post 1") {
		t.Errorf("got output\n%s\nwant the first post only", got)
	}
}

func TestSlackSinkMainRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0"} {
		code, out, errs := run(t, "slack-sink", "--addr", addr)
		if code != ExitUsage || out != "" || !strings.Contains(errs, "not a loopback address") || !strings.Contains(errs, "--public") {
			t.Errorf("--addr %s: got exit %d, stdout %q, stderr %q, want exit 2 and a hint about --public", addr, code, out, errs)
		}
	}
}

func TestSlackSinkMainPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, out, errs := run(t, "slack-sink", "--addr", ln.Addr().String())
	want := "flowctl: cannot listen on " + ln.Addr().String() + ": the address is in use"
	if code != ExitUsage || out != "" || !strings.HasPrefix(errs, want) {
		t.Errorf("got exit %d, stdout %q, stderr %q, want exit 2 and %q", code, out, errs, want)
	}
}

func TestSlackSinkMainUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"slack-sink", "--count", "-1"},
		{"slack-sink", "--addr", "8099"},
		{"slack-sink", "extra"},
		{"slack-sink", "--save", filepath.Join(t.TempDir(), "no", "such", "dir", "m.jsonl")},
	} {
		code, out, errs := run(t, args...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errs, "flowctl: ") {
			t.Errorf("flowctl %v: got exit %d, stdout %q, stderr %q, want exit 2 and a flowctl: error", args, code, out, errs)
		}
	}
}
