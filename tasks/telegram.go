package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// telegramSendDef is Kestra's TelegramSend.
var telegramSendDef = &Def{
	Type:    "io.kestra.plugin.notifications.telegram.TelegramSend",
	Aliases: []string{"io.kestra.plugin.telegram.TelegramSend"},
	Doc:     "Send a message to a Telegram chat or channel through a bot (the Bot API's sendMessage).",
	New:     func() Task { return &TelegramSend{} },
}

// telegramAPI is the Bot API's address, Kestra's default endpointOverride.
const telegramAPI = "https://api.telegram.org"

// TelegramSend sends one message through the Telegram Bot API.
type TelegramSend struct {
	TelegramBot
	Payload string `flow:"payload" doc:"the text of the message, rendered, sent as written (a JSON payload is sent as its text, as Kestra does); required"`
}

// TelegramBot is what a Telegram task needs to reach a chat: the bot, the chat, the API.
type TelegramBot struct {
	Token            string       `flow:"token,required" doc:"the bot's token (123456:ABC...), rendered (usually {{ secret('TELEGRAM_TOKEN') }}); a secret, never printed"`
	Channel          string       `flow:"channel,required" doc:"the chat: its id (2072728690) or a channel's @name, rendered"`
	ParseMode        string       `flow:"parseMode" enum:"HTML,MARKDOWNV2" doc:"how Telegram reads the text: HTML or MARKDOWNV2 (MarkdownV2); plain text when not set"`
	EndpointOverride string       `flow:"endpointOverride" doc:"the Bot API's address, rendered (default https://api.telegram.org); a local server, for tests"`
	Options          *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// telegramBot is a TelegramBot rendered: the sendMessage URL (holding the token) and the rest.
type telegramBot struct {
	url, chatID, parseMode string
	opts                   chatOpts
}

// render renders the token first, so it is masked before anything else could print it.
func (b *TelegramBot) render(tc *Context) (telegramBot, error) {
	var r telegramBot
	token, err := tc.render("token", b.Token)
	if err != nil {
		return r, err
	}
	token = strings.TrimSpace(token)
	if tc.Mask != nil {
		tc.Mask(token)
	}
	if token == "" {
		return r, &PropError{Prop: "token", Err: errors.New("is empty once rendered")}
	}
	if strings.ContainsAny(token, "/?#% \t\n") {
		return r, &PropError{Prop: "token", Err: errors.New("is not a bot token: a token is the bot's id, a colon and letters (123456:ABC-DEF...), as BotFather gives it")}
	}
	endpoint := telegramAPI
	if b.EndpointOverride != "" {
		if endpoint, err = tc.render("endpointOverride", b.EndpointOverride); err != nil {
			return r, err
		}
	}
	raw := strings.TrimRight(strings.TrimSpace(endpoint), "/") + "/bot" + token + "/sendMessage"
	if r.url, err = checkServiceURL(tc, "endpointOverride", raw, telegramAPI); err != nil {
		return r, err
	}
	if r.chatID, err = tc.render("channel", b.Channel); err != nil {
		return r, err
	}
	if r.chatID = strings.TrimSpace(r.chatID); r.chatID == "" {
		return r, &PropError{Prop: "channel", Err: errors.New("is empty once rendered")}
	}
	mode, err := tc.render("parseMode", b.ParseMode)
	if err != nil {
		return r, err
	}
	switch strings.TrimSpace(mode) {
	case "":
	case "HTML":
		r.parseMode = "HTML"
	case "MARKDOWNV2":
		r.parseMode = "MarkdownV2"
	default:
		return r, &PropError{Prop: "parseMode", Err: fmt.Errorf("%q: want HTML or MARKDOWNV2", mode)}
	}
	r.opts, err = renderChatOptions(tc, b.Options)
	return r, err
}

// telegramMessage is the body of sendMessage, as Kestra's TelegramMessage serialises it.
type telegramMessage struct {
	ChatID    string `json:"chat_id"`
	Text      string `json:"text"`
	ParseMode string `json:"parse_mode,omitempty"`
}

// send posts text to the bot's chat. Telegram answers {"ok": true, "result": {...}}, or
// {"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}.
func (b telegramBot) send(ctx context.Context, tc *Context, text string) (Result, error) {
	if strings.TrimSpace(text) == "" {
		return Result{}, &PropError{Prop: "payload", Err: errors.New("is empty once rendered: Telegram refuses an empty message")}
	}
	body := slackJSON(telegramMessage{ChatID: b.chatID, Text: text, ParseMode: b.parseMode})
	return postChat(ctx, tc, chatPost{service: "telegram", url: b.url, body: body, opts: b.opts,
		explain: telegramAnswer, check: telegramOK})
}

// telegramAnswer reads the description of Telegram's error answer.
func telegramAnswer(body []byte) (word, detail string) {
	var v struct {
		Description string `json:"description"`
	}
	if json.Unmarshal(body, &v) != nil || v.Description == "" {
		return answerWord(body)
	}
	return "", CutRunes(v.Description, 200)
}

// telegramOK checks that a 200 answer says ok, as Kestra does.
func telegramOK(body []byte) error {
	var v struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("the answer is not the Bot API's JSON: %q", CutRunes(strings.TrimSpace(string(body)), 200))
	}
	if !v.OK {
		if v.Description != "" {
			return fmt.Errorf("ok is false: %s", v.Description)
		}
		return errors.New("ok is false")
	}
	return nil
}

// Run sends the payload as the message's text.
func (t *TelegramSend) Run(ctx context.Context, tc *Context) (Result, error) {
	bot, err := t.TelegramBot.render(tc)
	if err != nil {
		return Result{}, err
	}
	if t.Payload == "" {
		return Result{}, &PropError{Prop: "payload", Err: errors.New("is required: the text to send")}
	}
	text, err := tc.render("payload", t.Payload)
	if err != nil {
		return Result{}, err
	}
	return bot.send(ctx, tc, text)
}

// telegramExecutionDef is Kestra's TelegramExecution.
var telegramExecutionDef = &Def{
	Type:    "io.kestra.plugin.notifications.telegram.TelegramExecution",
	Aliases: []string{"io.kestra.plugin.telegram.TelegramExecution"},
	Doc:     "Send a summary of an execution to a Telegram chat through a bot: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &TelegramExecution{} },
	// Kestra's template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// TelegramExecution sends a summary of one execution as Kestra's telegram-template.peb words
// it (see telegramExecutionText).
type TelegramExecution struct {
	TelegramBot
	SummaryProperties
	Payload       string    `flow:"payload" doc:"not sent: Kestra replaces it by the summary (a warning says so)"`
	CustomMessage string    `flow:"customMessage" doc:"rendered, but not shown: Kestra's Telegram message has no place for it"`
	CustomFields  StringMap `flow:"customFields" doc:"rendered, but not shown: Kestra's Telegram message has no place for them"`
}

// Run renders the token first, so it is masked before anything else could print it.
func (t *TelegramExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	bot, err := t.TelegramBot.render(tc)
	if err != nil {
		return Result{}, err
	}
	warnPayloadReplaced(tc, t.Payload)
	x, err := t.execution(tc, "TelegramExecution")
	if err != nil {
		return Result{}, err
	}
	if err := renderUnshown(tc, t.CustomMessage, t.CustomFields); err != nil {
		return Result{}, err
	}
	return bot.send(ctx, tc, telegramExecutionText(x, executionLink(tc.Environ, x), chatNow(tc)))
}

// telegramExecutionText is the text of Kestra's telegram-template.peb: "<ns flow id ➛ STATE -
// Final task ID ➛ task> Failed on task `x` after HH:mm:ss.SSS (LINK)", the link left out
// when there is none.
func telegramExecutionText(x *ExecutionView, link string, now time.Time) string {
	s := "<" + x.Namespace + " " + x.FlowID + " " + x.ID + " ➛ " + x.State + " - Final task ID ➛ " +
		finalTaskID(x) + "> " + executionOutcome(x, now)
	if link != "" {
		s += " (" + link + ")"
	}
	return s
}
