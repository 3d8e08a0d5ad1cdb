// Package smtptest is a small SMTP server on loopback for tests, as net/http/httptest is for
// HTTP: it speaks enough of the protocol for a client to send mail (EHLO, STARTTLS, AUTH PLAIN
// and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT), over plain TCP, STARTTLS or implicit TLS with
// a certificate made for 127.0.0.1, and records what it receives.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// TLSMode is how the server offers TLS.
type TLSMode int

// The TLS modes.
const (
	Plain    TLSMode = iota // no TLS
	StartTLS                // STARTTLS offered after EHLO
	Implicit                // TLS from the first byte (SMTPS)
)

// Config sets what the server accepts.
type Config struct {
	TLS TLSMode
	// Username and Password, when Username is set, are the only credentials AUTH accepts
	// (Password is the access token of XOAUTH2); MAIL is refused before a successful AUTH.
	Username, Password string
	// AuthMechs are the mechanisms offered (default "PLAIN LOGIN").
	AuthMechs string
	// RejectRcpt are recipients answered 550.
	RejectRcpt []string
	// Silent servers accept connections and never answer.
	Silent bool
	// OnMessage, when set, is called with each message received, in turn.
	OnMessage func(Message)
}

// Message is one mail received.
type Message struct {
	From string
	To   []string
	Data []byte // as sent, dot-unstuffed, CRLF line ends
	// User is who authenticated ("" when no AUTH), TLS whether the session was encrypted.
	User string
	TLS  bool
}

// Server is a running SMTP server.
type Server struct {
	// Addr is HOST:PORT on 127.0.0.1.
	Addr string
	// Certificate is the server's self-signed certificate, for clients to trust.
	Certificate *x509.Certificate
	cfg         Config
	ln          net.Listener
	tlsConf     *tls.Config
	mu          sync.Mutex
	msgs        []Message
	conns       map[net.Conn]bool
	closed      bool
	wg          sync.WaitGroup
	received    chan struct{}
	mechsUsed   []string
}

// Start starts a server on a free loopback port.
func Start(cfg Config) (*Server, error) {
	cert, leaf, err := selfSigned()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Certificate: leaf, cfg: cfg, ln: ln,
		tlsConf: &tls.Config{Certificates: []tls.Certificate{cert}}, conns: map[net.Conn]bool{},
		received: make(chan struct{}, 1024)}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// AuthMechanisms returns the mechanisms clients asked for, in order.
func (s *Server) AuthMechanisms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mechsUsed...)
}

// Received is signalled once per message received.
func (s *Server) Received() <-chan struct{} { return s.received }

// Close stops the server and ends its sessions.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.session(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// session speaks SMTP on one connection until QUIT or an error.
func (s *Server) session(c net.Conn) {
	if s.cfg.Silent {
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}
	secure := false
	if s.cfg.TLS == Implicit {
		tc := tls.Server(c, s.tlsConf)
		if err := tc.Handshake(); err != nil {
			return
		}
		c, secure = tc, true
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(format string, args ...any) bool {
		fmt.Fprintf(w, format+"\r\n", args...)
		return w.Flush() == nil
	}
	readLine := func() (string, bool) {
		l, err := r.ReadString('\n')
		if err != nil {
			return "", false
		}
		return strings.TrimRight(l, "\r\n"), true
	}
	if !reply("220 smtptest ready") {
		return
	}
	var user string
	var msg *Message
	for {
		line, ok := readLine()
		if !ok {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			ext := []string{"250-smtptest", "250-8BITMIME"}
			if s.cfg.TLS == StartTLS && !secure {
				ext = append(ext, "250-STARTTLS")
			}
			if s.cfg.Username != "" {
				mechs := s.cfg.AuthMechs
				if mechs == "" {
					mechs = "PLAIN LOGIN"
				}
				ext = append(ext, "250-AUTH "+mechs)
			}
			ext = append(ext, "250 SIZE 10240000")
			if !reply("%s", strings.Join(ext, "\r\n")) {
				return
			}
		case "STARTTLS":
			if s.cfg.TLS != StartTLS || secure {
				reply("502 5.5.1 not offered")
				continue
			}
			reply("220 2.0.0 go ahead")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
			user, msg = "", nil
		case "AUTH":
			mech, ir, _ := strings.Cut(arg, " ")
			s.mu.Lock()
			s.mechsUsed = append(s.mechsUsed, strings.ToUpper(mech))
			s.mu.Unlock()
			var u, p string
			switch strings.ToUpper(mech) {
			case "PLAIN":
				if ir == "" {
					reply("334 ")
					if ir, ok = readLine(); !ok {
						return
					}
				}
				b, _ := base64.StdEncoding.DecodeString(ir)
				parts := strings.SplitN(string(b), "\x00", 3)
				if len(parts) == 3 {
					u, p = parts[1], parts[2]
				}
			case "LOGIN":
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
				l, ok := readLine()
				if !ok {
					return
				}
				b, _ := base64.StdEncoding.DecodeString(l)
				u = string(b)
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
				if l, ok = readLine(); !ok {
					return
				}
				b, _ = base64.StdEncoding.DecodeString(l)
				p = string(b)
			case "XOAUTH2":
				b, _ := base64.StdEncoding.DecodeString(ir)
				for _, f := range strings.Split(string(b), "\x01") {
					if v, ok := strings.CutPrefix(f, "user="); ok {
						u = v
					}
					if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
						p = v
					}
				}
				if u != s.cfg.Username || p != s.cfg.Password {
					// The mechanism's failure: a challenge, answered empty, then the error.
					reply("334 " + base64.StdEncoding.EncodeToString([]byte(`{"status":"401"}`)))
					if _, ok := readLine(); !ok {
						return
					}
				}
			default:
				reply("504 5.5.4 unrecognized authentication type")
				continue
			}
			if s.cfg.Username == "" || u != s.cfg.Username || p != s.cfg.Password {
				reply("535 5.7.8 Authentication credentials invalid")
				continue
			}
			user = u
			reply("235 2.7.0 Authentication successful")
		case "MAIL":
			if s.cfg.Username != "" && user == "" {
				reply("530 5.7.0 Authentication required")
				continue
			}
			msg = &Message{From: addrOf(arg), User: user, TLS: secure}
			reply("250 2.1.0 Ok")
		case "RCPT":
			if msg == nil {
				reply("503 5.5.1 MAIL first")
				continue
			}
			to := addrOf(arg)
			if containsFold(s.cfg.RejectRcpt, to) {
				reply("550 5.1.1 <%s>: Recipient address rejected: User unknown", to)
				continue
			}
			msg.To = append(msg.To, to)
			reply("250 2.1.5 Ok")
		case "DATA":
			if msg == nil || len(msg.To) == 0 {
				reply("503 5.5.1 RCPT first")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			var data strings.Builder
			for {
				l, ok := readLine()
				if !ok {
					return
				}
				if l == "." {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
				data.WriteString("\r\n")
			}
			msg.Data = []byte(data.String())
			s.mu.Lock()
			s.msgs = append(s.msgs, *msg)
			if s.cfg.OnMessage != nil {
				s.cfg.OnMessage(*msg)
			}
			s.mu.Unlock()
			select {
			case s.received <- struct{}{}:
			default:
			}
			msg = nil
			reply("250 2.0.0 Ok: queued")
		case "RSET":
			msg = nil
			reply("250 2.0.0 Ok")
		case "NOOP":
			reply("250 2.0.0 Ok")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

// addrOf is the address of "FROM:<a@b> SIZE=1" or "TO:<a@b>".
func addrOf(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a, _, _ = strings.Cut(strings.TrimSpace(a), " ")
	return strings.Trim(a, "<>")
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a day.
func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}
