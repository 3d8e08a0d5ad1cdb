package tasks

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	googleKey   = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"
	googleToken = "SECRETgoogleTOKEN321"
	googlePath  = "/v1/spaces/AAAAxyz/messages?key=" + googleKey + "&token=" + googleToken
	zulipKey    = "SECRETzulipAPIKEY77"
	zulipPath   = "/api/v1/external/slack_incoming?api_key=" + zulipKey + "&stream=ops"
	botToken    = "6090305634:SECRETbotTOKENabc"
)

// summaryFailed is an ended execution whose task load failed, cleanup running after it.
func summaryFailed() *ExecutionView {
	return summaryExec("nightly", "FAILED",
		summaryRun("extract", "tasks", "SUCCESS", time.Second, ""),
		summaryRun("load", "tasks", "FAILED", time.Second, "exit 1"))
}

func TestGoogleChatIncomingWebhookPostsThePayload(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 200, body: `{"name": "spaces/AAAAxyz/messages/1"}`})
	tc, rec, masked := slackContext(t, h)
	res, err := postTask(t, &GoogleChatIncomingWebhook{URL: h.srv.URL + googlePath, Payload: `{"text": "hello"}`}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(h.body(t, 0)); got != `{"text": "hello"}` {
		t.Errorf("posted %s", got)
	}
	if q := h.got[0].URL.Query(); q.Get("token") != googleToken || q.Get("key") != googleKey {
		t.Errorf("the query was not sent as written: %v", q)
	}
	wantOutputs(t, res, 200, 1)
	// The key and the token are masked on their own too.
	for _, v := range []string{googleKey, googleToken} {
		if !slices.Contains(*masked, v) {
			t.Errorf("%s not masked on its own: %q", v, *masked)
		}
	}
	wantHidden(t, googleToken, res, err, rec)
}

func TestGoogleChatRefusedFailsWithGooglesError(t *testing.T) {
	answer := "{\n  \"error\": {\n    \"code\": 400,\n    \"message\": \"Invalid JSON payload received. Unknown name \\\"txt\\\"\",\n    \"status\": \"INVALID_ARGUMENT\"\n  }\n}\n"
	h := newSlackHook(t, hookAnswer{status: 400, body: answer})
	tc, rec, _ := slackContext(t, h)
	res, err := postTask(t, &GoogleChatIncomingWebhook{URL: h.srv.URL + googlePath, Payload: `{"txt": "x"}`}, tc)
	want := `google chat answered 400 Bad Request: "INVALID_ARGUMENT: Invalid JSON payload received. Unknown name \"txt\""`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	wantHidden(t, googleToken, res, err, rec)
	wantHidden(t, googleKey, res, err, rec)
}

func TestGoogleChatExecutionPostsKestrasText(t *testing.T) {
	cases := []struct {
		name string
		task GoogleChatExecution
		env  []string
		want string
	}{
		{"the summary, linked", GoogleChatExecution{}, []string{"FLOWCTL_URL=https://flows.example.com"},
			"Kestra Google notification: Namespace dev, Flow ID nightly, Execution ID 5xWq0m3RkAgYyBvdcxOuUz, Execution Status FAILED, Final task ID load. " +
				"*<https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz|[dev] nightly ➛ FAILED>*\n> Failed on task `load` after 00:00:01.111"},
		{"text replaces it, as in Kestra", GoogleChatExecution{Text: "Kestra Workflow Failure"}, nil, "Kestra Workflow Failure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t, hookAnswer{status: 200, body: "{}"})
			tc, _ := summaryContext(t, h, summaryFailed(), c.env...)
			task := c.task
			task.URL = h.srv.URL + googlePath
			task.ExecutionID = "{{ trigger.executionId }}"
			if _, err := postTask(t, &task, tc); err != nil {
				t.Fatal(err)
			}
			wantJSON(t, h.body(t, 0), string(slackJSON(map[string]string{"text": c.want})))
		})
	}
}

func TestZulipIncomingWebhookRefusedFailsWithZulipsMessage(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 401, body: `{"result": "error", "msg": "Invalid API key", "code": "INVALID_API_KEY"}`})
	tc, rec, _ := slackContext(t, h)
	res, err := postTask(t, &ZulipIncomingWebhook{URL: h.srv.URL + zulipPath, Payload: `{"text": "x"}`}, tc)
	if want := `zulip answered 401 Unauthorized: "Invalid API key (INVALID_API_KEY)"`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	wantHidden(t, zulipKey, res, err, rec)
}

func TestZulipIncomingWebhookPostsThePayload(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 200, body: `{"result": "success", "msg": ""}`})
	tc, rec, _ := slackContext(t, h)
	res, err := postTask(t, &ZulipIncomingWebhook{URL: h.srv.URL + zulipPath, Payload: `{"text": ":white_check_mark: **done**"}`}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(h.body(t, 0)); got != `{"text": ":white_check_mark: **done**"}` {
		t.Errorf("posted %s", got)
	}
	if got := rec.at(LevelInfo); len(got) != 1 || got[0] != "posted to "+h.srv.URL+"/ap…/*** (attempt 1 of 4)" {
		t.Errorf("log: %q", got)
	}
	wantHidden(t, zulipKey, res, err, rec)
}

func TestZulipExecutionPostsKestrasSlackShapedMessage(t *testing.T) {
	h := newSlackHook(t, hookAnswer{status: 200, body: `{"result": "success"}`})
	tc, rec := summaryContext(t, h, summaryFailed(), "FLOWCTL_URL=https://flows.example.com")
	fields := StringMap{Keys: []string{"Team"}, Values: map[string]string{"Team": "data"}}
	task := &ZulipExecution{URL: h.srv.URL + zulipPath, SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"}, Channel: "#ops",
		Username: "Kestra Alerts", IconEmoji: ":warning:", CustomMessage: "Investigate", CustomFields: fields, Payload: `{"text": "x"}`}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatal(err)
	}
	head := `*<https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz|[dev] nightly ➛ FAILED>*\n> Failed on task ` + "`load`" + ` after 00:00:01.111`
	wantJSON(t, h.body(t, 0), `{
  "text": "`+head+`",
  "blocks": [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Investigate"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "`+head+`"},
     "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Details"}, "url": "https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz"}}
  ],
  "attachments": [{"color": "danger", "fields": [
    {"title": "Namespace", "value": "dev", "short": true},
    {"title": "Flow ID", "value": "nightly", "short": true},
    {"title": "Execution ID", "value": "5xWq0m3RkAgYyBvdcxOuUz", "short": true},
    {"title": "Execution Status", "value": "FAILED", "short": true},
    {"title": "Final task ID", "value": "load", "short": true},
    {"title": "Team", "value": "data", "short": true}
  ], "ts": `+strconv.FormatInt(summaryStart.Unix(), 10)+`}],
  "channel": "#ops",
  "username": "Kestra Alerts",
  "icon_emoji": ":warning:"
}`)
	if got := rec.at(LevelWarn); len(got) != 1 || !strings.HasPrefix(got[0], "payload is not sent") {
		t.Errorf("warnings: %q", got)
	}
}

// telegramHook answers as the Bot API does at /bot<token>/sendMessage.
func telegramHook(t *testing.T, answers ...hookAnswer) (*slackHook, *TelegramBot) {
	h := newSlackHook(t, answers...)
	return h, &TelegramBot{Token: botToken, Channel: "2072728690", EndpointOverride: h.srv.URL}
}

func TestTelegramSendPostsToTheBotAPI(t *testing.T) {
	h, bot := telegramHook(t, hookAnswer{status: 200, body: `{"ok": true, "result": {"message_id": 7, "text": "x"}}`})
	bot.ParseMode = "MARKDOWNV2"
	tc, rec, _ := slackContext(t, h)
	res, err := postTask(t, &TelegramSend{TelegramBot: *bot, Payload: "{\n  \"text\": \"Data synced\"\n}\n"}, tc)
	if err != nil {
		t.Fatal(err)
	}
	if p := h.got[0].URL.Path; p != "/bot"+botToken+"/sendMessage" {
		t.Errorf("posted to %s", p)
	}
	// The payload is the text, whatever it holds: Kestra does not read it as JSON.
	wantJSON(t, h.body(t, 0), `{"chat_id": "2072728690", "text": "{\n  \"text\": \"Data synced\"\n}\n", "parse_mode": "MarkdownV2"}`)
	wantOutputs(t, res, 200, 1)
	wantHidden(t, "SECRETbotTOKENabc", res, err, rec)
}

func TestTelegramFailures(t *testing.T) {
	cases := []struct {
		name   string
		answer hookAnswer
		want   string
	}{
		{"chat not found", hookAnswer{status: 400, body: `{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}`},
			`telegram answered 400 Bad Request: "Bad Request: chat not found"`},
		{"a bad token", hookAnswer{status: 401, body: `{"ok": false, "error_code": 401, "description": "Unauthorized"}`},
			`telegram answered 401 Unauthorized: "Unauthorized"`},
		{"200 but not ok", hookAnswer{status: 200, body: `{"ok": false, "description": "odd"}`},
			"telegram answered 200 but did not take the message: ok is false: odd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, bot := telegramHook(t, c.answer)
			tc, rec, _ := slackContext(t, h)
			res, err := postTask(t, &TelegramSend{TelegramBot: *bot, Payload: "x"}, tc)
			if err == nil || err.Error() != c.want {
				t.Errorf("error %v, want %s", err, c.want)
			}
			if h.hits() != 1 {
				t.Errorf("sent %d times", h.hits())
			}
			wantHidden(t, "SECRETbotTOKENabc", res, err, rec)
		})
	}
}

func TestTelegramRefusesBadInputBeforeSending(t *testing.T) {
	cases := []struct {
		name string
		edit func(*TelegramSend)
		want string
	}{
		{"a token with a slash", func(s *TelegramSend) { s.Token = "123/abc" }, "token: is not a bot token"},
		{"a parse mode Telegram lacks", func(s *TelegramSend) { s.ParseMode = "MARKDOWN" }, `parseMode: "MARKDOWN": want HTML or MARKDOWNV2`},
		{"no payload", func(s *TelegramSend) { s.Payload = "" }, "payload: is required"},
		{"an endpoint that is not a URL", func(s *TelegramSend) { s.EndpointOverride = "localhost:1" }, "endpointOverride: want an http or https URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, bot := telegramHook(t)
			tc, _, _ := slackContext(t, h)
			task := &TelegramSend{TelegramBot: *bot, Payload: "x"}
			c.edit(task)
			_, err := postTask(t, task, tc)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error %v, want it to start with %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "SECRETbotTOKENabc") {
				t.Errorf("the token shows: %v", err)
			}
			if h.hits() != 0 {
				t.Errorf("sent %d times", h.hits())
			}
		})
	}
}

func TestTelegramExecutionSendsKestrasText(t *testing.T) {
	h, bot := telegramHook(t, hookAnswer{status: 200, body: `{"ok": true}`})
	tc, _ := summaryContext(t, h, summaryFailed(), "FLOWCTL_URL=https://flows.example.com")
	task := &TelegramExecution{TelegramBot: *bot, SummaryProperties: SummaryProperties{ExecutionID: "{{ trigger.executionId }}"}, Payload: "replaced"}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatal(err)
	}
	want := "<dev nightly 5xWq0m3RkAgYyBvdcxOuUz ➛ FAILED - Final task ID ➛ load> Failed on task `load` after 00:00:01.111 (https://flows.example.com/ui/executions/dev/nightly/5xWq0m3RkAgYyBvdcxOuUz)"
	wantJSON(t, h.body(t, 0), string(slackJSON(map[string]string{"chat_id": "2072728690", "text": want})))
}
