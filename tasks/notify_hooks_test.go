package tasks

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The webhook paths of the Teams and Discord tests; their tokens must never be shown.
const (
	teamsToken   = "SECRETteamsTOKEN9876"
	teamsPath    = "/webhookb2/" + teamsToken + "/IncomingWebhook/abc/def"
	discordToken = "SECRETdiscordTOKEN5432"
	discordPath  = "/api/webhooks/112233445566/" + discordToken
)

// wantJSON checks that body is the JSON want, whatever the order of the keys.
func wantJSON(t *testing.T, body []byte, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("posted body is not JSON: %v\n%s", err, body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("posted:\n%s\nwant:\n%s", body, want)
	}
}

// wantHidden fails when a token shows in the outputs, the error or the log.
func wantHidden(t *testing.T, token string, res Result, err error, rec *recorder) {
	t.Helper()
	var all []string
	for _, e := range rec.lines {
		all = append(all, e.msg)
	}
	all = append(all, rec.warns...)
	if err != nil {
		all = append(all, err.Error())
	}
	out, _ := json.Marshal(res.Outputs)
	all = append(all, string(out))
	for _, s := range all {
		if strings.Contains(s, token) {
			t.Errorf("the webhook's token shows in %q", s)
		}
	}
}

func TestTeamsIncomingWebhookPostsThePayloadAsRendered(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 200, body: "1"})
	tc, rec, masked := slackContext(t, h)
	payload := "{\n  \"text\": \"run {{ execution.id }} failed\"\n}\n"
	tc.Render = renderWith(map[string]string{"execution.id": "4Xy"})
	res, err := postTask(t, &TeamsIncomingWebhook{URL: h.srv.URL + teamsPath, Payload: payload}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(h.body(t, 0)); got != "{\n  \"text\": \"run 4Xy failed\"\n}\n" {
		t.Errorf("posted %q", got)
	}
	if ct := h.got[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantOutputs(t, res, 200, 1)
	if len(*masked) == 0 || (*masked)[0] != h.srv.URL+teamsPath {
		t.Errorf("the URL was not masked: %q", *masked)
	}
	if got := rec.at(LevelInfo); len(got) != 1 || got[0] != "posted to "+h.srv.URL+"/we…/*** (attempt 1 of 4)" {
		t.Errorf("log: %q", got)
	}
	wantHidden(t, teamsToken, res, err, rec)
}

func TestTeamsIncomingWebhookRefusedFailsWithTeamsAnswer(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 400, body: "Summary or Text is required."})
	tc, rec, _ := slackContext(t, h)
	res, err := postTask(t, &TeamsIncomingWebhook{URL: h.srv.URL + teamsPath, Payload: `{"sections": []}`}, tc)
	if err == nil {
		t.Fatal("a 400 did not fail the task")
	}
	if want := `teams answered 400 Bad Request: "Summary or Text is required."`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if h.hits() != 1 {
		t.Errorf("a 400 was sent %d times", h.hits())
	}
	wantOutputs(t, res, 400, 1)
	wantHidden(t, teamsToken, res, err, rec)
}

func TestTeamsIncomingWebhookChecksPayloadBeforeSending(t *testing.T) {
	cases := []struct{ name, payload, want string }{
		{"missing", "", "payload: is required: the message to post"},
		{"not JSON", `{"text": "a "quote""}`, "payload: not valid JSON once rendered: line 1, column 14"},
		{"not an object", `["text"]`, `payload: is JSON but not an object: a Teams message is {"type": "message", "attachments": [...]} or a MessageCard, got an array`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: 200, body: "1"})
			tc, _, _ := slackContext(t, h)
			_, err := postTask(t, &TeamsIncomingWebhook{URL: h.srv.URL + teamsPath, Payload: c.payload}, tc)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want it to start with %q", err, c.want)
			}
			if h.hits() != 0 {
				t.Errorf("posted %d times", h.hits())
			}
		})
	}
}

func TestTeamsIncomingWebhookRefusesAURLThatIsNotOne(t *testing.T) {
	tc, _, _ := slackContext(t, nil)
	_, err := postTask(t, &TeamsIncomingWebhook{URL: "outlook.office.com/webhook/x", Payload: `{"text": "x"}`}, tc)
	if want := "url: want an http or https URL with a host, such as https://xxx.webhook.office.com/webhookb2/..."; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func TestTeamsExecutionPostsKestrasMessageCard(t *testing.T) {
	failed := summaryExec("nightly", "FAILED",
		summaryRun("extract", "tasks", "SUCCESS", time.Second, ""),
		summaryRun("load", "tasks", "FAILED", time.Second, "exit 1"),
		summaryRun("cleanup", "finally", "SUCCESS", time.Second, ""))
	ok := summaryExec("nightly", "SUCCESS", summaryRun("extract", "tasks", "SUCCESS", time.Second, ""))
	cases := []struct {
		name string
		x    *ExecutionView
		task TeamsExecution
		env  []string
		want string
	}{
		{
			name: "failed, with a link and a title",
			x:    failed,
			task: TeamsExecution{ActivityTitle: "Kestra Teams notification"},
			env:  []string{"FLOWCTL_URL=https://flows.example.com/"},
			want: `{
  "@type": "MessageCard",
  "@context": "http://schema.org/extensions",
  "themeColor": "0076D7",
  "summary": "*<https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz|[dev] nightly ➛ FAILED>*\n> Failed on task ` + "`load`" + ` after 00:00:01.111",
  "sections": [{
    "activityTitle": "Kestra Teams notification",
    "facts": [
      {"name": "Namespace", "value": "dev"},
      {"name": "Flow ID", "value": "nightly"},
      {"name": "Execution ID", "value": "5xWq0m3RkAgYyBvdcxOuUz"},
      {"name": "Execution Status", "value": "FAILED"},
      {"name": "Final task ID", "value": "cleanup"}
    ],
    "markdown": true
  }]
}`,
		},
		{
			name: "succeeded, no link, a colour and a subtitle",
			x:    ok,
			task: TeamsExecution{ThemeColor: "00FF00", ActivitySubtitle: "prod"},
			want: `{
  "@type": "MessageCard",
  "@context": "http://schema.org/extensions",
  "themeColor": "00FF00",
  "summary": "*[dev] nightly ➛ SUCCESS*\n> Succeeded after 00:00:01.111",
  "sections": [{
    "activitySubtitle": "prod",
    "facts": [
      {"name": "Namespace", "value": "dev"},
      {"name": "Flow ID", "value": "nightly"},
      {"name": "Execution ID", "value": "5xWq0m3RkAgYyBvdcxOuUz"},
      {"name": "Execution Status", "value": "SUCCESS"},
      {"name": "Final task ID", "value": "extract"}
    ],
    "markdown": true
  }]
}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: 200, body: "1"})
			tc, rec := summaryContext(t, h, c.x, c.env...)
			task := c.task
			task.URL = h.srv.URL + teamsPath
			task.ExecutionID = "{{ trigger.executionId }}"
			res, err := postTask(t, &task, tc)
			if err != nil {
				t.Fatal(err)
			}
			wantJSON(t, h.body(t, 0), c.want)
			wantHidden(t, teamsToken, res, err, rec)
		})
	}
}

func TestTeamsExecutionOfAMissingExecutionSendsNothing(t *testing.T) {
	h := newSlackHook(t)
	tc, _ := summaryContext(t, h, summaryExec("f", "SUCCESS"))
	_, err := postTask(t, &TeamsExecution{URL: h.srv.URL + teamsPath, SummaryProperties: SummaryProperties{ExecutionID: "nope"}}, tc)
	if err == nil || !strings.Contains(err.Error(), `execution "nope" not found: TeamsExecution reads executions recorded in the state`) {
		t.Errorf("error %v", err)
	}
	if h.hits() != 0 {
		t.Errorf("posted %d times", h.hits())
	}
}

func TestDiscordIncomingWebhookPostsThePayloadCompacted(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 204})
	tc, rec, masked := slackContext(t, h)
	payload := "{\n  \"username\": \"Kestra\",\n  \"content\": \"done <{{ name }}> é\"\n}\n"
	res, err := postTask(t, &DiscordIncomingWebhook{URL: h.srv.URL + discordPath, Payload: payload}, tc)
	if err != nil {
		t.Fatal(err)
	}
	rendered, _ := fakeRender(`{{ name }}`)
	if got, want := string(h.body(t, 0)), `{"username":"Kestra","content":"done <`+rendered+`> é"}`; got != want {
		t.Errorf("posted %s, want %s", got, want)
	}
	wantOutputs(t, res, 204, 1)
	if len(*masked) == 0 || (*masked)[0] != h.srv.URL+discordPath {
		t.Errorf("the URL was not masked: %q", *masked)
	}
	wantHidden(t, discordToken, res, err, rec)
}

func TestDiscordIncomingWebhookRefusedFailsWithDiscordsMessage(t *testing.T) {
	cases := []struct {
		name   string
		answer hookAnswer
		want   string
	}{
		{"unknown webhook", hookAnswer{status: 404, body: `{"message": "Unknown Webhook", "code": 10015}`},
			`discord answered 404 Not Found: "Unknown Webhook (code 10015)"`},
		{"empty message", hookAnswer{status: 400, body: `{"message": "Cannot send an empty message", "code": 50006}`},
			`discord answered 400 Bad Request: "Cannot send an empty message (code 50006)"`},
		{"a proxy quoting the URL", hookAnswer{status: 403, body: "forbidden: " + discordPath},
			`discord answered 403 Forbidden: "forbidden: /ap…/***"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, c.answer)
			tc, rec, _ := slackContext(t, h)
			res, err := postTask(t, &DiscordIncomingWebhook{URL: h.srv.URL + discordPath, Payload: `{"content": ""}`}, tc)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %q", err, c.want)
			}
			if h.hits() != 1 {
				t.Errorf("sent %d times", h.hits())
			}
			wantHidden(t, discordToken, res, err, rec)
		})
	}
}

func TestDiscordRateLimitWaitsRetryAfter(t *testing.T) {
	h := newSlackHook(t,
		hookAnswer{status: 429, body: `{"message": "You are being rate limited.", "retry_after": 0.25, "global": false}`},
		hookAnswer{status: 204})
	tc, _, _ := slackContext(t, h)
	waits := stubSleep(tc)
	res, err := postTask(t, &DiscordIncomingWebhook{URL: h.srv.URL + discordPath, Payload: `{"content": "x"}`}, tc)
	if err != nil {
		t.Fatal(err)
	}
	wantWaits(t, waits, 250*time.Millisecond)
	wantOutputs(t, res, 204, 2)
}

func TestDiscordExecutionPostsKestrasEmbed(t *testing.T) {
	failed := summaryExec("nightly", "FAILED",
		summaryRun("extract", "tasks", "SUCCESS", time.Second, ""),
		summaryRun("load", "tasks", "FAILED", time.Second, "exit 1"))
	const desc = `Namespace: dev\nFlow ID: nightly\nExecution ID: 5xWq0m3RkAgYyBvdcxOuUz\nExecution Status: FAILED \nFinal task ID: load `
	const footer = "Failed on task `load` after 00:00:01.111"
	cases := []struct {
		name string
		task DiscordExecution
		env  []string
		want string
	}{
		{
			name: "the bare summary",
			want: `{"tts": false, "embeds": [{"description": "` + desc + `", "footer": {"text": "` + footer + `"}}]}`,
		},
		{
			name: "a blueprint's: username and a white embed, with a link",
			task: DiscordExecution{Username: "Rick Astley", EmbedList: []DiscordEmbed{{Title: "Kestra Flow Notification", Color: []int{255, 255, 255}}}},
			env:  []string{"FLOWCTL_URL=https://flows.example.com"},
			want: `{"username": "Rick Astley", "tts": false, "embeds": [{"title": "Kestra Flow Notification", "color": 16777215,
				"description": "` + desc + `\n\n[Link to the Execution page](https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz)",
				"footer": {"text": "` + footer + `"}}]}`,
		},
		{
			name: "every embed property, two embeds, avatar and content",
			task: DiscordExecution{AvatarURL: "https://x.test/a.png", Content: "alert", EmbedList: []DiscordEmbed{
				{Title: "t", Description: "replaced", WebsiteURL: "https://x.test", Thumbnail: "https://x.test/t.png", AuthorName: "ops", Color: []int{1, 2, 3}, Footer: "replaced too"},
				{Title: "second", Footer: "kept"},
			}},
			want: `{"avatar_url": "https://x.test/a.png", "content": "alert", "tts": false, "embeds": [
				{"title": "t", "url": "https://x.test", "thumbnail": {"url": "https://x.test/t.png"},
				 "author": {"name": "ops", "url": "https://x.test", "icon_url": "https://x.test/a.png"}, "color": 66051,
				 "description": "` + desc + `", "footer": {"text": "` + footer + `"}},
				{"title": "second", "footer": {"text": "kept"}}]}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: 204})
			tc, rec := summaryContext(t, h, failed, c.env...)
			task := c.task
			task.URL = h.srv.URL + discordPath
			task.ExecutionID = "{{ trigger.executionId }}"
			res, err := postTask(t, &task, tc)
			if err != nil {
				t.Fatal(err)
			}
			wantJSON(t, h.body(t, 0), c.want)
			wantHidden(t, discordToken, res, err, rec)
		})
	}
}

func TestDiscordExecutionSendsAGivenPayloadInsteadOfTheSummary(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 204})
	tc, _ := summaryContext(t, h, summaryExec("f", "SUCCESS"))
	_, err := postTask(t, &DiscordExecution{URL: h.srv.URL + discordPath, SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"},
		Payload: `{ "content": "as written" }`, Username: "ignored"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(h.body(t, 0)); got != `{"content":"as written"}` {
		t.Errorf("posted %s", got)
	}
	// As in Kestra, the execution is looked up first: a wrong id fails, payload or not.
	h2 := newSlackHook(t, hookAnswer{status: 204})
	tc2, _ := summaryContext(t, h2, summaryExec("f", "SUCCESS"))
	_, err = postTask(t, &DiscordExecution{URL: h2.srv.URL + discordPath, SummaryProperties: SummaryProperties{ExecutionID: "nope"}, Payload: `{"content": "x"}`}, tc2)
	if err == nil || !strings.Contains(err.Error(), `execution "nope" not found`) || h2.hits() != 0 {
		t.Errorf("error %v, %d posts", err, h2.hits())
	}
}

func TestDiscordExecutionRefusesABadColour(t *testing.T) {
	for _, c := range []struct {
		colour []int
		want   string
	}{
		{[]int{255, 255}, "embedList[0].color: want three integers [red, green, blue], got 2"},
		{[]int{255, 256, 0}, "embedList[0].color[1]: 256: want 0 to 255"},
	} {
		h := newSlackHook(t, hookAnswer{status: 204})
		tc, _ := summaryContext(t, h, summaryExec("f", "SUCCESS"))
		_, err := postTask(t, &DiscordExecution{URL: h.srv.URL + discordPath, SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"},
			EmbedList: []DiscordEmbed{{Color: c.colour}}}, tc)
		if err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
		if h.hits() != 0 {
			t.Errorf("posted %d times", h.hits())
		}
	}
}
