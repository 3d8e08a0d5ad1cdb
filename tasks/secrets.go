package tasks

import "strings"

// LiteralSecrets is a task type with properties that hold secrets (a webhook URL, a password,
// a token). A value written in clear in the flow, with no template in it, is known before
// anything runs: the runner registers it for masking when the execution starts, so that no
// task logging it before this one runs can carry it into the output or the state. Templated
// values are registered as they render (secret() registers what it returns).
type LiteralSecrets interface {
	LiteralSecrets() []string
}

// literal returns the values among vs that hold no template and are not blank, trimmed as
// the tasks trim them.
func literal(vs ...string) []string {
	var out []string
	for _, v := range vs {
		if strings.Contains(v, "{{") || strings.Contains(v, "<<") {
			continue
		}
		t := strings.TrimSpace(v)
		if t == "" {
			continue
		}
		out = append(out, v, t)
		// "Bearer abc": the credentials alone are as secret as the whole header.
		if _, cred, ok := strings.Cut(t, " "); ok && strings.TrimSpace(cred) != "" {
			out = append(out, strings.TrimSpace(cred))
		}
	}
	return out
}

// LiteralSecrets implements LiteralSecrets: the webhook URL.
func (t *SlackIncomingWebhook) LiteralSecrets() []string { return literal(t.URL) }

// LiteralSecrets implements LiteralSecrets: the webhook URL.
func (t *SlackExecution) LiteralSecrets() []string { return literal(t.URL) }

// LiteralSecrets implements LiteralSecrets: passwords, tokens, and the values of headers
// that authenticate.
func (p *HTTPProperties) LiteralSecrets() []string {
	var vs []string
	if o := p.Options; o != nil {
		vs = append(vs, o.BasicAuthPassword)
		if a := o.Auth; a != nil {
			vs = append(vs, a.Password, a.Token)
		}
	}
	for name, v := range p.Headers {
		if secretHeader(name) {
			vs = append(vs, v)
		}
	}
	return literal(vs...)
}
