package tasks

import (
	"net/url"
	"strings"
)

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

// LiteralSecrets implements LiteralSecrets: the SMTP password and OAuth2 access token of
// MailSend and MailExecution.
func (s *MailServer) LiteralSecrets() []string { return literal(s.Password, s.AccessToken) }

// LiteralSecrets implements LiteralSecrets: passwords, tokens, and the values of headers
// that authenticate.
func (p *HTTPCallProperties) LiteralSecrets() []string {
	var vs []string
	if o := p.Options; o != nil {
		vs = append(vs, o.BasicAuthPassword, o.ProxyPassword)
		if a := o.Auth; a != nil {
			vs = append(vs, a.Password, a.Token)
		}
	}
	for name, v := range p.Headers {
		if secretHeader(name) {
			vs = append(vs, v)
		}
	}
	return append(literal(vs...), urlSecrets(p.URI)...)
}

// LiteralSecrets implements LiteralSecrets: the password, and those written in the URL.
func (t *GitClone) LiteralSecrets() []string {
	var out []string
	if u := literalURL(t.URL); u != nil {
		out = gitURLCredentials(u)
	}
	return append(literal(t.Password), out...)
}

// urlSecrets returns what maskURL masks of a URL written in clear.
func urlSecrets(raw string) []string {
	if u := literalURL(raw); u != nil {
		return urlCredentials(u)
	}
	return nil
}

// literalURL parses a URL written in clear; nil for a template or what does not parse.
func literalURL(raw string) *url.URL {
	if strings.Contains(raw, "{{") || strings.Contains(raw, "<<") {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil
	}
	return u
}
