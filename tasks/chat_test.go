package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The webhook path the tests post to. Its three segments are the secret parts of a Slack
// webhook URL; no test output may show any of them.
const (
	hookTeam   = "T0SECRETTEAM"
	hookBot    = "B0SECRETBOT"
	hookToken  = "xoxSECRETTOKEN1234"
	hookPath   = "/services/" + hookTeam + "/" + hookBot + "/" + hookToken
	hookShown  = "/services/T0…/***" // hookPath redacted
	testAgent  = "flowctl/test"
	okAnswer   = "ok"
	maxTestRun = 10 * time.Second // no test of a post takes longer, whatever it waits for
)

// slackHook is a loopback stand-in for a Slack webhook: it answers each post with the next of
// its answers (the last one repeated), and keeps what it received.
type slackHook struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers []hookAnswer
	got     []*http.Request
	bodies  [][]byte
}

// hookAnswer is one reply of a hook, as Slack words it: a status and a plain-text body.
type hookAnswer struct {
	status int
	body   string
	header map[string]string
}

// newSlackHook starts a hook on 127.0.0.1 answering answers in turn (200 ok when none).
func newSlackHook(t *testing.T, answers ...hookAnswer) *slackHook {
	t.Helper()
	if len(answers) == 0 {
		answers = []hookAnswer{{status: 200, body: okAnswer}}
	}
	h := &slackHook{answers: answers}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		a := h.answers[min(len(h.got), len(h.answers)-1)]
		h.got = append(h.got, r)
		h.bodies = append(h.bodies, body)
		h.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// url is the webhook URL of h.
func (h *slackHook) url() string { return h.srv.URL + hookPath }

// shown is how h's URL must appear in logs and errors.
func (h *slackHook) shown() string { return h.srv.URL + hookShown }

// hits is the number of posts h received.
func (h *slackHook) hits() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// body is the n-th body h received.
func (h *slackHook) body(t *testing.T, n int) []byte {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if n >= len(h.bodies) {
		t.Fatalf("post %d: got %d posts, want more", n, len(h.bodies))
	}
	return h.bodies[n]
}

// stubSleep replaces the waits between attempts of tc's task: none is waited, each is kept.
func stubSleep(tc *Context) *[]time.Duration {
	var waits []time.Duration
	tc.Sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		return ctx.Err()
	}
	return &waits
}

// slackContext returns a Context whose HTTP client reaches h (any loopback server when h is
// nil), and the values the task registered for masking.
func slackContext(t *testing.T, h *slackHook) (*Context, *recorder, *[]string) {
	t.Helper()
	tc, rec := newContext(t)
	tc.UserAgent = testAgent
	tc.Environ = nil // no FLOWCTL_URL nor CI variables of the machine running the tests
	if h != nil {
		tc.HTTP = h.srv.Client()
	}
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	return tc, rec, &masked
}

// postTask runs task with a deadline, so a hanging post fails the test instead of hanging it.
func postTask(t *testing.T, task Task, tc *Context) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), maxTestRun)
	defer cancel()
	return task.Run(ctx, tc)
}

// textTask is a SlackIncomingWebhook posting a small payload to url.
func textTask(url string) *SlackIncomingWebhook {
	return &SlackIncomingWebhook{URL: url, Payload: `{"text": "hello {{ name }}"}`}
}

// wantOutputs checks the outputs of a post.
func wantOutputs(t *testing.T, res Result, status, attempts int) {
	t.Helper()
	want := map[string]any{"status": status, "attempts": attempts}
	if !reflect.DeepEqual(res.Outputs, want) {
		t.Errorf("outputs: got %v, want %v", res.Outputs, want)
	}
}

// wantWaits checks the waits asked for between attempts.
func wantWaits(t *testing.T, got *[]time.Duration, want ...time.Duration) {
	t.Helper()
	if !reflect.DeepEqual(*got, want) && (len(*got) > 0 || len(want) > 0) {
		t.Errorf("waits: got %v, want %v", *got, want)
	}
}

func TestSlackErrorWordsFailAtOnceWithTheirHint(t *testing.T) {
	cases := []struct {
		status int
		word   string
	}{
		{400, "invalid_payload"},
		{400, "user_not_found"},
		{400, "no_text"},
		{403, "action_prohibited"},
		{403, "invalid_token"},
		{403, "posting_to_general_channel_denied"},
		{404, "channel_not_found"},
		{404, "no_service"},
		{410, "channel_is_archived"},
		{500, "rollup_error"},
		{404, "no_team"},
		{403, "team_disabled"},
		{400, "too_many_attachments"},
		{403, "no_active_hooks"},
	}
	for _, c := range cases {
		t.Run(c.word, func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: c.status, body: c.word})
			tc, _, _ := slackContext(t, h)
			waits := stubSleep(tc)
			res, err := postTask(t, textTask(h.url()), tc)
			hint := slackHints[c.word]
			if hint == "" {
				t.Fatalf("slackHints[%q]: got none, want a hint", c.word)
			}
			want := fmt.Sprintf("slack answered %d %s: %s", c.status, c.word, hint)
			if err == nil || err.Error() != want {
				t.Errorf("error: got %v, want %s", err, want)
			}
			if h.hits() != 1 {
				t.Errorf("posts: got %d, want 1 (not sent again)", h.hits())
			}
			wantWaits(t, waits)
			wantOutputs(t, res, c.status, 1)
		})
	}
	// Every word of slack.md has its hint, rate_limited (a 429, sent again) included.
	if len(slackHints) != len(cases)+1 || slackHints["rate_limited"] == "" {
		t.Errorf("slackHints: got %d words, want the %d of slack.md", len(slackHints), len(cases)+1)
	}
}

func TestSlackNoServiceMessage(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 404, body: "no_service"})
	tc, _, _ := slackContext(t, h)
	_, err := postTask(t, textTask(h.url()), tc)
	want := "slack answered 404 no_service: the webhook URL is wrong or was revoked"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
}

func TestSlackAnswerWithoutAWord(t *testing.T) {
	cases := []struct {
		name string
		a    hookAnswer
		want string
	}{
		{"empty 500", hookAnswer{status: 500}, "slack answered 500 Internal Server Error"},
		{"html page", hookAnswer{status: 403, body: "<html><body>Forbidden\n</body></html>"}, `slack answered 403 Forbidden: "<html><body>Forbidden"`},
		{"json error", hookAnswer{status: 400, body: `{"ok":false,"error":"invalid_payload"}`}, "slack answered 400 invalid_payload: " + slackHints["invalid_payload"]},
		{"unknown word", hookAnswer{status: 418, body: "teapot"}, "slack answered 418 teapot"},
		{"redirect", hookAnswer{status: 302, header: map[string]string{"Location": "http://127.0.0.1:1/elsewhere"}}, "slack answered 302 Found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, c.a)
			tc, _, _ := slackContext(t, h)
			_, err := postTask(t, textTask(h.url()), tc)
			if err == nil || err.Error() != c.want {
				t.Errorf("error: got %v, want %s", err, c.want)
			}
			if h.hits() != 1 {
				t.Errorf("posts: got %d, want 1", h.hits())
			}
		})
	}
}

func TestSlack429WaitsRetryAfterThenSendsAgain(t *testing.T) {
	h := newSlackHook(t,
		hookAnswer{status: 429, body: "rate_limited", header: map[string]string{"Retry-After": "3"}},
		hookAnswer{status: 200, body: okAnswer})
	tc, rec, _ := slackContext(t, h)
	waits := stubSleep(tc)
	res, err := postTask(t, textTask(h.url()), tc)
	if err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	wantWaits(t, waits, 3*time.Second)
	wantOutputs(t, res, 200, 2)
	if h.hits() != 2 {
		t.Errorf("posts: got %d, want 2", h.hits())
	}
	warn := "slack answered 429 rate_limited: " + slackHints["rate_limited"] + "; sending again in 3s (attempt 2 of 4)"
	if !rec.has(LevelWarn, warn) {
		t.Errorf("log: got%s\nwant WARN %s", rec.dump(), warn)
	}
	info := "posted to " + h.shown() + " (attempt 2 of 4, after 429)"
	if !rec.has(LevelInfo, info) {
		t.Errorf("log: got%s\nwant INFO %s", rec.dump(), info)
	}
}

func TestSlack429KeptUpGivesUp(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 429, body: `{"ok":false,"error":"rate_limited","retry_after":2}`})
	tc, _, _ := slackContext(t, h)
	waits := stubSleep(tc)
	res, err := postTask(t, textTask(h.url()), tc)
	want := "slack answered 429 rate_limited: " + slackHints["rate_limited"] + " (gave up after 4 attempts)"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	wantWaits(t, waits, 2*time.Second, 2*time.Second, 2*time.Second)
	wantOutputs(t, res, 429, 4)
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		header string
		body   string
		want   time.Duration
	}{
		{"seconds", "7", "", 7 * time.Second},
		{"fraction", "0.5", "", 500 * time.Millisecond},
		{"none", "", "rate_limited", time.Second},
		{"json body", "", `{"ok":false,"error":"rate_limited","retry_after":4}`, 4 * time.Second},
		{"header wins over body", "2", `{"retry_after":30}`, 2 * time.Second},
		{"capped", "3600", "", time.Minute},
		{"http date", now.Add(5 * time.Second).Format(http.TimeFormat), "", 5 * time.Second},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), "", 0},
		{"garbage", "soon", "", time.Second},
		{"not a number", "NaN", "", time.Second},
		{"infinite", "Inf", "", time.Minute},
		{"negative", "-4", "", 0},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.header != "" {
			h.Set("Retry-After", c.header)
		}
		if got := retryAfter(h, []byte(c.body), now); got != c.want {
			t.Errorf("%s: retryAfter(%q, %q): got %v, want %v", c.name, c.header, c.body, got, c.want)
		}
	}
}

func TestSlack503TwiceThenOk(t *testing.T) {
	h := newSlackHook(t,
		hookAnswer{status: 503, body: "service_unavailable"},
		hookAnswer{status: 503},
		hookAnswer{status: 200, body: okAnswer})
	tc, rec, _ := slackContext(t, h)
	waits := stubSleep(tc)
	res, err := postTask(t, textTask(h.url()), tc)
	if err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	wantWaits(t, waits, time.Second, 2*time.Second)
	wantOutputs(t, res, 200, 3)
	want := []string{
		"slack answered 503 service_unavailable; sending again in 1s (attempt 2 of 4)",
		"slack answered 503 Service Unavailable; sending again in 2s (attempt 3 of 4)",
	}
	if got := rec.at(LevelWarn); !reflect.DeepEqual(got, want) {
		t.Errorf("WARN lines: got %q, want %q", got, want)
	}
	info := "posted to " + h.shown() + " (attempt 3 of 4, after 503)"
	if got := rec.at(LevelInfo); !reflect.DeepEqual(got, []string{info}) {
		t.Errorf("INFO lines: got %q, want %q", got, []string{info})
	}
}

func TestSlackGatewayErrorsGiveUpAfterThreeRetries(t *testing.T) {
	for _, status := range []int{502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: status})
			tc, _, _ := slackContext(t, h)
			waits := stubSleep(tc)
			res, err := postTask(t, textTask(h.url()), tc)
			want := fmt.Sprintf("slack answered %d %s (gave up after 4 attempts)", status, http.StatusText(status))
			if err == nil || err.Error() != want {
				t.Errorf("error: got %v, want %s", err, want)
			}
			wantWaits(t, waits, time.Second, 2*time.Second, 4*time.Second)
			wantOutputs(t, res, status, 4)
			if h.hits() != 4 {
				t.Errorf("posts: got %d, want 4", h.hits())
			}
		})
	}
}

func TestSlack500IsNotSentAgain(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 500, body: "rollup_error"}, hookAnswer{status: 200, body: okAnswer})
	tc, _, _ := slackContext(t, h)
	waits := stubSleep(tc)
	res, err := postTask(t, textTask(h.url()), tc)
	if err == nil || !strings.HasPrefix(err.Error(), "slack answered 500 rollup_error: ") {
		t.Errorf("error: got %v, want slack answered 500 rollup_error: ...", err)
	}
	if h.hits() != 1 {
		t.Errorf("posts: got %d, want 1", h.hits())
	}
	wantWaits(t, waits)
	wantOutputs(t, res, 500, 1)
}

func TestSlackTimeoutOnceSentIsNotSentAgain(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select { // never answers: waits for the client to give up, or for the test to end
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first, so Close does not wait on the handler
	tc, rec, _ := slackContext(t, nil)
	waits := stubSleep(tc)
	tc.HTTP = srv.Client()
	task := textTask(srv.URL + hookPath)
	task.Options = &ChatOptions{ReadTimeout: "PT0.2S"}
	start := time.Now()
	res, err := postTask(t, task, tc)
	took := time.Since(start)
	want := "posting to " + srv.URL + hookShown + ": no answer within 200ms (options.readTimeout); not sent again: " +
		"the message may have been posted, and a second post would show twice"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("posts: got %d, want 1", n)
	}
	if took > 5*time.Second {
		t.Errorf("took %v, want about 200ms", took)
	}
	wantWaits(t, waits)
	wantOutputs(t, res, 0, 1)
	if lines := rec.at(LevelWarn); len(lines) != 0 {
		t.Errorf("WARN lines: got %q, want none", lines)
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestSlackRefusedConnectionIsSentAgainThenFails(t *testing.T) {
	addr := closedAddr(t)
	tc, rec, _ := slackContext(t, nil)
	waits := stubSleep(tc)
	res, err := postTask(t, textTask("http://"+addr+hookPath), tc)
	prefix := "cannot connect to http://" + addr + hookShown + ": "
	if err == nil || !strings.HasPrefix(err.Error(), prefix) ||
		!strings.Contains(err.Error(), "connection refused") || !strings.HasSuffix(err.Error(), "(gave up after 4 attempts)") {
		t.Errorf("error: got %v, want %s...connection refused (gave up after 4 attempts)", err, prefix)
	}
	wantWaits(t, waits, time.Second, 2*time.Second, 4*time.Second)
	wantOutputs(t, res, 0, 4)
	if n := len(rec.at(LevelWarn)); n != 3 {
		t.Errorf("WARN lines: got %d%s, want 3", n, rec.dump())
	}
}

func TestSlackRefusedThenOk(t *testing.T) {
	h := newSlackHook(t)
	tc, rec, _ := slackContext(t, h)
	waits := stubSleep(tc)
	// The first dial is refused, the next ones reach the hook.
	var dials atomic.Int32
	base := h.srv.Client().Transport.(*http.Transport).Clone()
	dial := base.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	base.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connect: connection refused")}
		}
		return dial(ctx, network, addr)
	}
	tc.HTTP = &http.Client{Transport: base}
	res, err := postTask(t, textTask(h.url()), tc)
	if err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	wantWaits(t, waits, time.Second)
	wantOutputs(t, res, 200, 2)
	info := "posted to " + h.shown() + " (attempt 2 of 4, after a connection failure)"
	if !rec.has(LevelInfo, info) {
		t.Errorf("log: got%s\nwant INFO %s", rec.dump(), info)
	}
}

func TestSlackConnectTimeoutIsSentAgain(t *testing.T) {
	var dials atomic.Int32
	tc, _, _ := slackContext(t, nil)
	waits := stubSleep(tc)
	// A dial that never completes, as to a host that drops packets.
	tc.HTTP = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		dials.Add(1)
		<-ctx.Done()
		return nil, ctx.Err()
	}}}
	task := textTask("http://" + closedAddr(t) + hookPath)
	task.Options = &ChatOptions{ConnectTimeout: "PT0.1S"}
	res, err := postTask(t, task, tc)
	if err == nil || !strings.Contains(err.Error(), ": no connection within 100ms (options.connectTimeout) (gave up after 4 attempts)") {
		t.Errorf("error: got %v, want ...no connection within 100ms (options.connectTimeout) (gave up after 4 attempts)", err)
	}
	if n := dials.Load(); n != 4 {
		t.Errorf("dials: got %d, want 4", n)
	}
	wantWaits(t, waits, time.Second, 2*time.Second, 4*time.Second)
	wantOutputs(t, res, 0, 4)
}

func TestSlackUnknownHostIsNotSentAgain(t *testing.T) {
	tc, _, _ := slackContext(t, nil)
	waits := stubSleep(tc)
	tc.HTTP = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "hooks.example", IsNotFound: true}}
	}}}
	_, err := postTask(t, textTask("https://hooks.example"+hookPath), tc)
	want := "cannot connect to https://hooks.example" + hookShown + ": dial tcp: lookup hooks.example: no such host"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	wantWaits(t, waits)
}

func TestSlackStopsWhenTheTaskIsCancelled(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 503})
	tc, _, _ := slackContext(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	tc.Sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the task's timeout ends while it waits
		return timerSleep(ctx, d)
	}
	res, err := textTask(h.url()).Run(ctx, tc)
	want := "posting to " + h.shown() + ": stopped while waiting to send again: context canceled"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	wantOutputs(t, res, 503, 1)
}

func TestSlackSendsUserAgentAndHeaders(t *testing.T) {
	h := newSlackHook(t)
	tc, _, _ := slackContext(t, h)
	task := textTask(h.url())
	task.Options = &ChatOptions{Headers: map[string]string{"X-Flow": "{{ name }}", "X-{{ dir }}": "1"}}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	r := h.got[0]
	for k, want := range map[string]string{
		"User-Agent":   testAgent,
		"Content-Type": "application/json",
		"X-Flow":       "world",
		"X-Sub":        "1",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != hookPath {
		t.Errorf("request: got %s %s, want POST %s", r.Method, r.URL.Path, hookPath)
	}
	if got, want := string(h.body(t, 0)), `{"text": "hello world"}`; got != want {
		t.Errorf("body: got %s, want %s", got, want)
	}

	// Without a User-Agent from the runner, flowctl's own.
	tc.UserAgent = ""
	if _, err := postTask(t, textTask(h.url()), tc); err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	if got := h.got[1].Header.Get("User-Agent"); got != "flowctl" {
		t.Errorf("default User-Agent: got %q, want flowctl", got)
	}
}

func TestSlackBadOptionsFailBeforeSending(t *testing.T) {
	cases := []struct {
		name string
		opts ChatOptions
		prop string
		want string
	}{
		{"line break in header", ChatOptions{Headers: map[string]string{"X-A": "a\r\nInjected: 1"}}, "options.headers.X-A", "line break"},
		{"bad header name", ChatOptions{Headers: map[string]string{"X A": "a"}}, "options.headers.X A", "not a valid HTTP header name"},
		{"bad duration", ChatOptions{ReadTimeout: "30s"}, "options.readTimeout", "invalid ISO-8601 duration"},
		{"zero duration", ChatOptions{ConnectTimeout: "PT0S"}, "options.connectTimeout", "want a positive duration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t)
			tc, _, _ := slackContext(t, h)
			task := textTask(h.url())
			task.Options = &c.opts
			_, err := postTask(t, task, tc)
			var pe *PropError
			if !errors.As(err, &pe) || pe.Prop != c.prop || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error: got %v, want %s: ...%s...", err, c.prop, c.want)
			}
			if h.hits() != 0 {
				t.Errorf("posts: got %d, want 0", h.hits())
			}
		})
	}
}

func TestSlackBadURLs(t *testing.T) {
	cases := []struct{ url, want string }{
		{"", "url: is empty once rendered"},
		{"hooks.slack.com/services/T0/B0/x", "url: want an http or https URL with a host, such as https://hooks.slack.com/services/..."},
		{"ftp://hooks.slack.com/services/T0/B0/x", "url: want an http or https URL with a host, such as https://hooks.slack.com/services/..."},
		{"https://hooks.slack.com:xx/services/T0SECRET/B0SECRET/tok", `url: not a valid URL: invalid port ":xx" after host`},
	}
	for _, c := range cases {
		tc, _, masked := slackContext(t, nil)
		_, err := postTask(t, textTask(c.url), tc)
		if err == nil || err.Error() != c.want {
			t.Errorf("url %q: got %v, want %s", c.url, err, c.want)
		}
		if c.url != "" && (len(*masked) == 0 || (*masked)[0] != c.url) {
			t.Errorf("url %q: masked %q, want the URL masked", c.url, *masked)
		}
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"https://hooks.slack.com/services/T0123ABC/B0456/xyzSECRET": "https://hooks.slack.com/services/T0…/***",
		"https://user:pw@hooks.slack.com/services/T0123/B0/x?y=z#f": "https://hooks.slack.com/services/T0…/***",
		"http://127.0.0.1:8099/hooks/3fgw9kq8zjdx5bmkyn1e7oq9hw":    "http://127.0.0.1:8099/ho…/***",
		"https://chat.example.com/proxy/services/TXYZ/B1/secret":    "https://chat.example.com/proxy/services/TX…/***",
		"https://hooks.slack.com":                                   "https://hooks.slack.com/***",
		"https://hooks.slack.com/services/ab/cd":                    "https://hooks.slack.com/services/***",
		"https://hooks.slack.com/services/ÉtéSecret":                "https://hooks.slack.com/services/Ét…/***",
		"not a url": "***",
		"https://hooks.slack.com:xx/services/T0/B0/x":                 "***",
		"  https://hooks.slack.com/services/T0123ABC/B0456/xyzSECRET": "https://hooks.slack.com/services/T0…/***",
	}
	for in, want := range cases {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q): got %q, want %q", in, got, want)
		}
	}
}

// TestSlackNeverShowsTheURL fails posts every way a post can fail, and looks for the webhook
// URL and each of its secret parts in everything the task produced: log lines, warnings,
// errors and outputs.
func TestSlackNeverShowsTheURL(t *testing.T) {
	refused := "http://" + closedAddr(t) + hookPath
	cases := []struct {
		name    string
		answers []hookAnswer
		url     string
		opts    *ChatOptions
	}{
		{name: "no_service", answers: []hookAnswer{{status: 404, body: "no_service"}}},
		{name: "503 then 429 then ok", answers: []hookAnswer{{status: 503}, {status: 429}, {status: 200, body: okAnswer}}},
		{name: "502 kept up", answers: []hookAnswer{{status: 502}}},
		{name: "answer echoing the URL", answers: []hookAnswer{{status: 400, body: "bad hook " + hookPath}}},
		{name: "refused", url: refused},
		{name: "bad port", url: "http://127.0.0.1:99999" + hookPath},
		{name: "bad header", opts: &ChatOptions{Headers: map[string]string{"X": "\n"}}},
	}
	secrets := []string{hookPath, hookTeam, hookBot, hookToken}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, c.answers...)
			u := c.url
			if u == "" {
				u = h.url()
			}
			tc, rec, masked := slackContext(t, h)
			stubSleep(tc)
			task := textTask(u)
			task.Options = c.opts
			res, err := postTask(t, task, tc)
			var seen []string
			for _, e := range rec.lines {
				seen = append(seen, e.String())
			}
			seen = append(seen, rec.warns...)
			seen = append(seen, fmt.Sprint(res.Outputs))
			if err != nil {
				seen = append(seen, err.Error(), fmt.Sprintf("%+v", err))
			}
			for _, s := range seen {
				for _, secret := range secrets {
					if strings.Contains(s, secret) {
						t.Errorf("got %q, which shows %q of the webhook URL, want it hidden", s, secret)
					}
				}
			}
			if len(*masked) == 0 || (*masked)[0] != u {
				t.Errorf("masked: got %q, want the URL first", *masked)
			}
		})
	}
}

// BenchmarkSlackPost measures a post through SlackIncomingWebhook against a loopback server
// answering ok, beside a bare http.Post of the same body to the same server: the difference
// is what the task costs above the HTTP round trip.
func BenchmarkSlackPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, okAnswer)
	}))
	defer srv.Close()
	payload := `{"text": "Flow dev.bench started with execution {{ name }}", "channel": "#flows"}`
	body, _ := fakeRender(payload)
	client := srv.Client()

	b.Run("task", func(b *testing.B) {
		tc := &Context{TaskID: "slack", Render: fakeRender, HTTP: client, UserAgent: testAgent, Mask: func(string) {}}
		task := &SlackIncomingWebhook{URL: srv.URL + hookPath, Payload: payload}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := task.Run(ctx, tc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			resp, err := client.Post(srv.URL+hookPath, "application/json", strings.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
