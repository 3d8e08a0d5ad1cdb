package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
)

// pollServer answers each request with code and a JSON body, and counts the requests.
func pollServer(t *testing.T, code *atomic.Int32) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Price-Source", "test")
		w.WriteHeader(int(code.Load()))
		_, _ = w.Write([]byte(`{"price": 42}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// pollFlow is flow dev.poll with an http.Trigger on url, every minute, with more keys.
func pollFlow(url, more string) string {
	return logFlow("dev", "poll", "triggers:\n  - id: http\n    type: io.kestra.plugin.fs.http.Trigger\n    uri: "+url+"/price\n    interval: PT1M\n"+more)
}

// pollDocs returns the trigger of each execution of dev.poll recorded, oldest first.
func pollDocs(t *testing.T, s *Service) []runner.ExecTrigger {
	t.Helper()
	recs, err := s.Store.Executions(state.ListFilter{FlowID: "poll"})
	if err != nil {
		t.Fatal(err)
	}
	var out []runner.ExecTrigger
	for i := len(recs) - 1; i >= 0; i-- {
		var doc struct{ Trigger runner.ExecTrigger }
		if err := json.Unmarshal(recs[i].Doc, &doc); err != nil {
			t.Fatal(err)
		}
		out = append(out, doc.Trigger)
	}
	return out
}

func TestPollStartsAnExecutionEachIntervalWhenTheAnswerPasses(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)
	s, n := newService(t)
	apply(t, s, pollFlow(url, ""))
	// A new polling trigger is evaluated at once, as Kestra's scheduler does.
	if next, ok := s.NextDue(); !ok || !next.Equal(t0) {
		t.Fatalf("next due %v %v, want the apply time %v", next, ok, t0)
	}
	s.Tick(context.Background(), t0)
	docs := pollDocs(t, s)
	if hits.Load() != 1 || len(docs) != 1 {
		t.Fatalf("%d requests, %d executions, want 1 and 1: %q", hits.Load(), len(docs), n.all(""))
	}
	tr := docs[0]
	if tr.ID != "http" || tr.Type != "io.kestra.plugin.core.http.Trigger" {
		t.Errorf("trigger %s %s", tr.ID, tr.Type)
	}
	if tr.Variables["body"] != `{"price": 42}` || tr.Variables["code"] != 200.0 || tr.Variables["uri"] != url+"/price" {
		t.Errorf("trigger variables %v, want Kestra's Request outputs: body, code, uri", tr.Variables)
	}
	if h, _ := tr.Variables["headers"].(map[string]any); h == nil || !slices.Equal(h["X-Price-Source"].([]any), []any{"test"}) {
		t.Errorf("trigger.headers %v, want each name's list of values", tr.Variables["headers"])
	}
	if got := n.all("polled"); !slices.Equal(got, []string{"polled dev.poll/http 200", "polled ended dev.poll/http SUCCESS"}) {
		t.Errorf("said %q", got)
	}
	// Not due again before the interval has passed since this evaluation.
	s.Tick(context.Background(), t0.Add(59*time.Second))
	if hits.Load() != 1 {
		t.Errorf("%d requests before the interval passed, want 1", hits.Load())
	}
	if next, _ := s.NextDue(); !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("next due %v, want an interval after the evaluation", next)
	}
	// One evaluation per tick, however many intervals were missed.
	s.Tick(context.Background(), t0.Add(10*time.Minute))
	if hits.Load() != 2 || len(pollDocs(t, s)) != 2 {
		t.Errorf("%d requests, %d executions after a late tick, want 2 and 2", hits.Load(), len(pollDocs(t, s)))
	}
	if next, _ := s.NextDue(); !next.Equal(t0.Add(11 * time.Minute)) {
		t.Errorf("next due %v, want an interval after the late evaluation", next)
	}
}

func TestPollDefaultConditionRefusesAnError(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(500)
	url, hits := pollServer(t, code)
	s, n := newService(t)
	apply(t, s, pollFlow(url, ""))
	s.Tick(context.Background(), t0)
	if hits.Load() != 1 || len(pollDocs(t, s)) != 0 {
		t.Fatalf("%d requests, %d executions, want 1 and none (statusCode < 400 is the default condition)", hits.Load(), len(pollDocs(t, s)))
	}
	if len(n.all("")) != 0 {
		t.Errorf("said %q for an answer that does not pass, want nothing", n.all(""))
	}
	code.Store(204)
	s.Tick(context.Background(), t0.Add(time.Minute))
	if docs := pollDocs(t, s); len(docs) != 1 || docs[0].Variables["code"] != 204.0 || docs[0].Variables["body"] != "" {
		t.Errorf("executions %v, want one started by the 204 (no body: an empty one)", docs)
	}
}

func TestPollResponseCondition(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(500)
	url, _ := pollServer(t, code)
	for _, c := range []struct {
		cond string
		runs int
		note string
	}{
		{"{{ json(response.body).price <= 110 }}", 1, ""},
		{"{{ json(response.body).price > 110 }}", 0, ""},
		{"{{ response.statusCode == 500 and response.headers['X-Price-Source'][0] == 'test' }}", 1, ""},
		{"{{ response.statusCode - 500 }}", 0, ""}, // 0 is false, as Kestra's TruthUtils
		{"{{ flow.id }}", 1, ""},
		{"{{ response.nope.deeper }}", 0, "note warning: trigger dev.poll/http: responseCondition: "},
	} {
		t.Run(c.cond, func(t *testing.T) {
			s, n := newService(t)
			apply(t, s, pollFlow(url, "    responseCondition: \""+c.cond+"\"\n"))
			s.Tick(context.Background(), t0)
			if got := len(pollDocs(t, s)); got != c.runs {
				t.Errorf("%d executions, want %d: %q", got, c.runs, n.all(""))
			}
			if c.note != "" && !slices.ContainsFunc(n.all("note"), func(l string) bool { return strings.HasPrefix(l, c.note) }) {
				t.Errorf("said %q, want %q...", n.all(""), c.note)
			}
		})
	}
}

func TestPollHonoursDisabledAndToggles(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)

	s, _ := newService(t)
	apply(t, s, pollFlow(url, "    disabled: true\n"))
	s.Tick(context.Background(), t0)
	if hits.Load() != 0 {
		t.Errorf("a disabled trigger sent %d requests", hits.Load())
	}

	s, _ = newService(t)
	apply(t, s, pollFlow(url, ""))
	if err := s.Store.SetToggle(state.Toggle{Namespace: "dev", FlowID: "poll", TriggerID: "http", Disabled: true, At: t0}); err != nil {
		t.Fatal(err)
	}
	s.Tick(context.Background(), t0)
	if hits.Load() != 0 || len(pollDocs(t, s)) != 0 {
		t.Errorf("a trigger toggled off sent %d requests", hits.Load())
	}
	if next, _ := s.NextDue(); !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("next due %v: a toggled-off trigger must not stay due (scheduler run would spin)", next)
	}
	if err := s.Store.SetToggle(state.Toggle{Namespace: "dev", FlowID: "poll", TriggerID: "http", Disabled: false, At: t0}); err != nil {
		t.Fatal(err)
	}
	s.Tick(context.Background(), t0.Add(time.Minute))
	if hits.Load() != 1 || len(pollDocs(t, s)) != 1 {
		t.Errorf("toggled on again: %d requests, want 1", hits.Load())
	}
}

func TestPollStopAfter(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)
	s, n := newService(t)
	apply(t, s, pollFlow(url, "    stopAfter: [FAILED]\n"))
	s.Tick(context.Background(), t0)
	if toggledOff(s.toggles(), parse(t, pollFlow(url, "")), parse(t, pollFlow(url, "")).Triggers[0]) {
		t.Fatal("disabled after a SUCCESS, want only after a state of stopAfter")
	}
	s, n = newService(t)
	f := apply(t, s, pollFlow(url, "    stopAfter: [SUCCESS]\n"))
	s.Tick(context.Background(), t0)
	if !toggledOff(s.toggles(), f, f.Triggers[0]) {
		t.Fatalf("not disabled after an execution ended SUCCESS: %q", n.all(""))
	}
	if !slices.ContainsFunc(n.all("note"), func(l string) bool { return strings.Contains(l, "trigger dev.poll/http disabled: execution ") }) {
		t.Errorf("said %q, want the trigger's disabling", n.all(""))
	}
	before := hits.Load()
	s.Tick(context.Background(), t0.Add(time.Hour))
	if hits.Load() != before || len(pollDocs(t, s)) != 1 {
		t.Errorf("polled again after stopAfter: %d requests", hits.Load()-before)
	}
}

func TestPollExpressionConditionAndFlowTriggers(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)
	s, n := newService(t)
	apply(t, s, pollFlow(url, "    conditions:\n      - type: io.kestra.plugin.core.condition.Expression\n        expression: \"{{ flow.namespace == 'prod' }}\"\n"))
	s.Tick(context.Background(), t0)
	if hits.Load() != 0 {
		t.Errorf("a condition that does not hold: %d requests, want none (tested before the request)", hits.Load())
	}
	s, n = newService(t)
	apply(t, s, pollFlow(url, ""))
	apply(t, s, logFlow("dev", "after", "triggers:\n  - id: on\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionFlow\n        namespace: dev\n        flowId: poll\n"))
	s.Tick(context.Background(), t0)
	if got := n.all("fired"); !slices.Equal(got, []string{"fired dev.after/on by dev.poll"}) {
		t.Errorf("fired %q, want the Flow trigger of dev.after after the polled execution", got)
	}
}

func TestPollOverlappingTicksEvaluateOnce(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)
	s, _ := newService(t)
	apply(t, s, pollFlow(url, ""))
	entries, err := s.Store.Schedules()
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v %v", entries, err)
	}
	// Another tick read the same entry and claimed it first.
	if ok, err := s.Store.ClaimPoll("dev", "poll", "http", entries[0].Last, t0, t0.Add(time.Minute)); !ok || err != nil {
		t.Fatalf("claim %v %v", ok, err)
	}
	f := parse(t, pollFlow(url, ""))
	s.poll(context.Background(), entries[0], f, 1, f.Triggers[0], t0.Add(time.Second))
	if hits.Load() != 0 {
		t.Errorf("a claimed evaluation was evaluated again: %d requests", hits.Load())
	}
}

func TestPollRequestFailure(t *testing.T) {
	s, n := newService(t)
	apply(t, s, pollFlow("http://127.0.0.1:1", ""))
	s.Tick(context.Background(), t0)
	if len(pollDocs(t, s)) != 0 || !slices.ContainsFunc(n.all("note"), func(l string) bool { return strings.HasPrefix(l, "note warning: trigger dev.poll/http: ") }) {
		t.Errorf("said %q, want a warning naming the trigger and no execution", n.all(""))
	}
	if next, _ := s.NextDue(); !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("next due %v, want an interval later", next)
	}
}

func TestScheduleStopAfter(t *testing.T) {
	s, n := newService(t)
	f := apply(t, s, quarterly("")+"    stopAfter: [SUCCESS]\n")
	s.Tick(context.Background(), t0.Add(15*time.Minute))
	if !toggledOff(s.toggles(), f, f.Triggers[0]) {
		t.Fatalf("not disabled after its execution ended SUCCESS: %q", n.all(""))
	}
	s.Tick(context.Background(), t0.Add(30*time.Minute))
	if got := n.all("scheduled dev"); len(got) != 1 {
		t.Errorf("ran %q, want the first date only", got)
	}
}

func TestPollMasksWhatAuthenticates(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, _ := pollServer(t, code)
	s, _ := newService(t)
	s.Environ = []string{"SECRET_API_TOKEN=" + base64.StdEncoding.EncodeToString([]byte("tok-7777-clear"))}
	apply(t, s, pollFlow(url+"/q?x=1&access_token=tok-5555-clear&y=", "    headers:\n      Authorization: \"Bearer {{ secret('API_TOKEN') }}\"\n"))
	s.Tick(context.Background(), t0)
	recs, err := s.Store.Executions(state.ListFilter{FlowID: "poll"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d executions: %v", len(recs), err)
	}
	doc := string(recs[0].Doc)
	if strings.Contains(doc, "tok-5555-clear") || strings.Contains(doc, "tok-7777-clear") {
		t.Errorf("a secret is in the execution: %s", doc)
	}
	if !strings.Contains(doc, `"code":200`) || !strings.Contains(doc, `/q?x=1\u0026access_token=`) {
		t.Errorf("the execution has no trigger.code or trigger.uri: %s", doc)
	}
}

// TestPollKestraFlows applies Kestra's TriggerTest flows (http-listen, http-listen-encrypted),
// their URL pointed at a loopback server answering as the API they call, and ticks once:
// each starts an execution, as TriggerTest waits for.
func TestPollKestraFlows(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id": "aBc1", "value": "a joke"}`))
	}))
	t.Cleanup(srv.Close)
	for _, name := range []string{"http-listen", "http-listen-encrypted"} {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("..", "testdata", "kestra", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			s, n := newService(t)
			apply(t, s, strings.Replace(string(src), "https://api.chucknorris.io", srv.URL, 1))
			s.Tick(context.Background(), t0)
			recs, err := s.Store.Executions(state.ListFilter{FlowID: name})
			if err != nil || len(recs) != 1 || recs[0].State != runner.StateSuccess {
				t.Fatalf("executions %v %v, want one SUCCESS: %q", recs, err, n.all(""))
			}
			if next, _ := s.NextDue(); !next.Equal(t0.Add(10 * time.Second)) {
				t.Errorf("next due %v, want after its interval PT10S", next)
			}
		})
	}
}

// TestPollConditionNotEvaluated is Kestra's SchedulerPollingTriggerTest.failedEvaluationTest:
// a condition that cannot be evaluated (trigger.date does not exist for a polling trigger)
// records a FAILED execution, and no request is sent; with stopAfter [FAILED] the trigger is
// then disabled, as Kestra resets it with the FAILED state.
func TestPollConditionNotEvaluated(t *testing.T) {
	code := new(atomic.Int32)
	code.Store(200)
	url, hits := pollServer(t, code)
	s, n := newService(t)
	f := apply(t, s, pollFlow(url, "    stopAfter: [FAILED]\n    conditions:\n      - type: io.kestra.plugin.core.condition.Expression\n        expression: \"{{ trigger.date | date() < now() }}\"\n"))
	s.Tick(context.Background(), t0)
	recs, err := s.Store.Executions(state.ListFilter{FlowID: "poll"})
	if err != nil || len(recs) != 1 || recs[0].State != runner.StateFailed {
		t.Fatalf("executions %v %v, want one FAILED: %q", recs, err, n.all(""))
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests, want none", hits.Load())
	}
	if !slices.ContainsFunc(n.all("note"), func(l string) bool {
		return strings.HasPrefix(l, "note warning: trigger dev.poll/http: unable to evaluate the trigger: ")
	}) {
		t.Errorf("said %q, want the reason", n.all(""))
	}
	if !toggledOff(s.toggles(), f, f.Triggers[0]) {
		t.Error("stopAfter [FAILED]: the trigger is still enabled")
	}
}
