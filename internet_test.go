package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// internet is the script command `internet ROUTES LOG`: a stand-in for the internet on
// loopback, for flows whose URLs are written in them (Kestra's blueprints). It starts an HTTP
// proxy that answers every request itself, https ones too: a CONNECT is answered with TLS
// under a certificate made for the host by a certificate authority of the test. The script's
// environment then sends flowctl's HTTP tasks through it (HTTPS_PROXY, HTTP_PROXY) and trusts
// only that authority (SSL_CERT_FILE); loopback addresses are never proxied, so a slack-sink
// on 127.0.0.1 is reached directly.
//
// ROUTES holds lines `METHOD URL STATUS FILE`: the answer to METHOD URL is STATUS with the
// content of FILE ("-" for an empty body); anything else is a 404. Every request is appended
// to LOG as a JSON line: method, url, user agent and body.
func internet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: internet ROUTES LOG")
	}
	routes, err := readRoutes(ts.MkAbs(args[0]))
	ts.Check(err)
	ca, err := newAuthority()
	ts.Check(err)
	caFile := ts.MkAbs("internet-ca.pem")
	ts.Check(os.WriteFile(caFile, ca.pem, 0o644))

	web := &fakeWeb{routes: routes, log: ts.MkAbs(args[1])}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: &proxy{web: web, ca: ca}, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })

	url := "http://" + ln.Addr().String()
	ts.Setenv("HTTPS_PROXY", url)
	ts.Setenv("HTTP_PROXY", url)
	ts.Setenv("NO_PROXY", "")
	ts.Setenv("SSL_CERT_FILE", caFile)
	ts.Setenv("SSL_CERT_DIR", "")
}

// route is one answer of the fake web.
type route struct {
	status int
	file   string // "" for an empty body
}

// readRoutes reads the ROUTES file of internet.
func readRoutes(path string) (map[string]route, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	routes := map[string]route{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 4 {
			return nil, fmt.Errorf("%s:%d: want METHOD URL STATUS FILE, got %q", path, n, sc.Text())
		}
		status, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: status %q: %v", path, n, fields[2], err)
		}
		r := route{status: status}
		if fields[3] != "-" {
			r.file = filepath.Join(filepath.Dir(path), fields[3])
		}
		routes[fields[0]+" "+fields[1]] = r
	}
	return routes, sc.Err()
}

// fakeWeb answers requests from its routes and logs each one.
type fakeWeb struct {
	routes map[string]route
	log    string
	mu     sync.Mutex
}

// answer answers r, whose absolute URL is url.
func (w *fakeWeb) answer(rw http.ResponseWriter, r *http.Request, url string) {
	body, _ := io.ReadAll(r.Body)
	line, _ := json.Marshal(map[string]string{"method": r.Method, "url": url, "userAgent": r.UserAgent(), "body": string(body)})
	w.mu.Lock()
	if f, err := os.OpenFile(w.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
		f.Write(append(line, '\n'))
		f.Close()
	}
	w.mu.Unlock()
	rt, ok := w.routes[r.Method+" "+url]
	if !ok {
		http.Error(rw, "no route for "+r.Method+" "+url, http.StatusNotFound)
		return
	}
	var content []byte
	if rt.file != "" {
		var err error
		if content, err = os.ReadFile(rt.file); err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	rw.Header().Set("Content-Length", strconv.Itoa(len(content)))
	rw.WriteHeader(rt.status)
	rw.Write(content)
}

// proxy is the HTTP proxy in front of the fake web.
type proxy struct {
	web *fakeWeb
	ca  *authority
}

func (p *proxy) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		// A proxied http:// request carries its absolute URL.
		p.web.answer(rw, r, r.URL.String())
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	conn, _, err := http.NewResponseController(rw).Hijack()
	if err != nil {
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		return
	}
	cert, err := p.ca.leaf(host)
	if err != nil {
		conn.Close()
		return
	}
	tlsConn := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{cert}})
	inner := &http.Server{
		Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			p.web.answer(rw, r, "https://"+r.Host+r.URL.RequestURI())
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	inner.Serve(&oneConn{conn: tlsConn, done: make(chan struct{})})
}

// oneConn is a listener that accepts one connection, then waits for it to close.
type oneConn struct {
	conn net.Conn
	once sync.Once
	done chan struct{}
}

func (l *oneConn) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = &closeNotify{Conn: l.conn, done: l.done} })
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error   { return nil }
func (l *oneConn) Addr() net.Addr { return l.conn.LocalAddr() }

// closeNotify closes done when the connection is closed, ending oneConn's Accept.
type closeNotify struct {
	net.Conn
	once sync.Once
	done chan struct{}
}

func (c *closeNotify) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// authority is a certificate authority of the test: it signs a certificate for each host.
type authority struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pem    []byte
	mu     sync.Mutex
	leaves map[string]tls.Certificate
}

func newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "flowctl test internet"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key, leaves: map[string]tls.Certificate{},
		pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// leaf returns a certificate for host signed by the authority.
func (a *authority) leaf(host string) (tls.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.leaves[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(int64(len(a.leaves) + 2)),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	c := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	a.leaves[host] = c
	return c, nil
}
