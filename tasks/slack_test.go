package tasks

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// renderWith returns a Render that replaces {{ key }} by vars[key], for values fakeRender
// does not know (a quote pasted into a payload, say).
func renderWith(vars map[string]string) func(string) (string, error) {
	return func(tmpl string) (string, error) {
		out := tmpl
		for k, v := range vars {
			out = strings.ReplaceAll(out, "{{ "+k+" }}", v)
		}
		if strings.Contains(out, "{{") {
			return fakeRender(out)
		}
		return out, nil
	}
}

func TestSlackPayloadThatIsNotJSONFailsBeforeSending(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		vars    map[string]string
		// want are the lines the error starts with; the toJson hint follows.
		want []string
	}{
		{
			name:    "a quote pasted into a string",
			payload: "{\n  \"channel\": \"#x\",\n  \"text\": \"{{ said }} done\"\n}\n",
			vars:    map[string]string{"said": `say "hi"`},
			want: []string{
				"payload: not valid JSON once rendered: line 3, column 17: invalid character 'h' after object key:value pair",
				`    3 |   "text": "say "hi" done"`,
				"                        ^",
			},
		},
		{
			name:    "a line break pasted into a string",
			payload: `{"text": "{{ out }}"}`,
			vars:    map[string]string{"out": "one\ntwo"},
			want: []string{
				`payload: not valid JSON once rendered: line 1, column 14: invalid character '\n' in string literal`,
				`    1 | {"text": "one`,
				"                     ^",
			},
		},
		{
			name:    "cut short",
			payload: "{\"text\": \"é\"\n",
			want: []string{
				"payload: not valid JSON once rendered: line 1, column 13: unexpected end of JSON input",
				`    1 | {"text": "é"`,
				"                    ^",
			},
		},
		{
			name:    "a long line is shown around the fault",
			payload: `{"text": "` + strings.Repeat("a", 300) + `" "b", "c": "` + strings.Repeat("c", 300) + `"}`,
			want: []string{
				"payload: not valid JSON once rendered: line 1, column 313: invalid character '\"' after object key:value pair",
				`    1 | …` + strings.Repeat("a", 48) + `" "b", "c": "` + strings.Repeat("c", 39) + "…",
				"        " + strings.Repeat(" ", 51) + "^",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newSlackHook(t)
			tc, _, _ := slackContext(t, h)
			if c.vars != nil {
				tc.Render = renderWith(c.vars)
			}
			_, err := postTask(t, &SlackIncomingWebhook{URL: h.url(), Payload: c.payload}, tc)
			if err == nil {
				t.Fatalf("error: got none, want %s", c.want[0])
			}
			var pe *PropError
			if !errors.As(err, &pe) || pe.Prop != "payload" {
				t.Errorf("error: got %T %v, want a PropError on payload", err, err)
			}
			lines := strings.Split(err.Error(), "\n")
			want := append(c.want, toJSONHint)
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("error:\ngot\n%s\nwant\n%s", err, strings.Join(want, "\n"))
			}
			if h.hits() != 0 {
				t.Errorf("posts: got %d, want 0 (nothing sent)", h.hits())
			}
		})
	}
}

func TestSlackPayloadMustBeAnObject(t *testing.T) {
	for payload, kind := range map[string]string{`[{"text": "x"}]`: "an array", `"text"`: "a string", "  \n ": ""} {
		h := newSlackHook(t)
		tc, _, _ := slackContext(t, h)
		_, err := postTask(t, &SlackIncomingWebhook{URL: h.url(), Payload: payload}, tc)
		want := "payload: is empty once rendered"
		if kind != "" {
			want = `payload: is JSON but not an object: a Slack message is {"text": "...", "blocks": [...]}, got ` + kind
		}
		if err == nil || err.Error() != want {
			t.Errorf("payload %q: got %v, want %s", payload, err, want)
		}
		if h.hits() != 0 {
			t.Errorf("payload %q: posts: got %d, want 0", payload, h.hits())
		}
	}
}

func TestSlackPayloadIsSentAsRendered(t *testing.T) {
	h := newSlackHook(t)
	tc, _, _ := slackContext(t, h)
	payload := "{\n  \"text\": \"a <b> & c from {{ name }}\",\n  \"blocks\": []\n}\n"
	res, err := postTask(t, &SlackIncomingWebhook{URL: h.url(), Payload: payload}, tc)
	if err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	want, _ := fakeRender(payload)
	if got := string(h.body(t, 0)); got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
	wantOutputs(t, res, 200, 1)
}

func TestSlackNeedsPayloadOrMessageText(t *testing.T) {
	h := newSlackHook(t)
	tc, _, _ := slackContext(t, h)
	_, err := postTask(t, &SlackIncomingWebhook{URL: h.url()}, tc)
	want := "payload or messageText is required: neither is set"
	if err == nil || err.Error() != want {
		t.Errorf("error: got %v, want %s", err, want)
	}
	if !strings.Contains(slackIncomingWebhookDef.Doc, "one of the two is required") {
		t.Errorf("Doc: got %q, want it to say one of payload and messageText is required", slackIncomingWebhookDef.Doc)
	}
	if h.hits() != 0 {
		t.Errorf("posts: got %d, want 0", h.hits())
	}
}

func TestSlackMessageTextIsSentAsMrkdwn(t *testing.T) {
	h := newSlackHook(t)
	tc, rec, _ := slackContext(t, h)
	task := &SlackIncomingWebhook{URL: h.url(), MessageText: "**Done** for __{{ name }}__: [see it](https://example.com/x?a=1&b=2) & `**code**`"}
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	var got map[string]any
	if err := json.Unmarshal(h.body(t, 0), &got); err != nil {
		t.Fatalf("body %s: %v", h.body(t, 0), err)
	}
	want := "*Done* for _world_: <https://example.com/x?a=1&b=2|see it> & `**code**`"
	if len(got) != 1 || got["text"] != want {
		t.Errorf("body: got %v, want {\"text\": %q}", got, want)
	}
	if len(rec.warns) != 0 {
		t.Errorf("warnings: got %q, want none", rec.warns)
	}

	// With a payload too, the payload is the message: the text is not used, and said so.
	task.Payload = `{"text": "payload"}`
	if _, err := postTask(t, task, tc); err != nil {
		t.Fatalf("error: got %v, want none", err)
	}
	if got := string(h.body(t, 1)); got != task.Payload {
		t.Errorf("body: got %s, want %s", got, task.Payload)
	}
	if len(rec.warns) != 1 || !strings.Contains(rec.warns[0], "messageText is not used") {
		t.Errorf("warnings: got %q, want one saying messageText is not used", rec.warns)
	}

	// An empty text would be refused with no_text: said before sending.
	_, err := postTask(t, &SlackIncomingWebhook{URL: h.url(), MessageText: " "}, tc)
	if err == nil || !strings.HasPrefix(err.Error(), "messageText: is empty once rendered") {
		t.Errorf("error: got %v, want messageText: is empty once rendered...", err)
	}
}

func TestSlackMarkdown(t *testing.T) {
	cases := map[string]string{
		"**bold**":                             "*bold*",
		"__italic__":                           "_italic_",
		"[text](https://x.io/a_b)":             "<https://x.io/a_b|text>",
		"[**bold link**](https://x.io)":        "<https://x.io|*bold link*>",
		"a **b** c __d__ e":                    "a *b* c _d_ e",
		"`**not**` **yes**":                    "`**not**` *yes*",
		"```\n**block**\n``` __after__":        "```\n**block**\n``` _after_",
		"unclosed ` **still**":                 "unclosed ` *still*",
		"*slack* _already_ <https://x.io|t>":   "*slack* _already_ <https://x.io|t>",
		"snake_case and __init__ and a**b":     "snake_case and _init_ and a**b",
		"[no url]() [spaced](https://x.io/ a)": "[no url]() [spaced](https://x.io/ a)",
		"éà **ü** 🚀":                           "éà *ü* 🚀",
		"":                                     "",
	}
	for in, want := range cases {
		if got := slackMarkdown(in); got != want {
			t.Errorf("slackMarkdown(%q): got %q, want %q", in, got, want)
		}
	}
}
