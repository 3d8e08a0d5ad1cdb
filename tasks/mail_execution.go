package tasks

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
)

// mailExecutionDef is Kestra's MailExecution.
var mailExecutionDef = &Def{
	Type:    "io.kestra.plugin.email.MailExecution",
	Aliases: []string{"io.kestra.plugin.notifications.mail.MailExecution"},
	Doc:     "Email a summary of an execution: its state, the task that failed, its duration, a link to it.",
	New:     func() Task { return &MailExecution{} },
	// The bodies are built, not written; the template properties are Kestra's hidden ones.
	Unsupported: []string{"htmlTextContent", "plainTextContent", "templateUri", "textTemplateUri", "templateRenderMap"},
}

// MailExecution emails a summary of one execution, built as SlackExecution's is (the same
// failed task, final task, duration and link), laid out as Kestra's mail template.
type MailExecution struct {
	MailServer
	MailMessage
	SummaryProperties
	CustomMessage string    `flow:"customMessage" doc:"a text shown first, rendered; plain text, escaped in the HTML"`
	CustomFields  StringMap `flow:"customFields" doc:"more lines of the summary, keys and values rendered, shown in the order they are written"`
}

// Run renders the password first, so it is masked before anything else could print it.
func (t *MailExecution) Run(ctx context.Context, tc *Context) (Result, error) {
	srv, err := t.MailServer.render(tc)
	if err != nil {
		return Result{}, err
	}
	x, err := t.execution(tc, "MailExecution")
	if err != nil {
		return Result{}, err
	}
	in, err := renderSummaryInput(tc, t.CustomMessage, t.CustomFields)
	if err != nil {
		return Result{}, err
	}
	m, err := t.MailMessage.render(tc)
	if err != nil {
		return Result{}, err
	}
	defer m.close()
	sum := newMailSummary(x, executionLink(tc.Environ, x), in, chatNow(tc))
	if m.subject == "" {
		m.subject = sum.Title
	}
	if m.html, err = sum.html(); err != nil {
		return Result{}, err
	}
	m.text = sum.text()
	return Result{}, sendMail(ctx, tc, srv, m)
}

// mailSummary is what the summary shows, as Kestra's mail template has it.
type mailSummary struct {
	Title                        string // [NAMESPACE] FLOW ➛ STATE
	Namespace, FlowID, ID, State string
	Colour                       string // of the state: green, orange, red
	FailedTask                   string // "" when it succeeded
	Failed                       bool
	Duration                     string // HH:mm:ss.SSS
	Link                         string
	StartDate                    string
	FinalTask                    string
	CustomMessage                string
	CustomFields                 []mailField
	ErrorExcerpt                 string // the failed task's error lines
}

// mailField is one of customFields.
type mailField struct{ Key, Value string }

// newMailSummary gathers the summary of x with SlackExecution's rules (see
// slackExecutionMessage): the culprit, the final task and the duration are the same.
func newMailSummary(x *ExecutionView, link string, in summaryInput, now time.Time) mailSummary {
	culprit, failed := failedTaskRun(x)
	s := mailSummary{
		Title:     "[" + x.Namespace + "] " + x.FlowID + " ➛ " + x.State,
		Namespace: x.Namespace, FlowID: x.FlowID, ID: x.ID, State: x.State,
		Failed:        failed,
		Duration:      duration.FormatClock(executionDuration(x, now)),
		Link:          link,
		CustomMessage: in.customMessage,
	}
	state := x.State
	if x.EndDate.IsZero() && !failed {
		// The running execution, summarised from its own finally: nothing failed so far.
		state = "SUCCESS"
		if hasWarning(x) {
			state = "WARNING"
		}
	}
	s.Colour = map[string]string{"SUCCESS": "green", "WARNING": "orange"}[state]
	if s.Colour == "" {
		s.Colour = "red"
	}
	if failed && culprit != nil {
		s.FailedTask = culprit.TaskID
		s.ErrorExcerpt = strings.TrimSpace(CutRunes(failureText(culprit), maxErrorLen))
	}
	if !x.StartDate.IsZero() {
		s.StartDate = x.StartDate.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	if last := finalTaskRun(x); last != nil {
		s.FinalTask = last.TaskID
	}
	for _, k := range in.customFields.Keys {
		s.CustomFields = append(s.CustomFields, mailField{k, in.customFields.Values[k]})
	}
	return s
}

// outcome is "Succeeded", "Failed" or "Failed on task X", then " after DURATION".
func (s mailSummary) outcome() string {
	o := "Succeeded"
	if s.Failed {
		o = "Failed"
		if s.FailedTask != "" {
			o += " on task " + s.FailedTask
		}
	}
	return o + " after " + s.Duration
}

// text is the plain-text body: the same summary, for readers that show no HTML.
func (s mailSummary) text() string {
	var b strings.Builder
	b.WriteString(s.Title + "\n\n")
	if s.CustomMessage != "" {
		b.WriteString(s.CustomMessage + "\n\n")
	}
	b.WriteString(s.outcome() + "\n\n")
	if s.Link != "" {
		b.WriteString("Details: " + s.Link + "\n\n")
	}
	line := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	line("Namespace", s.Namespace)
	line("Flow", s.FlowID)
	line("Execution", s.ID)
	line("Status", s.State)
	if s.StartDate != "" {
		line("Start date", s.StartDate)
	}
	line("Duration", s.Duration)
	if s.FinalTask != "" {
		line("Final task ID", s.FinalTask)
	}
	for _, f := range s.CustomFields {
		line(f.Key, f.Value)
	}
	if s.ErrorExcerpt != "" {
		b.WriteString("\n" + s.ErrorExcerpt + "\n")
	}
	return b.String()
}

// html is the HTML body, escaped where the execution or the flow wrote the text.
func (s mailSummary) html() (string, error) {
	var b strings.Builder
	if err := mailTemplate().Execute(&b, s); err != nil {
		return "", fmt.Errorf("building the summary: %w", err)
	}
	return b.String(), nil
}

// mailTemplate is Kestra's mail-template.hbs.peb in substance: the same lines and labels in
// the same order (the start date, the duration and the error lines added), in a plainer
// layout. Parsed on first use, since only MailExecution needs it.
var mailTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mail").Parse(mailTemplateText))
})

const mailTemplateText = `<!doctype html>
<html>
<head>
<meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>Flow [{{.Namespace}}] {{.FlowID}} execution</title>
</head>
<body style="background-color: #f6f6f6; font-family: sans-serif; font-size: 14px; line-height: 1.4; margin: 0; padding: 10px;">
<div style="max-width: 580px; margin: 0 auto; background: #ffffff; border-radius: 3px; padding: 20px;">
<p style="font-size: 16px; margin: 0 0 15px;">[{{.Namespace}}] {{.FlowID}} ➛ <span style="color: {{.Colour}};">{{.State}}</span></p>
{{- if .CustomMessage}}
<p style="margin: 0 0 15px;">{{.CustomMessage}}</p>
{{- end}}
<p style="margin: 0 0 15px;">{{if .Failed}}Failed{{if .FailedTask}} on task <code>{{.FailedTask}}</code>{{end}}{{else}}Succeeded{{end}} after {{.Duration}}</p>
{{- if .Link}}
<p style="margin: 0 0 15px;"><a href="{{.Link}}" target="_blank" style="display: inline-block; color: #ffffff; background-color: #3498db; border-radius: 5px; text-decoration: none; font-weight: bold; padding: 12px 25px;">See details</a></p>
{{- end}}
<p style="margin: 0 0 15px;"><strong>Namespace :</strong> {{.Namespace}}</p>
<p style="margin: 0 0 15px;"><strong>Flow :</strong> {{.FlowID}}</p>
<p style="margin: 0 0 15px;"><strong>Execution :</strong> {{.ID}}</p>
<p style="margin: 0 0 15px;"><strong>Status :</strong> {{.State}}</p>
{{- if .StartDate}}
<p style="margin: 0 0 15px;"><strong>Start date :</strong> {{.StartDate}}</p>
{{- end}}
<p style="margin: 0 0 15px;"><strong>Duration :</strong> {{.Duration}}</p>
{{- if .FinalTask}}
<p style="margin: 0 0 15px;"><strong>Final task ID :</strong> {{.FinalTask}}</p>
{{- end}}
{{- range .CustomFields}}
<p style="margin: 0 0 15px;"><strong>{{.Key}} :</strong> {{.Value}}</p>
{{- end}}
{{- if .ErrorExcerpt}}
<pre style="background: #f6f6f6; padding: 10px; white-space: pre-wrap;">{{.ErrorExcerpt}}</pre>
{{- end}}
</div>
</body>
</html>
`
