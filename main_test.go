package main

import (
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

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
