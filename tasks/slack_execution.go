package tasks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowctl/flowctl/internal/duration"
)

// slackExecutionDef is Kestra's SlackExecution.
var slackExecutionDef = &Def{
	Type: "io.kestra.plugin.notifications.slack.SlackExecution",
	Aliases: []string{
		"io.kestra.plugin.slack.SlackExecution",
		"io.kestra.plugin.slack.notifications.SlackExecution",
	},
	Doc: "Post a summary of an execution to a Slack incoming webhook: its state, the task that failed, its duration, a link to it.",
	New: func() Task { return &SlackExecution{} },
	// Kestra's hidden template properties: the message here is built, not templated.
	Unsupported: []string{"templateUri", "templateRenderMap"},
}

// SlackExecution posts a summary of one execution, as Kestra's SlackExecution builds it
// (see slackExecutionMessage), to a Slack incoming webhook.
type SlackExecution struct {
	URL string `flow:"url,required" doc:"the webhook URL, rendered (usually {{ secret('SLACK_WEBHOOK') }}); a secret, never printed whole"`
	SummaryProperties
	CustomMessage string       `flow:"customMessage" doc:"a text shown first, in its own section, rendered; Slack mrkdwn, sent as written"`
	CustomFields  StringMap    `flow:"customFields" doc:"more fields of the summary, keys and values rendered, shown in the order they are written"`
	Channel       string       `flow:"channel" doc:"the channel to post to, rendered; honoured by legacy webhooks and Slack-compatible servers, ignored by modern Slack apps"`
	Username      string       `flow:"username" doc:"the name to post as, rendered; honoured by legacy webhooks and Slack-compatible servers"`
	IconURL       string       `flow:"iconUrl" doc:"the URL of the icon to post with, rendered; honoured by legacy webhooks and Slack-compatible servers"`
	IconEmoji     string       `flow:"iconEmoji" doc:"the emoji to post with (:rocket:), rendered; honoured by legacy webhooks and Slack-compatible servers"`
	Payload       string       `flow:"payload" doc:"not sent: Kestra replaces it by the summary (a warning says so)"`
	Options       *ChatOptions `flow:"options" doc:"HTTP options: connectTimeout, readTimeout, headers"`
}

// The bounds of a summary's pieces, in characters, chosen so that every text of the message
// stays within Slack's limits (see slack_check.go) whatever the execution holds.
const (
	// maxIDLen bounds a namespace, flow id, task id or state, escaped: four of them and a
	// link of maxLinkLen keep the main section well under Slack's 3,000 characters.
	maxIDLen = 100
	// maxLinkLen is the longest link shown; a longer one is left out rather than cut.
	maxLinkLen = 1000
	// maxErrorLines and maxErrorLen bound the excerpt of the failed task's error.
	maxErrorLines = 10
	maxErrorLen   = 1500
	// maxFieldTitle and maxFieldValue bound one field of the attachment: Slack states no
	// limit for attachment fields, so those of a section's fields are kept.
	maxFieldTitle = SlackMaxHeaderText
	maxFieldValue = SlackMaxFieldText
	// maxCustomFields bounds customFields: a summary is read at a glance.
	maxCustomFields = 40
	// maxTextLen keeps `text` under Slack's advised 4,000.
	maxTextLen = SlackAdvisedText - 1
)

// Run renders the URL first, so it is masked before anything else could print it.
func (t *SlackExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	sum, err := startWebhookSummary(tc, t.URL, slackURLExample, t.Options, t.Payload, t.SummaryProperties, "SlackExecution")
	if err != nil {
		return Result{}, err
	}
	in, err := renderSummaryInput(tc, t.CustomMessage, t.CustomFields)
	if err != nil {
		return Result{}, err
	}
	if in.customFields.Len() > maxCustomFields {
		tc.warn(fmt.Sprintf("customFields: %d entries, only the first %d are shown", in.customFields.Len(), maxCustomFields))
	}
	msg := slackExecutionMessage(sum.x, sum.link, in, chatNow(tc))
	if err := msg.renderSender(tc, t.Channel, t.Username, t.IconURL, t.IconEmoji); err != nil {
		return Result{}, err
	}
	return postSlack(ctx, tc, sum.url, slackJSON(msg), sum.opts)
}

// renderSender renders the channel and the sender's look (username, iconUrl, iconEmoji) of
// a Slack-format summary, SlackExecution's and ZulipExecution's, into the message.
func (m *slackMsg) renderSender(tc *Context, channel, username, iconURL, iconEmoji string) error {
	for _, p := range []struct {
		prop, tmpl string
		dst        *string
	}{
		{"channel", channel, &m.Channel},
		{"username", username, &m.Username},
		{"iconUrl", iconURL, &m.IconURL},
		{"iconEmoji", iconEmoji, &m.IconEmoji},
	} {
		var err error
		if *p.dst, err = tc.render(p.prop, p.tmpl); err != nil {
			return err
		}
	}
	return nil
}

// summarisedExecution renders executionId (default {{ execution.id }}, the running one)
// and finds the execution a summary task (task names its type) is about.
func summarisedExecution(tc *Context, idTmpl, task string) (*ExecutionView, error) {
	if idTmpl == "" {
		idTmpl = "{{ execution.id }}"
	}
	id, err := tc.render("executionId", idTmpl)
	if err != nil {
		return nil, err
	}
	if id = strings.TrimSpace(id); id == "" {
		return nil, &PropError{Prop: "executionId", Err: errors.New("is empty once rendered")}
	}
	return lookupExecution(tc, id, task)
}

// lookupExecution finds the execution to summarise.
func lookupExecution(tc *Context, id, task string) (*ExecutionView, error) {
	notFound := fmt.Errorf("execution %q not found: %s reads executions recorded in the state (run the watched flow with flowctl run, or give executionId)", id, task)
	if tc.Execution == nil {
		return nil, notFound
	}
	x, err := tc.Execution(id)
	switch {
	case err != nil && !strings.Contains(err.Error(), "not found"):
		// A state that cannot be read is not a missing execution: say what went wrong.
		return nil, fmt.Errorf("execution %q could not be read: %w", id, err)
	case err != nil || x == nil:
		return nil, notFound
	}
	return x, nil
}

// executionLink is the page of the execution: under FLOWCTL_URL when it is set (Kestra's
// UI paths), else the page of the CI job running flowctl, else "" (no link, no button). A
// link that is not http(s) or is absurdly long is left out: cutting it would break it.
func executionLink(environ []string, x *ExecutionView) string {
	link := ""
	if base := strings.TrimSpace(envValue(environ, "FLOWCTL_URL")); base != "" {
		link = strings.TrimRight(base, "/") + "/ui/executions/" + url.PathEscape(x.Namespace) + "/" +
			url.PathEscape(x.FlowID) + "/" + url.PathEscape(x.ID)
	} else {
		_, link = CIJob(environ)
	}
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		return ""
	}
	// These would end Slack's <url|text> markup early.
	link = strings.NewReplacer(" ", "%20", "|", "%7C", "<", "%3C", ">", "%3E").Replace(link)
	if len(link) > maxLinkLen {
		return ""
	}
	return link
}

// summaryInput is what the flow adds to a summary, rendered.
type summaryInput struct {
	customMessage string
	customFields  StringMap
}

// The message of a summary, as Slack reads it. Field order is the JSON order.
type (
	slackMsg struct {
		Text        string               `json:"text"`
		Blocks      []slackMsgBlock      `json:"blocks,omitempty"`
		Attachments []slackMsgAttachment `json:"attachments,omitempty"`
		Channel     string               `json:"channel,omitempty"`
		Username    string               `json:"username,omitempty"`
		IconURL     string               `json:"icon_url,omitempty"`
		IconEmoji   string               `json:"icon_emoji,omitempty"`
	}
	slackMsgText struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	slackMsgBlock struct {
		Type      string          `json:"type"`
		Text      *slackMsgText   `json:"text,omitempty"`
		Accessory *slackMsgButton `json:"accessory,omitempty"`
	}
	slackMsgButton struct {
		Type string       `json:"type"`
		Text slackMsgText `json:"text"`
		URL  string       `json:"url"`
	}
	slackMsgAttachment struct {
		Color    string          `json:"color"`
		Fallback string          `json:"fallback,omitempty"`
		Fields   []slackMsgField `json:"fields"`
		Text     string          `json:"text,omitempty"`
		MrkdwnIn []string        `json:"mrkdwn_in,omitempty"`
		TS       int64           `json:"ts,omitempty"`
	}
	slackMsgField struct {
		Title string `json:"title"`
		Value string `json:"value"`
		Short bool   `json:"short"`
	}
)

// slackExecutionMessage builds the summary of x as Kestra's SlackExecution does:
//
//   - text, and the main section: *<LINK|[NAMESPACE] FLOW_ID ➛ STATE>*, then on a new line
//     "> Succeeded" or "> Failed on task `TASK_ID`", then " after HH:mm:ss.SSS";
//   - blocks: customMessage's section if set, then the main section, with a Details button
//     when there is a link;
//   - one attachment coloured good (SUCCESS), warning (WARNING) or danger (anything else),
//     with short fields Namespace, Flow ID, Execution ID, Execution Status, Start date,
//     Duration, the custom fields, Final task ID; for a failure the first lines of the
//     failed task's error; and ts, the start in epoch seconds.
//
// Text from the execution is escaped as Slack asks (&amp; &lt; &gt;) and cut with … to stay
// within Slack's limits. customMessage and customFields are the flow's own mrkdwn: sent as
// written, only cut.
func slackExecutionMessage(x *ExecutionView, link string, in summaryInput, now time.Time) slackMsg {
	culprit, failed := failedTaskRun(x)
	title := "[" + slackEscape(x.Namespace, maxIDLen) + "] " + slackEscape(x.FlowID, maxIDLen) + " ➛ " + slackEscape(x.State, maxIDLen)
	head := "*" + title + "*"
	if link != "" {
		head = "*<" + link + "|" + title + ">*"
	}
	outcome := "> Succeeded"
	if failed {
		outcome = "> Failed"
		if culprit != nil {
			// A backtick would end the code span early.
			outcome += " on task `" + slackEscape(strings.ReplaceAll(culprit.TaskID, "`", "'"), maxIDLen) + "`"
		}
	}
	took := executionDuration(x, now)
	main := head + "\n" + outcome + " after " + duration.FormatClock(took)

	msg := slackMsg{Text: CutRunes(main, maxTextLen)}
	if in.customMessage != "" {
		msg.Blocks = append(msg.Blocks, slackMsgBlock{Type: "section",
			Text: &slackMsgText{Type: "mrkdwn", Text: CutRunes(in.customMessage, SlackMaxSectionText)}})
	}
	section := slackMsgBlock{Type: "section", Text: &slackMsgText{Type: "mrkdwn", Text: CutRunes(main, SlackMaxSectionText)}}
	if link != "" {
		section.Accessory = &slackMsgButton{Type: "button", Text: slackMsgText{Type: "plain_text", Text: "Details"}, URL: link}
	}
	msg.Blocks = append(msg.Blocks, section)

	colour := stateColor(x.State)
	if x.EndDate.IsZero() && !failed {
		// The execution being summarised is this one, still running (a summary sent from its
		// finally): nothing failed so far, so not the red of a failure.
		colour = stateColor("SUCCESS")
		if hasWarning(x) {
			colour = stateColor("WARNING")
		}
	}
	att := slackMsgAttachment{Color: colour, Fallback: title}
	field := func(title, value string) {
		att.Fields = append(att.Fields, slackMsgField{Title: title, Value: value, Short: true})
	}
	field("Namespace", slackEscape(x.Namespace, maxFieldValue))
	field("Flow ID", slackEscape(x.FlowID, maxFieldValue))
	field("Execution ID", slackEscape(x.ID, maxFieldValue))
	field("Execution Status", slackEscape(x.State, maxFieldValue))
	if !x.StartDate.IsZero() {
		field("Start date", x.StartDate.UTC().Format("2006-01-02T15:04:05.000Z07:00"))
		att.TS = x.StartDate.Unix()
	}
	field("Duration", duration.FormatClock(took))
	keys := in.customFields.Keys
	for _, k := range keys[:min(len(keys), maxCustomFields)] {
		field(CutRunes(k, maxFieldTitle), CutRunes(in.customFields.Values[k], maxFieldValue))
	}
	if last := finalTaskRun(x); last != nil {
		field("Final task ID", slackEscape(last.TaskID, maxFieldValue))
	}
	if failed && culprit != nil {
		if excerpt := errorExcerpt(failureText(culprit)); excerpt != "" {
			att.Text = excerpt
			att.MrkdwnIn = []string{"text"}
		}
	}
	msg.Attachments = []slackMsgAttachment{att}
	return msg
}

// hasWarning reports whether a task run of x's tasks branch ended WARNING.
func hasWarning(x *ExecutionView) bool {
	for _, tr := range x.TaskRuns {
		if tr.Branch == "tasks" && tr.ParentID == "" && tr.State == "WARNING" {
			return true
		}
	}
	return false
}

// stateColor is the attachment's colour for a state, as Kestra chooses it.
func stateColor(state string) string {
	switch state {
	case "SUCCESS":
		return "good"
	case "WARNING":
		return "warning"
	}
	return "danger"
}

// executionDuration is how long x ran, or has run so far when it has not ended (a summary of
// the running execution).
func executionDuration(x *ExecutionView, now time.Time) time.Duration {
	switch {
	case x.StartDate.IsZero():
		return 0
	case x.EndDate.IsZero():
		return now.Sub(x.StartDate)
	}
	return x.EndDate.Sub(x.StartDate)
}

// failedTaskRun says whether x failed and which task run to blame: the last FAILED one of the
// `tasks` branch deepest in the tree (a FAILED flowable task blames the child that failed
// it), else the last FAILED one of any branch (a `finally` task), else the last task run (an
// execution KILLED mid-task). An execution failed when it ended FAILED or
// KILLED, or, while it runs (a summary sent from its own errors branch), once a task failed.
func failedTaskRun(x *ExecutionView) (*TaskRunView, bool) {
	anyFailed := slices.ContainsFunc(x.TaskRuns, func(tr TaskRunView) bool { return tr.State == "FAILED" })
	switch x.State {
	case "FAILED", "KILLED":
	case "SUCCESS", "WARNING":
		return nil, false
	default:
		if !anyFailed {
			return nil, false
		}
	}
	byID := make(map[string]*TaskRunView, len(x.TaskRuns))
	failedChild := map[string]bool{}
	for i := range x.TaskRuns {
		tr := &x.TaskRuns[i]
		byID[tr.ID] = tr
		if tr.State == "FAILED" && tr.ParentID != "" {
			failedChild[tr.ParentID] = true
		}
	}
	// inTasks: the run and each of its ancestors belong to a `tasks` branch.
	inTasks := func(tr *TaskRunView) bool {
		for ; tr != nil; tr = byID[tr.ParentID] {
			if tr.Branch != "tasks" && tr.Branch != "" {
				return false
			}
			if tr.ParentID == "" {
				return true
			}
		}
		return false
	}
	var inAny *TaskRunView
	for i := len(x.TaskRuns) - 1; i >= 0; i-- {
		tr := &x.TaskRuns[i]
		if tr.State != "FAILED" {
			continue
		}
		if inTasks(tr) && (tr.ID == "" || !failedChild[tr.ID]) {
			return tr, true
		}
		if inAny == nil {
			inAny = tr
		}
	}
	if inAny != nil {
		return inAny, true
	}
	if n := len(x.TaskRuns); n > 0 {
		return &x.TaskRuns[n-1], true
	}
	return nil, true
}

// finalTaskRun is the last task run that has ended, else the last one: a summary of the
// running execution is sent by one of its own task runs, which has not ended.
func finalTaskRun(x *ExecutionView) *TaskRunView {
	for i := len(x.TaskRuns) - 1; i >= 0; i-- {
		switch x.TaskRuns[i].State {
		case "CREATED", "RUNNING", "":
			continue
		}
		return &x.TaskRuns[i]
	}
	if n := len(x.TaskRuns); n > 0 {
		return &x.TaskRuns[n-1]
	}
	return nil
}

// failureText is what a failed task run has to say: the last lines it logged as errors (a
// script's traceback, which names the cause) and then its error ("Command failed with exit
// code 1", which does not).
func failureText(tr *TaskRunView) string {
	return strings.Join(append(slices.Clone(tr.ErrorLog), tr.Error), "\n")
}

// errorExcerpt is the first lines of a task's error as a code block: at most maxErrorLines
// lines and maxErrorLen characters, escaped, with … where it was cut. A ``` inside would end
// the block, so a zero-width space is put between its backticks.
func errorExcerpt(msg string) string {
	msg = strings.TrimSpace(strings.ReplaceAll(msg, "\r\n", "\n"))
	if msg == "" {
		return ""
	}
	lines := strings.SplitN(msg, "\n", maxErrorLines+1)
	more := len(lines) > maxErrorLines
	if more {
		lines = lines[:maxErrorLines]
	}
	text := strings.ReplaceAll(strings.Join(lines, "\n"), "```", "`\u200b`\u200b`")
	body := slackEscape(text, maxErrorLen)
	if more && !strings.HasSuffix(body, "…") {
		body += "\n…"
	}
	return "```\n" + body + "\n```"
}

// slackEscape escapes &, < and > as Slack asks (&amp; &lt; &gt;) and cuts the result to at
// most n characters, the last being … when something was cut. It cuts between characters of
// s, so never inside an escape or a character.
func slackEscape(s string, n int) string {
	if !strings.ContainsAny(s, "&<>") && (len(s) <= n || utf8.RuneCountInString(s) <= n) {
		return s
	}
	size := 0 // of the escaped s, in characters
	for _, r := range s {
		size += escapedLen(r)
	}
	budget := n
	if size > n {
		budget = n - 1 // room for the …
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		w := escapedLen(r)
		if used+w > budget {
			break
		}
		used += w
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
	if size > n {
		b.WriteString("…")
	}
	return b.String()
}

// escapedLen is how many characters r takes once escaped for Slack.
func escapedLen(r rune) int {
	switch r {
	case '&':
		return 5
	case '<', '>':
		return 4
	}
	return 1
}
