package main

import (
	"encoding/base64"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/internal/smtptest"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the flowctl command inside the scripts, so they run the
// real program: flags, streams, exit codes and signals included.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"flowctl": func() { os.Exit(run()) },
	})
}

// TestScript runs the end-to-end scripts of testdata/script: each a txtar file with flowctl
// commands, the flows they use and the output they must print.
func TestScript(t *testing.T) {
	flows, err := filepath.Abs("testdata/flows")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Abs("examples")
	if err != nil {
		t.Fatal(err)
	}
	seed := filepath.Join(examples, "seed")
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") == "1",
		Setup: func(env *testscript.Env) error {
			// The shared flows are reachable as $FLOWS, the examples as $EXAMPLES, the
			// seed's as $SEED.
			env.Setenv("FLOWS", flows)
			env.Setenv("EXAMPLES", examples)
			env.Setenv("SEED", seed)
			env.Setenv("NO_COLOR", "1")
			// Each script has its own state, inside its work folder.
			env.Setenv("FLOWCTL_STATE", filepath.Join(env.WorkDir, "state", "state.db"))
			// The scripts read log lines as they start; timestamps.txtar turns the stamps of
			// a pipe back on.
			env.Setenv("FLOWCTL_TIMESTAMPS", "false")
			// A free loopback port for a slack-sink, and the webhook URL pointing at it,
			// as SECRET_SLACK_WEBHOOK wants it (base64).
			addr, err := freeLoopbackAddr()
			if err != nil {
				return err
			}
			hook := "http://" + addr + "/services/T000/B000/" + webhookSecretPart
			env.Setenv("SINK_ADDR", addr)
			env.Setenv("WEBHOOK", hook)
			env.Setenv("WEBHOOK_B64", base64.StdEncoding.EncodeToString([]byte(hook)))
			env.Setenv("WEBHOOK_SECRET", webhookSecretPart)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitport":   waitPort,
			"internet":   internet,
			"ghcommands": checkCommands(ghCommands),
			"glsections": checkCommands(glSections),
			"smtpsink":   smtpSink,
		},
	})
}

// webhookSecretPart is the secret tail of the test webhook URL: the scripts check that it is
// never printed nor stored.
const webhookSecretPart = "Zq8xSecretTokenPart42"

// freeLoopbackAddr finds a port no one listens on. Another process could take it before the
// sink does; on a test machine that is rare enough, and the sink then fails loudly.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitPort waits until something listens on HOST:PORT (a server started in the background),
// for at most 10 seconds.
func waitPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport HOST:PORT")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%v", fmt.Errorf("nothing listens on %s after 10s: %w", args[0], err))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// smtpSink starts an SMTP server on loopback for the rest of the script and sets SMTP_HOST
// and SMTP_PORT to reach it. Each message it receives is written to DIR/N.eml as sent,
// with LF line ends, and its envelope to DIR/N.env (from, to, user, tls lines).
//
//	smtpsink [-tls none|starttls|implicit] [-user U -pass P] [-reject ADDR] DIR
func smtpSink(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("smtpsink", flag.ContinueOnError)
	mode := fs.String("tls", "none", "none, starttls or implicit")
	user := fs.String("user", "", "the only user AUTH accepts")
	pass := fs.String("pass", "", "its password")
	reject := fs.String("reject", "", "a recipient to refuse")
	if neg || fs.Parse(args) != nil || fs.NArg() != 1 {
		ts.Fatalf("usage: smtpsink [-tls none|starttls|implicit] [-user U -pass P] [-reject ADDR] DIR")
	}
	cfg := smtptest.Config{Username: *user, Password: *pass}
	switch *mode {
	case "none":
	case "starttls":
		cfg.TLS = smtptest.StartTLS
	case "implicit":
		cfg.TLS = smtptest.Implicit
	default:
		ts.Fatalf("smtpsink: -tls %s: want none, starttls or implicit", *mode)
	}
	if *reject != "" {
		cfg.RejectRcpt = []string{*reject}
	}
	dir := ts.MkAbs(fs.Arg(0))
	ts.Check(os.MkdirAll(dir, 0o755))
	n := 0
	cfg.OnMessage = func(m smtptest.Message) {
		n++
		base := filepath.Join(dir, strconv.Itoa(n))
		env := fmt.Sprintf("from: %s\nto: %s\nuser: %s\ntls: %v\n", m.From, strings.Join(m.To, ","), m.User, m.TLS)
		if err := os.WriteFile(base+".eml", []byte(strings.ReplaceAll(string(m.Data), "\r\n", "\n")), 0o644); err == nil {
			_ = os.WriteFile(base+".env", []byte(env), 0o644)
		}
	}
	s, err := smtptest.Start(cfg)
	ts.Check(err)
	ts.Defer(s.Close)
	host, port, _ := net.SplitHostPort(s.Addr)
	ts.Setenv("SMTP_HOST", host)
	ts.Setenv("SMTP_PORT", port)
}
