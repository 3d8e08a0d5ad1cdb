package tasks

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Slack's limits on a webhook message, in characters (Unicode code points). The Slack tasks
// build messages within them, and CheckSlackMessage refuses what Slack refuses, so a flow
// that passes against `flowctl slack-sink` passes against Slack.
const (
	// SlackAdvisedText is the length Slack advises a message's text to stay under: longer
	// texts are accepted but read badly in notifications.
	SlackAdvisedText = 4000
	// SlackMaxText is the length past which Slack truncates a message's text. Slack does not
	// refuse a longer text: what is past the limit is lost.
	SlackMaxText = 40000
	// SlackMaxBlocks is the most blocks a message (or one attachment) may hold.
	SlackMaxBlocks = 50
	// SlackMaxSectionText is the longest text of a section block.
	SlackMaxSectionText = 3000
	// SlackMaxSectionFields is the most fields a section block may hold.
	SlackMaxSectionFields = 10
	// SlackMaxFieldText is the longest text of one field of a section block.
	SlackMaxFieldText = 2000
	// SlackMaxHeaderText is the longest plain_text of a header block.
	SlackMaxHeaderText = 150
	// SlackMaxAttachments is the most attachments a message may hold; past it Slack answers
	// too_many_attachments rather than invalid_payload.
	SlackMaxAttachments = 100
)

// SlackReview is what Slack's incoming webhook makes of one message: the answer it gives,
// why it refuses the message, and what it accepts but changes or advises against.
type SlackReview struct {
	// Status is the HTTP status Slack answers: 200, or 400 for a refused message.
	Status int
	// Word is the plain-text body of the answer: "ok" or Slack's error word.
	Word string
	// Reason says what in the message made Slack refuse it; "" when it is accepted.
	Reason string
	// Notes are problems Slack lets through (a text it will truncate, say).
	Notes []string
}

// CheckSlackMessage answers a webhook message body as Slack does: 200 "ok", or 400 with
// invalid_payload (not a JSON object, malformed or over a limit), no_text (nothing to show)
// or too_many_attachments. ReviewSlackMessage says why.
func CheckSlackMessage(body []byte) (status int, word string) {
	r := ReviewSlackMessage(body)
	return r.Status, r.Word
}

// ReviewSlackMessage is CheckSlackMessage with the reason for a refusal and the notes on an
// accepted message, for a person reading what went wrong.
func ReviewSlackMessage(body []byte) SlackReview {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return slackRefusal("invalid_payload", "not JSON: %v", err)
	}
	msg, ok := v.(map[string]any)
	if !ok {
		return slackRefusal("invalid_payload", "the message is %s, not a JSON object", jsonKind(v))
	}
	var c slackChecker
	c.message(msg)
	if c.word != "" {
		return SlackReview{Status: http.StatusBadRequest, Word: c.word, Reason: c.reason}
	}
	if !c.shows {
		return slackRefusal("no_text", "no text, no blocks and no attachment with text, fallback, fields or blocks")
	}
	r := SlackReview{Status: http.StatusOK, Word: "ok"}
	switch n := c.textLen; {
	case n > SlackMaxText:
		r.Notes = append(r.Notes, fmt.Sprintf("text is %d characters: Slack truncates it to %d", n, SlackMaxText))
	case n > SlackAdvisedText:
		r.Notes = append(r.Notes, fmt.Sprintf("text is %d characters: Slack advises under %d", n, SlackAdvisedText))
	}
	return r
}

func slackRefusal(word, format string, args ...any) SlackReview {
	return SlackReview{Status: http.StatusBadRequest, Word: word, Reason: fmt.Sprintf(format, args...)}
}

// slackChecker walks one message. The first problem found wins, as Slack reports one word.
type slackChecker struct {
	word, reason string
	shows        bool // the message has something Slack can show
	textLen      int
}

func (c *slackChecker) fail(word, format string, args ...any) {
	if c.word == "" {
		c.word, c.reason = word, fmt.Sprintf(format, args...)
	}
}

func (c *slackChecker) message(m map[string]any) {
	// The count comes first: Slack answers it with its own word whatever else is wrong.
	atts, ok := c.list(m, "attachments", "attachments")
	if ok && len(atts) > SlackMaxAttachments {
		c.fail("too_many_attachments", "%d attachments, over Slack's %d", len(atts), SlackMaxAttachments)
		return
	}
	if text, ok := c.str(m, "text", "text"); ok && text != "" {
		c.shows = true
		c.textLen = utf8.RuneCountInString(text)
	}
	if blocks, ok := c.list(m, "blocks", "blocks"); ok {
		c.blocks("blocks", blocks)
		if len(blocks) > 0 {
			c.shows = true
		}
	}
	for i, a := range atts {
		c.attachment(fmt.Sprintf("attachments[%d]", i), a)
	}
}

// blocks checks a list of blocks, of the message or of an attachment.
func (c *slackChecker) blocks(where string, blocks []any) {
	if len(blocks) > SlackMaxBlocks {
		c.fail("invalid_payload", "%s: %d blocks, over Slack's %d", where, len(blocks), SlackMaxBlocks)
		return
	}
	for i, b := range blocks {
		c.block(fmt.Sprintf("%s[%d]", where, i), b)
	}
}

func (c *slackChecker) block(where string, v any) {
	b, ok := v.(map[string]any)
	if !ok {
		c.fail("invalid_payload", "%s: a block is a JSON object, not %s", where, jsonKind(v))
		return
	}
	typ, _ := b["type"].(string)
	switch typ {
	case "":
		c.fail("invalid_payload", "%s: a block needs a type", where)
	case "header":
		text, kind, ok := c.textObject(where+".text", b["text"])
		switch {
		case !ok:
		case kind != "plain_text":
			c.fail("invalid_payload", "%s.text: a header's text is plain_text, not %s", where, kind)
		case utf8.RuneCountInString(text) > SlackMaxHeaderText:
			c.fail("invalid_payload", "%s: header text is %d characters, over Slack's %d",
				where, utf8.RuneCountInString(text), SlackMaxHeaderText)
		}
	case "section":
		c.section(where, b)
	}
	// Other block types (divider, context, actions, image, rich_text...) have rules of their
	// own that slack.md does not list: they are let through rather than refused wrongly.
}

func (c *slackChecker) section(where string, b map[string]any) {
	_, hasText := b["text"]
	if hasText {
		if text, _, ok := c.textObject(where+".text", b["text"]); ok && utf8.RuneCountInString(text) > SlackMaxSectionText {
			c.fail("invalid_payload", "%s: section text is %d characters, over Slack's %d",
				where, utf8.RuneCountInString(text), SlackMaxSectionText)
		}
	}
	fields, hasFields := c.list(b, "fields", where+".fields")
	if len(fields) > SlackMaxSectionFields {
		c.fail("invalid_payload", "%s: %d fields, over Slack's %d", where, len(fields), SlackMaxSectionFields)
		return
	}
	for i, f := range fields {
		fw := fmt.Sprintf("%s.fields[%d]", where, i)
		if text, _, ok := c.textObject(fw, f); ok && utf8.RuneCountInString(text) > SlackMaxFieldText {
			c.fail("invalid_payload", "%s: field text is %d characters, over Slack's %d",
				fw, utf8.RuneCountInString(text), SlackMaxFieldText)
		}
	}
	if !hasText && !hasFields {
		c.fail("invalid_payload", "%s: a section needs a text or fields", where)
	}
}

// textObject reads a Block Kit text object, {"type": "mrkdwn"|"plain_text", "text": "..."}.
// A bare string in its place is the classic mistake, and Slack refuses it.
func (c *slackChecker) textObject(where string, v any) (text, kind string, ok bool) {
	o, isObj := v.(map[string]any)
	if !isObj {
		c.fail("invalid_payload", `%s: a text object {"type": "mrkdwn", "text": "..."}, not %s`, where, jsonKind(v))
		return "", "", false
	}
	kind, _ = o["type"].(string)
	if kind != "mrkdwn" && kind != "plain_text" {
		c.fail("invalid_payload", "%s: type is %q: use mrkdwn or plain_text", where, kind)
		return "", "", false
	}
	text, isStr := o["text"].(string)
	if !isStr {
		c.fail("invalid_payload", "%s.text: a string, not %s", where, jsonKind(o["text"]))
		return "", "", false
	}
	return text, kind, true
}

func (c *slackChecker) attachment(where string, v any) {
	a, ok := v.(map[string]any)
	if !ok {
		c.fail("invalid_payload", "%s: an attachment is a JSON object, not %s", where, jsonKind(v))
		return
	}
	if color, ok := c.str(a, "color", where+".color"); ok && color != "" && !IsSlackColor(color) {
		c.fail("invalid_payload", "%s.color: %q: use good, warning, danger or a hex code like #36a64f", where, color)
	}
	for _, k := range []string{"text", "fallback"} {
		if s, ok := c.str(a, k, where+"."+k); ok && s != "" {
			c.shows = true
		}
	}
	fields, _ := c.list(a, "fields", where+".fields")
	for i, f := range fields {
		if _, ok := f.(map[string]any); !ok {
			c.fail("invalid_payload", "%s.fields[%d]: a field is a JSON object, not %s", where, i, jsonKind(f))
		}
	}
	if len(fields) > 0 {
		c.shows = true
	}
	if blocks, ok := c.list(a, "blocks", where+".blocks"); ok {
		c.blocks(where+".blocks", blocks)
		if len(blocks) > 0 {
			c.shows = true
		}
	}
}

// str reads an optional string; null counts as absent.
func (c *slackChecker) str(m map[string]any, key, where string) (string, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.fail("invalid_payload", "%s: a string, not %s", where, jsonKind(v))
	}
	return s, ok
}

// list reads an optional array; null counts as absent.
func (c *slackChecker) list(m map[string]any, key, where string) ([]any, bool) {
	v, ok := m[key]
	if !ok || v == nil {
		return nil, false
	}
	l, ok := v.([]any)
	if !ok {
		c.fail("invalid_payload", "%s: an array, not %s", where, jsonKind(v))
	}
	return l, ok
}

// IsSlackColor reports whether s is a colour Slack accepts for an attachment: good, warning,
// danger, or a hex code (#rgb or #rrggbb).
func IsSlackColor(s string) bool {
	switch s {
	case "good", "warning", "danger":
		return true
	}
	if len(s) != 4 && len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, r := range s[1:] {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}
