package tasks

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/templating"
)

func TestBuiltinNamesEveryTypeAndAlias(t *testing.T) {
	r := Builtin()
	want := map[string]string{
		"io.kestra.plugin.core.log.Log":                             "io.kestra.plugin.core.log.Log",
		"io.kestra.core.tasks.log.Log":                              "io.kestra.plugin.core.log.Log",
		"io.kestra.plugin.core.debug.Return":                        "io.kestra.plugin.core.debug.Return",
		"io.kestra.core.tasks.debugs.Return":                        "io.kestra.plugin.core.debug.Return",
		"io.kestra.plugin.core.execution.Fail":                      "io.kestra.plugin.core.execution.Fail",
		"io.kestra.core.tasks.executions.Fail":                      "io.kestra.plugin.core.execution.Fail",
		"io.kestra.plugin.scripts.shell.Script":                     "io.kestra.plugin.scripts.shell.Script",
		"io.kestra.plugin.scripts.shell.Commands":                   "io.kestra.plugin.scripts.shell.Commands",
		"IO.KESTRA.PLUGIN.SCRIPTS.PYTHON.SCRIPT":                    "io.kestra.plugin.scripts.python.Script",
		"io.kestra.plugin.scripts.python.Commands":                  "io.kestra.plugin.scripts.python.Commands",
		"io.kestra.plugin.core.kv.Set":                              "io.kestra.plugin.core.kv.Set",
		"io.kestra.plugin.core.kv.Get":                              "io.kestra.plugin.core.kv.Get",
		"io.kestra.plugin.core.kv.GetKeys":                          "io.kestra.plugin.core.kv.GetKeys",
		"io.kestra.plugin.core.kv.Delete":                           "io.kestra.plugin.core.kv.Delete",
		"io.kestra.plugin.core.namespace.UploadFiles":               "io.kestra.plugin.core.namespace.UploadFiles",
		"io.kestra.plugin.core.namespace.DownloadFiles":             "io.kestra.plugin.core.namespace.DownloadFiles",
		"io.kestra.plugin.core.namespace.DeleteFiles":               "io.kestra.plugin.core.namespace.DeleteFiles",
		"io.kestra.plugin.core.http.Request":                        "io.kestra.plugin.core.http.Request",
		"io.kestra.plugin.fs.http.Request":                          "io.kestra.plugin.core.http.Request",
		"io.kestra.plugin.core.http.Download":                       "io.kestra.plugin.core.http.Download",
		"io.kestra.plugin.fs.http.Download":                         "io.kestra.plugin.core.http.Download",
		"io.kestra.plugin.core.output.OutputValues":                 "io.kestra.plugin.core.output.OutputValues",
		"io.kestra.plugin.core.debug.Echo":                          "io.kestra.plugin.core.debug.Echo",
		"io.kestra.core.tasks.debugs.Echo":                          "io.kestra.plugin.core.debug.Echo",
		"io.kestra.plugin.core.flow.Sleep":                          "io.kestra.plugin.core.flow.Sleep",
		"io.kestra.core.tasks.flows.Pause":                          "io.kestra.plugin.core.flow.Pause",
		"io.kestra.core.tasks.flows.Flow":                           "io.kestra.plugin.core.flow.Subflow",
		"io.kestra.core.tasks.flows.Subflow":                        "io.kestra.plugin.core.flow.Subflow",
		"io.kestra.plugin.core.storage.LocalFiles":                  "io.kestra.plugin.core.storage.LocalFiles",
		"io.kestra.core.tasks.storages.LocalFiles":                  "io.kestra.plugin.core.storage.LocalFiles",
		"io.kestra.plugin.core.storage.Write":                       "io.kestra.plugin.core.storage.Write",
		"io.kestra.core.tasks.storages.Concat":                      "io.kestra.plugin.core.storage.Concat",
		"io.kestra.plugin.core.execution.Resume":                    "io.kestra.plugin.core.execution.Resume",
		"io.kestra.core.tasks.trigger.Toggle":                       "io.kestra.plugin.core.trigger.Toggle",
		"io.kestra.core.tasks.states.Set":                           "io.kestra.plugin.core.state.Set",
		"io.kestra.plugin.core.state.Delete":                        "io.kestra.plugin.core.state.Delete",
		"io.kestra.plugin.notifications.mail.MailSend":              "io.kestra.plugin.email.MailSend",
		"io.kestra.plugin.notifications.mail.MailExecution":         "io.kestra.plugin.email.MailExecution",
		"io.kestra.plugin.microsoft365.teams.TeamsIncomingWebhook":  "io.kestra.plugin.notifications.teams.TeamsIncomingWebhook",
		"io.kestra.plugin.microsoft365.teams.TeamsExecution":        "io.kestra.plugin.notifications.teams.TeamsExecution",
		"io.kestra.plugin.discord.DiscordIncomingWebhook":           "io.kestra.plugin.notifications.discord.DiscordIncomingWebhook",
		"io.kestra.plugin.discord.DiscordExecution":                 "io.kestra.plugin.notifications.discord.DiscordExecution",
		"io.kestra.plugin.googleworkspace.chat.GoogleChatExecution": "io.kestra.plugin.notifications.google.GoogleChatExecution",
		"io.kestra.plugin.zulip.ZulipIncomingWebhook":               "io.kestra.plugin.notifications.zulip.ZulipIncomingWebhook",
		"io.kestra.plugin.telegram.TelegramSend":                    "io.kestra.plugin.notifications.telegram.TelegramSend",
	}
	for name, canonical := range want {
		d, ok := r.Lookup(name)
		if !ok || d.Type != canonical {
			t.Errorf("Lookup(%q): got %v, want %s", name, d, canonical)
		}
	}
	// Kestra's older script tasks behave differently (other outputs, other defaults).
	for _, name := range []string{"io.kestra.core.tasks.scripts.Bash", "io.kestra.core.tasks.scripts.Python"} {
		if d, ok := r.Lookup(name); ok {
			t.Errorf("Lookup(%q): got %s, want not found", name, d.Type)
		}
	}
	if got := len(r.Defs()); got != 71 {
		t.Errorf("Defs: got %d types, want 71", got)
	}
}

// loaderKinds are the field types the loader in package flow decodes.
var loaderKinds = map[reflect.Type]bool{
	reflect.TypeFor[string]():            true,
	reflect.TypeFor[[]string]():          true,
	reflect.TypeFor[StringList]():        true,
	reflect.TypeFor[map[string]string](): true,
	reflect.TypeFor[*templating.Map]():   true, // a mapping of anything in the order of the file
	reflect.TypeFor[StringMap]():         true, // a map[string]string in the order of the file
	reflect.TypeFor[*bool]():             true,
	reflect.TypeFor[bool]():              true,
	reflect.TypeFor[int]():               true,
	reflect.TypeFor[map[string]any]():    true,
	reflect.TypeFor[any]():               true, // any YAML value (kv.Set's value)
	reflect.TypeFor[time.Duration]():     true, // an ISO-8601 duration
	reflect.TypeFor[*ChatOptions]():      true, // a nested struct, decoded by the same rules
	reflect.TypeFor[*HTTPOptions]():      true,
	reflect.TypeFor[*HTTPSSLOptions]():   true,
	reflect.TypeFor[*int64]():            true,
	reflect.TypeFor[[]int]():             true,
	reflect.TypeFor[*HTTPAuth]():         true,
	reflect.TypeFor[*HTTPTimeout]():      true,
	reflect.TypeFor[*NamespaceFiles]():   true,
	reflect.TypeFor[[]DiscordEmbed]():    true, // a list of nested structs
	reflect.TypeFor[*DbtManifest]():      true,
	reflect.TypeFor[[]CountFlow]():       true, // a list of nested structs (Count's flows)
}

// propFields returns the fields of struct type t that are properties to the loader: its own,
// and those of structs it embeds without a flow tag, which the loader reads as t's own.
func propFields(t reflect.Type) []reflect.StructField {
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		if _, tagged := f.Tag.Lookup("flow"); !tagged && f.Anonymous && f.Type.Kind() == reflect.Struct {
			fields = append(fields, propFields(f.Type)...)
			continue
		}
		fields = append(fields, f)
	}
	return fields
}

// TestDefsAreDecodable checks what the loader relies on: New gives a pointer to a zero
// struct whose fields, embedded structs' included, all have a flow and a doc tag, a type the
// loader decodes and a name no other field has, and unsupported properties are not also
// fields.
func TestDefsAreDecodable(t *testing.T) {
	for _, d := range Builtin().Defs() {
		task := d.New()
		v := reflect.ValueOf(task)
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct || !v.Elem().IsZero() {
			t.Errorf("%s: New: got %T, want a pointer to a zero struct", d.Type, task)
			continue
		}
		if d.Doc == "" {
			t.Errorf("%s: Doc: got empty, want a description", d.Type)
		}
		props := map[string]bool{}
		for _, f := range propFields(v.Elem().Type()) {
			name, _, _ := strings.Cut(f.Tag.Get("flow"), ",")
			if name == "" || f.Tag.Get("doc") == "" {
				t.Errorf("%s: field %s: got tags %q, want flow and doc tags", d.Type, f.Name, f.Tag)
			}
			if !loaderKinds[f.Type] {
				t.Errorf("%s: property %s: got type %s, want one the loader decodes", d.Type, name, f.Type)
			}
			if name != "" && props[name] {
				t.Errorf("%s: property %s: got two fields, want one", d.Type, name)
			}
			props[name] = true
		}
		for _, u := range d.Unsupported {
			if props[u] {
				t.Errorf("%s: %s: got both a property and unsupported, want one", d.Type, u)
			}
		}
	}
}
