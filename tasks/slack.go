package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// slackIncomingWebhookDef is Kestra's SlackIncomingWebhook.
var slackIncomingWebhookDef = &Def{
	Type: "io.kestra.plugin.notifications.slack.SlackIncomingWebhook",
	Aliases: []string{
		"io.kestra.plugin.slack.SlackIncomingWebhook",
		"io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
	},
	Doc: "Post a message to a Slack incoming webhook (or a Slack-compatible one): a JSON payload, or a text; one of the two is required.",
	New: func() Task { return &SlackIncomingWebhook{} },
}

// SlackIncomingWebhook posts one message to a Slack incoming webhook. One of Payload and
// MessageText is required; the loader cannot say "one of", so Run does.
type SlackIncomingWebhook struct {
	URL         string       `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('SLACK_WEBHOOK') }}); a secret, never printed whole"`
	Payload     string       `flow:"payload" doc:"the message as Slack's JSON (text, blocks, attachments), rendered; it must be valid JSON once rendered, so write values into it with {{ value | toJson }}; one of payload and messageText is required"`
	MessageText string       `flow:"messageText" doc:"a text to send when payload is not given, rendered; Markdown **bold**, __italic__ and [links](url) are turned into Slack's mrkdwn; one of payload and messageText is required"`
	Options     *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it, and
// checks the message before anything is sent.
func (t *SlackIncomingWebhook) Run(ctx context.Context, tc *Context) (Result, error) {
	u, err := renderWebhookURL(tc, t.URL)
	if err != nil {
		return Result{}, err
	}
	opts, err := renderChatOptions(tc, t.Options)
	if err != nil {
		return Result{}, err
	}
	body, err := t.message(tc)
	if err != nil {
		return Result{}, err
	}
	return postSlack(ctx, tc, u, body, opts)
}

// message is the body to post: the payload as rendered, or the text in {"text": ...}.
func (t *SlackIncomingWebhook) message(tc *Context) ([]byte, error) {
	switch {
	case t.Payload != "":
		if t.MessageText != "" {
			tc.warn("messageText is not used: payload is given, and it is the whole message")
		}
		s, err := tc.render("payload", t.Payload)
		if err != nil {
			return nil, err
		}
		if err := checkPayload(s); err != nil {
			return nil, &PropError{Prop: "payload", Err: err}
		}
		// Sent as rendered, not re-encoded: what Slack gets is what the flow says.
		return []byte(s), nil
	case t.MessageText != "":
		s, err := tc.render("messageText", t.MessageText)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, &PropError{Prop: "messageText", Err: errors.New("is empty once rendered: Slack would answer no_text")}
		}
		return slackJSON(map[string]string{"text": slackMarkdown(s)}), nil
	}
	return nil, errors.New("payload or messageText is required: neither is set")
}

// postSlack posts a message to a Slack webhook.
func postSlack(ctx context.Context, tc *Context, url string, body []byte, opts chatOpts) (Result, error) {
	return postChat(ctx, tc, chatPost{service: "slack", url: url, body: body, opts: opts, hints: slackHints})
}

// slackHints say what to do about each error word Slack's incoming webhooks answer.
var slackHints = map[string]string{
	"invalid_payload":                   "Slack could not read the message: check its JSON and its blocks against Block Kit (flowctl slack-sink says what is wrong)",
	"user_not_found":                    "the user the webhook posts as, or to, no longer exists: create a new webhook",
	"no_text":                           "the message has nothing to show: give it a text, blocks or attachments",
	"action_prohibited":                 "an admin has restricted posting to this channel: ask a workspace admin, or post elsewhere",
	"invalid_token":                     "the webhook's token is no longer valid (the app was removed or the URL regenerated): create a new webhook URL",
	"posting_to_general_channel_denied": "only admins may post to this workspace's general channel: post to another channel, or ask an admin",
	"channel_not_found":                 "the webhook's channel was deleted or the app lost access to it: create a webhook for an existing channel",
	"no_service":                        "the webhook URL is wrong or was revoked",
	"channel_is_archived":               "the webhook's channel is archived: unarchive it, or create a webhook for another channel",
	"rollup_error":                      "Slack failed on its side; not sent again, as it may have posted the message",
	"no_team":                           "the webhook's workspace does not exist: the URL is wrong or was revoked",
	"team_disabled":                     "the webhook's workspace is disabled",
	"too_many_attachments":              "a message may hold at most 100 attachments",
	"no_active_hooks":                   "incoming webhooks are turned off for this Slack app: turn them back on in the app's settings, or create a new webhook",
	"rate_limited":                      "too many messages to this webhook: Slack takes about one a second",
}

// slackJSON encodes a message without Go's HTML escaping, so <, > and & reach Slack (and
// the golden files) as written; Slack's own escaping is applied where the text is built.
func slackJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("encoding a Slack message: %v", err)) // only strings, maps and structs
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// toJSONHint ends every payload that is not JSON: the usual cause, and its cure.
const toJSONHint = "a value pasted into a JSON string is the classic cause (a quote, a backslash or a line break in it breaks the string): " +
	`write {{ value | toJson }} in place of "{{ value }}", which adds the quotes and escapes what it must`

// checkPayload checks that a rendered Slack payload is a JSON object, and says where it is not.
func checkPayload(s string) error {
	return checkJSONObject(s, `a Slack message is {"text": "...", "blocks": [...]}`)
}

// checkJSONObject checks that a rendered payload is a JSON object, and says where it is not;
// shape says what a message of the service looks like.
func checkJSONObject(s, shape string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("is empty once rendered")
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return payloadSyntaxError(s, err)
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("is JSON but not an object: %s, got %s", shape, jsonKind(v))
	}
	return nil
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// payloadSyntaxError says where a rendered payload stops being JSON: line and column
// (in characters, from 1), the line itself with a caret under the fault, and the hint.
func payloadSyntaxError(s string, err error) error {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Errorf("not valid JSON once rendered: %v\n%s", err, toJSONHint)
	}
	// Offset counts the bytes read, the refused one included.
	pos := int(se.Offset) - 1
	if strings.HasPrefix(se.Error(), "unexpected end") {
		pos = len(strings.TrimRight(s, " \t\r\n"))
	}
	pos = max(0, min(pos, len(s)))
	lineStart := strings.LastIndexByte(s[:pos], '\n') + 1
	lineEnd := len(s)
	if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
		lineEnd = pos + i
	}
	line := strings.Count(s[:lineStart], "\n") + 1
	col := utf8.RuneCountInString(s[lineStart:pos]) + 1
	shown, caret := excerptAt(strings.TrimRight(s[lineStart:lineEnd], "\r"), col)
	gutter := fmt.Sprintf("%d | ", line)
	return fmt.Errorf("not valid JSON once rendered: line %d, column %d: %s\n    %s%s\n    %s%s^\n%s",
		line, col, se.Error(), gutter, shown, strings.Repeat(" ", len(gutter)), strings.Repeat(" ", caret), toJSONHint)
}

// excerptAt returns at most 100 characters of line around column col (from 1), with … where
// it was cut and control characters shown as spaces, and how many characters precede the
// column in what is returned, for the caret.
func excerptAt(line string, col int) (string, int) {
	const width, before = 100, 50
	runes := []rune(line)
	for i, r := range runes {
		if r < ' ' || r == 0x7f {
			runes[i] = ' '
		}
	}
	start := 0
	if len(runes) > width {
		start = max(0, min(col-1-before, len(runes)-width))
	}
	end := min(len(runes), start+width)
	out := string(runes[start:end])
	caret := col - 1 - start
	if start > 0 {
		out = "…" + out
		caret++
	}
	if end < len(runes) {
		out += "…"
	}
	return out, caret
}

// mrkdwnRule is one Markdown form that messageText turns into Slack's mrkdwn.
type mrkdwnRule struct {
	re   *regexp.Regexp
	repl string
}

// mrkdwnRules are applied in this order: links, bold, italic. Compiled on first use, since
// only Slack messages need them.
var mrkdwnRules = sync.OnceValue(func() []mrkdwnRule {
	return []mrkdwnRule{
		{regexp.MustCompile(`\[([^\[\]\n]+)\]\(([^()\s]+)\)`), "<$2|$1>"},
		{regexp.MustCompile(`\*\*([^*\n]+)\*\*`), "*$1*"},
		{regexp.MustCompile(`__([^_\n]+)__`), "_${1}_"},
	}
})

// slackMarkdown turns Markdown's **bold**, __italic__ and [text](url) into Slack's *bold*,
// _italic_ and <url|text>. Code (`x` and ```x```) is left as written, as Slack shows it.
func slackMarkdown(s string) string {
	var b strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(markdownToMrkdwn(s))
			break
		}
		b.WriteString(markdownToMrkdwn(s[:i]))
		s = s[i:]
		fence := "`"
		if strings.HasPrefix(s, "```") {
			fence = "```"
		}
		j := strings.Index(s[len(fence):], fence)
		if j < 0 {
			// An unclosed backtick is a character like another.
			b.WriteString(fence)
			s = s[len(fence):]
			continue
		}
		end := len(fence) + j + len(fence)
		b.WriteString(s[:end])
		s = s[end:]
	}
	return b.String()
}

// markdownToMrkdwn converts text that holds no code.
func markdownToMrkdwn(s string) string {
	if !strings.ContainsAny(s, "*_[") {
		return s
	}
	for _, r := range mrkdwnRules() {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
