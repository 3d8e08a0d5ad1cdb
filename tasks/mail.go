package tasks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flowctl/flowctl/templating"
)

// mailSendDef is Kestra's MailSend.
var mailSendDef = &Def{
	Type:    "io.kestra.plugin.email.MailSend",
	Aliases: []string{"io.kestra.plugin.notifications.mail.MailSend"},
	Doc:     "Send an email through an SMTP server: an HTML and a plain-text body, attachments and embedded images from the internal storage.",
	New:     func() Task { return &MailSend{} },
}

// MailServer is the SMTP server of Kestra's mail tasks and how to reach it.
type MailServer struct {
	Host                 string   `flow:"host" doc:"the SMTP server's host name, rendered; required"`
	Port                 string   `flow:"port" doc:"the SMTP server's port, rendered (default 465 for SMTPS, 587 for SMTP_TLS, 25 for SMTP)"`
	Username             string   `flow:"username" doc:"the user name to authenticate as (AUTH PLAIN, else LOGIN), rendered; no authentication when unset"`
	Password             string   `flow:"password" doc:"the password of username, rendered (usually {{ secret('SMTP_PASSWORD') }}); a secret, never printed"`
	AccessToken          string   `flow:"accessToken" doc:"the OAuth2 access token of SMTP_OAUTH2 (password is used when unset), rendered; a secret, never printed"`
	TransportStrategy    string   `flow:"transportStrategy" enum:"SMTP,SMTPS,SMTP_TLS,SMTP_OAUTH2" doc:"SMTPS (default): TLS from the first byte; SMTP_TLS: plain then STARTTLS, required; SMTP: plain, upgraded with STARTTLS when the server offers it; SMTP_OAUTH2: as SMTP_TLS, authenticating with XOAUTH2"`
	SessionTimeout       string   `flow:"sessionTimeout" doc:"the longest wait, in milliseconds, for the connection and for each exchange with the server, rendered (default 10000)"`
	VerifyServerIdentity string   `flow:"verifyServerIdentity" doc:"check that the server's certificate names host (default true); false still checks who signed it"`
	TrustedHosts         []string `flow:"trustedHosts" doc:"hosts whose certificate is accepted whoever signed it (an internal server's self-signed one), rendered"`
}

// mailRoots, when set, replaces the system's certificate authorities: tests trust their
// server's certificate with it.
var mailRoots *x509.CertPool

// MailMessage is who a mail of Kestra's mail tasks goes to and what it carries, the bodies
// apart.
type MailMessage struct {
	From           string `flow:"from" doc:"the sender's address (Name <a@b.c> or a@b.c), rendered; required"`
	To             string `flow:"to" doc:"the recipients' addresses, separated by ; (or ,), rendered; required"`
	Cc             string `flow:"cc" doc:"the carbon-copy recipients' addresses, separated by ; (or ,), rendered"`
	Subject        string `flow:"subject" doc:"the subject, rendered; any characters (encoded as RFC 2047 asks)"`
	Attachments    any    `flow:"attachments" doc:"files of the internal storage to attach: a list of {name, uri, contentType (default application/octet-stream)}, or a string rendering to its JSON"`
	EmbeddedImages any    `flow:"embeddedImages" doc:"images of the internal storage the HTML body shows as <img src=\"cid:NAME\">: a list of {name, uri, contentType}, or a string rendering to its JSON"`
}

// MailSend sends one mail, as Kestra's MailSend.
type MailSend struct {
	MailServer
	MailMessage
	HTMLTextContent  string `flow:"htmlTextContent" doc:"the HTML body, rendered; mail readers show it rather than the plain text"`
	PlainTextContent string `flow:"plainTextContent" doc:"the plain-text body, rendered (default \"Please view this email in a modern email client\", as Kestra sends)"`
}

// defaultPlainText is Kestra's plain-text body when none is given.
const defaultPlainText = "Please view this email in a modern email client"

// Run renders the password first, so it is masked before anything else could print it.
func (t *MailSend) Run(ctx context.Context, tc *Context) (Result, error) {
	srv, err := t.MailServer.render(tc)
	if err != nil {
		return Result{}, err
	}
	m, err := t.MailMessage.render(tc)
	if err != nil {
		return Result{}, err
	}
	defer m.close()
	if m.html, err = tc.render("htmlTextContent", t.HTMLTextContent); err != nil {
		return Result{}, err
	}
	m.text = defaultPlainText
	if t.PlainTextContent != "" {
		if m.text, err = tc.render("plainTextContent", t.PlainTextContent); err != nil {
			return Result{}, err
		}
	}
	return Result{}, sendMail(ctx, tc, srv, m)
}

// The transport strategies.
const (
	strategySMTP    = "SMTP"
	strategySMTPS   = "SMTPS"
	strategySMTPTLS = "SMTP_TLS"
	strategyOAuth2  = "SMTP_OAUTH2"
)

// defaultSessionTimeout is Kestra's sessionTimeout.
const defaultSessionTimeout = 10 * time.Second

// mailServer is a rendered MailServer.
type mailServer struct {
	host, addr         string
	username, password string
	oauth2             bool // password is an OAuth2 access token (XOAUTH2)
	strategy           string
	timeout            time.Duration
	verifyName         bool
	trusted            bool // host is one of trustedHosts
	roots              *x509.CertPool
}

func (s *MailServer) render(tc *Context) (mailServer, error) {
	var out mailServer
	var err error
	if out.password, err = tc.render("password", s.Password); err != nil {
		return out, err
	}
	tc.mask(out.password)
	token, err := tc.render("accessToken", s.AccessToken)
	if err != nil {
		return out, err
	}
	tc.mask(token)
	if out.username, err = tc.render("username", s.Username); err != nil {
		return out, err
	}
	out.username = strings.TrimSpace(out.username)
	if out.password != "" && out.username == "" {
		tc.warn("password is not used: username is not set, so flowctl does not authenticate")
	}
	if out.host, err = tc.render("host", s.Host); err != nil {
		return out, err
	}
	if out.host = strings.TrimSpace(out.host); out.host == "" {
		return out, &PropError{Prop: "host", Err: errors.New("is required: the SMTP server to send through (smtp.example.com)")}
	}
	strategy, err := tc.render("transportStrategy", s.TransportStrategy)
	if err != nil {
		return out, err
	}
	switch out.strategy = strings.ToUpper(strings.TrimSpace(strategy)); out.strategy {
	case "":
		out.strategy = strategySMTPS
	case strategySMTP, strategySMTPS, strategySMTPTLS:
	case strategyOAuth2:
		// Kestra's: the token, else the password, is the credential; STARTTLS as SMTP_TLS.
		out.strategy, out.oauth2 = strategySMTPTLS, true
		if token != "" {
			out.password = token
		}
		if out.password == "" || out.username == "" {
			return out, &PropError{Prop: "transportStrategy", Err: errors.New("SMTP_OAUTH2 needs username and accessToken (or password, holding the token)")}
		}
	default:
		return out, &PropError{Prop: "transportStrategy", Err: fmt.Errorf("%q: want SMTPS (TLS from the start, port 465), SMTP_TLS (STARTTLS, port 587), SMTP or SMTP_OAUTH2", strategy)}
	}
	if token != "" && !out.oauth2 {
		tc.warn("accessToken is not used: transportStrategy is not SMTP_OAUTH2")
	}
	port := map[string]int{strategySMTPS: 465, strategySMTPTLS: 587, strategySMTP: 25}[out.strategy]
	if s.Port != "" {
		if port, err = renderInt(tc, "port", s.Port); err != nil {
			return out, err
		}
		if port < 1 || port > 65535 {
			return out, &PropError{Prop: "port", Err: fmt.Errorf("%d: want a port from 1 to 65535", port)}
		}
	}
	out.addr = net.JoinHostPort(out.host, strconv.Itoa(port))
	out.timeout = defaultSessionTimeout
	if s.SessionTimeout != "" {
		ms, err := renderInt(tc, "sessionTimeout", s.SessionTimeout)
		if err != nil {
			return out, err
		}
		if ms <= 0 {
			return out, &PropError{Prop: "sessionTimeout", Err: fmt.Errorf("%d: want a positive number of milliseconds", ms)}
		}
		out.timeout = time.Duration(ms) * time.Millisecond
	}
	out.verifyName = true
	if s.VerifyServerIdentity != "" {
		v, err := tc.render("verifyServerIdentity", s.VerifyServerIdentity)
		if err != nil {
			return out, err
		}
		if out.verifyName, err = strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			return out, &PropError{Prop: "verifyServerIdentity", Err: fmt.Errorf("%q: want true or false", v)}
		}
	}
	hosts, err := tc.renderList("trustedHosts", s.TrustedHosts)
	if err != nil {
		return out, err
	}
	out.trusted = slices.ContainsFunc(hosts, func(h string) bool { return h == "*" || strings.EqualFold(strings.TrimSpace(h), out.host) })
	out.roots = mailRoots
	return out, nil
}

// renderInt renders a property that holds an integer.
func renderInt(tc *Context, prop, tmpl string) (int, error) {
	s, err := tc.render(prop, tmpl)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, &PropError{Prop: prop, Err: fmt.Errorf("%q is not an integer", s)}
	}
	return n, nil
}

// mailPart is an attachment or an embedded image, opened.
type mailPart struct {
	name, contentType string
	r                 io.ReadCloser
}

// mailContent is a rendered mail.
type mailContent struct {
	from         *mail.Address
	to, cc       []*mail.Address
	subject      string
	html, text   string
	attachments  []mailPart
	images       []mailPart
	returnTarget string
}

// close closes the files the mail carries.
func (m *mailContent) close() {
	for _, p := range append(slices.Clone(m.attachments), m.images...) {
		p.r.Close()
	}
}

// render renders the addresses, the subject, and opens the files: all that can fail is known
// before the server is contacted, so a bad attachment never leaves a mail half sent.
func (mm *MailMessage) render(tc *Context) (*mailContent, error) {
	m := &mailContent{}
	from, err := tc.render("from", mm.From)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(from) == "" {
		return nil, &PropError{Prop: "from", Err: errors.New("is required: the sender's address")}
	}
	if m.from, err = mail.ParseAddress(strings.TrimSpace(from)); err != nil {
		return nil, &PropError{Prop: "from", Err: fmt.Errorf("%q is not an address: %v", from, err)}
	}
	m.returnTarget = m.from.Address
	if m.to, err = renderAddresses(tc, "to", mm.To); err != nil {
		return nil, err
	}
	if len(m.to) == 0 {
		return nil, &PropError{Prop: "to", Err: errors.New("is required: the recipients' addresses, separated by ;")}
	}
	if m.cc, err = renderAddresses(tc, "cc", mm.Cc); err != nil {
		return nil, err
	}
	if m.subject, err = tc.render("subject", mm.Subject); err != nil {
		return nil, err
	}
	if m.attachments, err = openParts(tc, "attachments", mm.Attachments); err != nil {
		m.close()
		return nil, err
	}
	if m.images, err = openParts(tc, "embeddedImages", mm.EmbeddedImages); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// renderAddresses renders a list of addresses separated by ; or ,.
func renderAddresses(tc *Context, prop, tmpl string) ([]*mail.Address, error) {
	s, err := tc.render(prop, tmpl)
	if err != nil {
		return nil, err
	}
	var out []*mail.Address
	for piece := range strings.SplitSeq(s, ";") {
		if strings.TrimSpace(piece) == "" {
			continue
		}
		list, err := mail.ParseAddressList(strings.TrimSpace(piece))
		if err != nil {
			return nil, &PropError{Prop: prop, Err: fmt.Errorf("%q is not a list of addresses: %v (separate them with ;)", strings.TrimSpace(piece), err)}
		}
		out = append(out, list...)
	}
	return out, nil
}

// openParts renders attachments or embeddedImages and opens their files. The property is a
// list of {name, uri, contentType}, or a string holding its JSON (or one object), as Kestra
// reads it.
func openParts(tc *Context, prop string, v any) ([]mailPart, error) {
	if v == nil {
		return nil, nil
	}
	rv, err := tc.renderValue(prop, v, true)
	if err != nil {
		return nil, err
	}
	var items []any
	switch x := rv.(type) {
	case nil:
		return nil, nil
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, nil
		}
		var decoded any
		if err := json.Unmarshal([]byte(s), &decoded); err != nil {
			return nil, &PropError{Prop: prop, Err: fmt.Errorf("not a list of {name, uri, contentType} nor its JSON: %v", err)}
		}
		if inner, ok := decoded.(string); ok {
			// JSON encoded twice ("{{ x | toJson | toJson }}"), which Kestra reads too.
			if err := json.Unmarshal([]byte(inner), &decoded); err != nil {
				return nil, &PropError{Prop: prop, Err: fmt.Errorf("a JSON string that holds no JSON list: %v", err)}
			}
		}
		switch d := decoded.(type) {
		case []any:
			items = d
		case map[string]any:
			items = []any{d}
		default:
			return nil, &PropError{Prop: prop, Err: fmt.Errorf("the JSON is %s: want a list of {name, uri, contentType}", jsonKind(d))}
		}
	case []any:
		items = x
	default:
		return nil, &PropError{Prop: prop, Err: fmt.Errorf("got %T: want a list of {name, uri, contentType}, or its JSON", rv)}
	}
	var parts []mailPart
	fail := func(err error) ([]mailPart, error) {
		for _, p := range parts {
			p.r.Close()
		}
		return nil, err
	}
	for i, it := range items {
		path := fmt.Sprintf("%s[%d]", prop, i)
		fields := map[string]string{}
		get := func(k string, val any) error {
			switch val := val.(type) {
			case nil:
			case string:
				fields[k] = val
			default:
				return &PropError{Prop: path + "." + k, Err: fmt.Errorf("got %T, want a string", val)}
			}
			return nil
		}
		switch m := it.(type) {
		case *templating.Map:
			for _, k := range m.Keys() {
				val, _ := m.Get(k)
				if err := get(k, val); err != nil {
					return fail(err)
				}
			}
		case map[string]any:
			for k, val := range m {
				if err := get(k, val); err != nil {
					return fail(err)
				}
			}
		default:
			return fail(&PropError{Prop: path, Err: fmt.Errorf("got %T, want {name, uri, contentType}", it)})
		}
		for k := range fields {
			if k != "name" && k != "uri" && k != "contentType" {
				return fail(&PropError{Prop: path + "." + k, Err: errors.New("unknown key: an item has name, uri and contentType")})
			}
		}
		p := mailPart{name: strings.TrimSpace(fields["name"]), contentType: strings.TrimSpace(fields["contentType"])}
		uri := strings.TrimSpace(fields["uri"])
		if p.name == "" || uri == "" {
			return fail(&PropError{Prop: path, Err: errors.New("name and uri are required")})
		}
		if strings.ContainsAny(p.name, "\r\n") {
			return fail(&PropError{Prop: path + ".name", Err: fmt.Errorf("%q holds a line break", p.name)})
		}
		if p.contentType == "" {
			p.contentType = "application/octet-stream"
		}
		if _, _, err := mime.ParseMediaType(p.contentType); err != nil || !strings.Contains(p.contentType, "/") {
			return fail(&PropError{Prop: path + ".contentType", Err: fmt.Errorf("%q is not a media type (text/csv, image/png)", p.contentType)})
		}
		if tc.Storage == nil {
			return fail(errNoStorage)
		}
		if p.r, err = tc.Storage.Open(uri); err != nil {
			return fail(&PropError{Prop: path + ".uri", Err: err})
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// sendMail connects to the server, authenticates and sends m, all bounded by the session
// timeout for each exchange and by ctx.
func sendMail(ctx context.Context, tc *Context, srv mailServer, m *mailContent) error {
	c, secure, err := dialMail(ctx, srv)
	if err != nil {
		return err
	}
	defer c.Close()
	// Ending ctx (a task timeout, Ctrl-C) closes the connection under the exchange in progress.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	wrap := func(step string, err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("mail to %s: %s: %w", srv.addr, step, context.Cause(ctx))
		}
		return mailError(srv, step, err)
	}
	if err := c.Hello("localhost"); err != nil {
		return wrap("EHLO", err)
	}
	if !secure {
		if ok, _ := c.Extension("STARTTLS"); ok {
			conf := tlsConfig(srv)
			if srv.strategy == strategySMTP {
				// Opportunistic TLS, as Kestra's SMTP strategy: better than plain text, so any
				// certificate will do.
				conf.InsecureSkipVerify, conf.VerifyConnection = true, nil
			}
			if err := c.StartTLS(conf); err != nil {
				return wrap("STARTTLS", err)
			}
			secure = true
		} else if srv.strategy == strategySMTPTLS {
			return fmt.Errorf("mail to %s: the server does not offer STARTTLS, which SMTP_TLS requires: use transportStrategy SMTPS if it speaks TLS from the start (usually port 465), or SMTP to send in clear", srv.addr)
		}
	}
	if srv.username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			hint := ""
			if !secure {
				hint = " (servers often offer it only over TLS: try transportStrategy SMTPS or SMTP_TLS)"
			}
			return fmt.Errorf("mail to %s: username is set but the server offers no authentication%s", srv.addr, hint)
		}
		auth := mailAuth(mechs, srv.username, srv.password)
		if srv.oauth2 {
			auth = xoauth2{srv.username, srv.password}
		}
		if err := c.Auth(auth); err != nil {
			return wrap(fmt.Sprintf("authentication as %q", srv.username), err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return wrap(fmt.Sprintf("sender <%s>", m.from.Address), err)
	}
	for _, a := range append(slices.Clone(m.to), m.cc...) {
		if err := c.Rcpt(a.Address); err != nil {
			return wrap(fmt.Sprintf("recipient <%s>", a.Address), err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return wrap("DATA", err)
	}
	if err := writeMail(w, m, chatNow(tc)); err != nil {
		return wrap("sending the message", err)
	}
	if err := w.Close(); err != nil {
		return wrap("the message", err)
	}
	_ = c.Quit() // the mail is accepted: a QUIT that fails changes nothing
	n := len(m.to) + len(m.cc)
	what := "mail"
	if m.subject != "" {
		what = fmt.Sprintf("mail %q", m.subject)
	}
	tc.Log.Infof("%s sent to %d recipient%s through %s", what, n, plural(n), srv.addr)
	return nil
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// dialMail connects to the server and reads its greeting: in TLS at once for SMTPS.
func dialMail(ctx context.Context, srv mailServer) (*smtp.Client, bool, error) {
	d := net.Dialer{Timeout: srv.timeout}
	raw, err := d.DialContext(ctx, "tcp", srv.addr)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			err = oe.Err // "dial tcp HOST:PORT:" would repeat the address
		}
		return nil, false, fmt.Errorf("mail to %s: cannot connect: %w (check host and port)", srv.addr, err)
	}
	var conn net.Conn = &deadlineConn{Conn: raw, timeout: srv.timeout}
	secure := false
	if srv.strategy == strategySMTPS {
		tc := tls.Client(conn, tlsConfig(srv))
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, false, mailError(srv, "TLS handshake", err)
		}
		conn, secure = tc, true
	}
	// NewClient reads the greeting; the deadline bounds a server that never sends one.
	c, err := smtp.NewClient(conn, srv.host)
	if err != nil {
		raw.Close()
		return nil, false, mailError(srv, "greeting", err)
	}
	return c, secure, nil
}

// tlsConfig checks the server's certificate: signed by a known authority and naming host,
// unless host is trusted (any certificate) or verifyServerIdentity is false (any name).
func tlsConfig(srv mailServer) *tls.Config {
	conf := &tls.Config{ServerName: srv.host, RootCAs: srv.roots, MinVersion: tls.VersionTLS12}
	switch {
	case srv.trusted:
		conf.InsecureSkipVerify = true
	case !srv.verifyName:
		// Go checks the chain and the name together; check the chain alone.
		conf.InsecureSkipVerify = true
		conf.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: srv.roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return conf
}

// mailError says which step failed and what the server answered, with a hint where one
// helps. The password is in none of them: the replies are the server's, and the masking
// registered in render covers a server that would echo it.
func mailError(srv mailServer, step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		hint := ""
		switch {
		case te.Code == 535 || te.Code == 534:
			hint = ": check username and password (an app password, for Gmail and Outlook)"
		case te.Code == 530:
			hint = ": the server wants authentication first: set username and password"
		case te.Code >= 550 && te.Code <= 553:
			hint = ": the server refuses the address"
		}
		return fmt.Errorf("mail to %s: %s: the server answered %d %s%s", srv.addr, step, te.Code, te.Msg, hint)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("mail to %s: %s: no answer within sessionTimeout (%s)", srv.addr, step, srv.timeout)
	}
	var ce *tls.CertificateVerificationError
	var he x509.HostnameError
	switch {
	case errors.As(err, &he):
		return fmt.Errorf("mail to %s: %s: %v: set verifyServerIdentity: false to accept a certificate for another name", srv.addr, step, err)
	case errors.As(err, &ce):
		return fmt.Errorf("mail to %s: %s: %v: list the host in trustedHosts to accept its certificate (a self-signed one)", srv.addr, step, err)
	}
	if step == "TLS handshake" || errors.Is(err, io.EOF) && srv.strategy == strategySMTPS {
		return fmt.Errorf("mail to %s: %s: %v (does the server speak TLS from the start? On port 587 or 25, use transportStrategy SMTP_TLS)", srv.addr, step, err)
	}
	return fmt.Errorf("mail to %s: %s: %w", srv.addr, step, err)
}

// deadlineConn bounds each read and write by timeout, as Kestra's sessionTimeout bounds
// each exchange with the server.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// mailAuth picks PLAIN when the server offers it, else LOGIN.
func mailAuth(mechs, user, pass string) smtp.Auth {
	for m := range strings.FieldsSeq(strings.ToUpper(mechs)) {
		if m == "PLAIN" {
			return plainAuth{user, pass}
		}
	}
	if slices.Contains(strings.Fields(strings.ToUpper(mechs)), "LOGIN") {
		return &loginAuth{user: user, pass: pass}
	}
	return plainAuth{user, pass}
}

// plainAuth is AUTH PLAIN. net/smtp's refuses a connection without TLS to a host other than
// localhost; the transport strategy is the flow's choice here, as in Kestra.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected challenge after AUTH PLAIN")
	}
	return nil, nil
}

// xoauth2 is AUTH XOAUTH2, Google's and Microsoft's, with an OAuth2 access token.
type xoauth2 struct{ user, token string }

func (a xoauth2) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + a.user + "\x01auth=Bearer " + a.token + "\x01\x01"), nil
}

// Next answers a failure's challenge (a JSON status) with an empty line, as the mechanism
// asks, so that the server sends its error reply.
func (a xoauth2) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return []byte{}, nil
	}
	return nil, nil
}

// loginAuth is AUTH LOGIN: the user name, then the password, each when asked.
type loginAuth struct {
	user, pass string
	step       int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected challenge after AUTH LOGIN")
}
