package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// discordIncomingWebhookDef is Kestra's DiscordIncomingWebhook.
var discordIncomingWebhookDef = &Def{
	Type:    "io.kestra.plugin.notifications.discord.DiscordIncomingWebhook",
	Aliases: []string{"io.kestra.plugin.discord.DiscordIncomingWebhook"},
	Doc:     "Post a message to a Discord webhook: a JSON payload (content, username, embeds).",
	New:     func() Task { return &DiscordIncomingWebhook{} },
}

// discordURLExample is the form of a Discord webhook URL, for the message of a wrong one.
const discordURLExample = "https://discord.com/api/webhooks/ID/TOKEN"

// discordPayloadShape says what a Discord message is, for a payload that is not one.
const discordPayloadShape = `a Discord message is {"content": "...", "embeds": [...]}`

// DiscordIncomingWebhook posts one payload to a Discord webhook.
type DiscordIncomingWebhook struct {
	URL     string       `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('DISCORD_WEBHOOK') }}); a secret, never printed whole"`
	Payload string       `flow:"payload" doc:"the message as Discord's JSON (content, username, avatar_url, embeds), rendered; it must be a JSON object once rendered, so write values into it with {{ value | toJson }}; required"`
	Options *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// Run renders the URL first, so it is masked before anything else could print it, and
// checks the payload before anything is sent.
func (t *DiscordIncomingWebhook) Run(ctx context.Context, tc *Context) (Result, error) {
	m, err := renderWebhookMessage(tc, t.URL, discordURLExample, t.Options, t.Payload, discordPayloadShape)
	if err != nil {
		return Result{}, err
	}
	body, err := compactPayload(m.payload)
	if err != nil {
		return Result{}, err
	}
	return postDiscord(ctx, tc, m.url, body, m.opts)
}

// compactPayload checks a rendered payload and writes it compactly: Kestra reads a Discord
// payload as JSON and sends it again written compactly; so does this.
func compactPayload(s string) ([]byte, error) {
	if err := checkJSONObject(s, discordPayloadShape); err != nil {
		return nil, &PropError{Prop: "payload", Err: err}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return nil, &PropError{Prop: "payload", Err: err} // checked above: cannot happen
	}
	return b.Bytes(), nil
}

// postDiscord posts a message to a Discord webhook, which answers 204 when it took it, and a
// JSON {"message": ..., "code": ...} when it did not (429 with retry_after, in seconds).
func postDiscord(ctx context.Context, tc *Context, url string, body []byte, opts chatOpts) (Result, error) {
	return postChat(ctx, tc, chatPost{service: "discord", url: url, body: body, opts: opts, explain: discordAnswer})
}

// discordAnswer reads Discord's error answer: its message and code ("Unknown Webhook (code
// 10015)"); anything else as answerWord reads it.
func discordAnswer(body []byte) (word, detail string) {
	var v struct {
		Message string          `json:"message"`
		Code    json.RawMessage `json:"code"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &v) != nil || v.Message == "" {
		return answerWord(body)
	}
	detail = v.Message
	if c := strings.TrimSpace(string(v.Code)); c != "" && c != "0" && c != "null" {
		detail += " (code " + strings.Trim(c, `"`) + ")"
	}
	return "", CutRunes(detail, 200)
}

// discordExecutionDef is Kestra's DiscordExecution.
var discordExecutionDef = &Def{
	Type:    "io.kestra.plugin.notifications.discord.DiscordExecution",
	Aliases: []string{"io.kestra.plugin.discord.DiscordExecution"},
	Doc:     "Post a summary of an execution to a Discord webhook, as an embed: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &DiscordExecution{} },
	// Kestra's template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// DiscordExecution posts a summary of one execution as Kestra's discord-template.peb and
// DiscordTemplate build it (see discordExecutionMessage), or, as Kestra does, the payload
// when one is given.
type DiscordExecution struct {
	URL string `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('DISCORD_WEBHOOK') }}); a secret, never printed whole"`
	SummaryProperties
	Payload       string         `flow:"payload" doc:"a message to send in place of the summary, rendered, as DiscordIncomingWebhook's"`
	Username      string         `flow:"username" doc:"the name to post as, rendered"`
	AvatarURL     string         `flow:"avatarUrl" doc:"the URL of the avatar to post with, rendered; also the icon of an embed's author"`
	Content       string         `flow:"content" doc:"a text shown above the summary, rendered"`
	EmbedList     []DiscordEmbed `flow:"embedList" doc:"embeds to post; the first one also holds the summary (its description and footer)"`
	CustomMessage string         `flow:"customMessage" doc:"rendered, but not shown: Kestra's Discord message has no place for it"`
	CustomFields  StringMap      `flow:"customFields" doc:"rendered, but not shown: Kestra's Discord message has no place for them"`
	Options       *ChatOptions   `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// DiscordEmbed is one entry of DiscordExecution's embedList, Kestra's DiscordTemplate.Embed.
type DiscordEmbed struct {
	Title       string `flow:"title" doc:"the embed's title, rendered"`
	WebsiteURL  string `flow:"websiteUrl" doc:"the URL the title (and the author) links to, rendered"`
	Description string `flow:"description" doc:"the embed's text, rendered; replaced by the summary in the first embed"`
	Thumbnail   string `flow:"thumbnail" doc:"the URL of the thumbnail, rendered"`
	AuthorName  string `flow:"authorName" doc:"the author's name, rendered"`
	Color       []int  `flow:"color" doc:"the colour of the embed's edge, [red, green, blue], each 0 to 255"`
	Footer      string `flow:"footer" doc:"the footer's text, rendered; replaced by the outcome in the first embed"`
}

// Run renders the URL first, so it is masked before anything else could print it.
func (t *DiscordExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	// Kestra finds the execution and renders customMessage and customFields before it looks
	// at the payload, so a wrong executionId fails the task either way; no warning of the
	// payload, which is sent when given.
	sum, err := startWebhookSummary(tc, t.URL, discordURLExample, t.Options, "", t.SummaryProperties, "DiscordExecution")
	if err != nil {
		return Result{}, err
	}
	if err := renderUnshown(tc, t.CustomMessage, t.CustomFields); err != nil {
		return Result{}, err
	}
	if t.Payload != "" {
		s, err := tc.render("payload", t.Payload)
		if err != nil {
			return Result{}, err
		}
		// Kestra sends a payload that is not blank in place of the summary.
		if strings.TrimSpace(s) != "" {
			body, err := compactPayload(s)
			if err != nil {
				return Result{}, err
			}
			return postDiscord(ctx, tc, sum.url, body, sum.opts)
		}
	}
	msg, err := t.message(tc, discordExecutionEmbed(sum.x, sum.link, chatNow(tc)))
	if err != nil {
		return Result{}, err
	}
	return postDiscord(ctx, tc, sum.url, slackJSON(msg), sum.opts)
}

// message is the summary as DiscordTemplate completes it: username, avatar_url, tts false,
// the embeds of embedList, the first one taking the summary's description and footer, and
// content.
func (t *DiscordExecution) message(tc *Context, summary map[string]any) (map[string]any, error) {
	msg := map[string]any{"tts": false, "embeds": []map[string]any{summary}}
	for _, p := range []struct{ prop, tmpl, key string }{
		{"username", t.Username, "username"},
		{"avatarUrl", t.AvatarURL, "avatar_url"},
		{"content", t.Content, "content"},
	} {
		if p.tmpl == "" {
			continue
		}
		s, err := tc.render(p.prop, p.tmpl)
		if err != nil {
			return nil, err
		}
		msg[p.key] = s
	}
	if len(t.EmbedList) > 0 {
		avatar, _ := msg["avatar_url"].(string)
		embeds := make([]map[string]any, 0, len(t.EmbedList))
		for i, e := range t.EmbedList {
			m, err := e.render(tc, fmt.Sprintf("embedList[%d]", i), avatar)
			if err != nil {
				return nil, err
			}
			embeds = append(embeds, m)
		}
		for k, v := range summary {
			embeds[0][k] = v
		}
		msg["embeds"] = embeds
	}
	return msg, nil
}

// render builds the embed as Kestra's Embed.getEmbedMap does; avatar is the message's
// avatar_url, the author's icon.
func (e DiscordEmbed) render(tc *Context, prop, avatar string) (map[string]any, error) {
	m := map[string]any{}
	get := func(name, tmpl string) (string, error) {
		if tmpl == "" {
			return "", nil
		}
		return tc.render(prop+"."+name, tmpl)
	}
	var vals [6]string
	for i, p := range []struct{ name, tmpl string }{
		{"title", e.Title}, {"description", e.Description}, {"websiteUrl", e.WebsiteURL},
		{"thumbnail", e.Thumbnail}, {"authorName", e.AuthorName}, {"footer", e.Footer},
	} {
		s, err := get(p.name, p.tmpl)
		if err != nil {
			return nil, err
		}
		vals[i] = s
	}
	title, desc, site, thumb, author, footer := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	if e.Title != "" {
		m["title"] = title
	}
	if e.Description != "" {
		m["description"] = desc
	}
	if e.WebsiteURL != "" {
		m["url"] = site
	}
	if e.Thumbnail != "" {
		m["thumbnail"] = map[string]any{"url": thumb}
	}
	if e.AuthorName != "" {
		a := map[string]any{"name": author}
		if site != "" {
			a["url"] = site
		}
		if avatar != "" {
			a["icon_url"] = avatar
		}
		m["author"] = a
	}
	if e.Color != nil {
		if len(e.Color) != 3 {
			return nil, &PropError{Prop: prop + ".color", Err: fmt.Errorf("want three integers [red, green, blue], got %d", len(e.Color))}
		}
		rgb := 0
		for i, c := range e.Color {
			if c < 0 || c > 255 {
				return nil, &PropError{Prop: prop + ".color[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("%d: want 0 to 255", c)}
			}
			rgb = rgb<<8 + c
		}
		m["color"] = rgb
	}
	if e.Footer != "" {
		m["footer"] = map[string]any{"text": footer}
	}
	return m, nil
}

// discordExecutionEmbed is the embed Kestra's discord-template.peb renders: the description
// "Namespace: ...\nFlow ID: ...\nExecution ID: ...\nExecution Status: STATE \nFinal task ID:
// id " (the template's spaces kept), then the link to the execution when there is one; the
// footer "Succeeded after ..." or "Failed on task `id` after ...".
func discordExecutionEmbed(x *ExecutionView, link string, now time.Time) map[string]any {
	desc := "Namespace: " + x.Namespace + "\nFlow ID: " + x.FlowID + "\nExecution ID: " + x.ID +
		"\nExecution Status: " + x.State + " \nFinal task ID: " + finalTaskID(x) + " "
	if link != "" {
		desc += "\n\n[Link to the Execution page](" + link + ")"
	}
	return map[string]any{
		"description": desc,
		"footer":      map[string]any{"text": executionOutcome(x, now)},
	}
}
