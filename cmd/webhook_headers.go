package cmd

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
)

// Go's server writes header names in their canonical form (X-Github-Event); Kestra's keeps
// them as the client wrote them (X-GitHub-Event), and flows read trigger.headers by those
// names. So the server keeps the last bytes each connection read, and a request's header
// names are taken back from its header block there.

// rawKeep is how many of the last bytes read a connection keeps: a request's header block
// is read, in 4 KiB pieces, before its handler starts, and the handler reads it back first.
const rawKeep = 64 << 10

// rawListener hands out connections that keep the last bytes they read.
type rawListener struct{ net.Listener }

func (l rawListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &rawConn{Conn: c}, nil
}

// rawConn is a connection that keeps the last rawKeep bytes it read.
type rawConn struct {
	net.Conn
	mu  sync.Mutex
	buf []byte
}

func (c *rawConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.buf = append(c.buf, p[:n]...)
		if len(c.buf) > rawKeep {
			c.buf = append(c.buf[:0], c.buf[len(c.buf)-rawKeep:]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

// recent returns a copy of the bytes kept.
func (c *rawConn) recent() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf)
}

type rawConnKey struct{}

// withRawConn is the http.Server's ConnContext: it lets a handler find its connection.
func withRawConn(ctx context.Context, c net.Conn) context.Context {
	if rc, ok := c.(*rawConn); ok {
		return context.WithValue(ctx, rawConnKey{}, rc)
	}
	return ctx
}

// headersAsSent returns r's headers under the names the client wrote, where its header
// block can be found among the bytes its connection kept; under Go's canonical names
// otherwise (HTTP/2, or a block pushed out by what followed it).
func headersAsSent(r *http.Request) http.Header {
	out := make(http.Header, len(r.Header)+1)
	names := map[string]string{}
	if rc, ok := r.Context().Value(rawConnKey{}).(*rawConn); ok {
		names = sentNames(rc.recent(), r.Method+" "+r.RequestURI+" ")
	}
	for k, vs := range r.Header {
		if sent, ok := names[strings.ToLower(k)]; ok {
			k = sent
		}
		out[k] = append(out[k], vs...)
	}
	host := "Host"
	if sent, ok := names["host"]; ok {
		host = sent
	}
	out[host] = []string{r.Host}
	return out
}

// sentNames reads the header names of the last request block of raw that starts with
// requestLine, by their lower-case form.
func sentNames(raw []byte, requestLine string) map[string]string {
	names := map[string]string{}
	i := bytes.LastIndex(raw, []byte(requestLine))
	if i < 0 {
		return names
	}
	block := raw[i:]
	if end := bytes.Index(block, []byte("\r\n\r\n")); end >= 0 {
		block = block[:end]
	} else if end := bytes.Index(block, []byte("\n\n")); end >= 0 {
		block = block[:end]
	} else {
		return names // the block was cut: the canonical names it is
	}
	lines := strings.Split(string(block), "\n")
	for _, l := range lines[1:] {
		name, _, ok := strings.Cut(strings.TrimRight(l, "\r"), ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		names[strings.ToLower(name)] = name
	}
	return names
}
