package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/report"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/service"
)

const (
	// defaultWebhookAddr is where `webhook serve` listens unless told otherwise: Kestra's
	// port, on loopback.
	defaultWebhookAddr = "127.0.0.1:8080"
	// maxWebhookBody bounds a request's body: it is held in memory, in every template of
	// the execution and in its record. Kestra takes up to 10 GB (its uploads' bound); a
	// webhook's JSON payload is far smaller (GitHub's are at most 25 MB, most a few KB).
	maxWebhookBody = 8 << 20
	// webhookShutdownWait is how long a stopping server waits for requests in flight.
	webhookShutdownWait = 5 * time.Second
	// webhookPath is Kestra's webhook URL; webhookTenantPath its form since Kestra 0.24,
	// with the open-source tenant "main".
	webhookPath       = "/api/v1/executions/webhook/{namespace}/{id}/{key}"
	webhookTenantPath = "/api/v1/main/executions/webhook/{namespace}/{id}/{key}"
)

// webhookOptions are the flags of `flowctl webhook serve`.
type webhookOptions struct {
	addr    string
	state   string
	max     int
	public  bool
	noColor bool
}

func newWebhookCmd(f *factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the Webhook triggers of applied flows",
	}
	c.AddCommand(newWebhookServeCmd(f))
	return c
}

func newWebhookServeCmd(f *factory) *cobra.Command {
	o := &webhookOptions{}
	c := &cobra.Command{
		Use:   "serve",
		Short: "Start applied flows from HTTP requests to their Webhook triggers, until SIGTERM",
		Long: `Serve Kestra's webhook URL for every applied flow with a Webhook trigger:

  GET|POST|PUT /api/v1/executions/webhook/NAMESPACE/FLOW_ID/KEY

A request whose key is the trigger's (rendered) starts an execution, with the request's body
(JSON read as such, else its text), headers and query parameters as trigger.body,
trigger.headers and trigger.parameters, and is answered as Kestra answers it: 200 with the
execution document as created; 204 when the trigger's conditions do not hold; 404 when the
flow or the key is unknown; 409 for a disabled flow; 422 when the trigger's inputs do not
render or fit the flow's; 413 over 8 MiB of body. Executions are
recorded as "run" records them (flowctl executions list) and fire Flow triggers; at most
--max-executions run at once (a request waits for a free one), and each flow's concurrency
limit holds. Flows applied while it runs are served at once.

Listens on loopback unless --public: the key in the URL is the only protection, as in
Kestra's open-source edition. The key is never printed. SIGINT or SIGTERM stops it (exit 0):
requests in flight are answered, running executions are killed and recorded KILLED.`,
		Example: `  flowctl flow apply hook.yml
  flowctl webhook serve --addr 127.0.0.1:8080 &
  curl -X POST -H 'Content-Type: application/json' -d '{"hello":"world"}' \
    http://127.0.0.1:8080/api/v1/executions/webhook/company.team/hook/KEY`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runWebhookServe(c.Context(), f, o)
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.addr, "addr", defaultWebhookAddr, "`HOST:PORT` to listen on (port 0 picks a free one)")
	fl.IntVar(&o.max, "max-executions", 4, "run at most `N` executions at once")
	fl.BoolVar(&o.public, "public", false, "allow an --addr that is not loopback (anyone who can reach it and knows a key starts flows)")
	fl.BoolVar(&o.noColor, "no-color", false, "never colour the output")
	stateFlag(c, &o.state)
	return c
}

func runWebhookServe(ctx context.Context, f *factory, o *webhookOptions) error {
	if o.max < 1 {
		return usageErrorf("invalid --max-executions %d: use 1 or more", o.max)
	}
	if err := checkLoopback(o.addr, o.public); err != nil {
		return err
	}
	store, err := f.openState(context.Background(), o.state, false)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return usageErrorf("cannot listen on %s: the address is in use: stop what uses it, or choose another with --addr", o.addr)
		}
		return usageErrorf("cannot listen on %s: %v", o.addr, err)
	}
	svc := f.service(store, o.noColor)
	h := newWebhookHandler(ctx, svc, f.Out, report.NewPalette(colorEnabled(f.Out, o.noColor)), f.Err, o.max)
	if o.public {
		fmt.Fprintf(f.Err, "flowctl: warning: webhook serve on %s starts flows for anyone who can reach it and knows a key\n", ln.Addr())
	}
	fmt.Fprintf(f.Err, "flowctl: webhook serve listening on http://%s/api/v1/executions/webhook/{namespace}/{flowId}/{key} (state %s; SIGTERM to stop)\n",
		ln.Addr(), store.Path())
	listWebhooks(f.Err, svc)
	srv := newWebhookServer(h, f.Err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(rawListener{ln}) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), webhookShutdownWait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if serveErr == nil {
		<-served
	}
	// Executions run under ctx: the signal that stopped the server kills them, and they
	// are recorded KILLED before the exit.
	svc.Wait()
	if err := svc.RecordErr(); err != nil {
		fmt.Fprintf(f.Err, "flowctl: %v\n", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return &exitError{code: ExitFailed, err: fmt.Errorf("webhook serve: %w", serveErr)}
	}
	fmt.Fprintf(f.Err, "flowctl: webhook serve stopped after %s\n", count(h.startedCount(), "execution"))
	return nil
}

// newWebhookServer is the HTTP server of h; serve it on a rawListener, so that header names
// keep the case the client wrote them in.
func newWebhookServer(h http.Handler, errw io.Writer) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(errw, "flowctl: webhook: ", 0),
		ConnContext:       withRawConn,
	}
}

// listWebhooks says which webhooks the applied flows have, by their path without the key:
// where a user points the service that calls them. Flows applied later are served too.
func listWebhooks(w io.Writer, svc *service.Service) {
	flows, err := svc.Flows()
	if err != nil {
		fmt.Fprintf(w, "flowctl: warning: the applied flows could not be listed: %v\n", err)
		return
	}
	n := 0
	for _, af := range flows {
		for _, t := range af.Triggers {
			if t.Type != flow.TriggerWebhook || t.Disabled || af.Disabled {
				continue
			}
			n++
			fmt.Fprintf(w, "flowctl: webhook: serving %s.%s/%s at /api/v1/executions/webhook/%s/%s/{key}\n",
				af.Namespace, af.ID, t.ID, af.Namespace, af.ID)
		}
	}
	if n == 0 {
		fmt.Fprintln(w, "flowctl: webhook: no applied flow has an enabled Webhook trigger yet: apply one (flowctl flow apply FILE), it is served from the next request")
	}
}

// checkLoopback refuses an address other machines could reach, unless public.
func checkLoopback(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErrorf("invalid --addr %q: use HOST:PORT, like %s", addr, defaultWebhookAddr)
	}
	if public || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErrorf("--addr %s is not a loopback address: anyone on the network who knows a key could start flows; use 127.0.0.1:PORT, or give --public if that is meant", addr)
}

// webhookHandler answers webhook requests as Kestra's ExecutionController does.
type webhookHandler struct {
	ctx  context.Context // the server's life: executions run under it
	svc  *service.Service
	out  io.Writer // the executions' logs
	pal  *report.Palette
	errw io.Writer // one line per request
	// slots holds one token per running execution: at most cap(slots) at once.
	slots chan struct{}
	mux   *http.ServeMux

	mu      sync.Mutex // serialises the lines written to out and errw
	started int
}

func newWebhookHandler(ctx context.Context, svc *service.Service, out io.Writer, pal *report.Palette, errw io.Writer, max int) *webhookHandler {
	h := &webhookHandler{ctx: ctx, svc: svc, out: out, pal: pal, errw: errw, slots: make(chan struct{}, max), mux: http.NewServeMux()}
	h.mux.HandleFunc(webhookPath, h.webhook)
	h.mux.HandleFunc(webhookTenantPath, h.webhook)
	return h
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.logf("%s %s → 404", sinkClean(r.Method), sinkClean(redactWebhookURL(r.URL.Path)))
		answerKestraError(w, http.StatusNotFound, "Not Found")
		return
	}
	h.mux.ServeHTTP(w, r)
}

func (h *webhookHandler) startedCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started
}

// logf writes one line about a request on stderr.
func (h *webhookHandler) logf(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(h.errw, "flowctl: webhook: "+format+"\n", args...)
}

// webhook answers one request to a webhook URL.
func (h *webhookHandler) webhook(w http.ResponseWriter, r *http.Request) {
	ns, id := r.PathValue("namespace"), r.PathValue("id")
	// Taken before the body is read, while the connection still holds the header block.
	headers := headersAsSent(r)
	where := fmt.Sprintf("%s %s.%s", sinkClean(r.Method), sinkClean(ns), sinkClean(id))
	switch r.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut:
	default:
		h.logf("%s → 405", where)
		w.Header().Set("Allow", "GET, POST, PUT")
		answerKestraError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.logf("%s → 413 (body over %d bytes)", where, maxWebhookBody)
			answerKestraError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request Entity Too Large: the body is over %d bytes", maxWebhookBody))
			return
		}
		h.logf("%s → 400 (reading the body: %v)", where, err)
		answerKestraError(w, http.StatusBadRequest, "Bad Request: the body could not be read")
		return
	}
	req := service.WebhookRequest{Namespace: ns, FlowID: id, Key: r.PathValue("key"), Body: body,
		Headers: headers, Parameters: r.URL.Query()}

	// A slot for the execution, held until it ends; a client that gives up while it waits
	// starts nothing.
	select {
	case h.slots <- struct{}{}:
	default:
		h.logf("%s: waiting for a free execution slot (%d running)", where, cap(h.slots))
		if !h.waitSlot(w, r, where) {
			return
		}
	}
	// The slot is the execution's once it starts, freed when it ends (Done), else now.
	release := sync.OnceFunc(func() { <-h.slots })
	res := h.svc.Webhook(h.ctx, req, service.WebhookHooks{
		Sink: func(f *flow.Flow, t *flow.Trigger) runner.Sink {
			w := &execWriter{h: h, lineStart: true}
			return execLines{report.NewTextSink(w, h.pal, f), w}
		},
		Ended: func(f *flow.Flow, t *flow.Trigger, x *runner.Execution) {
			h.logf("%s.%s/%s: execution %s ended %s in %s", f.Namespace, f.ID, t.ID, x.ID,
				h.pal.State(x.State.Current), report.HumanDuration(x.State.Duration()))
		},
		Done: release,
	})
	switch res.Outcome {
	case service.WebhookStarted:
		h.mu.Lock()
		h.started++
		h.mu.Unlock()
		h.logf("%s → 200 execution %s", where, res.ExecutionID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(res.Execution)
		return
	case service.WebhookConditionsUnmet:
		release()
		h.logf("%s → 204 (the trigger's conditions do not hold)", where)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	release()
	status, reason := http.StatusInternalServerError, "Internal server error"
	switch res.Outcome {
	case service.WebhookFlowNotFound, service.WebhookKeyNotFound:
		status, reason = http.StatusNotFound, "Not Found"
	case service.WebhookFlowDisabled, service.WebhookFlowInvalid:
		status, reason = http.StatusConflict, "Illegal state"
	case service.WebhookInputsInvalid:
		status, reason = http.StatusUnprocessableEntity, "Invalid entity"
	}
	h.logf("%s → %d (%s)", where, status, res.Message)
	answerKestraError(w, status, reason+": "+res.Message)
}

// waitSlot waits for a free execution slot and takes it; false when the client gave up
// or the server is stopping first, answered.
func (h *webhookHandler) waitSlot(w http.ResponseWriter, r *http.Request, where string) bool {
	select {
	case h.slots <- struct{}{}:
		return true
	case <-r.Context().Done():
		h.logf("%s → gave up waiting for a free execution slot", where)
	case <-h.ctx.Done():
		answerKestraError(w, http.StatusServiceUnavailable, "Service Unavailable: the server is stopping")
	}
	return false
}

// shortExecID is how many characters of an execution id prefix its log lines: enough to
// tell the executions of one server apart, and a prefix `executions logs` takes.
const shortExecID = 8

// execLines is the sink of one webhook execution: its lines start with the execution's
// short id, since the lines of executions running at once mix on the output.
type execLines struct {
	*report.TextSink
	w *execWriter
}

// ExecutionStarted implements runner.ExecutionSink: the id is known from then on, before
// the first task's line.
func (s execLines) ExecutionStarted(x *runner.Execution) {
	s.w.h.mu.Lock()
	s.w.prefix = x.ID[:min(len(x.ID), shortExecID)] + " "
	s.w.h.mu.Unlock()
	s.TextSink.ExecutionStarted(x)
}

// execWriter writes one execution's lines through the handler's lock, each line prefixed.
type execWriter struct {
	h         *webhookHandler
	prefix    string // the execution's short id and a space; "" until it is known
	lineStart bool   // the next byte starts a line
}

func (w *execWriter) Write(p []byte) (int, error) {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	if w.prefix == "" {
		return w.h.out.Write(p)
	}
	b := make([]byte, 0, len(p)+len(w.prefix)*(1+bytes.Count(p, []byte("\n"))))
	for rest := p; len(rest) > 0; {
		if w.lineStart {
			b = append(b, w.prefix...)
		}
		line, after, found := bytes.Cut(rest, []byte("\n"))
		b = append(b, line...)
		if found {
			b = append(b, '\n')
		}
		w.lineStart, rest = found, after
	}
	if _, err := w.h.out.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// answerKestraError answers as Kestra's ErrorController: a JSON body whose message is the
// status's reason and what went wrong. Kestra adds a link to the request's URL, which
// holds the key: flowctl leaves it out.
func answerKestraError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// redactWebhookURL hides what follows the flow id of a webhook path: the key.
func redactWebhookURL(path string) string {
	for _, prefix := range []string{"/api/v1/executions/webhook/", "/api/v1/main/executions/webhook/"} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			parts := strings.SplitN(rest, "/", 3)
			if len(parts) == 3 {
				return prefix + parts[0] + "/" + parts[1] + "/******"
			}
		}
	}
	return path
}
