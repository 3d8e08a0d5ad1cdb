package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"
)

// httpRequestDef is Kestra's http.Request.
var httpRequestDef = &Def{
	Type:        "io.kestra.plugin.core.http.Request",
	Aliases:     []string{"io.kestra.plugin.fs.http.Request", "io.kestra.core.tasks.http.Request"},
	Doc:         "Send an HTTP request and expose the answer: code, headers and body (a string; parse JSON with fromJson). An answer of 400 or more fails unless allowed.",
	New:         func() Task { return &HTTPRequest{} },
	Unsupported: []string{"encryptBody"},
}

// HTTPRequest sends one request and keeps the answer's body, at most options.maxContentLength
// bytes, as a string.
type HTTPRequest struct {
	HTTPProperties
}

// Run renders and checks every property, sends the request, and reads the answer.
func (t *HTTPRequest) Run(ctx context.Context, tc *Context) (Result, error) {
	c, err := t.prepare(tc)
	if err != nil {
		return Result{}, err
	}
	resp, err := c.do(ctx, tc)
	if err != nil {
		return Result{}, err
	}
	defer resp.stop()
	code := resp.StatusCode
	res := Result{Outputs: map[string]any{"uri": c.url.String(), "code": code, "headers": httpHeaders(resp.Header)}}
	if !c.passes(code) {
		body, more := readRefused(resp.body)
		return res, refused(code, body, more)
	}
	if resp.ContentLength > c.maxLength {
		return res, tooLong(c, fmt.Sprintf("the answer announces %d bytes", resp.ContentLength))
	}
	raw, err := io.ReadAll(io.LimitReader(resp.body, c.maxLength+1))
	if err != nil {
		return res, c.readFailure(ctx, resp, err)
	}
	if int64(len(raw)) > c.maxLength {
		return res, tooLong(c, "the answer is longer")
	}
	body, err := bodyText(raw, resp.Header.Get("Content-Type"))
	if err != nil {
		return res, err
	}
	res.Outputs["body"] = body
	res.Metrics = []Metric{lengthMetric(c.method, code, int64(len(raw)))}
	tc.Log.Infof("%s %s: %d, %d bytes", c.method, c.shown, code, len(raw))
	return res, nil
}

// tooLong says that a body is over the limit, and what to do about it.
func tooLong(c *httpCall, what string) error {
	return fmt.Errorf("%s %s: %s than options.maxContentLength (%d bytes): a Request keeps its body in memory and in the execution; "+
		"use io.kestra.plugin.core.http.Download to store a large body as a file, or raise options.maxContentLength", c.method, c.shown, what, c.maxLength)
}

// bodyText is an answer's body as text: ISO-8859-1 (Latin-1) when its Content-Type says
// so, else UTF-8, which it must then be, as Kestra's Request accepts only valid text.
func bodyText(raw []byte, contentType string) (string, error) {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		switch cs := params["charset"]; {
		case equalFoldAny(cs, "iso-8859-1", "latin1", "iso_8859-1", "l1", "windows-1252"):
			// Windows-1252 differs from Latin-1 in 0x80-0x9F only, rare in text.
			r := make([]rune, len(raw))
			for i, b := range raw {
				r[i] = rune(b)
			}
			return string(r), nil
		}
	}
	if !utf8.Valid(raw) {
		return "", errors.New("the answer's body is not valid UTF-8 text: the Request task only supports valid Unicode strings as body; use io.kestra.plugin.core.http.Download for binary data")
	}
	return string(raw), nil
}

// equalFoldAny reports whether s is one of names, without regard to case.
func equalFoldAny(s string, names ...string) bool {
	for _, n := range names {
		if strings.EqualFold(s, n) {
			return true
		}
	}
	return false
}

// HTTPPoll sends the request p as Kestra's http.Trigger does: through a Request that lets
// every answer's code pass (the trigger's responseCondition decides what an answer means).
// It returns the Request's outputs: uri, code, headers and body.
func HTTPPoll(ctx context.Context, tc *Context, p HTTPCallProperties) (map[string]any, error) {
	res, err := (&HTTPRequest{HTTPProperties{HTTPCallProperties: p, AllowFailed: true}}).Run(ctx, tc)
	return res.Outputs, err
}
