package tasks

// What Kestra's http.Request and http.Download share: the properties, the client built from
// `options` and `sslOptions`, the request body (`body`, `formData`), the codes that pass, and
// the secrecy of what authenticates a request.
//
// Timeouts, as Kestra's HTTP client has them: connectTimeout bounds getting a connection;
// readTimeout bounds each wait for the server, the answer's headers first, then every read of
// its body, so a large download that keeps coming is never cut while a server that stops
// sending is; readIdleTimeout is how long an unused connection is kept open.

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HTTPProperties are the properties both HTTP tasks take.
type HTTPProperties struct {
	HTTPCallProperties
	AllowFailed bool `flow:"allowFailed" doc:"an answer of 400 or more does not fail the task (default false)"`
}

// HTTPCallProperties are the properties of the request itself, which the HTTP tasks and
// Kestra's http.Trigger share.
type HTTPCallProperties struct {
	URI         string            `flow:"uri,required" doc:"the URL to call, rendered: http or https"`
	Method      string            `flow:"method" enum:"GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS,TRACE" doc:"the HTTP method (default GET)"`
	Body        string            `flow:"body" doc:"the request body, rendered (sent as application/json unless contentType says otherwise); formData wins when both are set"`
	FormData    map[string]any    `flow:"formData" doc:"a form, values rendered: URL-encoded, or multipart when contentType is multipart/form-data (then a kestra:// value, or {name, content: kestra://...}, is sent as a file)"`
	ContentType string            `flow:"contentType" doc:"the request's Content-Type, rendered"`
	Headers     map[string]string `flow:"headers" doc:"request headers, keys and values rendered; an Authorization, a Cookie, or a header whose name says token, key, secret or password is masked in logs"`
	Options     *HTTPOptions      `flow:"options" doc:"timeouts, redirects, authentication, the codes that pass, the size limit"`
	SSLOptions  *HTTPSSLOptions   `flow:"sslOptions" doc:"TLS options"`
}

// HTTPOptions are Kestra's `options` of the HTTP tasks.
type HTTPOptions struct {
	ConnectTimeout            string          `flow:"connectTimeout" doc:"the longest wait for a connection, ISO-8601 (default PT10S)"`
	ReadTimeout               string          `flow:"readTimeout" doc:"the longest wait for the server: for the answer, then for each part of its body, ISO-8601 (default PT10S)"`
	ReadIdleTimeout           string          `flow:"readIdleTimeout" doc:"how long an unused connection is kept open, ISO-8601 (default PT5M)"`
	ConnectionPoolIdleTimeout string          `flow:"connectionPoolIdleTimeout,ignored" doc:"accepted; connections live as long as the task run"`
	MaxContentLength          *int64          `flow:"maxContentLength" doc:"the largest body Request reads, in bytes (default 10485760, 10 MiB); Download streams to storage and has no limit"`
	FollowRedirects           *bool           `flow:"followRedirects" doc:"follow 3xx redirects, at most 10 (default true)"`
	BasicAuthUser             string          `flow:"basicAuthUser" doc:"HTTP basic authentication user, rendered (Kestra's older spelling of auth)"`
	BasicAuthPassword         string          `flow:"basicAuthPassword" doc:"HTTP basic authentication password, rendered; masked in logs"`
	Auth                      *HTTPAuth       `flow:"auth" doc:"authentication: {type: BASIC, username, password} or {type: BEARER, token}"`
	AllowFailed               *bool           `flow:"allowFailed" doc:"an answer of 400 or more does not fail the task"`
	AllowedResponseCodes      []int           `flow:"allowedResponseCodes" doc:"when set, only these codes pass, whatever allowFailed says"`
	DefaultCharset            string          `flow:"defaultCharset,ignored" doc:"accepted; a body's charset comes from its Content-Type, UTF-8 by default"`
	DefaultCharSet            string          `flow:"defaultCharSet,ignored" doc:"accepted; a body's charset comes from its Content-Type, UTF-8 by default"`
	ProxyType                 string          `flow:"proxyType" enum:"DIRECT,HTTP,SOCKS" doc:"DIRECT (Kestra's default: no proxy, HTTP_PROXY and HTTPS_PROXY ignored too when written), HTTP or SOCKS (SOCKS5), through proxyAddress:proxyPort"`
	ProxyAddress              string          `flow:"proxyAddress" doc:"the proxy's host name or address, rendered; used with proxyPort and a proxyType other than DIRECT"`
	ProxyPort                 *int64          `flow:"proxyPort" doc:"the proxy's port"`
	ProxyUsername             string          `flow:"proxyUsername" doc:"the user of the proxy's authentication, rendered"`
	ProxyPassword             string          `flow:"proxyPassword" doc:"the password of the proxy's authentication, rendered; masked in logs"`
	Timeout                   *HTTPTimeout    `flow:"timeout" doc:"Kestra 0.21's spelling of the timeouts: connectTimeout, and readIdleTimeout, the longest wait for the server (as readTimeout)"`
	SSL                       *HTTPSSLOptions `flow:"ssl" doc:"Kestra 0.21's spelling of sslOptions"`
}

// HTTPTimeout is `options.timeout`, Kestra 0.21's spelling of the timeouts.
type HTTPTimeout struct {
	ConnectTimeout  string `flow:"connectTimeout" doc:"the longest wait for a connection, ISO-8601"`
	ReadIdleTimeout string `flow:"readIdleTimeout" doc:"the longest wait for the server, for the answer and each part of its body, ISO-8601"`
}

// HTTPAuth is `options.auth`.
type HTTPAuth struct {
	Type     string `flow:"type,required" enum:"BASIC,BEARER" doc:"BASIC or BEARER"`
	Username string `flow:"username" doc:"BASIC: the user, rendered"`
	Password string `flow:"password" doc:"BASIC: the password, rendered; masked in logs"`
	Token    string `flow:"token" doc:"BEARER: the token, rendered; masked in logs"`
}

// HTTPSSLOptions is `sslOptions`.
type HTTPSSLOptions struct {
	InsecureTrustAllCertificates bool `flow:"insecureTrustAllCertificates" doc:"accept any server certificate (default false): for a test server only"`
}

// Defaults of the HTTP tasks, Kestra's.
const (
	httpDefaultTimeout     = 10 * time.Second
	httpDefaultIdleTimeout = 5 * time.Minute
	// HTTPMaxContentLength is the default limit of a body Request reads.
	HTTPMaxContentLength = 10 << 20
	// httpErrorBody bounds how much of a refused answer's body its error quotes.
	httpErrorBody = 4 << 10
)

// httpCall is one request, rendered and checked, with its options.
type httpCall struct {
	method    string
	url       *url.URL
	shown     string // the URL without its password, for messages
	header    http.Header
	body      func() (io.Reader, func() error, error) // a fresh body and what ends it; nil: none
	connect   time.Duration
	read      time.Duration
	idle      time.Duration
	maxLength int64
	redirects bool
	insecure  bool
	// proxy is the proxy options name (nil: the transport's own, HTTP_PROXY and HTTPS_PROXY
	// from the environment); direct says none, whatever the environment says.
	proxy       *url.URL
	direct      bool
	allowFailed bool
	allowed     []int
}

// prepare renders every property and checks it, before anything is sent. Values that
// authenticate the request are registered for masking as soon as they are rendered.
func (p *HTTPProperties) prepare(tc *Context) (*httpCall, error) {
	c := &httpCall{
		method: http.MethodGet, header: http.Header{}, connect: httpDefaultTimeout, read: httpDefaultTimeout,
		idle: httpDefaultIdleTimeout, maxLength: HTTPMaxContentLength, redirects: true, allowFailed: p.AllowFailed,
	}
	raw, err := tc.render("uri", p.URI)
	if err != nil {
		return nil, err
	}
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &PropError{Prop: "uri", Err: fmt.Errorf("not a valid URL: %v", err)}
	}
	maskURL(tc, u)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &PropError{Prop: "uri", Err: fmt.Errorf("%s: want an http or https URL with a host, such as https://example.com/data.csv", u.Redacted())}
	}
	c.url, c.shown = u, u.Redacted()
	if p.Method != "" {
		m, err := tc.render("method", p.Method)
		if err != nil {
			return nil, err
		}
		c.method = strings.ToUpper(strings.TrimSpace(m))
		if !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}, c.method) {
			return nil, &PropError{Prop: "method", Err: fmt.Errorf("%q is not an HTTP method: use GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or TRACE", m)}
		}
	}
	if err := c.options(tc, p.Options); err != nil {
		return nil, err
	}
	if p.SSLOptions != nil && p.SSLOptions.InsecureTrustAllCertificates {
		c.insecure = true
	}
	if c.insecure {
		tc.Log.Warnf("sslOptions.insecureTrustAllCertificates: the server's certificate is not checked")
	}
	if err := c.renderBody(tc, p); err != nil {
		return nil, err
	}
	headers, err := tc.renderMap("headers", p.Headers)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		v := headers[k]
		if !validHeaderName(k) {
			return nil, &PropError{Prop: "headers." + k, Err: fmt.Errorf("%q is not a valid HTTP header name", k)}
		}
		if !validHeaderValue(v) {
			return nil, &PropError{Prop: "headers." + k, Err: errors.New("the value holds a line break or a control character")}
		}
		if secretHeader(k) {
			maskCredential(tc, v)
		}
		c.header.Set(k, v)
	}
	if c.header.Get("User-Agent") == "" {
		ua := tc.UserAgent
		if ua == "" {
			ua = "flowctl"
		}
		c.header.Set("User-Agent", ua)
	}
	return c, nil
}

// options renders `options`.
func (c *httpCall) options(tc *Context, o *HTTPOptions) error {
	if o == nil {
		return nil
	}
	var err error
	if c.connect, err = renderTimeout(tc, "options.connectTimeout", o.ConnectTimeout, httpDefaultTimeout); err != nil {
		return err
	}
	if c.read, err = renderTimeout(tc, "options.readTimeout", o.ReadTimeout, httpDefaultTimeout); err != nil {
		return err
	}
	if c.idle, err = renderTimeout(tc, "options.readIdleTimeout", o.ReadIdleTimeout, httpDefaultIdleTimeout); err != nil {
		return err
	}
	if t := o.Timeout; t != nil {
		if c.connect, err = renderTimeout(tc, "options.timeout.connectTimeout", t.ConnectTimeout, c.connect); err != nil {
			return err
		}
		if c.read, err = renderTimeout(tc, "options.timeout.readIdleTimeout", t.ReadIdleTimeout, c.read); err != nil {
			return err
		}
	}
	if o.SSL != nil && o.SSL.InsecureTrustAllCertificates {
		c.insecure = true
	}
	if err := c.proxyOptions(tc, o); err != nil {
		return err
	}
	if o.MaxContentLength != nil {
		if *o.MaxContentLength <= 0 {
			return &PropError{Prop: "options.maxContentLength", Err: fmt.Errorf("%d: want a positive number of bytes", *o.MaxContentLength)}
		}
		c.maxLength = *o.MaxContentLength
	}
	if o.FollowRedirects != nil {
		c.redirects = *o.FollowRedirects
	}
	if o.AllowFailed != nil {
		c.allowFailed = c.allowFailed || *o.AllowFailed
	}
	for _, code := range o.AllowedResponseCodes {
		if code < 100 || code > 999 {
			return &PropError{Prop: "options.allowedResponseCodes", Err: fmt.Errorf("%d is not an HTTP status code", code)}
		}
	}
	c.allowed = o.AllowedResponseCodes
	if o.BasicAuthUser != "" || o.BasicAuthPassword != "" {
		if err := c.basicAuth(tc, "options.basicAuthUser", o.BasicAuthUser, "options.basicAuthPassword", o.BasicAuthPassword); err != nil {
			return err
		}
	}
	if a := o.Auth; a != nil {
		switch strings.ToUpper(a.Type) {
		case "BASIC":
			return c.basicAuth(tc, "options.auth.username", a.Username, "options.auth.password", a.Password)
		case "BEARER":
			if a.Token == "" {
				return &PropError{Prop: "options.auth.token", Err: errors.New("a BEARER auth needs a token")}
			}
			tok, err := tc.render("options.auth.token", a.Token)
			if err != nil {
				return err
			}
			tok = strings.TrimSpace(tok)
			tc.mask(tok)
			c.header.Set("Authorization", "Bearer "+tok)
		default:
			return &PropError{Prop: "options.auth.type", Err: fmt.Errorf("%q is not supported by flowctl: use BASIC or BEARER", a.Type)}
		}
	}
	return nil
}

// proxyOptions reads the proxy options as Kestra's HTTP client takes them: a proxy is used
// when proxyType is not DIRECT (its default) and both proxyAddress and proxyPort are given.
func (c *httpCall) proxyOptions(tc *Context, o *HTTPOptions) error {
	typ := strings.ToUpper(o.ProxyType)
	given := o.ProxyAddress != "" || o.ProxyPort != nil
	switch {
	case typ == "DIRECT":
		c.direct = true
		if given {
			tc.Log.Warnf("options.proxyAddress and proxyPort are not used: proxyType is DIRECT")
		}
		return nil
	case typ == "" && given:
		// Kestra's client keeps its default type, DIRECT, and sends the request straight.
		tc.Log.Warnf("options.proxyAddress and proxyPort are not used: proxyType is DIRECT unless set (HTTP or SOCKS), as in Kestra")
		c.direct = true
		return nil
	case typ == "":
		return nil
	}
	if o.ProxyAddress == "" || o.ProxyPort == nil {
		return &PropError{Prop: "options.proxyType", Err: fmt.Errorf("%s needs proxyAddress and proxyPort", typ)}
	}
	host, err := tc.render("options.proxyAddress", o.ProxyAddress)
	if err != nil {
		return err
	}
	if port := *o.ProxyPort; port < 1 || port > 65535 {
		return &PropError{Prop: "options.proxyPort", Err: fmt.Errorf("%d is not a TCP port", port)}
	}
	scheme := "http"
	if typ == "SOCKS" {
		scheme = "socks5"
	}
	c.proxy = &url.URL{Scheme: scheme, Host: net.JoinHostPort(strings.TrimSpace(host), strconv.FormatInt(*o.ProxyPort, 10))}
	if o.ProxyUsername != "" || o.ProxyPassword != "" {
		user, err := tc.render("options.proxyUsername", o.ProxyUsername)
		if err != nil {
			return err
		}
		pass, err := tc.render("options.proxyPassword", o.ProxyPassword)
		if err != nil {
			return err
		}
		tc.mask(pass)
		tc.mask(url.QueryEscape(pass))
		c.proxy.User = url.UserPassword(user, pass)
	}
	return nil
}

// basicAuth renders a user and a password and sets the Authorization header they make.
func (c *httpCall) basicAuth(tc *Context, userProp, user, passProp, pass string) error {
	u, err := tc.render(userProp, user)
	if err != nil {
		return err
	}
	pw, err := tc.render(passProp, pass)
	if err != nil {
		return err
	}
	tc.mask(pw)
	cred := base64.StdEncoding.EncodeToString([]byte(u + ":" + pw))
	tc.mask(cred)
	c.header.Set("Authorization", "Basic "+cred)
	return nil
}

// renderBody renders `formData` or `body` into a body maker: a form is sent again as it was
// rendered when a redirect asks for it.
func (c *httpCall) renderBody(tc *Context, p *HTTPProperties) error {
	ct := ""
	if p.ContentType != "" {
		var err error
		if ct, err = tc.render("contentType", p.ContentType); err != nil {
			return err
		}
		ct = strings.TrimSpace(ct)
	}
	switch {
	case p.FormData != nil && strings.EqualFold(strings.TrimSpace(strings.Split(ct, ";")[0]), "multipart/form-data"):
		parts, err := renderParts(tc, p.FormData)
		if err != nil {
			return err
		}
		boundary := randomHex(16)
		c.header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		c.body = func() (io.Reader, func() error, error) { return multipartBody(tc, parts, boundary) }
	case p.FormData != nil:
		form := url.Values{}
		for _, k := range slices.Sorted(maps.Keys(p.FormData)) {
			key, err := tc.render("formData."+k, k)
			if err != nil {
				return err
			}
			v, err := renderFormValue(tc, "formData."+k, p.FormData[k])
			if err != nil {
				return err
			}
			form.Set(key, v)
		}
		encoded := form.Encode()
		c.header.Set("Content-Type", "application/x-www-form-urlencoded")
		c.body = func() (io.Reader, func() error, error) { return strings.NewReader(encoded), nil, nil }
	case p.Body != "":
		b, err := tc.render("body", p.Body)
		if err != nil {
			return err
		}
		c.header.Set("Content-Type", "application/json")
		if ct != "" {
			c.header.Set("Content-Type", ct)
		}
		c.body = func() (io.Reader, func() error, error) { return strings.NewReader(b), nil, nil }
	default:
		if ct != "" {
			c.header.Set("Content-Type", ct)
		}
	}
	if ct != "" && p.FormData != nil && !strings.HasPrefix(c.header.Get("Content-Type"), "multipart/") {
		c.header.Set("Content-Type", ct)
	}
	return nil
}

// renderFormValue renders a string of a form; other values are sent as their JSON.
func renderFormValue(tc *Context, prop string, v any) (string, error) {
	if s, ok := v.(string); ok {
		return tc.render(prop, s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", &PropError{Prop: prop, Err: err}
	}
	return string(b), nil
}

// formPart is one part of a multipart form: a field, or a file from the storage.
type formPart struct {
	key, value string
	file       string // the kestra:// URI of a file part
	filename   string
}

// renderParts renders a multipart form, as Kestra does: a string starting with kestra://
// is a file of the storage, a {name, content} mapping a file sent under another name, any
// other value its JSON.
func renderParts(tc *Context, form map[string]any) ([]formPart, error) {
	var parts []formPart
	for _, k := range slices.Sorted(maps.Keys(form)) {
		prop := "formData." + k
		key, err := tc.render(prop, k)
		if err != nil {
			return nil, err
		}
		switch v := form[k].(type) {
		case string:
			s, err := tc.render(prop, v)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(s, "kestra://") {
				parts = append(parts, formPart{key: key, file: s, filename: lastSegment(s)})
				continue
			}
			parts = append(parts, formPart{key: key, value: s})
			continue
		case map[string]any:
			name, nok := v["name"].(string)
			content, cok := v["content"].(string)
			if nok && cok {
				if name, err = tc.render(prop+".name", name); err != nil {
					return nil, err
				}
				if content, err = tc.render(prop+".content", content); err != nil {
					return nil, err
				}
				if !strings.HasPrefix(content, "kestra://") {
					return nil, &PropError{Prop: prop + ".content", Err: fmt.Errorf("want a kestra:// URI of a file, got %q", CutRunes(content, 80))}
				}
				parts = append(parts, formPart{key: key, file: content, filename: name})
				continue
			}
		}
		s, err := renderFormValue(tc, prop, form[k])
		if err != nil {
			return nil, err
		}
		parts = append(parts, formPart{key: key, value: s})
	}
	if slices.ContainsFunc(parts, func(p formPart) bool { return p.file != "" }) && tc.Storage == nil {
		return nil, &PropError{Prop: "formData", Err: errors.New("a kestra:// file needs the execution's internal storage, and this run has none")}
	}
	return parts, nil
}

// multipartBody streams a multipart form through a pipe: a file part is copied from the
// storage as it is sent, never held in memory.
func multipartBody(tc *Context, parts []formPart, boundary string) (io.Reader, func() error, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, nil, err
	}
	go func() {
		pw.CloseWithError(writeParts(tc, mw, parts))
	}()
	return pr, pr.Close, nil
}

// writeParts writes the parts and the closing boundary.
func writeParts(tc *Context, mw *multipart.Writer, parts []formPart) error {
	for _, p := range parts {
		if p.file == "" {
			if err := mw.WriteField(p.key, p.value); err != nil {
				return err
			}
			continue
		}
		w, err := mw.CreateFormFile(p.key, p.filename)
		if err != nil {
			return err
		}
		f, err := tc.Storage.Open(p.file)
		if err != nil {
			return fmt.Errorf("formData.%s: %w", p.key, err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return mw.Close()
}

// lastSegment is what follows the last / of a path.
func lastSegment(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// randomHex is n random bytes in hexadecimal.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand's documented contract)
	return hex.EncodeToString(b)
}

// mask registers a value to mask, when the caller masks.
func (tc *Context) mask(v string) {
	if tc.Mask != nil && v != "" {
		tc.Mask(v)
	}
}

// secretWords mark a header or query parameter whose value authenticates.
var secretWords = []string{"auth", "token", "secret", "password", "passwd", "key", "cookie", "signature", "session", "credential"}

// secretHeader reports whether a header's value authenticates the request.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	return slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(n, w) })
}

// maskCredential masks a header value and, for "Scheme credentials", the credentials alone.
func maskCredential(tc *Context, v string) {
	tc.mask(v)
	if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		tc.mask(strings.TrimSpace(cred))
	}
}

// maskURL masks what authenticates in a URL: the password of its user information, and the
// values of query parameters named like a token, a key or a signature.
func maskURL(tc *Context, u *url.URL) {
	for _, v := range urlCredentials(u) {
		tc.mask(v)
	}
}

// urlCredentials returns what authenticates in u: the password of its user information and
// the values of its query parameters that authenticate, each as written and escaped.
func urlCredentials(u *url.URL) []string {
	var out []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		out = append(out, pw, url.QueryEscape(pw))
	}
	for k, vs := range u.Query() {
		if secretHeader(k) {
			for _, v := range vs {
				if v != "" {
					out = append(out, v, url.QueryEscape(v))
				}
			}
		}
	}
	return out
}

// httpClient is the client of one task run: the runner's transport (tests point it at an
// httptest server) with this call's timeouts and TLS options.
func (c *httpCall) client(tc *Context) *http.Client {
	var rt http.RoundTripper = http.DefaultTransport
	if tc.HTTP != nil && tc.HTTP.Transport != nil {
		rt = tc.HTTP.Transport
	}
	if t, ok := rt.(*http.Transport); ok {
		t = t.Clone()
		t.DialContext = (&net.Dialer{Timeout: c.connect, KeepAlive: 30 * time.Second}).DialContext
		t.TLSHandshakeTimeout = c.connect
		t.ResponseHeaderTimeout = c.read
		t.IdleConnTimeout = c.idle
		switch {
		case c.proxy != nil:
			t.Proxy = http.ProxyURL(c.proxy)
		case c.direct:
			t.Proxy = nil
		}
		if c.insecure {
			cfg := &tls.Config{}
			if t.TLSClientConfig != nil {
				cfg = t.TLSClientConfig.Clone()
			}
			cfg.InsecureSkipVerify = true
			t.TLSClientConfig = cfg
		}
		rt = t
	}
	client := &http.Client{Transport: rt}
	if !c.redirects {
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return client
}

// httpResponse is an answer whose body is being read under the read timeout.
type httpResponse struct {
	*http.Response
	body *idleReader
	// timedOut reports whether the read timeout ended the request.
	timedOut func() bool
	stop     func() // releases the request
}

// readFailure words a body that stopped coming.
func (c *httpCall) readFailure(ctx context.Context, resp *httpResponse, err error) error {
	return c.failure(ctx, err, resp.body.n, resp.timedOut())
}

// do sends the request and returns the answer once its headers are in. The caller reads
// resp.body and calls resp.stop.
func (c *httpCall) do(ctx context.Context, tc *Context) (*httpResponse, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	var body io.Reader
	var endBody func() error
	if c.body != nil {
		var err error
		if body, endBody, err = c.body(); err != nil {
			cancel(nil)
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(rctx, c.method, c.url.String(), body)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	if c.body != nil {
		// Sent again as rendered when a 307 or 308 redirect asks for it.
		req.GetBody = func() (io.ReadCloser, error) {
			b, end, err := c.body()
			if err != nil {
				return nil, err
			}
			if end == nil {
				return io.NopCloser(b), nil
			}
			return readCloser{b, end}, nil
		}
	}
	req.Header = c.header.Clone()
	client := c.client(tc)
	// The transport bounds the connection and the wait for the headers; this timer does too,
	// for a transport that is not Go's own (a test's, say), and then bounds each read.
	timer := time.AfterFunc(c.connect+c.read, func() { cancel(errReadTimeout) })
	resp, err := client.Do(req)
	if endBody != nil && err != nil {
		_ = endBody()
	}
	if err != nil {
		timer.Stop()
		timedOut := errors.Is(context.Cause(rctx), errReadTimeout)
		cancel(nil)
		client.CloseIdleConnections()
		if timedOut && ctx.Err() == nil {
			return nil, fmt.Errorf("%s %s: no answer within %s (options.readTimeout)", c.method, c.shown, formatDuration(c.read))
		}
		return nil, c.failure(ctx, err, 0, false)
	}
	timer.Reset(c.read)
	idle := &idleReader{r: resp.Body, d: c.read, timer: timer}
	return &httpResponse{Response: resp, body: idle, timedOut: func() bool { return errors.Is(context.Cause(rctx), errReadTimeout) }, stop: func() {
		idle.timer.Stop()
		resp.Body.Close()
		cancel(nil)
		client.CloseIdleConnections()
	}}, nil
}

// readCloser is a reader with its own Close.
type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// idleReader counts what it reads and restarts the read timeout each time bytes come. It
// keeps the error that ended the reading, to tell the network's failures from the storage's.
type idleReader struct {
	r     io.Reader
	d     time.Duration
	timer *time.Timer
	n     int64
	err   error
}

func (i *idleReader) Read(p []byte) (int, error) {
	n, err := i.r.Read(p)
	if n > 0 {
		i.n += int64(n)
		i.timer.Reset(i.d)
	}
	if err != nil && err != io.EOF {
		i.err = err
	}
	return n, err
}

// failure words a request that got no answer, or whose body stopped: the task's own end
// (its timeout, a signal), the connect or read timeout, or the network's error.
func (c *httpCall) failure(ctx context.Context, err error, read int64, timedOut bool) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: stopped: %v", c.method, c.shown, context.Cause(ctx))
	}
	if timedOut {
		return fmt.Errorf("%s %s: the answer stopped coming: nothing for %s after %d bytes (options.readTimeout)", c.method, c.shown, formatDuration(c.read), read)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		if op.Timeout() {
			return fmt.Errorf("%s %s: cannot connect: no connection within %s (options.connectTimeout)", c.method, c.shown, formatDuration(c.connect))
		}
		return fmt.Errorf("%s %s: cannot connect: %v", c.method, c.shown, op.Err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if strings.Contains(err.Error(), "TLS handshake") {
			return fmt.Errorf("%s %s: cannot connect: no TLS handshake within %s (options.connectTimeout)", c.method, c.shown, formatDuration(c.connect))
		}
		return fmt.Errorf("%s %s: no answer within %s (options.readTimeout)", c.method, c.shown, formatDuration(c.read))
	}
	return fmt.Errorf("%s %s: %v", c.method, c.shown, err)
}

// formatDuration writes a duration as ISO-8601, as options are written: PT10S, PT1M30S.
func formatDuration(d time.Duration) string {
	if d <= 0 {
		return "PT0S"
	}
	out := "PT"
	if h := d / time.Hour; h > 0 {
		out += strconv.Itoa(int(h)) + "H"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		out += strconv.Itoa(int(m)) + "M"
		d -= m * time.Minute
	}
	if d > 0 {
		out += strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S"
	}
	return out
}

// passes says whether an answer's code lets the task succeed: only the allowed codes when
// they are listed, any code with allowFailed, else a code below 400 (Kestra's rule).
func (c *httpCall) passes(code int) bool {
	switch {
	case len(c.allowed) > 0:
		return slices.Contains(c.allowed, code)
	case c.allowFailed:
		return true
	}
	return code < 400
}

// refused is Kestra's error for an answer whose code does not pass, with the start of its
// body, which says why more often than the code does.
func refused(code int, body []byte, more bool) error {
	msg := fmt.Sprintf("Failed http request with response code '%d'", code)
	if len(body) > 0 {
		msg += " and body:\n" + strings.ToValidUTF8(string(body), "�")
		if more {
			msg += "…"
		}
	}
	return errors.New(msg)
}

// readRefused reads the start of a refused answer's body, for its error.
func readRefused(r io.Reader) ([]byte, bool) {
	b, _ := io.ReadAll(io.LimitReader(r, httpErrorBody+1))
	if len(b) > httpErrorBody {
		return b[:httpErrorBody], true
	}
	return b, false
}

// httpHeaders are an answer's headers as outputs: each name to the list of its values.
func httpHeaders(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, vs := range h {
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		out[k] = l
	}
	return out
}

// lengthMetric is Kestra's response.length counter.
func lengthMetric(method string, code int, n int64) Metric {
	return Metric{Name: "response.length", Type: "counter", Value: float64(n),
		Tags: map[string]string{"request.method": method, "response.code": strconv.Itoa(code)}}
}
