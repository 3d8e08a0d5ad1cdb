package tasks

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// checkJSON encodes a message built in Go, so the cases below read as data.
func checkJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type checkObj = map[string]any

func checkMrkdwn(s string) checkObj { return checkObj{"type": "mrkdwn", "text": s} }
func checkPlain(s string) checkObj  { return checkObj{"type": "plain_text", "text": s} }

// checkRepeat returns n copies of v, as a JSON array.
func checkRepeat(n int, v any) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = v
	}
	return l
}

func TestCheckSlackMessage(t *testing.T) {
	section := checkObj{"type": "section", "text": checkMrkdwn("hi")}
	cases := []struct {
		name   string
		body   any // a string is sent as is, anything else as its JSON
		status int
		word   string
		reason string // a part of the reason, for refusals
	}{
		// What Slack accepts.
		{"text", checkObj{"text": "hello"}, 200, "ok", ""},
		{"seed message with channel", `{"channel": "#kestra-notifications", "text": "Hello from Kestra!"}`, 200, "ok", ""},
		{"blocks only", checkObj{"blocks": []any{section}}, 200, "ok", ""},
		{"attachment text only", checkObj{"attachments": []any{checkObj{"text": "t"}}}, 200, "ok", ""},
		{"attachment fallback only", checkObj{"attachments": []any{checkObj{"fallback": "f"}}}, 200, "ok", ""},
		{"attachment fields only", checkObj{"attachments": []any{checkObj{"fields": []any{checkObj{"title": "A", "value": "1", "short": true}}}}}, 200, "ok", ""},
		{"attachment blocks only", checkObj{"attachments": []any{checkObj{"blocks": []any{section}}}}, 200, "ok", ""},
		{"text at 40000 characters", checkObj{"text": strings.Repeat("é", SlackMaxText)}, 200, "ok", ""},
		{"text over 40000 is truncated, not refused", checkObj{"text": strings.Repeat("x", SlackMaxText+1)}, 200, "ok", ""},
		{"50 blocks", checkObj{"blocks": checkRepeat(SlackMaxBlocks, section)}, 200, "ok", ""},
		{"section text at 3000", checkObj{"blocks": []any{checkObj{"type": "section", "text": checkMrkdwn(strings.Repeat("ä", SlackMaxSectionText))}}}, 200, "ok", ""},
		{"10 fields of 2000", checkObj{"blocks": []any{checkObj{"type": "section", "fields": checkRepeat(SlackMaxSectionFields, checkMrkdwn(strings.Repeat("f", SlackMaxFieldText)))}}}, 200, "ok", ""},
		{"header at 150", checkObj{"blocks": []any{checkObj{"type": "header", "text": checkPlain(strings.Repeat("h", SlackMaxHeaderText))}}}, 200, "ok", ""},
		{"100 attachments", checkObj{"text": "t", "attachments": checkRepeat(SlackMaxAttachments, checkObj{"text": "a"})}, 200, "ok", ""},
		{"colors", checkObj{"attachments": []any{checkObj{"color": "good", "text": "a"}, checkObj{"color": "warning"}, checkObj{"color": "danger"}, checkObj{"color": "#36a64f"}, checkObj{"color": "#FFF"}, checkObj{"color": ""}}}, 200, "ok", ""},
		{"other block types pass", checkObj{"blocks": []any{checkObj{"type": "divider"}, checkObj{"type": "context", "elements": []any{checkMrkdwn("c")}}}}, 200, "ok", ""},
		{"null fields are absent", checkObj{"text": "t", "blocks": nil, "attachments": nil}, 200, "ok", ""},

		// Not a JSON object.
		{"not JSON", `{"text": "unterminated`, 400, "invalid_payload", "not JSON"},
		{"empty body", ``, 400, "invalid_payload", "not JSON"},
		{"trailing garbage", `{"text": "a"} x`, 400, "invalid_payload", "not JSON"},
		{"array", `[{"text": "a"}]`, 400, "invalid_payload", "not a JSON object"},
		{"string", `"hello"`, 400, "invalid_payload", "not a JSON object"},

		// Nothing to show.
		{"empty object", `{}`, 400, "no_text", "no text"},
		{"empty text", checkObj{"text": ""}, 400, "no_text", ""},
		{"channel only", checkObj{"channel": "#c", "username": "bot"}, 400, "no_text", ""},
		{"empty blocks", checkObj{"blocks": []any{}}, 400, "no_text", ""},
		{"attachment with a title only", checkObj{"attachments": []any{checkObj{"title": "T", "color": "good"}}}, 400, "no_text", ""},
		{"attachment with empty fields", checkObj{"attachments": []any{checkObj{"fields": []any{}}}}, 400, "no_text", ""},

		// Malformed.
		{"text not a string", checkObj{"text": 42}, 400, "invalid_payload", "text: a string, not a number"},
		{"blocks not an array", checkObj{"text": "t", "blocks": checkObj{}}, 400, "invalid_payload", "blocks: an array"},
		{"block not an object", checkObj{"blocks": []any{"section"}}, 400, "invalid_payload", "blocks[0]: a block is a JSON object"},
		{"block without type", checkObj{"blocks": []any{checkObj{"text": checkMrkdwn("x")}}}, 400, "invalid_payload", "blocks[0]: a block needs a type"},
		{"section text a bare string", checkObj{"blocks": []any{checkObj{"type": "section", "text": "hi"}}}, 400, "invalid_payload", "blocks[0].text: a text object"},
		{"section text of unknown type", checkObj{"blocks": []any{checkObj{"type": "section", "text": checkObj{"type": "markdown", "text": "x"}}}}, 400, "invalid_payload", `type is "markdown"`},
		{"section without text or fields", checkObj{"blocks": []any{checkObj{"type": "section"}}}, 400, "invalid_payload", "needs a text or fields"},
		{"header in mrkdwn", checkObj{"blocks": []any{checkObj{"type": "header", "text": checkMrkdwn("h")}}}, 400, "invalid_payload", "plain_text, not mrkdwn"},
		{"attachments not an array", checkObj{"text": "t", "attachments": "x"}, 400, "invalid_payload", "attachments: an array"},
		{"attachment not an object", checkObj{"attachments": []any{"x"}}, 400, "invalid_payload", "attachments[0]: an attachment is a JSON object"},
		{"attachment field not an object", checkObj{"attachments": []any{checkObj{"fields": []any{"x"}}}}, 400, "invalid_payload", "attachments[0].fields[0]"},

		// Over Slack's limits.
		{"51 blocks", checkObj{"blocks": checkRepeat(SlackMaxBlocks+1, section)}, 400, "invalid_payload", "51 blocks, over Slack's 50"},
		{"51 blocks in an attachment", checkObj{"attachments": []any{checkObj{"blocks": checkRepeat(SlackMaxBlocks+1, section)}}}, 400, "invalid_payload", "attachments[0].blocks: 51 blocks"},
		{"section text over 3000", checkObj{"blocks": []any{section, checkObj{"type": "section", "text": checkMrkdwn(strings.Repeat("x", SlackMaxSectionText+1))}}}, 400, "invalid_payload", "blocks[1]: section text is 3001 characters"},
		{"11 fields", checkObj{"blocks": []any{checkObj{"type": "section", "fields": checkRepeat(SlackMaxSectionFields+1, checkMrkdwn("f"))}}}, 400, "invalid_payload", "11 fields, over Slack's 10"},
		{"field over 2000", checkObj{"blocks": []any{checkObj{"type": "section", "fields": []any{checkMrkdwn("a"), checkMrkdwn(strings.Repeat("f", SlackMaxFieldText+1))}}}}, 400, "invalid_payload", "blocks[0].fields[1]: field text is 2001"},
		{"header over 150", checkObj{"blocks": []any{checkObj{"type": "header", "text": checkPlain(strings.Repeat("h", SlackMaxHeaderText+1))}}}, 400, "invalid_payload", "header text is 151 characters"},
		{"101 attachments", checkObj{"attachments": checkRepeat(SlackMaxAttachments+1, checkObj{"text": "a"})}, 400, "too_many_attachments", "101 attachments"},
		{"101 attachments win over other faults", checkObj{"text": 1, "attachments": checkRepeat(SlackMaxAttachments+1, "x")}, 400, "too_many_attachments", ""},
		{"color name", checkObj{"attachments": []any{checkObj{"color": "green", "text": "a"}}}, 400, "invalid_payload", `attachments[0].color: "green"`},
		{"color hex without #", checkObj{"attachments": []any{checkObj{"color": "36a64f", "text": "a"}}}, 400, "invalid_payload", "color"},
		{"color bad hex", checkObj{"attachments": []any{checkObj{"color": "#36a64g", "text": "a"}}}, 400, "invalid_payload", "color"},
		{"color not a string", checkObj{"attachments": []any{checkObj{"color": 3, "text": "a"}}}, 400, "invalid_payload", "color: a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, ok := c.body.(string)
			if !ok {
				body = checkJSON(t, c.body)
			}
			status, word := CheckSlackMessage([]byte(body))
			if status != c.status || word != c.word {
				t.Errorf("got %d %s, want %d %s", status, word, c.status, c.word)
			}
			r := ReviewSlackMessage([]byte(body))
			if r.Status != status || r.Word != word {
				t.Errorf("ReviewSlackMessage: got %d %s, want CheckSlackMessage's %d %s", r.Status, r.Word, status, word)
			}
			if c.status == 200 && r.Reason != "" {
				t.Errorf("got reason %q for an accepted message, want none", r.Reason)
			}
			if c.status != 200 && (r.Reason == "" || !strings.Contains(r.Reason, c.reason)) {
				t.Errorf("got reason %q, want one containing %q", r.Reason, c.reason)
			}
		})
	}
}

func TestCheckSlackMessageNotesLongText(t *testing.T) {
	cases := []struct {
		n    int
		note string
	}{
		{SlackAdvisedText, ""},
		{SlackAdvisedText + 1, "text is 4001 characters: Slack advises under 4000"},
		{SlackMaxText + 5, "text is 40005 characters: Slack truncates it to 40000"},
	}
	for _, c := range cases {
		r := ReviewSlackMessage([]byte(fmt.Sprintf(`{"text": %q}`, strings.Repeat("x", c.n))))
		got := strings.Join(r.Notes, "; ")
		if r.Word != "ok" || got != c.note {
			t.Errorf("text of %d: got %s %q, want ok %q", c.n, r.Word, got, c.note)
		}
	}
}

func TestCheckIsSlackColor(t *testing.T) {
	for s, want := range map[string]bool{
		"good": true, "warning": true, "danger": true, "#36a64f": true, "#ABC": true,
		"": false, "Good": false, "red": false, "#12345": false, "#1234567": false, "36a64f": false, "#xyz": false,
	} {
		if got := IsSlackColor(s); got != want {
			t.Errorf("IsSlackColor(%q): got %v, want %v", s, got, want)
		}
	}
}
