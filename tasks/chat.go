package tasks

// Delivery of one message to a chat webhook (Slack's incoming webhooks, and the servers that
// speak their protocol: Mattermost, Rocket.Chat), shared by every chat task: the timeouts, the
// retry policy, the error words and their hints, and the secrecy of the URL.
//
// A webhook post is not idempotent: a post sent twice shows twice. So a post is sent again
// only when the service said it did not take it (429, 502, 503, 504) or when it never reached
// the service (no connection was made); never after a 500 or a timeout once it was sent.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/flowctl/flowctl/internal/duration"
)

// ChatOptions are the HTTP options of a chat webhook task, Kestra's `options` property.
type ChatOptions struct {
	ConnectTimeout string            `flow:"connectTimeout" doc:"the longest wait for a connection to the webhook, ISO-8601 (default PT5S); a post that could not connect is sent again"`
	ReadTimeout    string            `flow:"readTimeout" doc:"the longest one request may take, answer included, ISO-8601 (default PT30S); a post that timed out once sent is not sent again"`
	Headers        map[string]string `flow:"headers" doc:"more HTTP headers to send, keys and values rendered"`
}

const (
	defaultConnectTimeout = 5 * time.Second
	defaultReadTimeout    = 30 * time.Second
	// chatMaxAttempts bounds the attempts of one post whatever made them fail: a webhook that
	// keeps answering 429 or 503 must not hold a flow forever.
	chatMaxAttempts   = 4
	defaultRetryAfter = time.Second
	maxRetryAfter     = 60 * time.Second
	// maxAnswer is how much of an answer is read: a word or a small JSON document from the
	// service, or an error page from a proxy in front of it.
	maxAnswer = 64 << 10
)

// chatBackoff are the waits before the second, third and fourth attempts after a 502, 503,
// 504 or a failure to connect.
var chatBackoff = [chatMaxAttempts - 1]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// The causes an attempt's context is cancelled with, to tell the two timeouts apart.
var (
	errConnectTimeout = errors.New("connect timeout")
	errReadTimeout    = errors.New("read timeout")
)

// chatPost is one message to post to one webhook.
type chatPost struct {
	// service names the service in messages: "slack answered 404 no_service".
	service string
	// url is the webhook URL, rendered and checked; a secret, never printed whole.
	url  string
	body []byte
	opts chatOpts
	// hints says what to do about each error word the service answers.
	hints map[string]string
	// explain reads the error word, or else a detail, of an answer; answerWord when nil.
	explain func(answer []byte) (word, detail string)
	// check, when set, judges a 2xx answer: a service that says in its body whether it took
	// the message (Telegram's {"ok": true}). An error fails the post, not sent again.
	check func(answer []byte) error
}

// chatOpts are ChatOptions rendered, with their defaults.
type chatOpts struct {
	connectTimeout time.Duration
	readTimeout    time.Duration
	headers        map[string]string
}

// slackURLExample is the form of a Slack webhook URL, for the message of a wrong one.
const slackURLExample = "https://hooks.slack.com/services/..."

// renderWebhookURL renders the url property and registers it for masking at once, before
// anything could print it: a URL written in clear in the flow is as secret as one read from
// secret(). It must be an http or https URL with a host.
func renderWebhookURL(tc *Context, tmpl string) (string, error) {
	return renderServiceURL(tc, tmpl, slackURLExample)
}

// renderServiceURL is renderWebhookURL for any service; example is the form of its URLs,
// for the message of a URL that is not one.
func renderServiceURL(tc *Context, tmpl, example string) (string, error) {
	raw, err := tc.render("url", tmpl)
	if err != nil {
		return "", err
	}
	return checkServiceURL(tc, "url", raw, example)
}

// checkServiceURL masks a webhook URL, rendered or built, and checks it; prop is the
// property blamed when it is not a URL.
func checkServiceURL(tc *Context, prop, raw, example string) (string, error) {
	u := strings.TrimSpace(raw) // a secret made with `echo | base64` ends with a line break
	if tc.Mask != nil {
		tc.Mask(raw)
		tc.Mask(u)
		for _, v := range secretQueryValues(u) {
			tc.Mask(v)
		}
	}
	if u == "" {
		return "", &PropError{Prop: prop, Err: errors.New("is empty once rendered")}
	}
	parsed, err := url.Parse(u)
	if err != nil {
		// *url.Error quotes the whole URL: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", &PropError{Prop: prop, Err: fmt.Errorf("not a valid URL: %v", err)}
	}
	if (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return "", &PropError{Prop: prop, Err: errors.New("want an http or https URL with a host, such as " + example)}
	}
	return u, nil
}

// secretQueryKeys are the query parameters that carry a webhook's credential: Zulip's
// api_key, the sig of a Teams Workflows (Power Automate) URL, and the usual others.
var secretQueryKeys = []string{"api_key", "apikey", "key", "sig", "token", "access_token", "secret", "password"}

// secretQueryValues are the values of u's credential parameters, masked on their own too:
// a service or a proxy may quote one without the rest of the URL.
func secretQueryValues(u string) []string {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil
	}
	var out []string
	q := parsed.Query()
	for _, k := range secretQueryKeys {
		for _, v := range q[k] {
			if len(v) >= 6 {
				out = append(out, v)
			}
		}
	}
	return out
}

// renderChatOptions renders options (nil means the defaults) and checks the headers, so that
// a header the transport would refuse is reported as the flow's mistake, not sent again as
// if the network had failed.
func renderChatOptions(tc *Context, o *ChatOptions) (chatOpts, error) {
	opts := chatOpts{connectTimeout: defaultConnectTimeout, readTimeout: defaultReadTimeout}
	if o == nil {
		return opts, nil
	}
	var err error
	if opts.connectTimeout, err = renderTimeout(tc, "options.connectTimeout", o.ConnectTimeout, defaultConnectTimeout); err != nil {
		return opts, err
	}
	if opts.readTimeout, err = renderTimeout(tc, "options.readTimeout", o.ReadTimeout, defaultReadTimeout); err != nil {
		return opts, err
	}
	if opts.headers, err = tc.renderMap("options.headers", o.Headers); err != nil {
		return opts, err
	}
	for k, v := range opts.headers {
		if !validHeaderName(k) {
			return opts, &PropError{Prop: "options.headers." + k, Err: fmt.Errorf("%q is not a valid HTTP header name", k)}
		}
		if !validHeaderValue(v) {
			return opts, &PropError{Prop: "options.headers." + k, Err: errors.New("the value holds a line break or a control character")}
		}
	}
	return opts, nil
}

// renderTimeout renders one ISO-8601 timeout; "" means def.
func renderTimeout(tc *Context, prop, tmpl string, def time.Duration) (time.Duration, error) {
	if tmpl == "" {
		return def, nil
	}
	s, err := tc.render(prop, tmpl)
	if err != nil {
		return 0, err
	}
	d, err := duration.Parse(strings.TrimSpace(s))
	if err != nil {
		return 0, &PropError{Prop: prop, Err: err}
	}
	if d <= 0 {
		return 0, &PropError{Prop: prop, Err: fmt.Errorf("%s: want a positive duration", s)}
	}
	return d, nil
}

// validHeaderName reports whether k is an HTTP token (RFC 9110).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}\x7f", c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v can be sent as a header value: no control characters
// but the tab, so no line break that would start another header.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// redactURL is how a webhook URL is shown: scheme, host, and two characters of the first path
// segment after /services/ (Slack's) or of the path (other services), enough to tell two
// webhooks apart and nothing an attacker could use:
// https://hooks.slack.com/services/T0…/***. Whatever cannot be parsed is ***.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "***"
	}
	prefix, rest := "/", strings.TrimPrefix(u.Path, "/")
	if i := strings.Index(u.Path, "/services/"); i >= 0 {
		prefix, rest = u.Path[:i+len("/services/")], u.Path[i+len("/services/"):]
	}
	seg, _, _ := strings.Cut(rest, "/")
	keep := ""
	// A segment of two characters or fewer is shown not at all: its two would be all of it.
	if utf8.RuneCountInString(seg) > 2 {
		_, n1 := utf8.DecodeRuneInString(seg)
		_, n2 := utf8.DecodeRuneInString(seg[n1:])
		keep = seg[:n1+n2] + "…/"
	}
	return u.Scheme + "://" + u.Host + prefix + keep + "***"
}

// chatAttempt is what one attempt got: an answer (status > 0), or an error.
type chatAttempt struct {
	status int
	header http.Header
	answer []byte
	err    error
	// connected says a connection was made, so the request may have reached the service.
	connected bool
	// cause is why the attempt's context ended, when it did: errConnectTimeout,
	// errReadTimeout, or the task's own cause.
	cause error
}

// postChat posts p.body to p.url with the retry policy at the top of this file. The outputs,
// even on failure, are `status` (the last HTTP status, 0 without an answer) and `attempts`.
func postChat(ctx context.Context, tc *Context, p chatPost) (Result, error) {
	client := chatClient(tc)
	where := redactURL(p.url)
	ua := tc.UserAgent
	if ua == "" {
		ua = "flowctl"
	}
	status := 0
	after := "" // why the previous attempt failed, for the log line of a later success
	for attempt := 1; ; attempt++ {
		a := p.send(ctx, client, ua)
		if a.status > 0 {
			status = a.status
		}
		res := Result{Outputs: map[string]any{"status": status, "attempts": attempt}}
		if a.err == nil && a.status >= 200 && a.status < 300 && p.check != nil {
			if err := p.check(a.answer); err != nil {
				return res, fmt.Errorf("%s answered %d but did not take the message: %s", p.service, a.status, p.scrub(err.Error()))
			}
		}
		if a.err == nil && a.status >= 200 && a.status < 300 {
			if after == "" {
				tc.Log.Infof("posted to %s (attempt %d of %d)", where, attempt, chatMaxAttempts)
			} else {
				tc.Log.Infof("posted to %s (attempt %d of %d, after %s)", where, attempt, chatMaxAttempts, after)
			}
			return res, nil
		}
		if ctx.Err() != nil {
			// The task was stopped (its timeout, a SIGINT): say so rather than what it cut.
			return res, fmt.Errorf("posting to %s: stopped: %v", where, context.Cause(ctx))
		}
		wait, problem, retry := p.judge(a, attempt, where, chatNow(tc))
		if !retry {
			return res, errors.New(problem)
		}
		if attempt == chatMaxAttempts {
			return res, fmt.Errorf("%s (gave up after %d attempts)", problem, attempt)
		}
		tc.Log.Warnf("%s; sending again in %s (attempt %d of %d)", problem, wait, attempt+1, chatMaxAttempts)
		if err := tc.sleep(ctx, wait); err != nil {
			return res, fmt.Errorf("posting to %s: stopped while waiting to send again: %v", where, err)
		}
		after = failedShort(a)
	}
}

// chatNow is tc.Now, or the wall clock when the caller gave none.
func chatNow(tc *Context) time.Time {
	if tc.Now != nil {
		return tc.Now()
	}
	return time.Now()
}

// judge says what to make of a failed attempt: the problem, in words that never hold the
// whole URL, and whether to send again, after how long.
func (p *chatPost) judge(a chatAttempt, attempt int, where string, now time.Time) (wait time.Duration, problem string, retry bool) {
	backoff := chatBackoff[min(attempt, len(chatBackoff))-1]
	if a.err == nil {
		explain := p.explain
		if explain == nil {
			explain = answerWord
		}
		word, detail := explain(a.answer)
		problem = p.answerProblem(a.status, word, detail)
		switch a.status {
		case http.StatusTooManyRequests:
			return retryAfter(a.header, a.answer, now), problem, true
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return backoff, problem, true
		}
		return 0, problem, false
	}
	if !a.connected {
		switch {
		case errors.Is(a.cause, errConnectTimeout):
			return backoff, fmt.Sprintf("cannot connect to %s: no connection within %s (options.connectTimeout)", where, p.opts.connectTimeout), true
		case errors.Is(a.cause, errReadTimeout):
			return backoff, fmt.Sprintf("cannot connect to %s: no connection within %s (options.readTimeout)", where, p.opts.readTimeout), true
		}
		problem = fmt.Sprintf("cannot connect to %s: %s", where, p.hide(a.err))
		return backoff, problem, connectRetryable(a.err)
	}
	if errors.Is(a.cause, errReadTimeout) {
		return 0, fmt.Sprintf("posting to %s: no answer within %s (options.readTimeout); not sent again: the message may have been posted, and a second post would show twice",
			where, p.opts.readTimeout), false
	}
	return 0, fmt.Sprintf("posting to %s: %s; not sent again: the message may have been posted, and a second post would show twice", where, p.hide(a.err)), false
}

// connectRetryable reports whether a failure to connect may pass on its own (refused, reset,
// unreachable, a DNS server that did not answer), rather than being a mistake that another
// try would only repeat (an unknown host, a certificate that does not verify).
func connectRetryable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	var certErr *tls.CertificateVerificationError
	var authErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidErr x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &authErr) || errors.As(err, &hostErr) || errors.As(err, &invalidErr) {
		return false
	}
	return true
}

// failedShort names what made an attempt fail, for "after 503" in the next log line.
func failedShort(a chatAttempt) string {
	if a.err == nil {
		return strconv.Itoa(a.status)
	}
	if errors.Is(a.cause, errConnectTimeout) || errors.Is(a.cause, errReadTimeout) {
		return "a connect timeout"
	}
	return "a connection failure"
}

// hide returns err's message without the URL: *url.Error quotes it whole, so it is unwrapped,
// and the rest is scrubbed.
func (p *chatPost) hide(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return p.scrub(err.Error())
}

// scrub hides the URL in s, a message from the network or from the service (a proxy's error
// page may quote the path it refused): the whole URL and its path become the redacted form,
// and each secret-looking segment of the path (six characters or more, after /services/
// when there is one) becomes ***.
func (p *chatPost) scrub(s string) string {
	shown := redactURL(p.url)
	s = strings.ReplaceAll(s, p.url, shown)
	for _, v := range secretQueryValues(p.url) {
		s = strings.ReplaceAll(s, v, "***")
	}
	u, err := url.Parse(p.url)
	if err != nil || len(u.Path) <= 1 {
		return s
	}
	s = strings.ReplaceAll(s, u.Path, strings.TrimPrefix(shown, u.Scheme+"://"+u.Host))
	path := u.Path
	if i := strings.Index(path, "/services/"); i >= 0 {
		path = path[i+len("/services/"):]
	}
	for _, seg := range strings.Split(path, "/") {
		if utf8.RuneCountInString(seg) >= 6 {
			s = strings.ReplaceAll(s, seg, "***")
		}
	}
	return s
}

// answerProblem words a non-2xx answer: `slack answered 404 no_service: <hint>`, or, without a
// word, the status text and the start of the body (a proxy's error page, say).
func (p *chatPost) answerProblem(status int, word, detail string) string {
	msg := fmt.Sprintf("%s answered %d", p.service, status)
	switch {
	case word != "":
		msg += " " + word
		if h := p.hints[word]; h != "" {
			msg += ": " + h
		}
	default:
		if t := http.StatusText(status); t != "" {
			msg += " " + t
		}
		if detail != "" {
			msg += ": " + strconv.Quote(p.scrub(detail))
		}
	}
	return msg
}

// answerWord reads the error word of an answer: the plain-text word Slack sends, or the
// `error` of a JSON answer ({"ok":false,"error":"rate_limited"}). Anything else is returned
// as detail, its first line cut to 200 characters.
func answerWord(body []byte) (word, detail string) {
	s := strings.TrimSpace(string(body))
	if s == "" {
		return "", ""
	}
	if s[0] == '{' {
		var v struct {
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(s), &v) == nil && isWord(v.Error) {
			return v.Error, ""
		}
	}
	if isWord(s) {
		return s, ""
	}
	line, _, _ := strings.Cut(s, "\n")
	return "", CutRunes(strings.TrimSpace(line), 200)
}

// isWord reports whether s looks like one of Slack's error words: lower case, digits and
// underscores, short.
func isWord(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// retryAfter is the wait a 429 asks for: the Retry-After header (seconds, or an HTTP date),
// else the retry_after of a JSON answer, else one second; never more than a minute.
func retryAfter(h http.Header, answer []byte, now time.Time) time.Duration {
	secs := math.NaN()
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			secs = f
		} else if t, err := http.ParseTime(v); err == nil {
			secs = t.Sub(now).Seconds()
		}
	}
	if math.IsNaN(secs) && bytes.HasPrefix(bytes.TrimSpace(answer), []byte("{")) {
		var v struct {
			RetryAfter *float64 `json:"retry_after"`
		}
		if json.Unmarshal(answer, &v) == nil && v.RetryAfter != nil {
			secs = *v.RetryAfter
		}
	}
	switch {
	case math.IsNaN(secs):
		return defaultRetryAfter
	case secs <= 0:
		return 0
	case secs >= maxRetryAfter.Seconds():
		return maxRetryAfter
	}
	return time.Duration(secs * float64(time.Second))
}

// chatClient is the client posts go through: the runner's transport when it lends one (tests
// point it at an httptest server), else Go's default, shared so connections are reused. The
// timeouts are set on each request, not on the client, as they are options of each task.
// Redirects are not followed: a webhook does not redirect, and following one would send the
// message somewhere its author did not write.
func chatClient(tc *Context) *http.Client {
	var rt http.RoundTripper = http.DefaultTransport
	if tc.HTTP != nil && tc.HTTP.Transport != nil {
		rt = tc.HTTP.Transport
	}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// send makes one attempt. The whole attempt is bounded by readTimeout (a context deadline);
// getting a connection (DNS, TCP, TLS, or a wait for a free pooled one) by connectTimeout, a
// timer stopped by the trace's GotConn, so the limit holds whatever transport is used. Whether
// a connection was got is what tells a post that surely did not reach the service, which can
// be sent again, from one that may have.
func (p *chatPost) send(ctx context.Context, client *http.Client, ua string) chatAttempt {
	actx, cancel := context.WithTimeoutCause(ctx, p.opts.readTimeout, errReadTimeout)
	defer cancel()
	cctx, cancelConnect := context.WithCancelCause(actx)
	defer cancelConnect(nil)
	var connected atomic.Bool
	timer := time.AfterFunc(p.opts.connectTimeout, func() {
		if !connected.Load() {
			cancelConnect(errConnectTimeout)
		}
	})
	defer timer.Stop()
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) {
		connected.Store(true)
		timer.Stop()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(cctx, trace), http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return chatAttempt{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", ua)
	for _, k := range slices.Sorted(maps.Keys(p.opts.headers)) {
		req.Header.Set(k, p.opts.headers[k])
	}
	resp, err := client.Do(req)
	if err != nil {
		return chatAttempt{err: err, connected: connected.Load(), cause: context.Cause(cctx)}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	// Drained so the connection goes back to the pool; a longer answer is not worth reading.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
	return chatAttempt{status: resp.StatusCode, header: resp.Header, answer: answer, connected: true}
}

// CutRunes cuts s to at most n characters (runes, never inside one), the last being … when
// something was cut.
func CutRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i < len(s) && count < n-1 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s[:i] + "…"
}
