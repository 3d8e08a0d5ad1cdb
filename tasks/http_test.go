package tasks

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fakeStorage is a tasks.Storage in memory: it keeps the first keep bytes of each file,
// its size and its CRC-32, so a test can store gigabytes without holding them.
type fakeStorage struct {
	mu    sync.Mutex
	keep  int
	files map[string]*storedFile
}

type storedFile struct {
	head []byte
	size int64
	sum  uint32
}

const storagePrefix = "kestra:///dev/flow/executions/e1/tasks/task/r1/"

func newFakeStorage() *fakeStorage {
	return &fakeStorage{keep: 1 << 20, files: map[string]*storedFile{}}
}

func (s *fakeStorage) Put(name string, r io.Reader) (string, error) {
	h := crc32.NewIEEE()
	head := &capped{max: s.keep}
	n, err := io.Copy(io.MultiWriter(h, head), r)
	if err != nil {
		return "", err
	}
	f := &storedFile{head: head.b, size: n, sum: h.Sum32()}
	uri := storagePrefix + name
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[uri] = f
	return uri, nil
}

func (s *fakeStorage) Open(uri string) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[uri]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(f.head)), nil
}

func (s *fakeStorage) Stat(uri string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[uri]
	if !ok {
		return 0, fs.ErrNotExist
	}
	return f.size, nil
}

// capped keeps the first max bytes written to it and counts the rest.
type capped struct {
	b   []byte
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - len(c.b); room > 0 {
		c.b = append(c.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// httpContext is a Context for the HTTP tasks: the server's client, a fake storage, and the
// values registered for masking.
func httpContext(t *testing.T, srv *httptest.Server) (*Context, *recorder, *[]string) {
	t.Helper()
	tc, rec := newContext(t)
	tc.UserAgent = testAgent
	if srv != nil {
		tc.HTTP = srv.Client()
	}
	var masked []string
	tc.Mask = func(v string) { masked = append(masked, v) }
	tc.Storage = newFakeStorage()
	return tc, rec, &masked
}

// seen is what a test server was sent.
type seen struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// echoServer answers 200 with a JSON body, and records each request.
func echoServer(t *testing.T) (*httptest.Server, *[]seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), b})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		fmt.Fprint(w, `{"id": 7}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func TestRequestGetOutputs(t *testing.T) {
	srv, got := echoServer(t)
	tc, rec, _ := httpContext(t, srv)
	res, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "/items/{{ name }}?q=1"}}}, tc)
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	if len(*got) != 1 || (*got)[0].method != "GET" || (*got)[0].path != "/items/world" || (*got)[0].query != "q=1" {
		t.Fatalf("server saw %+v, want one GET /items/world?q=1", *got)
	}
	if ua := (*got)[0].header.Get("User-Agent"); ua != testAgent {
		t.Errorf("User-Agent: got %q, want %q", ua, testAgent)
	}
	o := res.Outputs
	if o["code"] != 200 || o["body"] != `{"id": 7}` || o["uri"] != srv.URL+"/items/world?q=1" {
		t.Errorf("outputs: got %v, want code 200, the body as a string and the uri", o)
	}
	h := o["headers"].(map[string]any)
	if !reflect.DeepEqual(h["X-Multi"], []any{"a", "b"}) || !reflect.DeepEqual(h["Content-Type"], []any{"application/json"}) {
		t.Errorf("headers: got %v, want each name to the list of its values", h)
	}
	if len(res.Metrics) != 1 || res.Metrics[0].Name != "response.length" || res.Metrics[0].Value != 9 {
		t.Errorf("metrics: got %+v, want response.length 9", res.Metrics)
	}
	if !rec.has(LevelInfo, "GET "+srv.URL+"/items/world?q=1: 200, 9 bytes") {
		t.Errorf("log: got%s, want the request and its code", rec.dump())
	}
}

func TestRequestBodies(t *testing.T) {
	cases := []struct {
		name     string
		task     HTTPProperties
		wantType string
		wantBody string
	}{
		{"a body is JSON by default", HTTPProperties{HTTPCallProperties: HTTPCallProperties{Method: "POST", Body: `{"who": "{{ name }}"}`}}, "application/json", `{"who": "world"}`},
		{"contentType", HTTPProperties{HTTPCallProperties: HTTPCallProperties{Method: "put", Body: "hi {{ name }}", ContentType: "text/plain"}}, "text/plain", "hi world"},
		{"formData", HTTPProperties{HTTPCallProperties: HTTPCallProperties{Method: "POST", FormData: map[string]any{"a": "{{ name }}", "n": 3, "l": []any{1, "x"}}}},
			"application/x-www-form-urlencoded", "a=world&l=%5B1%2C%22x%22%5D&n=3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := echoServer(t)
			tc, _, _ := httpContext(t, srv)
			c.task.URI = srv.URL
			if _, err := postTask(t, &HTTPRequest{c.task}, tc); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			s := (*got)[0]
			if ct := s.header.Get("Content-Type"); ct != c.wantType {
				t.Errorf("Content-Type: got %q, want %q", ct, c.wantType)
			}
			if string(s.body) != c.wantBody {
				t.Errorf("body: got %q, want %q", s.body, c.wantBody)
			}
			if want := strings.ToUpper(c.task.Method); s.method != want {
				t.Errorf("method: got %s, want %s", s.method, want)
			}
		})
	}
}

func TestRequestMultipartSendsStorageFiles(t *testing.T) {
	type part struct{ name, filename, content string }
	var parts []part
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), string(b)})
		}
	}))
	defer srv.Close()
	tc, _, _ := httpContext(t, srv)
	uri, _ := tc.Storage.Put("report.csv", strings.NewReader("a,b\n1,2\n"))
	task := &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Method: "POST", ContentType: "multipart/form-data", FormData: map[string]any{
		"file":    uri,
		"renamed": map[string]any{"name": "data.csv", "content": uri},
		"title":   "for {{ name }}",
		"n":       map[string]any{"x": 1},
	}}}}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	want := []part{
		{"file", "report.csv", "a,b\n1,2\n"},
		{"n", "", `{"x":1}`},
		{"renamed", "data.csv", "a,b\n1,2\n"},
		{"title", "", "for world"},
	}
	if !reflect.DeepEqual(parts, want) {
		t.Errorf("parts:\ngot  %q\nwant %q", parts, want)
	}
}

func TestRequestHeadersAndAuthAreSentAndMasked(t *testing.T) {
	cases := []struct {
		name       string
		opts       *HTTPOptions
		headers    map[string]string
		uriSuffix  string
		wantAuth   string
		wantMasked []string
	}{
		{"basic", &HTTPOptions{Auth: &HTTPAuth{Type: "BASIC", Username: "bob", Password: "pa55word"}}, nil, "",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("bob:pa55word")), []string{"pa55word", base64.StdEncoding.EncodeToString([]byte("bob:pa55word"))}},
		{"basic, older spelling", &HTTPOptions{BasicAuthUser: "bob", BasicAuthPassword: "pa55word"}, nil, "",
			"Basic " + base64.StdEncoding.EncodeToString([]byte("bob:pa55word")), []string{"pa55word"}},
		{"bearer", &HTTPOptions{Auth: &HTTPAuth{Type: "bearer", Token: "tok-{{ name }}"}}, nil, "", "Bearer tok-world", []string{"tok-world"}},
		{"an Authorization header", nil, map[string]string{"Authorization": "Token abc123"}, "", "Token abc123", []string{"Token abc123", "abc123"}},
		{"a key header and a token in the query", nil, map[string]string{"X-Api-Key": "k-999"}, "?access_token=qs-secret&page=2", "", []string{"k-999", "qs-secret"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := echoServer(t)
			tc, _, masked := httpContext(t, srv)
			task := &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + c.uriSuffix, Options: c.opts, Headers: c.headers}}}
			if _, err := postTask(t, task, tc); err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if a := (*got)[0].header.Get("Authorization"); a != c.wantAuth {
				t.Errorf("Authorization: got %q, want %q", a, c.wantAuth)
			}
			for _, m := range c.wantMasked {
				if !slices.Contains(*masked, m) {
					t.Errorf("masked: got %q, want %q among them", *masked, m)
				}
			}
			if slices.Contains(*masked, "2") || slices.Contains(*masked, "bob") {
				t.Errorf("masked: got %q, want only what authenticates", *masked)
			}
		})
	}
}

func TestRequestRefusedCodes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
		fmt.Fprint(w, `{"error": "nope"}`)
	}))
	defer srv.Close()
	yes, no := true, false
	cases := []struct {
		name    string
		code    int
		task    HTTPProperties
		wantErr string
	}{
		{"404 fails", 404, HTTPProperties{HTTPCallProperties: HTTPCallProperties{}}, "Failed http request with response code '404' and body:\n{\"error\": \"nope\"}"},
		{"500 fails", 500, HTTPProperties{HTTPCallProperties: HTTPCallProperties{}}, "Failed http request with response code '500'"},
		{"allowFailed", 404, HTTPProperties{HTTPCallProperties: HTTPCallProperties{}, AllowFailed: true}, ""},
		{"options.allowFailed", 503, HTTPProperties{HTTPCallProperties: HTTPCallProperties{Options: &HTTPOptions{AllowFailed: &yes}}}, ""},
		{"options.allowFailed false", 503, HTTPProperties{HTTPCallProperties: HTTPCallProperties{Options: &HTTPOptions{AllowFailed: &no}}}, "response code '503'"},
		{"allowed code", 404, HTTPProperties{HTTPCallProperties: HTTPCallProperties{Options: &HTTPOptions{AllowedResponseCodes: []int{200, 404}}}}, ""},
		{"a code not listed fails, even a 2xx", 201, HTTPProperties{HTTPCallProperties: HTTPCallProperties{Options: &HTTPOptions{AllowedResponseCodes: []int{200}}}}, "response code '201'"},
		{"listed codes win over allowFailed", 500, HTTPProperties{HTTPCallProperties: HTTPCallProperties{Options: &HTTPOptions{AllowedResponseCodes: []int{200}}}, AllowFailed: true}, "response code '500'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, _, _ := httpContext(t, srv)
			c.task.URI = srv.URL + "?code=" + strconv.Itoa(c.code)
			res, err := postTask(t, &HTTPRequest{c.task}, tc)
			if c.wantErr == "" {
				if err != nil || res.Outputs["code"] != c.code || res.Outputs["body"] != `{"error": "nope"}` {
					t.Errorf("got %v, %v, want code %d and the body", res.Outputs, err, c.code)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("got %v, want %q", err, c.wantErr)
			}
			if res.Outputs["code"] != c.code {
				t.Errorf("outputs: got %v, want the code even on failure", res.Outputs)
			}
		})
	}
}

func TestRequestRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusFound) })
	mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "moved here") })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tc, _, _ := httpContext(t, srv)
	res, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "/old"}}}, tc)
	if err != nil || res.Outputs["code"] != 200 || res.Outputs["body"] != "moved here" {
		t.Errorf("followed: got %v, %v, want 200 and the new page", res.Outputs, err)
	}
	no := false
	res, err = postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "/old", Options: &HTTPOptions{FollowRedirects: &no}}}}, tc)
	if err != nil || res.Outputs["code"] != 302 || res.Outputs["headers"].(map[string]any)["Location"] == nil {
		t.Errorf("not followed: got %v, %v, want 302 and its Location", res.Outputs, err)
	}
}

// stallServer sends the headers and head bytes of its body, then sends nothing more until
// the client goes away. With head < 0 it does not even answer.
func stallServer(t *testing.T, head int) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if head >= 0 {
			w.Header().Set("Content-Length", "1000000")
			w.WriteHeader(200)
			w.Write(bytes.Repeat([]byte("x"), head))
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

func TestRequestTimeouts(t *testing.T) {
	t.Run("a server that never answers", func(t *testing.T) {
		srv := stallServer(t, -1)
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{ReadTimeout: "PT0.2S"}}}}, tc)
		if want := "GET " + srv.URL + ": no answer within PT0.2S (options.readTimeout)"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("a server that never answers, through a transport not Go's own", func(t *testing.T) {
		srv := stallServer(t, -1)
		tc, _, _ := httpContext(t, srv)
		tc.HTTP = &http.Client{Transport: wrappedTransport{srv.Client().Transport}}
		_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{ReadTimeout: "PT0.2S", ConnectTimeout: "PT0.1S"}}}}, tc)
		if want := "GET " + srv.URL + ": no answer within PT0.2S (options.readTimeout)"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("options.timeout, Kestra 0.21's spelling", func(t *testing.T) {
		srv := stallServer(t, -1)
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{Timeout: &HTTPTimeout{ReadIdleTimeout: "PT0.2S"}}}}}, tc)
		if want := "GET " + srv.URL + ": no answer within PT0.2S (options.readTimeout)"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("the disk fills up", func(t *testing.T) {
		// The storage fails a write part way, as the real one does on a full disk: the task
		// fails with the storage's error, and no URI is output.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(8<<20))
			io.Copy(w, &patternBody{block: []byte("0123456789abcdef"), left: 8 << 20})
		}))
		defer srv.Close()
		tc, _, _ := httpContext(t, srv)
		tc.Storage = fullStorage{room: 1 << 20}
		res, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		want := "storing the download: internal storage: writing kestra:///x/data stopped after 1048576 bytes: no space left on device"
		if err == nil || err.Error() != want || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("got %v, want %q", err, want)
		}
		if res.Outputs["uri"] != nil {
			t.Errorf("outputs: got %v, want no uri", res.Outputs)
		}
	})
	t.Run("a body that stops coming", func(t *testing.T) {
		srv := stallServer(t, 10)
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{ReadTimeout: "PT0.2S"}}}}, tc)
		if want := "GET " + srv.URL + ": the answer stopped coming: nothing for PT0.2S after 10 bytes (options.readTimeout)"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("the task's own end", func(t *testing.T) {
		srv := stallServer(t, -1)
		tc, _, _ := httpContext(t, srv)
		ctx, cancel := context.WithCancelCause(context.Background())
		tc.Log = NewLogger(func(Level, string) {})
		go func() { cancel(errors.New("Timeout after 00:00:01.000")) }()
		_, err := (&HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}).Run(ctx, tc)
		if err == nil || !strings.Contains(err.Error(), "stopped: Timeout after 00:00:01.000") {
			t.Errorf("got %v, want the task's timeout named", err)
		}
	})
}

func TestRequestCannotConnect(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	tc, _, _ := httpContext(t, nil)
	_, err = postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://" + addr + "/x"}}}, tc)
	if want := "GET http://" + addr + "/x: cannot connect: "; err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v, want %q and connection refused", err, want)
	}
}

func TestRequestMaxContentLength(t *testing.T) {
	body := strings.Repeat("y", 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length: the length is only known by reading
		}
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	limit := int64(1024)
	for _, q := range []string{"", "?chunked"} {
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + q, Options: &HTTPOptions{MaxContentLength: &limit}}}}, tc)
		if err == nil || !strings.Contains(err.Error(), "than options.maxContentLength (1024 bytes)") || !strings.Contains(err.Error(), "http.Download") {
			t.Errorf("%q: got %v, want the limit and the Download hint", q, err)
		}
	}
	tc, _, _ := httpContext(t, srv)
	res, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
	if err != nil || res.Outputs["body"] != body {
		t.Errorf("under the default limit: got %v, want the body", err)
	}
}

func TestRequestBodyText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		w.Write([]byte{'c', 'a', 'f', 0xe9})
	}))
	defer srv.Close()
	tc, _, _ := httpContext(t, srv)
	res, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "?type=text/plain%3B+charset=ISO-8859-1"}}}, tc)
	if err != nil || res.Outputs["body"] != "café" {
		t.Errorf("Latin-1: got %q, %v, want café", res.Outputs["body"], err)
	}
	_, err = postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "?type=application/octet-stream"}}}, tc)
	if err == nil || !strings.Contains(err.Error(), "not valid UTF-8") || !strings.Contains(err.Error(), "Download") {
		t.Errorf("binary: got %v, want the body refused with the Download hint", err)
	}
}

func TestRequestRefusesBadProperties(t *testing.T) {
	cases := []struct {
		task HTTPProperties
		want string
	}{
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "ftp://example.com/x"}}, "uri: ftp://example.com/x: want an http or https URL with a host"},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://u:hunter22@127.0.0.1:1/%zz"}}, "uri: not a valid URL"},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://127.0.0.1:1", Method: "FETCH"}}, `method: "FETCH" is not an HTTP method`},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://127.0.0.1:1", Headers: map[string]string{"X A": "1"}}}, `headers.X A: "X A" is not a valid HTTP header name`},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://127.0.0.1:1", Options: &HTTPOptions{ReadTimeout: "10s"}}}, "options.readTimeout: "},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://127.0.0.1:1", Options: &HTTPOptions{Auth: &HTTPAuth{Type: "DIGEST"}}}}, `options.auth.type: "DIGEST" is not supported by flowctl: use BASIC or BEARER`},
		{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://127.0.0.1:1", Options: &HTTPOptions{Auth: &HTTPAuth{Type: "BEARER"}}}}, "options.auth.token: a BEARER auth needs a token"},
	}
	for _, c := range cases {
		tc, _, _ := httpContext(t, nil)
		_, err := postTask(t, &HTTPRequest{c.task}, tc)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.task, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter22") {
			t.Errorf("got %v, want the URL's password left out", err)
		}
	}
}

// fileServer answers with body, named by Content-Disposition when disposition is set.
func fileServer(t *testing.T, body, disposition string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if disposition != "" {
			w.Header().Set("Content-Disposition", disposition)
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDownloadStoresTheBody(t *testing.T) {
	cases := []struct {
		name, path, disposition, wantName string
	}{
		{"named by Content-Disposition", "/get", `attachment; filename="report 2026.csv"`, "report+2026.csv"},
		{"Content-Disposition with a path", "/get", `attachment; filename="../../etc/passwd"`, "passwd"},
		{"Content-Disposition in UTF-8", "/get", `attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt`, "r%C3%A9sum%C3%A9.txt"},
		{"the URL's extension", "/files/data.tar.gz", "", ".tar.gz"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := fileServer(t, "a,b\n1,2\n", c.disposition)
			tc, rec, _ := httpContext(t, srv)
			res, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + c.path}}}, tc)
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			uri, _ := res.Outputs["uri"].(string)
			if !strings.HasPrefix(uri, storagePrefix) || !strings.HasSuffix(uri, c.wantName) {
				t.Errorf("uri: got %q, want a kestra:// URI ending %q", uri, c.wantName)
			}
			f := tc.Storage.(*fakeStorage).files[uri]
			if f == nil || string(f.head) != "a,b\n1,2\n" {
				t.Errorf("stored: got %+v, want the body", f)
			}
			if res.Outputs["code"] != 200 || res.Outputs["length"] != int64(8) || res.Outputs["headers"] == nil {
				t.Errorf("outputs: got %v, want code 200, length 8 and the headers", res.Outputs)
			}
			if len(rec.at(LevelInfo)) != 1 {
				t.Errorf("log: got%s, want one line", rec.dump())
			}
		})
	}
}

func TestDownloadFailures(t *testing.T) {
	t.Run("no storage", func(t *testing.T) {
		srv := fileServer(t, "x", "")
		tc, _, _ := httpContext(t, srv)
		tc.Storage = nil
		_, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		if err == nil || !strings.Contains(err.Error(), "internal storage") {
			t.Errorf("got %v, want the storage asked for", err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		srv := fileServer(t, "", "")
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		if err == nil || err.Error() != "No response from server" {
			t.Errorf("got %v, want Kestra's No response from server", err)
		}
		no := false
		tc, rec, _ := httpContext(t, srv)
		res, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}, FailOnEmptyResponse: &no}, tc)
		if err != nil || res.Outputs["length"] != int64(0) || !rec.has(LevelWarn, "File '"+srv.URL+"' is empty") {
			t.Errorf("failOnEmptyResponse false: got %v, %v, log%s, want an empty file and a warning", res.Outputs, err, rec.dump())
		}
	})
	t.Run("cut short", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.Write(bytes.Repeat([]byte("z"), 50))
		}))
		defer srv.Close()
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		if err == nil || err.Error() != "Invalid size, got 50, expected 100" {
			t.Errorf("got %v, want Kestra's Invalid size", err)
		}
	})
	t.Run("404", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		defer srv.Close()
		tc, _, _ := httpContext(t, srv)
		res, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		if err == nil || !strings.HasPrefix(err.Error(), "Failed http request with response code '404' and body:\n404 page not found") {
			t.Errorf("got %v, want Kestra's message and the body", err)
		}
		if len(tc.Storage.(*fakeStorage).files) != 0 || res.Outputs["uri"] != nil {
			t.Errorf("got %v stored, want nothing", res.Outputs)
		}
	})
	t.Run("the disk fills up", func(t *testing.T) {
		// The storage fails a write part way, as the real one does on a full disk: the task
		// fails with the storage's error, and no URI is output.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(8<<20))
			io.Copy(w, &patternBody{block: []byte("0123456789abcdef"), left: 8 << 20})
		}))
		defer srv.Close()
		tc, _, _ := httpContext(t, srv)
		tc.Storage = fullStorage{room: 1 << 20}
		res, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
		want := "storing the download: internal storage: writing kestra:///x/data stopped after 1048576 bytes: no space left on device"
		if err == nil || err.Error() != want || !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("got %v, want %q", err, want)
		}
		if res.Outputs["uri"] != nil {
			t.Errorf("outputs: got %v, want no uri", res.Outputs)
		}
	})
	t.Run("a body that stops coming", func(t *testing.T) {
		srv := stallServer(t, 4096)
		tc, _, _ := httpContext(t, srv)
		_, err := postTask(t, &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{ReadTimeout: "PT0.2S"}}}}, tc)
		if want := "nothing for PT0.2S after 4096 bytes (options.readTimeout)"; err == nil || !strings.HasSuffix(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	})
}

// patternBody is a generated body of size bytes: block repeated, the last copy cut.
type patternBody struct {
	block []byte
	left  int64
	off   int
}

func (p *patternBody) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(b) && p.left > 0 {
		c := copy(b[n:min(len(b), n+int(min(p.left, int64(len(p.block)-p.off))))], p.block[p.off:])
		n += c
		p.left -= int64(c)
		p.off = (p.off + c) % len(p.block)
	}
	return n, nil
}

// peakHeap samples the heap in use until stop is called, and returns the highest figure.
func peakHeap() (stop func() uint64) {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		var m runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

// TestDownloadStreamsTwoGiB downloads 2 GiB from loopback and checks that what was stored is
// what was sent, and that the heap of the whole process (server included) stayed under
// 30 MiB: the body goes from the socket to the storage a buffer at a time.
func TestDownloadStreamsTwoGiB(t *testing.T) {
	const size = 2 << 30
	block := make([]byte, 64<<10)
	for i := range block {
		block[i] = byte(i*7 + i/251)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		w.Header().Set("Content-Disposition", `attachment; filename="big.bin"`)
		io.Copy(w, &patternBody{block: block, left: size})
	}))
	defer srv.Close()
	want := crc32.NewIEEE()
	io.Copy(want, &patternBody{block: block, left: size})

	tc, _, _ := httpContext(t, srv)
	tc.Storage.(*fakeStorage).keep = 0
	runtime.GC()
	stop := peakHeap()
	res, err := (&HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}).Run(context.Background(), tc)
	peak := stop()
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	f := tc.Storage.(*fakeStorage).files[res.Outputs["uri"].(string)]
	if res.Outputs["length"] != int64(size) || f.size != size || f.sum != want.Sum32() {
		t.Errorf("stored %d bytes (output %v), CRC %08x, want %d bytes, CRC %08x", f.size, res.Outputs["length"], f.sum, size, want.Sum32())
	}
	t.Logf("2 GiB download: peak heap in use %.1f MiB", float64(peak)/(1<<20))
	if peak > 30<<20 {
		t.Errorf("peak heap in use: got %.1f MiB, want under 30 MiB", float64(peak)/(1<<20))
	}
}

// wrappedTransport hides the *http.Transport it wraps, as a transport of a test would.
type wrappedTransport struct{ rt http.RoundTripper }

func (w wrappedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return w.rt.RoundTrip(r)
}

func TestRequestInsecureTrustAllCertificates(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tls ok") }))
	defer srv.Close()
	tc, rec, _ := httpContext(t, nil) // Go's default transport: the test certificate is not trusted
	_, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL}}}, tc)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("checked: got %v, want the certificate refused", err)
	}
	res, err := postTask(t, &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, SSLOptions: &HTTPSSLOptions{InsecureTrustAllCertificates: true}}}}, tc)
	if err != nil || res.Outputs["body"] != "tls ok" {
		t.Errorf("insecure: got %v, %v, want the body", res.Outputs, err)
	}
	if !rec.has(LevelWarn, "sslOptions.insecureTrustAllCertificates: the server's certificate is not checked") {
		t.Errorf("log: got%s, want a warning", rec.dump())
	}
}

// BenchmarkDownload100MiB downloads 100 MiB from loopback into a storage that only counts,
// and reports the peak heap in use of the process alongside the throughput.
func BenchmarkDownload100MiB(b *testing.B) {
	const size = 100 << 20
	block := bytes.Repeat([]byte("0123456789abcdef"), 4<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		io.Copy(w, &patternBody{block: block, left: size})
	}))
	defer srv.Close()
	storage := newFakeStorage()
	storage.keep = 0
	tc := &Context{TaskID: "bench", Log: NewLogger(func(Level, string) {}), HTTP: srv.Client(), Storage: storage}
	task := &HTTPDownload{HTTPProperties: HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL + "/data.bin"}}}
	b.SetBytes(size)
	runtime.GC()
	stop := peakHeap()
	for b.Loop() {
		if _, err := task.Run(context.Background(), tc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
}

// fullStorage takes room bytes of a file, then fails the write as the storage does on a full
// disk (runner/storage words it so).
type fullStorage struct{ room int64 }

func (s fullStorage) Put(name string, r io.Reader) (string, error) {
	n, err := io.Copy(io.Discard, io.LimitReader(r, s.room))
	if err != nil {
		return "", err
	}
	return "", fmt.Errorf("internal storage: writing kestra:///x/data stopped after %d bytes: %w", n, syscall.ENOSPC)
}

func (fullStorage) Open(uri string) (io.ReadCloser, error) { return nil, fs.ErrNotExist }
func (fullStorage) Stat(uri string) (int64, error)         { return 0, fs.ErrNotExist }

// TestRequestThroughAProxy: proxyType HTTP sends the request to proxyAddress:proxyPort with
// the proxy's credentials (masked); DIRECT, Kestra's default, sends it straight, and an
// address without a type is said not to be used rather than ignored silently.
func TestRequestThroughAProxy(t *testing.T) {
	var mu sync.Mutex
	var via []seen
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		via = append(via, seen{method: r.Method, path: r.URL.String(), header: r.Header.Clone()})
		mu.Unlock()
		fmt.Fprint(w, "from the proxy")
	}))
	t.Cleanup(proxy.Close)
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(proxy.URL, "http://"))
	portN, _ := strconv.ParseInt(port, 10, 64)

	tc, rec, masked := httpContext(t, nil)
	tc.HTTP = &http.Client{Transport: &http.Transport{}}
	task := &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://flowctl.invalid/data", Options: &HTTPOptions{
		ProxyType: "HTTP", ProxyAddress: host, ProxyPort: &portN, ProxyUsername: "pu", ProxyPassword: "proxy-pa55"}}}}
	res, err := postTask(t, task, tc)
	if err != nil {
		t.Fatalf("got %v, want the proxy's answer", err)
	}
	if body := res.Outputs["body"]; body != "from the proxy" {
		t.Errorf("body: got %v, want the proxy's", body)
	}
	if len(via) != 1 || via[0].path != "http://flowctl.invalid/data" {
		t.Fatalf("the proxy saw %+v, want one request for http://flowctl.invalid/data", via)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("pu:proxy-pa55"))
	if got := via[0].header.Get("Proxy-Authorization"); got != wantAuth {
		t.Errorf("Proxy-Authorization: got %q, want %q", got, wantAuth)
	}
	if !slices.Contains(*masked, "proxy-pa55") {
		t.Errorf("masked: got %q, want the proxy password among them", *masked)
	}

	// An address without a type: Kestra's client stays DIRECT; flowctl says so.
	srv, got := echoServer(t)
	tc, rec, _ = httpContext(t, srv)
	task = &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: srv.URL, Options: &HTTPOptions{ProxyAddress: host, ProxyPort: &portN}}}}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatalf("got %v, want a direct request", err)
	}
	if len(*got) != 1 || len(via) != 1 {
		t.Errorf("direct: the server saw %d requests and the proxy %d, want 1 and still 1", len(*got), len(via))
	}
	if !strings.Contains(rec.dump(), "proxyAddress and proxyPort are not used") {
		t.Errorf("want a warning that the proxy is not used, got %q", rec.dump())
	}

	// HTTP without an address is a mistake named by its property.
	tc, _, _ = httpContext(t, nil)
	task = &HTTPRequest{HTTPProperties{HTTPCallProperties: HTTPCallProperties{URI: "http://flowctl.invalid/", Options: &HTTPOptions{ProxyType: "HTTP"}}}}
	if _, err := postTask(t, task, tc); err == nil || !strings.Contains(err.Error(), "options.proxyType") || !strings.Contains(err.Error(), "needs proxyAddress and proxyPort") {
		t.Errorf("got %v, want proxyType refused without an address", err)
	}
}
