package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from what the code produces")

// summaryStart is when the executions of these tests started.
var summaryStart = time.Date(2026, 11, 26, 17, 0, 0, 123456000, time.UTC)

// summaryRun is a task run of an execution of these tests, ended at start+d.
// withErrorLog gives tr the lines it logged at ERROR level.
func withErrorLog(tr TaskRunView, lines ...string) TaskRunView {
	tr.ErrorLog = lines
	return tr
}

func summaryRun(id, branch, state string, d time.Duration, errMsg string) TaskRunView {
	return TaskRunView{TaskID: id, Branch: branch, State: state, StartDate: summaryStart,
		EndDate: summaryStart.Add(d), Error: errMsg}
}

// summaryExec is an ended execution of flow dev.<flow>, 1.111111 s long.
func summaryExec(flow, state string, runs ...TaskRunView) *ExecutionView {
	return &ExecutionView{ID: "5xWq0m3RkAgYyBvdcxOuUz", Namespace: "dev", FlowID: flow, State: state,
		StartDate: summaryStart, EndDate: summaryStart.Add(1111111 * time.Microsecond), TaskRuns: runs}
}

// summaryContext returns a Context whose lookup finds x (under its id), for a SlackExecution
// posting to h, with env as its environment.
func summaryContext(t *testing.T, h *slackHook, x *ExecutionView, env ...string) (*Context, *recorder) {
	t.Helper()
	tc, rec, _ := slackContext(t, h)
	tc.Environ = env
	tc.Now = func() time.Time { return summaryStart.Add(time.Minute) }
	tc.Render = renderWith(map[string]string{"execution.id": "current-execution-id", "trigger.executionId": x.ID})
	tc.Execution = func(id string) (*ExecutionView, error) {
		if id != x.ID {
			return nil, fmt.Errorf("execution %q not found in /tmp/state.db", id)
		}
		return x, nil
	}
	return tc, rec
}

// checkLimits fails the test when body is a message Slack would refuse or cut, and returns
// it decoded.
func checkLimits(t *testing.T, body []byte) slackMsg {
	t.Helper()
	if status, word := CheckSlackMessage(body); status != 200 || word != "ok" {
		t.Errorf("CheckSlackMessage: got %d %s (%s), want 200 ok", status, word, ReviewSlackMessage(body).Reason)
	}
	if notes := ReviewSlackMessage(body).Notes; len(notes) > 0 {
		t.Errorf("ReviewSlackMessage: got notes %q, want none", notes)
	}
	if !utf8.Valid(body) {
		t.Errorf("body: got invalid UTF-8, want valid")
	}
	var m slackMsg
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body: %v", err)
	}
	count := utf8.RuneCountInString
	if n := count(m.Text); n >= SlackAdvisedText {
		t.Errorf("text: got %d characters, want under %d", n, SlackAdvisedText)
	}
	if len(m.Blocks) > SlackMaxBlocks || len(m.Attachments) > SlackMaxAttachments {
		t.Errorf("got %d blocks and %d attachments, want at most %d and %d", len(m.Blocks), len(m.Attachments), SlackMaxBlocks, SlackMaxAttachments)
	}
	for i, b := range m.Blocks {
		if b.Text != nil && count(b.Text.Text) > SlackMaxSectionText {
			t.Errorf("blocks[%d]: got %d characters, want at most %d", i, count(b.Text.Text), SlackMaxSectionText)
		}
	}
	for i, a := range m.Attachments {
		for j, f := range a.Fields {
			if count(f.Title) > maxFieldTitle || count(f.Value) > SlackMaxFieldText {
				t.Errorf("attachments[%d].fields[%d]: got %d and %d characters, want at most %d and %d",
					i, j, count(f.Title), count(f.Value), maxFieldTitle, SlackMaxFieldText)
			}
		}
		if count(a.Text) > SlackAdvisedText {
			t.Errorf("attachments[%d].text: got %d characters, want under %d", i, count(a.Text), SlackAdvisedText)
		}
	}
	return m
}

func TestSlackExecutionGolden(t *testing.T) {
	gha := []string{"GITHUB_ACTIONS=true", "GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/flows", "GITHUB_RUN_ID=4242"}
	cases := []struct {
		name string
		x    *ExecutionView
		task SlackExecution
		env  []string
	}{
		{
			name: "success-link-custom",
			x: summaryExec("nightly-backup", "SUCCESS",
				summaryRun("dump", "tasks", "SUCCESS", time.Second, ""),
				summaryRun("upload", "tasks", "SUCCESS", 1111111*time.Microsecond, "")),
			task: SlackExecution{
				SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"},
				CustomMessage:     "Nightly *backup* of {{ name }} is done <!here>",
				CustomFields:      NewStringMap("Owner", "{{ name }}", "Environment", "prod"),
				Channel:           "#kestra-notifications",
				Username:          "flowctl",
				IconEmoji:         ":floppy_disk:",
			},
			env: []string{"FLOWCTL_URL=https://flowctl.example.com/"},
		},
		{
			name: "warning-no-link",
			x: summaryExec("data-refresh", "WARNING",
				summaryRun("extract", "tasks", "SUCCESS", time.Second, ""),
				summaryRun("load", "tasks", "WARNING", 1111111*time.Microsecond, "")),
			task: SlackExecution{SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"}},
		},
		{
			name: "failed-ci-link",
			x: summaryExec("slack-error-message", "FAILED",
				summaryRun("slack", "tasks", "SUCCESS", 200*time.Millisecond, ""),
				summaryRun("pythonScriptThatWillFail", "tasks", "FAILED", time.Second,
					"Traceback (most recent call last):\n  File \"script.py\", line 1, in <module>\n"+
						"    import non_existing_library\nModuleNotFoundError: No module named 'non_existing_library' <&> ```\n"+
						"Command failed with exit code 1"),
				summaryRun("slackErrorMessage", "errors", "SUCCESS", 1111111*time.Microsecond, "")),
			task: SlackExecution{
				SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"},
				CustomMessage:     "The *Python* step failed",
				CustomFields:      NewStringMap("Team", "data & ml", "Runbook", "<https://wiki.example.com/runbook|runbook>"),
				Channel:           "#alerts",
			},
			env: gha,
		},
		{
			name: "failed-no-link",
			// As a script run ends: its traceback logged at ERROR level, then its error.
			x: summaryExec("failing-task", "FAILED", withErrorLog(
				summaryRun("pythonScriptThatWillFail", "tasks", "FAILED", time.Second, "Command failed with exit code 1"),
				"Traceback (most recent call last):",
				`  File "/tmp/flowctl-x/script.py", line 1, in <module>`,
				"    import non_existing_library",
				"ModuleNotFoundError: No module named 'non_existing_library'")),
			task: SlackExecution{SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"}, Channel: "#kestra-notifications"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t)
			tc, _ := summaryContext(t, h, c.x, c.env...)
			task := c.task
			task.URL = h.url()
			res, err := postTask(t, &task, tc)
			if err != nil {
				t.Fatalf("error: got %v, want none", err)
			}
			wantOutputs(t, res, 200, 1)
			body := h.body(t, 0)
			checkLimits(t, body)
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, body, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", "slack", c.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./tasks -run TestSlackExecutionGolden -update to write it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("payload:\ngot\n%s\nwant (%s)\n%s", pretty.Bytes(), golden, want)
			}
		})
	}
}

func TestSlackExecutionPieces(t *testing.T) {
	x := summaryExec("failing-task", "FAILED", summaryRun("pythonScriptThatWillFail", "tasks", "FAILED", time.Second, "boom"))
	link := "https://flowctl.example.com/ui/executions/dev/failing-task/5xWq0m3RkAgYyBvdcxOuUz"
	m := slackExecutionMessage(x, link, summaryInput{}, summaryStart)
	wantText := "*<" + link + "|[dev] failing-task ➛ FAILED>*\n> Failed on task `pythonScriptThatWillFail` after 00:00:01.111"
	if m.Text != wantText {
		t.Errorf("text: got %q, want %q", m.Text, wantText)
	}
	if len(m.Blocks) != 1 || m.Blocks[0].Text.Text != wantText || m.Blocks[0].Accessory == nil ||
		m.Blocks[0].Accessory.URL != link || m.Blocks[0].Accessory.Text.Text != "Details" {
		t.Errorf("blocks: got %+v, want the main section with a Details button to %s", m.Blocks, link)
	}
	a := m.Attachments[0]
	var titles []string
	for _, f := range a.Fields {
		titles = append(titles, f.Title)
		if !f.Short {
			t.Errorf("field %s: got short false, want true", f.Title)
		}
	}
	wantTitles := []string{"Namespace", "Flow ID", "Execution ID", "Execution Status", "Start date", "Duration", "Final task ID"}
	if !reflect.DeepEqual(titles, wantTitles) {
		t.Errorf("fields: got %q, want %q", titles, wantTitles)
	}
	if a.Color != "danger" || a.TS != summaryStart.Unix() {
		t.Errorf("attachment: got color %s ts %d, want danger %d", a.Color, a.TS, summaryStart.Unix())
	}

	// Without a link: no markup, no button.
	m = slackExecutionMessage(summaryExec("f", "SUCCESS", summaryRun("a", "tasks", "SUCCESS", time.Second, "")), "", summaryInput{}, summaryStart)
	if want := "*[dev] f ➛ SUCCESS*\n> Succeeded after 00:00:01.111"; m.Text != want || m.Blocks[0].Accessory != nil {
		t.Errorf("text: got %q and button %v, want %q and none", m.Text, m.Blocks[0].Accessory, want)
	}
	if m.Attachments[0].Color != "good" || m.Attachments[0].Text != "" {
		t.Errorf("attachment: got color %q text %q, want good and no text", m.Attachments[0].Color, m.Attachments[0].Text)
	}
}

func TestFailedTaskRun(t *testing.T) {
	cases := []struct {
		name       string
		x          *ExecutionView
		wantTask   string
		wantFailed bool
	}{
		{"success", summaryExec("f", "SUCCESS", summaryRun("a", "tasks", "SUCCESS", 0, "")), "", false},
		{"warning", summaryExec("f", "WARNING", summaryRun("a", "tasks", "WARNING", 0, "")), "", false},
		{"last failed of tasks, not of finally", summaryExec("f", "FAILED",
			summaryRun("a", "tasks", "FAILED", 0, ""), summaryRun("b", "tasks", "FAILED", 0, ""),
			summaryRun("notify", "errors", "SUCCESS", 0, ""), summaryRun("cleanup", "finally", "FAILED", 0, "")), "b", true},
		{"only finally failed", summaryExec("f", "FAILED",
			summaryRun("a", "tasks", "SUCCESS", 0, ""), summaryRun("cleanup", "finally", "FAILED", 0, "")), "cleanup", true},
		{"killed: the last task run", summaryExec("f", "KILLED",
			summaryRun("a", "tasks", "SUCCESS", 0, ""), summaryRun("b", "tasks", "KILLED", 0, "")), "b", true},
		{"running, from its errors branch", summaryExec("f", "RUNNING",
			summaryRun("a", "tasks", "FAILED", 0, ""), summaryRun("notify", "errors", "RUNNING", 0, "")), "a", true},
		{"running, nothing failed", summaryExec("f", "RUNNING", summaryRun("a", "tasks", "RUNNING", 0, "")), "", false},
		{"failed before any task", summaryExec("f", "FAILED"), "", true},
		{"the failed run deepest in the tree", summaryExec("f", "FAILED",
			child(summaryRun("outer", "tasks", "FAILED", 0, ""), "1", ""),
			child(summaryRun("inner", "tasks", "FAILED", 0, ""), "2", "1"),
			child(summaryRun("ko", "tasks", "FAILED", 0, ""), "3", "2"),
			child(summaryRun("localError", "errors", "FAILED", 0, ""), "4", "2"),
			child(summaryRun("notify", "errors", "SUCCESS", 0, ""), "5", "")), "ko", true},
	}
	for _, c := range cases {
		tr, failed := failedTaskRun(c.x)
		got := ""
		if tr != nil {
			got = tr.TaskID
		}
		if got != c.wantTask || failed != c.wantFailed {
			t.Errorf("%s: got %q %v, want %q %v", c.name, got, failed, c.wantTask, c.wantFailed)
		}
	}
	m := slackExecutionMessage(summaryExec("f", "FAILED"), "", summaryInput{}, summaryStart)
	if want := "*[dev] f ➛ FAILED*\n> Failed after 00:00:01.111"; m.Text != want {
		t.Errorf("no task runs: got %q, want %q", m.Text, want)
	}
	// The summary of the running execution, sent from its own task: not the sender as the
	// final task, and the time so far as its duration.
	x := summaryExec("f", "RUNNING", summaryRun("a", "tasks", "FAILED", 0, ""), TaskRunView{TaskID: "notify", Branch: "errors", State: "RUNNING"})
	x.EndDate = time.Time{}
	m = slackExecutionMessage(x, "", summaryInput{}, summaryStart.Add(90*time.Second))
	fields := m.Attachments[0].Fields
	if last := fields[len(fields)-1]; last.Title != "Final task ID" || last.Value != "a" {
		t.Errorf("final task: got %+v, want a", last)
	}
	if want := "*[dev] f ➛ RUNNING*\n> Failed on task `a` after 00:01:30.000"; m.Text != want {
		t.Errorf("running: got %q, want %q", m.Text, want)
	}
	if got := m.Attachments[0].Color; got != "danger" {
		t.Errorf("running, a task failed: got colour %q, want danger", got)
	}
	// Sent from its finally after its tasks succeeded (or warned): not a failure's red.
	for _, c := range []struct{ state, want string }{{"SUCCESS", "good"}, {"WARNING", "warning"}} {
		x = summaryExec("f", "RUNNING", summaryRun("a", "tasks", c.state, 0, ""), TaskRunView{TaskID: "notify", Branch: "finally", State: "RUNNING"})
		x.EndDate = time.Time{}
		m = slackExecutionMessage(x, "", summaryInput{}, summaryStart.Add(time.Second))
		if got := m.Attachments[0].Color; got != c.want {
			t.Errorf("running from finally, tasks %s: got colour %q, want %q", c.state, got, c.want)
		}
	}
}

// TestSlackExecutionStaysWithinSlackLimits summarises executions that hold what no flow
// author plans for, and checks every text against Slack's limits.
func TestSlackExecutionStaysWithinSlackLimits(t *testing.T) {
	nasty := "<&>\"'`*_~ é日本🚀\u200b"
	huge := strings.Repeat(nasty, (1<<20)/len(nasty)) // about 1 MB
	manyLines := strings.Repeat("line <&> with `ticks` and ```fences```\n", 30000)
	var runs []TaskRunView
	for i := range 500 {
		runs = append(runs, summaryRun(fmt.Sprintf("task-%03d-%s", i, strings.Repeat("&", 200)), "tasks", "SUCCESS", time.Second, ""))
	}
	runs = append(runs, summaryRun(strings.Repeat("`<&>é", 300), "tasks", "FAILED", time.Second, huge))
	var fields StringMap
	for i := range 100 {
		fields.Set(fmt.Sprintf("%03d %s", i, strings.Repeat("k<&>", 100)), strings.Repeat("v<&>é🚀", 1000))
	}
	cases := []struct {
		name string
		x    *ExecutionView
		in   summaryInput
		link string
	}{
		{"1 MB error on one line", summaryExec("f", "FAILED", summaryRun("a", "tasks", "FAILED", time.Second, huge)), summaryInput{}, ""},
		{"error of 30,000 lines", summaryExec("f", "FAILED", summaryRun("a", "tasks", "FAILED", time.Second, manyLines)), summaryInput{}, ""},
		{"500 task runs and long ids", summaryExec("f", "FAILED", runs...), summaryInput{}, "https://flowctl.example.com/ui/executions/x"},
		{"unicode and escapes everywhere", &ExecutionView{
			ID: strings.Repeat(nasty, 200), Namespace: strings.Repeat(nasty, 300), FlowID: strings.Repeat(nasty, 300),
			State: "FAILED" + nasty, StartDate: summaryStart, TaskRuns: runs,
		}, summaryInput{customMessage: huge, customFields: fields}, "https://flowctl.example.com/" + strings.Repeat("a", maxLinkLen-40)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := slackJSON(slackExecutionMessage(c.x, c.link, c.in, summaryStart.Add(time.Hour)))
			m := checkLimits(t, body)
			// Text built from the execution holds & only in Slack's escapes, and < > only in
			// the link markup built around it.
			fromExecution := []string{m.Text, m.Attachments[0].Text}
			for _, f := range m.Attachments[0].Fields {
				if executionFields[f.Title] {
					fromExecution = append(fromExecution, f.Value)
				}
			}
			for _, s := range fromExecution {
				rest := strings.Replace(s, "\n> ", "\n", 1) // the quote of the outcome line
				if c.link != "" {
					rest = strings.Replace(rest, "*<"+c.link+"|", "", 1)
					rest = strings.Replace(rest, ">*\n", "", 1)
				}
				if strings.ContainsAny(rest, "<>") {
					t.Errorf("got %.80q..., want < and > escaped", rest)
				}
				for i := strings.IndexByte(rest, '&'); i >= 0; i = strings.IndexByte(rest, '&') {
					rest = rest[i:]
					if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
						t.Errorf("got %.20q, want & only in &amp; &lt; &gt;", rest)
						break
					}
					rest = rest[1:]
				}
			}
			if c.x.TaskRuns != nil && strings.Count(m.Attachments[0].Text, "```") != 2 {
				t.Errorf("error excerpt: got %d fences, want the 2 of its code block", strings.Count(m.Attachments[0].Text, "```"))
			}
		})
	}
}

// executionFields are the fields of a summary whose values come from the execution.
var executionFields = map[string]bool{"Namespace": true, "Flow ID": true, "Execution ID": true,
	"Execution Status": true, "Start date": true, "Duration": true, "Final task ID": true}

func TestSlackEscape(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"plain", 10, "plain"},
		{"a<b>&c", 20, "a&lt;b&gt;&amp;c"},
		{"a&b", 5, "a…"}, // &amp; does not fit with the …: never cut inside it
		{"a&b", 7, "a&amp;b"},
		{"a&bc", 7, "a&amp;…"},
		{"&&", 10, "&amp;&amp;"},
		{"éééé", 3, "éé…"},
		{"🚀🚀🚀", 3, "🚀🚀🚀"},
		{"🚀🚀🚀🚀", 3, "🚀🚀…"},
	}
	for _, c := range cases {
		got := slackEscape(c.in, c.n)
		if got != c.want {
			t.Errorf("slackEscape(%q, %d): got %q, want %q", c.in, c.n, got, c.want)
		}
		if n := utf8.RuneCountInString(got); n > c.n {
			t.Errorf("slackEscape(%q, %d): got %d characters, want at most %d", c.in, c.n, n, c.n)
		}
	}
}

func TestErrorExcerpt(t *testing.T) {
	got := errorExcerpt("first <line> & ```x```\r\nsecond\n")
	want := "```\nfirst &lt;line&gt; &amp; `\u200b`\u200b`x`\u200b`\u200b`\nsecond\n```"
	if got != want {
		t.Errorf("errorExcerpt: got %q, want %q", got, want)
	}
	got = errorExcerpt(strings.Repeat("l\n", 20))
	if want := "```\n" + strings.Repeat("l\n", maxErrorLines) + "…\n```"; got != want {
		t.Errorf("errorExcerpt of 20 lines: got %q, want %q", got, want)
	}
	if got := errorExcerpt(" \n "); got != "" {
		t.Errorf("errorExcerpt of blanks: got %q, want none", got)
	}
}

func TestExecutionLink(t *testing.T) {
	x := &ExecutionView{ID: "5xWq", Namespace: "dev.team", FlowID: "my flow"}
	cases := []struct {
		name string
		env  []string
		want string
	}{
		{"FLOWCTL_URL", []string{"FLOWCTL_URL=https://flowctl.example.com/"}, "https://flowctl.example.com/ui/executions/dev.team/my%20flow/5xWq"},
		{"FLOWCTL_URL wins over CI", []string{"GITLAB_CI=true", "CI_JOB_URL=https://gitlab.com/j/1", "FLOWCTL_URL=http://localhost:8080"},
			"http://localhost:8080/ui/executions/dev.team/my%20flow/5xWq"},
		{"GitHub Actions", []string{"GITHUB_ACTIONS=true", "GITHUB_SERVER_URL=https://github.com", "GITHUB_REPOSITORY=acme/flows", "GITHUB_RUN_ID=42"},
			"https://github.com/acme/flows/actions/runs/42"},
		{"GitLab", []string{"GITLAB_CI=true", "CI_JOB_URL=https://gitlab.com/acme/flows/-/jobs/7"}, "https://gitlab.com/acme/flows/-/jobs/7"},
		{"markup characters", []string{"CIRCLECI=true", "CIRCLE_BUILD_URL=https://circleci.com/a|b<c>d e"}, "https://circleci.com/a%7Cb%3Cc%3Ed%20e"},
		{"not http", []string{"FLOWCTL_URL=javascript:alert(1)"}, ""},
		{"too long", []string{"FLOWCTL_URL=https://x.io/" + strings.Repeat("a", maxLinkLen)}, ""},
		{"nowhere", nil, ""},
	}
	for _, c := range cases {
		if got := executionLink(c.env, x); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestSlackExecutionFindsTheExecution(t *testing.T) {
	x := summaryExec("f", "SUCCESS", summaryRun("a", "tasks", "SUCCESS", time.Second, ""))
	notFound := `execution "%s" not found: SlackExecution reads executions recorded in the state (run the watched flow with flowctl run, or give executionId)`

	t.Run("the running one by default", func(t *testing.T) {
		h := newSlackHook(t)
		tc, _ := summaryContext(t, h, x)
		var asked []string
		tc.Execution = func(id string) (*ExecutionView, error) { asked = append(asked, id); return x, nil }
		if _, err := postTask(t, &SlackExecution{URL: h.url()}, tc); err != nil {
			t.Fatalf("error: got %v, want none", err)
		}
		if !reflect.DeepEqual(asked, []string{"current-execution-id"}) {
			t.Errorf("looked up: got %q, want the rendered {{ execution.id }}", asked)
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		h := newSlackHook(t)
		tc, _ := summaryContext(t, h, x)
		_, err := postTask(t, &SlackExecution{URL: h.url(), SummaryProperties: SummaryProperties{ExecutionID: "nope"}}, tc)
		if want := fmt.Sprintf(notFound, "nope"); err == nil || err.Error() != want {
			t.Errorf("error: got %v, want %s", err, want)
		}
		if h.hits() != 0 {
			t.Errorf("posts: got %d, want 0", h.hits())
		}
	})
	t.Run("no lookup", func(t *testing.T) {
		h := newSlackHook(t)
		tc, _ := summaryContext(t, h, x)
		tc.Execution = nil
		_, err := postTask(t, &SlackExecution{URL: h.url(), SummaryProperties: SummaryProperties{ExecutionID: "abc"}}, tc)
		if want := fmt.Sprintf(notFound, "abc"); err == nil || err.Error() != want {
			t.Errorf("error: got %v, want %s", err, want)
		}
	})
	t.Run("unreadable state", func(t *testing.T) {
		h := newSlackHook(t)
		tc, _ := summaryContext(t, h, x)
		broken := errors.New("state.db: timeout waiting for the lock")
		tc.Execution = func(string) (*ExecutionView, error) { return nil, broken }
		_, err := postTask(t, &SlackExecution{URL: h.url(), SummaryProperties: SummaryProperties{ExecutionID: "abc"}}, tc)
		if want := `execution "abc" could not be read: state.db: timeout waiting for the lock`; err == nil || err.Error() != want || !errors.Is(err, broken) {
			t.Errorf("error: got %v, want %s", err, want)
		}
	})
	t.Run("empty id", func(t *testing.T) {
		h := newSlackHook(t)
		tc, _ := summaryContext(t, h, x)
		_, err := postTask(t, &SlackExecution{URL: h.url(), SummaryProperties: SummaryProperties{ExecutionID: " "}}, tc)
		if want := "executionId: is empty once rendered"; err == nil || err.Error() != want {
			t.Errorf("error: got %v, want %s", err, want)
		}
	})
}

func TestSlackExecutionManyCustomFieldsWarns(t *testing.T) {
	h := newSlackHook(t)
	x := summaryExec("f", "SUCCESS")
	tc, rec := summaryContext(t, h, x)
	var fields StringMap
	for i := range maxCustomFields + 5 {
		fields.Set(fmt.Sprintf("k%02d", i), "v")
	}
	if _, err := postTask(t, &SlackExecution{URL: h.url(), SummaryProperties: SummaryProperties{ExecutionID: x.ID}, CustomFields: fields}, tc); err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	m := checkLimits(t, h.body(t, 0))
	// Namespace, Flow ID, Execution ID, Execution Status, Start date, Duration: 6, and no
	// final task without task runs.
	if got, want := len(m.Attachments[0].Fields), 6+maxCustomFields; got != want {
		t.Errorf("fields: got %d, want %d", got, want)
	}
	if len(rec.warns) != 1 || !strings.HasPrefix(rec.warns[0], "customFields: 45 entries, only the first 40") {
		t.Errorf("warnings: got %q, want one about the 45 custom fields", rec.warns)
	}
}

// child gives tr an id and the id of its parent run.
func child(tr TaskRunView, id, parent string) TaskRunView {
	tr.ID, tr.ParentID = id, parent
	return tr
}
