package main

import (
	"os"
	"path/filepath"
	"testing"

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
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") == "1",
		Setup: func(env *testscript.Env) error {
			// The shared flows (the seed's among them) are reachable as $FLOWS.
			env.Setenv("FLOWS", flows)
			env.Setenv("NO_COLOR", "1")
			// Each script has its own state, inside its work folder.
			env.Setenv("FLOWCTL_STATE", filepath.Join(env.WorkDir, "state", "state.db"))
			return nil
		},
	})
}
