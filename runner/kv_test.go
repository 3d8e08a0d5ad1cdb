package runner

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// runKVFlow runs a flow given as YAML against store.
func runKVFlow(t *testing.T, store *state.Store, src string, environ ...string) *Execution {
	t.Helper()
	f, err := flow.Parse("flow.yml", []byte(src), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, err := Run(context.Background(), f, Options{Environ: environ, KV: KV(store)})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestKVTasksAndFunctionOnTheState(t *testing.T) {
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := runKVFlow(t, store, `
id: writer
namespace: company.team
tasks:
  - id: body
    type: io.kestra.plugin.core.debug.Return
    format: '{"version": "1.2.3", "replicas": 3}'
  - id: set_map
    type: io.kestra.plugin.core.kv.Set
    key: release
    value: "{{ fromJson(outputs.body.value) }}"
  - id: set_ttl
    type: io.kestra.plugin.core.kv.Set
    key: window
    value: PT5M
    kvType: DURATION
    ttl: P1D
  - id: set_other
    type: io.kestra.plugin.core.kv.Set
    namespace: company
    key: owner
    value: ops
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: release
  - id: use
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('release').replicas + 1 }} {{ outputs.get.value.version }} {{ kv('window') }} {{ kv('owner', 'company') }} {{ kv('owner') ?? 'not inherited' }}"
  - id: keys
    type: io.kestra.plugin.core.kv.GetKeys
  - id: delete
    type: io.kestra.plugin.core.kv.Delete
    key: window
`)
	if x.State.Current != StateSuccess {
		for _, tr := range x.TaskRunList {
			t.Logf("%s: %s %s", tr.TaskID, tr.State.Current, tr.Error)
		}
		t.Fatalf("execution %s, want SUCCESS", x.State.Current)
	}
	out := func(task, name string) any {
		for _, tr := range x.TaskRunList {
			if tr.TaskID == task {
				return tr.Outputs[name]
			}
		}
		return nil
	}
	if got, want := out("use", "value"), "4 1.2.3 PT5M ops not inherited"; got != want {
		t.Errorf("templates: got %q, want %q", got, want)
	}
	if got := out("keys", "keys"); len(got.([]any)) != 2 {
		t.Errorf("keys: got %v, want [release window]", got)
	}
	if got := out("delete", "deleted"); got != true {
		t.Errorf("deleted: got %v, want true", got)
	}
	e, ok, err := store.GetKV("company.team", "release")
	if err != nil || !ok || e.Type != "JSON" || string(e.Value) != `{"replicas":3,"version":"1.2.3"}` {
		t.Errorf("in the state: %s %s (%v %v), want JSON {\"replicas\":3,\"version\":\"1.2.3\"}", e.Type, e.Value, ok, err)
	}

	// A second flow of another namespace reads what the first one stored.
	x = runKVFlow(t, store, `
id: reader
namespace: elsewhere
tasks:
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('release', 'company.team').version }}"
  - id: missing
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('release', errorOnMissing=true) }}"
`)
	if x.TaskRunList[0].Outputs["value"] != "1.2.3" {
		t.Errorf("second flow: got %v, want 1.2.3", x.TaskRunList[0].Outputs["value"])
	}
	if msg := x.TaskRunList[1].Error; !strings.Contains(msg, "The key 'release' does not exist in the namespace 'elsewhere'.") {
		t.Errorf("errorOnMissing: got %q", msg)
	}
}

func TestKVSetRefusesASecret(t *testing.T) {
	store, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := runKVFlow(t, store, `
id: leak
namespace: dev
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
    key: token
    value: "Bearer {{ secret('TOKEN') }}"
`, "SECRET_TOKEN="+base64.StdEncoding.EncodeToString([]byte("hunter22")))
	tr := x.TaskRunList[0]
	if tr.State.Current != StateFailed || !strings.Contains(tr.Error, `task "set": value: the value of key 'token' holds a secret`) || strings.Contains(tr.Error, "hunter22") {
		t.Errorf("got %s %q, want FAILED saying the value holds a secret, without it", tr.State.Current, tr.Error)
	}
	if _, ok, _ := store.GetKV("dev", "token"); ok {
		t.Error("the secret was stored in the state")
	}
}

func TestKVWithoutAState(t *testing.T) {
	f, err := flow.Parse("flow.yml", []byte(`
id: nostate
namespace: dev
tasks:
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('x') ?? 'none' }}"
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: x
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	x, _ := Run(context.Background(), f, Options{Environ: []string{}})
	for _, tr := range x.TaskRunList {
		if tr.State.Current != StateFailed || !strings.Contains(tr.Error, "the KV store needs a state file") {
			t.Errorf("%s: got %s %q, want FAILED: the KV store needs a state file", tr.TaskID, tr.State.Current, tr.Error)
		}
	}
}
