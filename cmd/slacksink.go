package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/tasks"
)

// slackSinkOptions are the flags of `flowctl slack-sink`.
type slackSinkOptions struct {
	addr    string
	count   int
	save    string
	public  bool
	noColor bool
}

const (
	// defaultSinkAddr is where the sink listens unless told otherwise (slack.md).
	defaultSinkAddr = "127.0.0.1:8099"
	// maxSinkBody bounds what one post may send: well above the largest message Slack's
	// limits allow, low enough that a runaway client cannot exhaust memory.
	maxSinkBody = 16 << 20
	// sinkShutdownWait is how long a stopping sink waits for posts in flight to be answered.
	sinkShutdownWait = 5 * time.Second
)

func newSlackSinkCmd(s Streams) *cobra.Command {
	o := &slackSinkOptions{}
	c := &cobra.Command{
		Use:   "slack-sink",
		Short: "Stand in for a Slack webhook: answer like Slack and print each message",
		Long: `Listen on a loopback address and take Slack incoming-webhook posts on any path, so
notification flows can be developed without a Slack workspace. Each post is answered as Slack
would (200 ok, or 400 invalid_payload, no_text, too_many_attachments when a message breaks
Slack's rules or limits) and printed readably: text, blocks, buttons, and each attachment with
its colour bar and fields. The secret part of the webhook path is never printed.

Stops on SIGINT or SIGTERM, or after --count messages, with exit 0. Exit 2 when the address is
in use or is not a loopback address (unless --public).`,
		Example: `  flowctl slack-sink
  export SECRET_SLACK_WEBHOOK=$(printf %s http://127.0.0.1:8099/services/T000/B000/XXXX | base64 -w0)
  flowctl slack-sink --addr 127.0.0.1:9000 --count 3 --save messages.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSlackSink(c.Context(), s, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.addr, "addr", defaultSinkAddr, "`HOST:PORT` to listen on (port 0 picks a free one)")
	f.IntVar(&o.count, "count", 0, "stop after `N` messages (0: run until interrupted)")
	f.StringVar(&o.save, "save", "", "append each message to `FILE` as one JSON line")
	f.BoolVar(&o.public, "public", false, "allow an --addr that is not loopback (the sink takes posts from anyone who can reach it)")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the output")
	return c
}

func runSlackSink(ctx context.Context, s Streams, o *slackSinkOptions) error {
	if o.count < 0 {
		return usageErrorf("invalid --count %d: use a number of messages, or 0 for no limit", o.count)
	}
	if err := checkSinkAddr(o.addr, o.public); err != nil {
		return err
	}
	var save io.Writer
	if o.save != "" {
		f, err := os.OpenFile(o.save, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return usageErrorf("--save: %v", err)
		}
		defer f.Close()
		save = f
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return usageErrorf("cannot listen on %s: the address is in use (another slack-sink?): stop it, or choose another with --addr", o.addr)
		}
		return usageErrorf("cannot listen on %s: %v", o.addr, err)
	}
	base := "http://" + ln.Addr().String()
	if o.public {
		fmt.Fprintf(s.Err, "flowctl: warning: slack-sink on %s takes posts from anyone who can reach it\n", ln.Addr())
	}
	fmt.Fprintf(s.Out, "slack-sink listening on %s (point SECRET_SLACK_WEBHOOK at it: export SECRET_SLACK_WEBHOOK=$(printf %%s %s/services/T000/B000/XXXX | base64 -w0))\n", base, base)
	k := newSlackSink(s.Out, sinkPalette{on: colorEnabled(s.Out, o.noColor)}, save, o.count)
	k.errs = s.Err
	if err := serveSlackSink(ctx, ln, k); err != nil {
		return &exitError{code: ExitFailed, err: err}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	fmt.Fprintf(s.Out, "slack-sink stopped after %d message%s\n", k.n, plural(k.n))
	return nil
}

// plural is the "s" of a count's noun.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// count writes n with its noun, in the plural unless n is 1: "1 execution", "0 flows".
func count(n int, noun string) string {
	return fmt.Sprintf("%d %s%s", n, noun, plural(n))
}

// checkSinkAddr refuses an address other machines could reach, unless public: a stand-in for
// a webhook is for one developer's machine, and one left open on a network takes posts
// (and prints them) from anyone.
func checkSinkAddr(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("invalid --addr %q: use HOST:PORT, like %s", addr, defaultSinkAddr)
	}
	if public || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("--addr %s is not a loopback address: the sink would take posts from the network; use 127.0.0.1:PORT, or give --public if that is meant", addr)
}

// slackSink answers webhook posts as Slack does and prints each one. It handles one post at a
// time, so the printed messages never interleave and --count is exact.
type slackSink struct {
	out   io.Writer
	errs  io.Writer // the HTTP server's own complaints; nil discards them
	save  io.Writer // nil: messages are not saved
	pal   sinkPalette
	now   func() time.Time
	limit int // stop after this many messages; 0: never

	mu   sync.Mutex
	n    int           // messages answered
	full chan struct{} // closed once limit messages have been answered
}

func newSlackSink(out io.Writer, pal sinkPalette, save io.Writer, limit int) *slackSink {
	return &slackSink{out: out, save: save, pal: pal, now: time.Now, limit: limit, full: make(chan struct{})}
}

// serveSlackSink serves k on ln until ctx is cancelled or k has answered its limit of
// messages, then shuts the server down, letting posts in flight finish.
func serveSlackSink(ctx context.Context, ln net.Listener, k *slackSink) error {
	errs := k.errs
	if errs == nil {
		errs = io.Discard
	}
	srv := &http.Server{
		Handler:           k,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(errs, "flowctl: slack-sink: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case <-k.full:
	case err := <-served:
		return fmt.Errorf("slack-sink: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), sinkShutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close() // a client that holds its post open does not keep the sink alive
	}
	<-served
	return nil
}

// ServeHTTP answers one post.
func (k *slackSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := k.now()
	path := redactWebhookPath(r.URL)
	if r.Method != http.MethodPost {
		k.mu.Lock()
		io.WriteString(k.out, k.pal.faint(at.Format("15:04:05"))+" "+sinkClean(r.Method)+" "+path+" → "+
			k.pal.bad("405")+k.pal.faint(" (a webhook takes POST)")+"\n\n")
		k.mu.Unlock()
		w.Header().Set("Allow", http.MethodPost)
		answerSlack(w, http.StatusMethodNotAllowed, "method_not_allowed")
		return
	}
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSinkBody))

	k.mu.Lock()
	if k.limit > 0 && k.n >= k.limit {
		// A post racing the last one: the sink is stopping and does not take it.
		k.mu.Unlock()
		answerSlack(w, http.StatusServiceUnavailable, "slack-sink is stopping")
		return
	}
	k.n++
	last := k.limit > 0 && k.n == k.limit

	var msg []byte
	var notes []string
	var rev tasks.SlackReview
	if readErr != nil {
		rev = tasks.SlackReview{Status: http.StatusBadRequest, Word: "invalid_payload",
			Reason: "reading the body: " + readErr.Error()}
	} else {
		var note string
		msg, note = slackMessageOf(r.Header.Get("Content-Type"), body)
		if note != "" {
			notes = append(notes, note)
		}
		rev = tasks.ReviewSlackMessage(msg)
		if k.save != nil {
			if err := saveSlackMessage(k.save, msg); err != nil {
				notes = append(notes, err.Error())
			}
		}
	}
	writeSlackPost(k.out, k.pal, at, path, rev, msg, notes)
	k.mu.Unlock()

	// The message is printed and saved before it is answered: a poster that has its answer
	// finds the message in the output and the --save file.
	answerSlack(w, rev.Status, rev.Word)
	if last {
		close(k.full)
	}
}

// answerSlack writes Slack's answer: a status and one plain-text word, no newline.
func answerSlack(w http.ResponseWriter, status int, word string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, word)
}

// slackMessageOf takes the message out of a post as Slack reads it: a JSON body
// (application/json, the documented way), or the payload field of a form
// (application/x-www-form-urlencoded, the legacy way). Slack also reads a JSON body sent
// under another type, as `curl -d` does by default, so the sink does too, with a note.
func slackMessageOf(contentType string, body []byte) (msg []byte, note string) {
	mt, _, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		mt = contentType
	}
	switch mt {
	case "application/json":
		return body, ""
	case "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(body)); err == nil && form.Has("payload") {
			return []byte(form.Get("payload")), ""
		}
		return body, "form-encoded post without a payload= field: read as JSON; send Content-Type: application/json"
	case "":
		return body, "no Content-Type: read as JSON; send Content-Type: application/json"
	default:
		return body, fmt.Sprintf("Content-Type %s: read as JSON; send Content-Type: application/json", sinkClean(contentType))
	}
}

// saveSlackMessage appends msg to w as one JSON line. A post that is not JSON is no message
// and is not saved: the file stays a valid stream of JSON documents for jq.
func saveSlackMessage(w io.Writer, msg []byte) error {
	var line bytes.Buffer
	if err := json.Compact(&line, msg); err != nil {
		return errors.New("not saved: not JSON")
	}
	line.WriteByte('\n')
	if _, err := w.Write(line.Bytes()); err != nil {
		return fmt.Errorf("not saved: %v", err)
	}
	return nil
}

// redactWebhookPath hides the secret of a webhook URL's path the way flowctl prints webhook
// URLs: /services/T000/B000/XXXX → /services/T0…/***. A query is hidden whole.
func redactWebhookPath(u *url.URL) string {
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	var p string
	switch {
	case segs[0] == "":
		p = "/"
	case len(segs) == 1:
		p = "/***"
	default:
		head := segs[1]
		if r := []rune(head); len(r) > 2 {
			head = string(r[:2])
		}
		p = "/" + sinkClean(segs[0]) + "/" + sinkClean(head) + "…/***"
	}
	if u.RawQuery != "" {
		p += "?***"
	}
	return p
}

// sinkPalette colours the sink's output; its zero value writes plain text.
type sinkPalette struct{ on bool }

func (p sinkPalette) paint(c *color.Color, s string) string {
	if !p.on {
		return s
	}
	c.EnableColor() // the decision is colorEnabled's, per stream, not fatih/color's global one
	return c.Sprint(s)
}

func (p sinkPalette) faint(s string) string { return p.paint(color.New(color.Faint), s) }
func (p sinkPalette) bold(s string) string  { return p.paint(color.New(color.Bold), s) }
func (p sinkPalette) good(s string) string  { return p.paint(color.New(color.FgGreen), s) }
func (p sinkPalette) warn(s string) string  { return p.paint(color.New(color.FgYellow), s) }
func (p sinkPalette) bad(s string) string   { return p.paint(color.New(color.FgRed), s) }

// bar paints an attachment's colour bar as Slack shows it: good, warning and danger in
// green, yellow and red, a hex code in its own colour (terminals that lack 24-bit colour
// approximate it), anything else left plain.
func (p sinkPalette) bar(slackColor string) string {
	const bar = "▌"
	switch slackColor {
	case "good":
		return p.good(bar)
	case "warning":
		return p.warn(bar)
	case "danger":
		return p.bad(bar)
	}
	if !tasks.IsSlackColor(slackColor) {
		return bar
	}
	hex := slackColor[1:]
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	v, _ := strconv.ParseUint(hex, 16, 32)
	return p.paint(color.RGB(int(v>>16&0xff), int(v>>8&0xff), int(v&0xff)), bar)
}

// sinkLabelWidth is the width of the label column of a printed message.
const sinkLabelWidth = 10

// sinkPrinter lays out one printed message: a label column, then values whose later lines
// are indented under the first.
type sinkPrinter struct {
	b strings.Builder
	p sinkPalette
}

// field writes a labelled value.
func (pr *sinkPrinter) field(label, value string) {
	pr.lines(pr.p.faint(fmt.Sprintf("%-*s", sinkLabelWidth, label))+" ", value)
}

// lines writes value's lines, the first after first, the others indented to match.
func (pr *sinkPrinter) lines(first, value string) {
	indent := strings.Repeat(" ", sinkLabelWidth+1)
	for i, l := range strings.Split(value, "\n") {
		lead := indent
		if i == 0 {
			lead = first
		}
		// An empty value leaves no trailing blanks for diffs and golden files to trip on.
		pr.b.WriteString(strings.TrimRight("  "+lead+l, " ") + "\n")
	}
}

// barred writes value's lines in the value column, each behind an attachment's colour bar.
func (pr *sinkPrinter) barred(bar, value string) {
	indent := strings.Repeat(" ", sinkLabelWidth+1)
	for _, l := range strings.Split(value, "\n") {
		pr.b.WriteString("  " + indent + bar + " " + l + "\n")
	}
}

// writeSlackPost prints one post: a header line with the time, the redacted path and the
// answer; why it was refused and any notes; then the message as Slack would show it. msg is
// nil when the body could not be read.
func writeSlackPost(w io.Writer, p sinkPalette, at time.Time, path string, rev tasks.SlackReview, msg []byte, notes []string) {
	pr := &sinkPrinter{p: p}
	answer := fmt.Sprintf("%d %s", rev.Status, rev.Word)
	if rev.Status == http.StatusOK {
		answer = p.good(answer)
	} else {
		answer = p.bad(answer)
	}
	pr.b.WriteString(p.faint(at.Format("15:04:05")) + " POST " + path + " → " + answer + "\n")
	if rev.Reason != "" {
		pr.field("refused", p.bad(sinkClean(rev.Reason)))
	}
	for _, n := range append(notes, rev.Notes...) {
		pr.field("note", p.warn(sinkClean(n)))
	}
	var m map[string]any
	if err := json.Unmarshal(msg, &m); err != nil {
		if msg != nil {
			pr.field("body", sinkExcerpt(string(msg)))
		}
	} else {
		pr.message(m)
	}
	pr.b.WriteByte('\n')
	io.WriteString(w, pr.b.String())
}

// message prints a message's parts in the order Slack shows them.
func (pr *sinkPrinter) message(m map[string]any) {
	// Modern Slack apps' webhooks post to their own channel as themselves; these matter only
	// to legacy webhooks and Slack-compatible servers, so they are shown apart, faint.
	if ch := sinkString(m, "channel"); ch != "" {
		pr.field("channel", sinkClean(ch)+pr.p.faint("  (ignored by a Slack app's webhook)"))
	}
	var as []string
	for _, k := range []string{"username", "icon_emoji", "icon_url"} {
		if v := sinkString(m, k); v != "" {
			as = append(as, sinkClean(v))
		}
	}
	if len(as) > 0 {
		pr.field("as", strings.Join(as, " "))
	}
	if ts := sinkString(m, "thread_ts"); ts != "" {
		pr.field("thread", sinkClean(ts))
	}
	if text := sinkString(m, "text"); text != "" {
		pr.field("text", slackReadable(text))
	}
	for _, b := range sinkList(m, "blocks") {
		if bm, ok := b.(map[string]any); ok {
			label, value := pr.block(bm)
			pr.field(label, value)
		}
	}
	for _, a := range sinkList(m, "attachments") {
		if am, ok := a.(map[string]any); ok {
			pr.attachment(am)
		}
	}
}

// block renders one Block Kit block as a label and its readable text.
func (pr *sinkPrinter) block(b map[string]any) (label, value string) {
	typ := sinkString(b, "type")
	var lines []string
	switch typ {
	case "header":
		lines = append(lines, pr.p.bold(sinkText(b["text"])))
	case "section":
		if t := sinkText(b["text"]); t != "" {
			lines = append(lines, t)
		}
		for _, f := range sinkList(b, "fields") {
			lines = append(lines, strings.ReplaceAll(sinkText(f), "\n", " "))
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			lines = append(lines, sinkElement(acc))
		}
	case "divider":
		lines = append(lines, "───")
	case "context", "actions":
		var parts []string
		for _, e := range sinkList(b, "elements") {
			if em, ok := e.(map[string]any); ok {
				parts = append(parts, sinkElement(em))
			}
		}
		lines = append(lines, strings.Join(parts, "  "))
	case "image":
		lines = append(lines, sinkElement(b))
	case "rich_text":
		lines = append(lines, strings.TrimRight(richText(sinkList(b, "elements")), "\n"))
	default:
		lines = append(lines, pr.p.faint("(not shown by slack-sink)"))
	}
	if typ == "" {
		typ = "block"
	}
	return sinkClean(typ), strings.Join(lines, "\n")
}

// attachment prints a legacy attachment behind its colour bar, with its fields as
// `Name: value` lines.
func (pr *sinkPrinter) attachment(a map[string]any) {
	col := sinkString(a, "color")
	label := ""
	switch col {
	case "good":
		label = pr.p.good(col)
	case "warning":
		label = pr.p.warn(col)
	case "danger":
		label = pr.p.bad(col)
	default:
		label = sinkClean(col)
	}
	pr.field("attachment", label)
	if pre := sinkString(a, "pretext"); pre != "" {
		pr.lines(strings.Repeat(" ", sinkLabelWidth+1), slackReadable(pre))
	}
	bar := pr.p.bar(col)
	var lines []string
	if author := sinkString(a, "author_name"); author != "" {
		lines = append(lines, pr.p.faint(sinkClean(author)))
	}
	if title := sinkString(a, "title"); title != "" {
		t := pr.p.bold(sinkClean(title))
		if link := sinkString(a, "title_link"); link != "" {
			t += " (" + sinkClean(link) + ")"
		}
		lines = append(lines, t)
	}
	if text := sinkString(a, "text"); text != "" {
		lines = append(lines, slackReadable(text))
	}
	for _, f := range sinkList(a, "fields") {
		fm, _ := f.(map[string]any)
		title, value := sinkString(fm, "title"), slackReadable(sinkString(fm, "value"))
		if title == "" {
			lines = append(lines, value)
		} else {
			lines = append(lines, sinkClean(title)+": "+value)
		}
	}
	for _, b := range sinkList(a, "blocks") {
		if bm, ok := b.(map[string]any); ok {
			_, v := pr.block(bm)
			lines = append(lines, v)
		}
	}
	if img := sinkString(a, "image_url"); img != "" {
		lines = append(lines, "[image: "+sinkClean(img)+"]")
	}
	var foot []string
	if f := sinkString(a, "footer"); f != "" {
		foot = append(foot, slackReadable(f))
	}
	if ts, ok := sinkTime(a["ts"]); ok {
		foot = append(foot, ts.UTC().Format(time.RFC3339))
	}
	if len(foot) > 0 {
		lines = append(lines, pr.p.faint(strings.Join(foot, " · ")))
	}
	if len(lines) == 0 {
		if fb := sinkString(a, "fallback"); fb != "" {
			lines = append(lines, slackReadable(fb))
		}
	}
	for _, l := range lines {
		pr.barred(bar, l)
	}
}

// sinkElement renders a block element: a button as [Text → url], an image as its alt text,
// a text object as its text.
func sinkElement(e map[string]any) string {
	switch typ := sinkString(e, "type"); typ {
	case "button":
		label := sinkText(e["text"])
		if u := sinkString(e, "url"); u != "" {
			return "[" + label + " → " + sinkClean(u) + "]"
		}
		return "[" + label + "]"
	case "image":
		s := "[image: " + sinkClean(sinkString(e, "alt_text")) + "]"
		if u := sinkString(e, "image_url"); u != "" {
			s += " (" + sinkClean(u) + ")"
		}
		return s
	case "mrkdwn", "plain_text":
		return sinkText(e)
	default:
		return "[" + sinkClean(typ) + "]"
	}
}

// richText flattens a rich_text block's elements to readable text.
func richText(elems []any) string {
	var b strings.Builder
	for _, e := range elems {
		em, _ := e.(map[string]any)
		switch typ := sinkString(em, "type"); typ {
		case "text":
			b.WriteString(sinkClean(sinkString(em, "text")))
		case "link":
			u, t := sinkClean(sinkString(em, "url")), sinkClean(sinkString(em, "text"))
			if t == "" || t == u {
				b.WriteString(u)
			} else {
				b.WriteString(t + " (" + u + ")")
			}
		case "emoji":
			b.WriteString(":" + sinkClean(sinkString(em, "name")) + ":")
		case "user":
			b.WriteString("@" + sinkClean(sinkString(em, "user_id")))
		case "channel":
			b.WriteString("#" + sinkClean(sinkString(em, "channel_id")))
		default:
			b.WriteString(richText(sinkList(em, "elements")))
			if typ != "" {
				b.WriteByte('\n') // sections, lists, quotes and code blocks end a line
			}
		}
	}
	return b.String()
}

// sinkText renders a Block Kit text object: mrkdwn made readable, plain_text as written.
func sinkText(v any) string {
	o, _ := v.(map[string]any)
	text := sinkString(o, "text")
	if sinkString(o, "type") == "mrkdwn" {
		return slackReadable(text)
	}
	return sinkClean(text)
}

// slackReadable shows Slack mrkdwn as a person reads it in Slack: *bold*, _italic_ and
// `code` stay as written (they read well in a terminal), a link <url|text> becomes
// text (url), mentions become @name and #channel, and &lt; &gt; &amp; are unescaped.
func slackReadable(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexAny(s[i+1:], ">\n")
		if j < 0 || s[i+1+j] == '\n' {
			// Not a link: Slack escapes a literal <, but a message may not have.
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(slackToken(s[i+1 : i+1+j]))
		s = s[i+2+j:]
	}
	b.WriteString(s)
	return sinkClean(slackUnescape.Replace(b.String()))
}

var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// slackToken renders what is between < and > in mrkdwn.
func slackToken(t string) string {
	target, label, labelled := strings.Cut(t, "|")
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		if labelled {
			return target[:1] + strings.TrimPrefix(label, target[:1])
		}
		return target
	case strings.HasPrefix(target, "!"):
		// <!here>, <!channel>, <!subteam^ID|@team>, <!date^…|fallback text>
		if labelled {
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	case !labelled || label == target:
		return target
	default:
		return label + " (" + target + ")"
	}
}

// sinkClean shows the control characters of s (report.Printable), colour sequences
// included, as Slack shows them: a post cannot drive the terminal (move the cursor, change
// colours, rewrite earlier lines) through the sink's output.
func sinkClean(s string) string { return report.Printable(s, report.SGRShow) }

// sinkExcerptLen bounds how much of a body that is not JSON is printed.
const sinkExcerptLen = 300

// sinkExcerpt is the start of a body that is not JSON, on one line.
func sinkExcerpt(s string) string {
	cut := ""
	if utf8.RuneCountInString(s) > sinkExcerptLen {
		s, cut = string([]rune(s)[:sinkExcerptLen]), "…"
	}
	return sinkClean(strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s)) + cut
}

// sinkString reads a string field; anything else reads as "".
func sinkString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// sinkList reads an array field; anything else reads as empty.
func sinkList(m map[string]any, key string) []any {
	l, _ := m[key].([]any)
	return l
}

// sinkTime reads an attachment's ts: epoch seconds, as a number or a string.
func sinkTime(v any) (time.Time, bool) {
	var sec float64
	switch t := v.(type) {
	case float64:
		sec = t
	case string:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return time.Time{}, false
		}
		sec = f
	default:
		return time.Time{}, false
	}
	return time.Unix(int64(sec), 0), true
}
