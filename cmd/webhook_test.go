package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/service"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

const webhookTestKey = "k3y-0f-th3-h00k"

// webhookServer serves the webhooks of a state holding the flows srcs, on loopback.
func webhookServer(t *testing.T, max int, srcs ...string) (*httptest.Server, *service.Service, *syncBuffer, *syncBuffer) {
	t.Helper()
	return webhookServerCtx(t, context.Background(), max, srcs...)
}

// webhookServerCtx is webhookServer whose executions run under ctx (the server's life).
func webhookServerCtx(t *testing.T, ctx context.Context, max int, srcs ...string) (*httptest.Server, *service.Service, *syncBuffer, *syncBuffer) {
	t.Helper()
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, errw := &syncBuffer{}, &syncBuffer{}
	pal := report.NewPalette(false)
	svc := &service.Service{Store: store, Registry: tasks.Builtin(), Environ: []string{},
		Notify: &notifier{err: errw, errPal: pal, out: out, pal: pal}}
	for _, src := range srcs {
		f, err := flow.Parse("hook.yml", []byte(src), tasks.Builtin())
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Apply(f, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = newWebhookServer(newWebhookHandler(ctx, svc, out, pal, errw, max), errw)
	srv.Listener = rawListener{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, svc, out, errw
}

func hookFlow(id, more string) string {
	return `id: ` + id + `
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "got {{ trigger.body.name ?? trigger.body }} from {{ trigger.headers['X-From'][0] ?? 'nobody' }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: ` + webhookTestKey + "\n" + more
}

func send(t *testing.T, method, url, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestWebhookHandlerStartsTheExecution(t *testing.T) {
	srv, svc, out, errw := webhookServer(t, 2, hookFlow("hook", ""))
	url := srv.URL + "/api/v1/executions/webhook/company.team/hook/" + webhookTestKey
	for _, method := range []string{"POST", "PUT"} {
		code, h, body := send(t, method, url+"?x=1", `{"name":"ann"}`, "Content-Type", "application/json", "X-From", "ci")
		if code != http.StatusOK || h.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: got %d %s %s, want 200 and the execution", method, code, h.Get("Content-Type"), body)
		}
		var doc struct {
			ID      string
			State   struct{ Current string }
			Trigger struct {
				Variables struct {
					Body       map[string]any
					Headers    map[string][]string
					Parameters map[string][]string
				}
			}
		}
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatal(err)
		}
		v := doc.Trigger.Variables
		if doc.State.Current != "CREATED" || v.Body["name"] != "ann" || v.Headers["X-From"][0] != "ci" || v.Parameters["x"][0] != "1" {
			t.Errorf("%s: got %s", method, body)
		}
		if !strings.Contains(errw.String(), method+" company.team.hook → 200 execution "+doc.ID) {
			t.Errorf("%s: stderr %q, want the request said", method, errw.String())
		}
	}
	// The Tenant form of the URL (Kestra 0.24+), a GET without body.
	if code, _, body := send(t, "GET", srv.URL+"/api/v1/main/executions/webhook/company.team/hook/"+webhookTestKey, ""); code != http.StatusOK {
		t.Errorf("the tenant URL: got %d %s", code, body)
	}
	svc.Wait()
	if got := strings.Count(out.String(), "[say] INFO  got ann from ci"); got != 2 {
		t.Errorf("stdout %q: want the two executions' log lines", out.String())
	}
	recs, err := svc.Store.Executions(state.ListFilter{})
	if err != nil || len(recs) != 3 {
		t.Errorf("recorded %d executions, want 3: %v", len(recs), err)
	}
	if strings.Contains(errw.String()+out.String(), webhookTestKey) {
		t.Errorf("the key was printed:\n%s\n%s", errw.String(), out.String())
	}
}

func TestWebhookHandlerRefusals(t *testing.T) {
	srv, svc, _, errw := webhookServer(t, 1,
		hookFlow("hook", "    conditions:\n      - type: io.kestra.plugin.core.condition.Expression\n        expression: \"{{ trigger.body.go ?? false }}\"\n"),
		hookFlow("off", "disabled: true\n"),
		"inputs:\n  - id: n\n    type: INT\n"+hookFlow("typed", "    inputs:\n      n: \"{{ trigger.body.n }}\"\n"))
	base := srv.URL + "/api/v1/executions/webhook/company.team/"
	for _, c := range []struct {
		name, method, url, body string
		code                    int
		msg                     string
	}{
		{"unknown flow", "POST", srv.URL + "/api/v1/executions/webhook/not-found/webhook/not-found", "{}", 404, "Not Found: Flow not found"},
		{"wrong key", "POST", base + "hook/wrong-key-123", "{}", 404, "Not Found: Webhook not found"},
		{"disabled flow", "POST", base + "off/" + webhookTestKey, "{}", 409, "Illegal state: Cannot execute a disabled flow"},
		{"DELETE", "DELETE", base + "hook/" + webhookTestKey, "", 405, "Method Not Allowed"},
		{"another path", "GET", srv.URL + "/api/v1/flows", "", 404, "Not Found"},
		{"an input that does not fit", "POST", base + "typed/" + webhookTestKey, `{"n":"x"}`, 422, "Invalid entity: input \"n\": "},
		{"too large", "POST", base + "hook/" + webhookTestKey, strings.Repeat("x", maxWebhookBody+1), 413, "Request Entity Too Large: the body is over 8388608 bytes"},
	} {
		code, _, body := send(t, c.method, c.url, c.body)
		var m struct{ Message string }
		if err := json.Unmarshal([]byte(body), &m); err != nil || code != c.code || !messageIs(m.Message, c.msg) {
			t.Errorf("%s: got %d %s, want %d %q", c.name, code, body, c.code, c.msg)
		}
	}
	if code, _, body := send(t, "POST", base+"hook/"+webhookTestKey, `{"go":false}`); code != http.StatusNoContent || body != "" {
		t.Errorf("conditions unmet: got %d %q, want 204 and no body", code, body)
	}
	// The slot of each refused request is given back: with --max-executions 1, one that
	// holds goes on.
	if code, _, body := send(t, "POST", base+"hook/"+webhookTestKey, `{"go":true}`); code != http.StatusOK {
		t.Errorf("conditions met: got %d %s, want 200", code, body)
	}
	svc.Wait()
	if strings.Contains(errw.String(), webhookTestKey) || strings.Contains(errw.String(), "wrong-key-123") {
		t.Errorf("a key was printed:\n%s", errw.String())
	}
}

// messageIs compares a message with want, exactly, or by its start when want ends with ": "
// (what follows quotes the value refused).
func messageIs(got, want string) bool {
	if strings.HasSuffix(want, ": ") {
		return strings.HasPrefix(got, want)
	}
	return got == want
}

func TestRedactWebhookURL(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v1/executions/webhook/ns/id/secret":      "/api/v1/executions/webhook/ns/id/******",
		"/api/v1/main/executions/webhook/ns/id/s/more": "/api/v1/main/executions/webhook/ns/id/******",
		"/api/v1/executions/webhook/ns":                "/api/v1/executions/webhook/ns",
		"/other/path":                                  "/other/path",
	} {
		if got := redactWebhookURL(in); got != want {
			t.Errorf("redactWebhookURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "localhost:0": true, "[::1]:80": true, "0.0.0.0:8080": false, ":8080": false, "nope": false} {
		if err := checkLoopback(addr, false); (err == nil) != ok {
			t.Errorf("checkLoopback(%q): got %v, want ok=%v", addr, err, ok)
		}
	}
	if err := checkLoopback("0.0.0.0:8080", true); err != nil {
		t.Errorf("--public: got %v", err)
	}
}

// gatedFlow runs until the file trigger.body.gate exists.
const gatedFlow = `id: gated
namespace: company.team
tasks:
  - id: wait
    type: io.kestra.plugin.scripts.shell.Commands
    warningOnStdErr: false
    commands:
      - "until [ -e '{{ trigger.body.gate }}' ]; do sleep 0.01; done"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: ` + webhookTestKey + "\n"

// TestWebhookStopKillsRunningExecutions: the signal that stops the server (its context)
// kills the executions running, which are recorded KILLED.
func TestWebhookStopKillsRunningExecutions(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	srv, svc, _, _ := webhookServerCtx(t, ctx, 2, gatedFlow)
	url := srv.URL + "/api/v1/executions/webhook/company.team/gated/" + webhookTestKey
	code, _, body := send(t, "POST", url, `{"gate":"`+filepath.Join(t.TempDir(), "never")+`"}`)
	if code != http.StatusOK {
		t.Fatalf("got %d %s", code, body)
	}
	var doc struct{ ID string }
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	stop()
	svc.Wait()
	rec, ok, err := svc.Store.Execution(doc.ID)
	if err != nil || !ok || rec.State != "KILLED" {
		t.Errorf("execution %s: recorded %q (%v, %v), want KILLED", doc.ID, rec.State, ok, err)
	}
}

// TestWebhookHandlerBoundsExecutions: with --max-executions 1, a second request waits until
// the first execution ends, then starts its own.
func TestWebhookHandlerBoundsExecutions(t *testing.T) {
	srv, svc, _, errw := webhookServer(t, 1, gatedFlow)
	dir := t.TempDir()
	url := srv.URL + "/api/v1/executions/webhook/company.team/gated/" + webhookTestKey
	gate := func(n string) string { return filepath.Join(dir, n) }
	body := func(n string) string { return `{"gate":"` + gate(n) + `"}` }
	if code, _, b := send(t, "POST", url, body("one")); code != http.StatusOK {
		t.Fatalf("first: got %d %s", code, b)
	}
	second := make(chan int, 1)
	go func() {
		// Not send: t.Fatal belongs to the test's goroutine.
		resp, err := http.Post(url, "application/json", strings.NewReader(body("two")))
		if err != nil {
			second <- 0
			return
		}
		resp.Body.Close()
		second <- resp.StatusCode
	}()
	// The second request says it waits; until the first execution ends, it starts nothing.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errw.String(), "waiting for a free execution slot (1 running)") {
		if time.Now().After(deadline) {
			t.Fatalf("the second request never waited; stderr:\n%s", errw.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if recs, err := svc.Store.Executions(state.ListFilter{}); err != nil || len(recs) != 1 {
		t.Fatalf("while the first runs: %d executions recorded, want 1 (%v)", len(recs), err)
	}
	if err := os.WriteFile(gate("one"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code := <-second; code != http.StatusOK {
		t.Errorf("second: got %d, want 200 once the first ended", code)
	}
	if err := os.WriteFile(gate("two"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	recs, err := svc.Store.Executions(state.ListFilter{})
	if err != nil || len(recs) != 2 {
		t.Fatalf("%d executions recorded, want 2 (%v)", len(recs), err)
	}
	for _, r := range recs {
		if r.State != "SUCCESS" {
			t.Errorf("execution %s ended %s, want SUCCESS", r.ID, r.State)
		}
	}
}

func TestTriggeredBy(t *testing.T) {
	for _, c := range []struct {
		t    runner.ExecTrigger
		want string
	}{
		{runner.ExecTrigger{ID: "on", Type: flow.TriggerFlow, Variables: map[string]any{"executionId": "abc"}}, "triggered by on (Flow) for execution abc"},
		{runner.ExecTrigger{ID: "daily", Type: flow.TriggerSchedule, Variables: map[string]any{"date": "2026-12-01T09:00:00Z"}}, "triggered by daily (Schedule) for the date 2026-12-01T09:00:00Z"},
		{runner.ExecTrigger{ID: "gh", Type: flow.TriggerWebhook, Variables: map[string]any{"body": nil}}, "triggered by gh (Webhook) from a webhook request"},
	} {
		if got := triggeredBy(&c.t); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestWebhookHandlerConcurrentRequests sends requests at once (run with -race): each gets
// its execution, all recorded.
func TestWebhookHandlerConcurrentRequests(t *testing.T) {
	srv, svc, out, _ := webhookServer(t, 3, hookFlow("hook", ""), hookFlow("other", ""))
	const n = 12
	codes := make(chan int, n)
	for i := range n {
		id := []string{"hook", "other"}[i%2]
		go func() {
			resp, err := http.Post(srv.URL+"/api/v1/executions/webhook/company.team/"+id+"/"+webhookTestKey, "application/json",
				strings.NewReader(`{"name":"n`+strconv.Itoa(i)+`"}`))
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for range n {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("got %d, want 200", code)
		}
	}
	svc.Wait()
	recs, err := svc.Store.Executions(state.ListFilter{})
	if err != nil || len(recs) != n {
		t.Fatalf("%d executions recorded, want %d (%v)", len(recs), n, err)
	}
	for i := range n {
		if !strings.Contains(out.String(), "got n"+strconv.Itoa(i)+" from nobody\n") {
			t.Errorf("no log line of request %d in:\n%s", i, out.String())
		}
	}
	// Each line says which execution wrote it: the short id of one recorded, a different
	// one for each request.
	ids := map[string]bool{}
	for _, r := range recs {
		ids[r.ID[:8]] = true
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		id, rest, _ := strings.Cut(line, " ")
		if !ids[id] || !strings.HasPrefix(rest, "[") {
			t.Errorf("line %q does not start with the short id of an execution", line)
		}
		seen[id] = true
	}
	if len(seen) != n {
		t.Errorf("lines of %d executions, want %d:\n%s", len(seen), n, out.String())
	}
}

// TestWebhookHeadersKeepTheirCase: trigger.headers names the headers as the client wrote
// them, as Kestra does (GitHub's X-GitHub-Event, not Go's X-Github-Event), request after
// request on one connection.
func TestWebhookHeadersKeepTheirCase(t *testing.T) {
	srv, svc, _, _ := webhookServer(t, 2, hookFlow("hook", ""))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	path := "/api/v1/executions/webhook/company.team/hook/" + webhookTestKey
	for _, event := range []string{"star", "push"} {
		body := `{"name":"` + event + `"}`
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nhost: 127.0.0.1\r\nX-GitHub-Event: %s\r\ncontent-type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			path, event, len(body), body)
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var doc struct {
			Trigger struct {
				Variables struct{ Headers map[string][]string }
			}
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v: %s", event, err, b)
		}
		h := doc.Trigger.Variables.Headers
		if got := h["X-GitHub-Event"]; len(got) != 1 || got[0] != event {
			t.Errorf("%s: headers %v, want X-GitHub-Event: %s as written", event, h, event)
		}
		if h["content-type"] == nil || h["host"] == nil || h["Content-Length"] == nil {
			t.Errorf("%s: headers %v, want content-type, host and Content-Length as written", event, h)
		}
	}
	svc.Wait()
}

func TestSentNames(t *testing.T) {
	raw := []byte("POST /a HTTP/1.1\r\nX-GitHub-Event: star\r\n\r\n{\"x-github-event: no\"}POST /b HTTP/1.1\r\nx-hub-signature-256: s\r\nbody: no\r\n\r\nX-Not: header")
	got := sentNames(raw, "POST /b ")
	if got["x-hub-signature-256"] != "x-hub-signature-256" || got["body"] != "body" || len(got) != 2 {
		t.Errorf("got %v, want the names of the /b block only", got)
	}
	if got := sentNames(raw, "POST /a "); got["x-github-event"] != "X-GitHub-Event" || len(got) != 1 {
		t.Errorf("got %v, want X-GitHub-Event", got)
	}
	if got := sentNames([]byte("POST /c HTTP/1.1\r\nX-Cut"), "POST /c "); len(got) != 0 {
		t.Errorf("a cut block: got %v, want nothing", got)
	}
}
