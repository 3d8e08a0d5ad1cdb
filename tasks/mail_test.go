package tasks

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/internal/smtptest"
	"github.com/flowctl/flowctl/templating"
)

const mailPassword = "s3cr3t-Pa55word"

// startSMTP starts a fake SMTP server for one test.
func startSMTP(t *testing.T, cfg smtptest.Config) *smtptest.Server {
	t.Helper()
	s, err := smtptest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// serverOf is a MailServer pointing at s, whose certificate the task trusts for the test.
func serverOf(t *testing.T, s *smtptest.Server, strategy string) MailServer {
	t.Helper()
	host, port, _ := net.SplitHostPort(s.Addr)
	trustRoots(t, s)
	return MailServer{Host: host, Port: port, TransportStrategy: strategy, Username: "alice", Password: mailPassword}
}

// trustRoots makes s's certificate the only authority the mail tasks trust during the test
// (none of which runs in parallel); nil s leaves the system's.
func trustRoots(t *testing.T, s *smtptest.Server) {
	t.Helper()
	old := mailRoots
	t.Cleanup(func() { mailRoots = old })
	mailRoots = nil
	if s != nil {
		mailRoots = x509.NewCertPool()
		mailRoots.AddCert(s.Certificate)
	}
}

// parsedMail is a received message, decoded.
type parsedMail struct {
	header      mail.Header
	subject     string
	text, html  string
	attachments map[string]parsedPart
	images      map[string]parsedPart
}

type parsedPart struct {
	contentType, contentID, body string
}

// parseMail decodes a message as a mail reader would.
func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading the message: %v\n%s", err, data)
	}
	p := parsedMail{header: msg.Header, attachments: map[string]parsedPart{}, images: map[string]parsedPart{}}
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	var walk func(ct string, r io.Reader, disp, cid string)
	walk = func(ct string, r io.Reader, disp, cid string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				part, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("part of %s: %v", mt, err)
				}
				var body io.Reader = part
				switch part.Header.Get("Content-Transfer-Encoding") {
				case "quoted-printable":
					body = quotedReader(part)
				case "base64":
					body = base64Reader(part)
				}
				walk(part.Header.Get("Content-Type"), body, part.Header.Get("Content-Disposition"), part.Header.Get("Content-ID"))
			}
		}
		b, _ := io.ReadAll(r)
		switch {
		case strings.HasPrefix(disp, "attachment"):
			p.attachments[params["name"]] = parsedPart{contentType: ct, body: string(b)}
		case strings.HasPrefix(disp, "inline"):
			p.images[params["name"]] = parsedPart{contentType: ct, contentID: cid, body: string(b)}
		case mt == "text/plain":
			// Text travels with CRLF line ends; readers show lines.
			p.text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case mt == "text/html":
			p.html = strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, "", "")
	return p
}

func TestMailSendOverSMTPSDeliversBodiesAttachmentsAndImages(t *testing.T) {
	s := startSMTP(t, smtptest.Config{TLS: smtptest.Implicit, Username: "alice", Password: mailPassword})
	tc, rec := newContext(t)
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	csv := putFile(t, tc, "products.csv", "id,name\n1,tea\n")
	png := putFile(t, tc, "logo.png", "\x89PNG\r\n\x1a\nbinary\x00bytes")
	items := templating.NewMap(3)
	items.Set("name", "data.csv")
	items.Set("uri", csv)
	items.Set("contentType", "text/csv; charset=utf-8")
	task := &MailSend{
		MailServer: serverOf(t, s, ""), // SMTPS is the default
		MailMessage: MailMessage{
			From: "Flowctl Alerts <alerts@example.com>", To: "team@example.com; ops@example.com",
			Cc: "boss@example.com", Subject: "Nightly run",
			Attachments:    []any{items},
			EmbeddedImages: `[{"name": "logo.png", "uri": "` + png + `", "contentType": "image/png"}]`,
		},
		HTMLTextContent:  `<p>It failed</p><img src="cid:logo.png">`,
		PlainTextContent: "It failed",
	}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "alerts@example.com" || strings.Join(m.To, ",") != "team@example.com,ops@example.com,boss@example.com" {
		t.Errorf("envelope: got from %q to %v", m.From, m.To)
	}
	if m.User != "alice" || !m.TLS {
		t.Errorf("got user %q, TLS %v; want alice over TLS", m.User, m.TLS)
	}
	if got := s.AuthMechanisms(); len(got) != 1 || got[0] != "PLAIN" {
		t.Errorf("got AUTH %v, want PLAIN", got)
	}
	p := parseMail(t, m.Data)
	for k, want := range map[string]string{
		"From": `"Flowctl Alerts" <alerts@example.com>`, "To": "<team@example.com>, <ops@example.com>",
		"Cc": "<boss@example.com>", "Return-Receipt-To": "alerts@example.com", "MIME-Version": "1.0",
	} {
		if got := p.header.Get(k); got != want {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if p.subject != "Nightly run" || p.text != "It failed" || p.html != `<p>It failed</p><img src="cid:logo.png">` {
		t.Errorf("got subject %q, text %q, html %q", p.subject, p.text, p.html)
	}
	a, ok := p.attachments["data.csv"]
	if !ok || a.body != "id,name\n1,tea\n" || a.contentType != "text/csv; charset=utf-8; filename=data.csv; name=data.csv" {
		t.Errorf("attachment: got %+v (all: %v)", a, p.attachments)
	}
	img, ok := p.images["logo.png"]
	if !ok || img.body != "\x89PNG\r\n\x1a\nbinary\x00bytes" || img.contentID != "<logo.png>" {
		t.Errorf("embedded image: got %+v", img)
	}
	if !strings.Contains(string(m.Data), "multipart/related") {
		t.Errorf("an embedded image goes in multipart/related:\n%s", m.Data)
	}
	if len(masked) == 0 || masked[0] != mailPassword {
		t.Errorf("the password was not registered for masking first: %q", masked)
	}
	if !rec.has(LevelInfo, `mail "Nightly run" sent to 3 recipients through `+s.Addr) {
		t.Errorf("log: %s", rec.dump())
	}
}

func TestMailSendStartTLSWithLoginAuthAndDefaultPlainText(t *testing.T) {
	s := startSMTP(t, smtptest.Config{TLS: smtptest.StartTLS, Username: "alice", Password: mailPassword, AuthMechs: "LOGIN"})
	tc, _ := newContext(t)
	task := &MailSend{
		MailServer:      serverOf(t, s, "SMTP_TLS"),
		MailMessage:     MailMessage{From: "a@example.com", To: "b@example.com", Subject: "Échec du flux ✗ — rapport"},
		HTMLTextContent: "<b>résumé</b>",
	}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := s.Messages()[0]
	if !m.TLS || m.User != "alice" {
		t.Errorf("got TLS %v user %q, want alice after STARTTLS", m.TLS, m.User)
	}
	if got := s.AuthMechanisms(); len(got) != 1 || got[0] != "LOGIN" {
		t.Errorf("got AUTH %v, want LOGIN", got)
	}
	raw := string(m.Data)
	if !strings.Contains(raw, "Subject: =?utf-8?q?") {
		t.Errorf("a non-ASCII subject is RFC 2047 encoded:\n%s", raw)
	}
	p := parseMail(t, m.Data)
	if p.subject != "Échec du flux ✗ — rapport" || p.html != "<b>résumé</b>" || p.text != defaultPlainText {
		t.Errorf("got subject %q, html %q, text %q", p.subject, p.html, p.text)
	}
	if len(p.attachments) != 0 {
		t.Errorf("got attachments %v, want none", p.attachments)
	}
}

func TestMailSendSMTPTLSNeedsStartTLS(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	tc, _ := newContext(t)
	task := &MailSend{MailServer: serverOf(t, s, "SMTP_TLS"), MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
	_, err := task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS, which SMTP_TLS requires") {
		t.Fatalf("got %v, want the missing STARTTLS named", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("got %d messages, want none", n)
	}
}

func TestMailSendPlainSMTPWithoutAuth(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	tc, _ := newContext(t)
	srv := serverOf(t, s, "smtp") // the strategy is read without regard to case
	srv.Username, srv.Password = "", ""
	task := &MailSend{MailServer: srv, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com, c@example.com"}, PlainTextContent: "hi"}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := s.Messages()[0]
	if m.TLS || m.User != "" || len(m.To) != 2 {
		t.Errorf("got TLS %v user %q to %v", m.TLS, m.User, m.To)
	}
	if p := parseMail(t, m.Data); p.subject != "" || p.header.Get("Subject") != "" || p.text != "hi" {
		t.Errorf("no subject given: got %q; text %q", p.header.Get("Subject"), p.text)
	}
}

func TestMailSendCertificates(t *testing.T) {
	s := startSMTP(t, smtptest.Config{TLS: smtptest.Implicit})
	send := func(system bool, mod func(*MailServer)) error {
		tc, _ := newContext(t)
		srv := serverOf(t, s, "SMTPS")
		srv.Username, srv.Password = "", ""
		if system {
			trustRoots(t, nil)
		}
		mod(&srv)
		task := &MailSend{MailServer: srv, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
		_, err := task.Run(context.Background(), tc)
		return err
	}
	// The system's authorities do not know the server's self-signed certificate.
	err := send(true, func(s *MailServer) {})
	if err == nil || !strings.Contains(err.Error(), "list the host in trustedHosts") {
		t.Errorf("unknown authority: got %v, want the trustedHosts hint", err)
	}
	if err := send(true, func(s *MailServer) { s.TrustedHosts = []string{"mail.example.com", "127.0.0.1"} }); err != nil {
		t.Errorf("trusted host: %v", err)
	}
	if err := send(false, func(s *MailServer) { s.VerifyServerIdentity = "false" }); err != nil {
		t.Errorf("known authority, name unchecked: %v", err)
	}
	// verifyServerIdentity: false still checks who signed the certificate.
	err = send(true, func(s *MailServer) { s.VerifyServerIdentity = "false" })
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown authority, name unchecked: got %v, want a refusal", err)
	}
	if n := len(s.Messages()); n != 2 {
		t.Errorf("got %d messages, want 2", n)
	}
}

func TestMailSendFailsWithTheServersReply(t *testing.T) {
	cases := []struct {
		name string
		cfg  smtptest.Config
		mod  func(*MailSend)
		want string
	}{
		{"refused recipient", smtptest.Config{Username: "alice", Password: mailPassword, RejectRcpt: []string{"nobody@example.com"}},
			func(m *MailSend) { m.To = "b@example.com;nobody@example.com" },
			`recipient <nobody@example.com>: the server answered 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown: the server refuses the address`},
		{"wrong password", smtptest.Config{Username: "alice", Password: "another"},
			func(m *MailSend) {},
			`authentication as "alice": the server answered 535 5.7.8 Authentication credentials invalid: check username and password`},
		{"authentication wanted", smtptest.Config{Username: "alice", Password: mailPassword},
			func(m *MailSend) { m.Username = "" },
			`the server answered 530 5.7.0 Authentication required: the server wants authentication first`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startSMTP(t, c.cfg)
			tc, rec := newContext(t)
			task := &MailSend{MailServer: serverOf(t, s, "SMTP"), MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
			c.mod(task)
			_, err := task.Run(context.Background(), tc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), mailPassword) || strings.Contains(rec.dump(), mailPassword) {
				t.Errorf("the password shows: %v", err)
			}
			if n := len(s.Messages()); n != 0 {
				t.Errorf("got %d messages, want none", n)
			}
		})
	}
}

func TestMailSendSilentServerIsBoundedBySessionTimeout(t *testing.T) {
	s := startSMTP(t, smtptest.Config{Silent: true})
	tc, _ := newContext(t)
	srv := serverOf(t, s, "SMTP")
	srv.SessionTimeout = "150"
	task := &MailSend{MailServer: srv, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
	done := make(chan error, 1)
	go func() { _, err := task.Run(context.Background(), tc); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "greeting: no answer within sessionTimeout (150ms)") {
			t.Fatalf("got %v, want the session timeout named", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Run did not return: the session timeout does not bound a silent server")
	}
}

func TestMailSendCancelledContextEndsTheSession(t *testing.T) {
	s := startSMTP(t, smtptest.Config{Silent: true})
	tc, _ := newContext(t)
	task := &MailSend{MailServer: serverOf(t, s, "SMTP"), MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := task.Run(ctx, tc); done <- err }()
	cancel()
	if err := <-done; err == nil {
		t.Fatal("got no error from a cancelled send")
	}
}

func TestMailSendBadPropertiesFailBeforeConnecting(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	cases := []struct {
		name string
		mod  func(*MailSend)
		want string
	}{
		{"no host", func(m *MailSend) { m.Host = "" }, "host: is required"},
		{"no to", func(m *MailSend) { m.To = " ; " }, "to: is required"},
		{"bad from", func(m *MailSend) { m.From = "not an address" }, `from: "not an address" is not an address`},
		{"bad port", func(m *MailSend) { m.Port = "70000" }, "port: 70000: want a port from 1 to 65535"},
		{"port not a number", func(m *MailSend) { m.Port = "smtp" }, `port: "smtp" is not an integer`},
		{"bad strategy", func(m *MailSend) { m.TransportStrategy = "{{ level }}" }, `transportStrategy: "warn": want SMTPS`},
		{"missing attachment", func(m *MailSend) {
			m.Attachments = `{"name": "a.csv", "uri": "kestra:///dev/flow/executions/E/tasks/src/R0/none.csv"}`
		}, "attachments[0].uri: "},
		{"attachment without uri", func(m *MailSend) { m.Attachments = []any{map[string]any{"name": "a.csv"}} }, "attachments[0]: name and uri are required"},
		{"attachment with a typo", func(m *MailSend) {
			m.Attachments = []any{map[string]any{"name": "a.csv", "uri": "kestra:///x", "contenType": "text/csv"}}
		}, "attachments[0].contenType: unknown key"},
		{"bad content type", func(m *MailSend) {
			m.Attachments = []any{map[string]any{"name": "a.csv", "uri": "kestra:///x", "contentType": "csv"}}
		}, `attachments[0].contentType: "csv" is not a media type`},
		{"attachments not JSON", func(m *MailSend) { m.Attachments = "data.csv" }, "attachments: not a list of {name, uri, contentType} nor its JSON"},
		{"attachments a number", func(m *MailSend) { m.Attachments = "42" }, "attachments: the JSON is a number"},
		{"attachments JSON twice", func(m *MailSend) { m.Attachments = `"[{\"name\": \"a.csv\"}]"` }, "attachments[0]: name and uri are required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, _ := newContext(t)
			task := &MailSend{MailServer: serverOf(t, s, "SMTP"), MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
			c.mod(task)
			_, err := task.Run(context.Background(), tc)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
		})
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("got %d messages, want none", n)
	}
}

func TestMailExecutionSummarisesAFailedExecution(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	x := summaryExec("etl", "FAILED",
		summaryRun("extract", "tasks", "SUCCESS", time.Second, ""),
		withErrorLog(summaryRun("load", "tasks", "FAILED", time.Second, "Command failed with exit code 1"), "KeyError: <missing>"),
		summaryRun("notify", "errors", "SUCCESS", time.Second, ""))
	tc, _ := newContext(t)
	tc.Now = func() time.Time { return summaryStart.Add(time.Minute) }
	tc.Environ = []string{"FLOWCTL_URL=https://kestra.example.com/"}
	tc.Render = renderWith(map[string]string{"trigger.executionId": x.ID})
	tc.Execution = func(id string) (*ExecutionView, error) {
		if id != x.ID {
			return nil, io.EOF
		}
		return x, nil
	}
	srv := serverOf(t, s, "SMTP")
	srv.Username, srv.Password = "", ""
	task := &MailExecution{
		MailServer:        srv,
		MailMessage:       MailMessage{From: "a@example.com", To: "b@example.com"},
		SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"},
		CustomMessage:     "Look <now> & fix",
		CustomFields:      NewStringMap("Env", "prod", "Owner", "data-team"),
	}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	p := parseMail(t, s.Messages()[0].Data)
	if want := "[dev] etl ➛ FAILED"; p.subject != want {
		t.Errorf("subject: got %q, want %q", p.subject, want)
	}
	for _, want := range []string{
		"<span style=\"color: red;\">FAILED</span></p>\n<p style=\"margin: 0 0 15px;\">Look &lt;now&gt; &amp; fix</p>\n<p",
		`[dev] etl ➛ <span style="color: red;">FAILED</span>`,
		"Failed on task <code>load</code> after 00:00:01.111",
		`<a href="https://kestra.example.com/ui/executions/dev/etl/` + x.ID + `"`,
		"<strong>Namespace :</strong> dev", "<strong>Flow :</strong> etl",
		"<strong>Execution :</strong> " + x.ID, "<strong>Status :</strong> FAILED",
		"<strong>Final task ID :</strong> notify",
		"<strong>Env :</strong> prod</p>\n<p style=\"margin: 0 0 15px;\"><strong>Owner :</strong> data-team",
		"KeyError: &lt;missing&gt;\nCommand failed with exit code 1",
	} {
		if !strings.Contains(p.html, want) {
			t.Errorf("the HTML lacks %q:\n%s", want, p.html)
		}
	}
	for _, want := range []string{
		"[dev] etl ➛ FAILED\n\nLook <now> & fix\n\nFailed on task load after 00:00:01.111\n",
		"Details: https://kestra.example.com/ui/executions/dev/etl/" + x.ID,
		"Env: prod\nOwner: data-team\n",
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("the text lacks %q:\n%s", want, p.text)
		}
	}
}

func TestMailExecutionOfASuccessKeepsTheGivenSubject(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	x := summaryExec("etl", "SUCCESS", summaryRun("extract", "tasks", "SUCCESS", time.Second, ""))
	tc, _ := newContext(t)
	tc.Environ = nil
	tc.Render = renderWith(map[string]string{"execution.id": x.ID})
	tc.Execution = func(string) (*ExecutionView, error) { return x, nil }
	srv := serverOf(t, s, "SMTP")
	srv.Username, srv.Password = "", ""
	task := &MailExecution{MailServer: srv, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com", Subject: "ETL done"}}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	p := parseMail(t, s.Messages()[0].Data)
	if p.subject != "ETL done" || !strings.Contains(p.html, "Succeeded after 00:00:01.111") ||
		!strings.Contains(p.html, `color: green;`) || strings.Contains(p.html, "See details") {
		t.Errorf("got subject %q, html:\n%s", p.subject, p.html)
	}
}

func TestMailExecutionOfAnUnknownExecutionFails(t *testing.T) {
	tc, _ := newContext(t)
	tc.Render = renderWith(map[string]string{"execution.id": "nope"})
	task := &MailExecution{MailServer: MailServer{Host: "127.0.0.1"}, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
	_, err := task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), `execution "nope" not found: MailExecution reads executions recorded in the state`) {
		t.Fatalf("got %v", err)
	}
}

func TestMailLiteralPasswordIsASecret(t *testing.T) {
	var ls LiteralSecrets = &MailSend{MailServer: MailServer{Password: "clear-pass"}}
	if got := ls.LiteralSecrets(); len(got) == 0 || got[0] != "clear-pass" {
		t.Errorf("MailSend: got %q", got)
	}
	ls = &MailExecution{MailServer: MailServer{Password: "{{ secret('P') }}"}}
	if got := ls.LiteralSecrets(); len(got) != 0 {
		t.Errorf("a templated password is registered as it renders: got %q", got)
	}
}

func quotedReader(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }

func TestMailSendWrongTransportSaysWhichToUse(t *testing.T) {
	plain := startSMTP(t, smtptest.Config{})
	tc, _ := newContext(t)
	srv := serverOf(t, plain, "SMTPS")
	task := &MailSend{MailServer: srv, MailMessage: MailMessage{From: "a@example.com", To: "b@example.com"}}
	_, err := task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "TLS handshake") || !strings.Contains(err.Error(), "use transportStrategy SMTP_TLS") {
		t.Errorf("SMTPS to a plain server: got %v, want the hint", err)
	}
	// A username, and a server that offers no AUTH (it would after STARTTLS, often).
	srv.TransportStrategy = "SMTP"
	task.MailServer = srv
	_, err = task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), "username is set but the server offers no authentication (servers often offer it only over TLS") {
		t.Errorf("no AUTH: got %v", err)
	}
	if n := len(plain.Messages()); n != 0 {
		t.Errorf("got %d messages, want none", n)
	}
}

// BenchmarkWriteMail measures composing a mail with a 16 MiB attachment: the file is
// streamed, so memory stays flat whatever its size. The reader hides strings.Reader's
// WriteTo, which would hand the encoder the whole file at once, as a stored file does not.
func BenchmarkWriteMail(b *testing.B) {
	content := strings.Repeat("0123456789abcdef", 1<<20)
	from, _ := mail.ParseAddress("a@example.com")
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		m := &mailContent{from: from, to: []*mail.Address{from}, subject: "s", text: "t", html: "<p>h</p>",
			attachments: []mailPart{{name: "big.bin", contentType: "application/octet-stream", r: io.NopCloser(struct{ io.Reader }{strings.NewReader(content)})}}}
		if err := writeMail(io.Discard, m, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMailSendKeepsTheTextAsWritten(t *testing.T) {
	s := startSMTP(t, smtptest.Config{})
	tc, _ := newContext(t)
	srv := serverOf(t, s, "SMTP")
	srv.Username, srv.Password = "", ""
	long := strings.Repeat("Le flux a échoué encore une fois ", 40)
	text := ".a line that starts with a dot\n..two\n.\nend"
	task := &MailSend{MailServer: srv,
		MailMessage:      MailMessage{From: "Équipe Données <data@example.com>", To: "b@example.com", Subject: long + "\r\nBcc: evil@example.com"},
		PlainTextContent: text}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := s.Messages()[0]
	p := parseMail(t, m.Data)
	if p.text != text {
		t.Errorf("text: got %q, want %q", p.text, text)
	}
	if want := long + " Bcc: evil@example.com"; p.subject != want {
		t.Errorf("subject: got %q, want %q", p.subject, want)
	}
	if p.header.Get("Bcc") != "" || len(m.To) != 1 {
		t.Errorf("a line break in the subject started a header: Bcc %q, to %v", p.header.Get("Bcc"), m.To)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Équipe Données" {
		t.Errorf("From: got %v (%v)", from, err)
	}
	for l := range strings.SplitSeq(string(m.Data), "\r\n") {
		if len(l) > 78 {
			t.Errorf("a line of %d characters, want at most 78: %q", len(l), l)
		}
	}
}

func TestMailSendOAuth2(t *testing.T) {
	const token = "ya29.access-Token-77"
	s := startSMTP(t, smtptest.Config{TLS: smtptest.StartTLS, Username: "alice@example.com", Password: token, AuthMechs: "PLAIN XOAUTH2"})
	tc, rec := newContext(t)
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	srv := serverOf(t, s, "SMTP_OAUTH2")
	srv.Username, srv.Password, srv.AccessToken = "alice@example.com", "", token
	task := &MailSend{MailServer: srv, MailMessage: MailMessage{From: "alice@example.com", To: "b@example.com"}}
	if _, err := task.Run(context.Background(), tc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if m := s.Messages()[0]; m.User != "alice@example.com" || !m.TLS {
		t.Errorf("got user %q TLS %v", m.User, m.TLS)
	}
	if got := s.AuthMechanisms(); len(got) != 1 || got[0] != "XOAUTH2" {
		t.Errorf("got AUTH %v, want XOAUTH2", got)
	}
	if !slices.Contains(masked, token) {
		t.Errorf("the token was not registered for masking: %q", masked)
	}
	// A token the server refuses: its reply, never the token.
	srv.AccessToken = "expired-Token-00"
	task.MailServer = srv
	_, err := task.Run(context.Background(), tc)
	if err == nil || !strings.Contains(err.Error(), `authentication as "alice@example.com": the server answered 535`) || strings.Contains(err.Error(), "expired-Token-00") {
		t.Errorf("got %v, want the server's 535", err)
	}
	// Neither token nor password.
	srv.AccessToken = ""
	task.MailServer = srv
	if _, err := task.Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "SMTP_OAUTH2 needs username and accessToken") {
		t.Errorf("got %v", err)
	}
	if strings.Contains(rec.dump(), token) {
		t.Errorf("the token shows in the log")
	}
}
