package tasks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
)

// httpDownloadDef is Kestra's http.Download.
var httpDownloadDef = &Def{
	Type:    "io.kestra.plugin.core.http.Download",
	Aliases: []string{"io.kestra.plugin.fs.http.Download", "io.kestra.core.tasks.http.Download"},
	Doc:     "Download a file over HTTP into the execution's internal storage, streamed: outputs.ID.uri is its kestra:// URI.",
	New:     func() Task { return &HTTPDownload{} },
}

// HTTPDownload streams an answer's body into the internal storage, never into memory.
type HTTPDownload struct {
	HTTPProperties
	FailOnEmptyResponse *bool `flow:"failOnEmptyResponse" doc:"an empty body fails the task (default true)"`
}

// Run checks that the run has a storage, sends the request and stores the body as it comes.
func (t *HTTPDownload) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.Storage == nil {
		return Result{}, errors.New("a download is stored in the execution's internal storage (kestra:// files, kept beside the state file), and this run has none")
	}
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
	res := Result{Outputs: map[string]any{"code": code, "headers": httpHeaders(resp.Header)}}
	if !c.passes(code) {
		body, more := readRefused(resp.body)
		return res, refused(code, body, more)
	}
	name := downloadName(resp.Header.Get("Content-Disposition"), c.url)
	uri, err := tc.Storage.Put(name, resp.body)
	got := resp.body.n
	res.Outputs["length"] = got
	if err != nil {
		switch rerr := resp.body.err; {
		case rerr == nil && !resp.timedOut() && ctx.Err() == nil:
			return res, fmt.Errorf("storing the download: %w", err)
		case errors.Is(rerr, io.ErrUnexpectedEOF) && resp.ContentLength >= 0:
			return res, fmt.Errorf("Invalid size, got %d, expected %d", got, resp.ContentLength)
		case rerr != nil:
			return res, c.readFailure(ctx, resp, rerr)
		}
		return res, c.readFailure(ctx, resp, err)
	}
	res.Outputs["uri"] = uri
	if resp.ContentLength >= 0 && got != resp.ContentLength {
		return res, fmt.Errorf("Invalid size, got %d, expected %d", got, resp.ContentLength)
	}
	res.Metrics = []Metric{lengthMetric(c.method, code, got)}
	if got == 0 {
		if (t.FailOnEmptyResponse == nil || *t.FailOnEmptyResponse) && !c.allowFailed {
			return res, errors.New("No response from server")
		}
		tc.Log.Warnf("File '%s' is empty", c.shown)
	}
	tc.Log.Infof("%s %s: %d, %d bytes stored as %s", c.method, c.shown, code, got, uri)
	return res, nil
}

// downloadName is the name a download is stored under, as Kestra names it: the filename of
// the Content-Disposition header (its last path segment, URL-encoded), else a random name
// with the extension of the URL's last segment.
func downloadName(disposition string, u *url.URL) string {
	if disposition != "" {
		if _, params, err := mime.ParseMediaType(disposition); err == nil {
			name := params["filename"]
			name = name[strings.LastIndexAny(name, `/\`)+1:]
			if name != "" && name != "." && name != ".." {
				return url.QueryEscape(name)
			}
		}
	}
	ext := ""
	if seg := lastSegment(u.Path); strings.Contains(seg, ".") {
		ext = seg[strings.IndexByte(seg, '.'):]
		if len(ext) > 32 || strings.ContainsAny(ext, `/\`) {
			ext = ""
		}
	}
	return randomHex(8) + ext
}
