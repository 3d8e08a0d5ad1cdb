package tasks

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowctl/flowctl/templating"
)

// memKV is a KV store in memory that keeps each value as the state would: its JSON.
type memKV struct {
	pairs map[string]struct {
		typ  string
		raw  []byte
		opts KVSetOptions
	}
}

func newMemKV() *memKV {
	return &memKV{pairs: map[string]struct {
		typ  string
		raw  []byte
		opts KVSetOptions
	}{}}
}

func (m *memKV) Get(ns, key string) (KVValue, bool, error) {
	p, ok := m.pairs[ns+"/"+key]
	if !ok {
		return KVValue{}, false, nil
	}
	v, err := DecodeKVValue(p.typ, p.raw)
	return v, err == nil, err
}

func (m *memKV) Set(ns, key string, v KVValue, opts KVSetOptions) error {
	if _, ok := m.pairs[ns+"/"+key]; ok && !opts.Overwrite {
		return errors.New("Cannot set value for key '" + key + "'. Key already exists and `overwrite` is set to `false`.")
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	m.pairs[ns+"/"+key] = struct {
		typ  string
		raw  []byte
		opts KVSetOptions
	}{v.Type, raw, opts}
	return nil
}

func (m *memKV) Keys(ns, prefix string) ([]string, error) {
	var keys []string
	for k := range m.pairs {
		if rest, ok := strings.CutPrefix(k, ns+"/"); ok && strings.HasPrefix(rest, prefix) {
			keys = append(keys, rest)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

func (m *memKV) Delete(ns, key string) (bool, error) {
	_, ok := m.pairs[ns+"/"+key]
	delete(m.pairs, ns+"/"+key)
	return ok, nil
}

// kvContext is a task context whose templates see a flow of namespace dev and a few
// outputs, rendered by the real template engine.
func kvContext(kv KV) *Context {
	env := &templating.Env{Vars: map[string]any{
		"flow": map[string]any{"id": "f", "namespace": "dev"},
		"outputs": map[string]any{
			"api": map[string]any{"body": map[string]any{"id": int64(7), "tags": []any{"a"}}},
		},
		"inputs": map[string]any{"n": int64(5), "when": time.Date(2024, 5, 2, 1, 2, 3, 0, time.UTC)},
	}}
	parse := func(s string) (*templating.Template, error) { return templating.Parse(s) }
	return &Context{
		TaskID: "kv",
		KV:     kv,
		Render: func(s string) (string, error) {
			t, err := parse(s)
			if err != nil {
				return "", err
			}
			return t.Render(env)
		},
		RenderTyped: func(s string) (any, error) {
			t, err := parse(s)
			if err != nil {
				return nil, err
			}
			return t.ValueContext(context.Background(), env)
		},
		Log: NewLogger(func(Level, string) {}),
	}
}

func TestKVSetTypesTheValue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		value  any
		kvType string
		want   KVValue
		plain  any
	}{
		{"text", "hello {{ flow.id }}", "", KVValue{KVString, "hello f"}, "hello f"},
		{"a map stays a map", "{{ outputs.api.body }}", "", KVValue{KVJSON, omap("id", int64(7), "tags", []any{"a"})}, omap("id", int64(7), "tags", []any{"a"})},
		{"a number stays a number", "{{ inputs.n }}", "", KVValue{KVNumber, int64(5)}, int64(5)},
		{"a date stays a date", "{{ inputs.when }}", "", KVValue{KVDateTime, time.Date(2024, 5, 2, 1, 2, 3, 0, time.UTC)}, time.Date(2024, 5, 2, 1, 2, 3, 0, time.UTC)},
		{"a YAML map is rendered entry by entry", map[string]any{"id": "{{ inputs.n }}", "name": "x-{{ flow.id }}", "ok": true}, "", KVValue{KVJSON, omap("id", int64(5), "name", "x-f", "ok", true)}, omap("id", int64(5), "name", "x-f", "ok", true)},
		{"YAML number", 3.5, "", KVValue{KVNumber, 3.5}, 3.5},
		{"NUMBER", "123.45", "NUMBER", KVValue{KVNumber, 123.45}, 123.45},
		{"NUMBER integer", "{{ inputs.n }}0", "number", KVValue{KVNumber, int64(50)}, int64(50)},
		{"BOOLEAN", "true", "BOOLEAN", KVValue{KVBoolean, true}, true},
		{"BOOLEAN any case", "FALSE", "BOOLEAN", KVValue{KVBoolean, false}, false},
		{"DATETIME", "2023-05-02T01:02:03Z", "DATETIME", KVValue{KVDateTime, time.Date(2023, 5, 2, 1, 2, 3, 0, time.UTC)}, time.Date(2023, 5, 2, 1, 2, 3, 0, time.UTC)},
		{"DATETIME with an offset", "2023-05-02T03:02:03+02:00", "DATETIME", KVValue{KVDateTime, time.Date(2023, 5, 2, 1, 2, 3, 0, time.UTC)}, time.Date(2023, 5, 2, 1, 2, 3, 0, time.UTC)},
		{"DATE", "2023-05-02", "DATE", KVValue{KVDate, time.Date(2023, 5, 2, 0, 0, 0, 0, time.UTC)}, "2023-05-02"},
		{"DURATION", "P1DT5S", "DURATION", KVValue{KVDuration, 24*time.Hour + 5*time.Second}, "PT24H5S"},
		{"JSON", `[{"some":"value"},{"another":"value"}]`, "JSON", KVValue{KVJSON, []any{omap("some", "value"), omap("another", "value")}}, []any{omap("some", "value"), omap("another", "value")}},
		{"STRING keeps text that looks like a number", "42", "STRING", KVValue{KVString, "42"}, "42"},
		{"STRING of a map is its JSON", "{{ outputs.api.body }}", "STRING", KVValue{KVString, `{"id":7,"tags":["a"]}`}, `{"id":7,"tags":["a"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := newMemKV()
			task := &KVSet{Key: "k", Value: tc.value, KVType: tc.kvType}
			if _, err := task.Run(context.Background(), kvContext(kv)); err != nil {
				t.Fatal(err)
			}
			got, ok, err := kv.Get("dev", "k")
			if err != nil || !ok || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("stored then read back: got %#v (%v, %v), want %#v", got, ok, err, tc.want)
			}
			out, err := (&KVGet{Key: "k"}).Run(context.Background(), kvContext(kv))
			if err != nil || !reflect.DeepEqual(out.Outputs["value"], tc.plain) {
				t.Errorf("Get: got %#v (%v), want %#v", out.Outputs["value"], err, tc.plain)
			}
		})
	}
}

func TestKVSetErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		task *KVSet
		want string
	}{
		{"not a number", &KVSet{Key: "k", Value: "12a", KVType: "NUMBER"}, `value: kvType NUMBER: "12a" is not a number`},
		{"not a boolean", &KVSet{Key: "k", Value: "yes", KVType: "BOOLEAN"}, `value: kvType BOOLEAN: "yes" is not true or false`},
		{"not a date", &KVSet{Key: "k", Value: "2023-13-01", KVType: "DATE"}, `value: kvType DATE: "2023-13-01" is not a date such as 2024-05-02`},
		{"not a datetime", &KVSet{Key: "k", Value: "yesterday", KVType: "DATETIME"}, `is not a date and time such as 2024-05-02T01:02:03Z`},
		{"not a duration", &KVSet{Key: "k", Value: "5 minutes", KVType: "DURATION"}, `is not an ISO-8601 duration such as PT5M`},
		{"not JSON", &KVSet{Key: "k", Value: "{a:1}", KVType: "JSON"}, `value: kvType JSON: "{a:1}" is not JSON`},
		{"a map is no number", &KVSet{Key: "k", Value: "{{ outputs.api.body }}", KVType: "NUMBER"}, `value: kvType NUMBER: the value is a map, not a number`},
		{"null", &KVSet{Key: "k", Value: "{{ inputs.missing ?? null }}"}, `value: the value is null`},
		{"template error names the property", &KVSet{Key: "{{ nope }}", Value: "x"}, "key: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kv := newMemKV()
			_, err := tc.task.Run(context.Background(), kvContext(kv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if len(kv.pairs) != 0 {
				t.Errorf("stored %d pairs after an error, want none", len(kv.pairs))
			}
		})
	}
}

func TestKVSetOptions(t *testing.T) {
	kv := newMemKV()
	no := false
	task := &KVSet{Key: "k-{{ flow.id }}", Value: "v", Namespace: "company.{{ flow.id }}", TTL: time.Hour}
	if _, err := task.Run(context.Background(), kvContext(kv)); err != nil {
		t.Fatal(err)
	}
	p, ok := kv.pairs["company.f/k-f"]
	if !ok || p.opts != (KVSetOptions{TTL: time.Hour, Overwrite: true}) {
		t.Fatalf("got %+v (found %v), want key k-f of company.f with ttl 1h, overwrite by default", p.opts, ok)
	}
	task.Overwrite = &no
	_, err := task.Run(context.Background(), kvContext(kv))
	want := "Cannot set value for key 'k-f'. Key already exists and `overwrite` is set to `false`."
	if err == nil || err.Error() != want {
		t.Errorf("overwrite false: got %v, want %q", err, want)
	}
}

func TestKVGetKeysDelete(t *testing.T) {
	kv := newMemKV()
	for _, k := range []string{"app.a", "app.b", "other"} {
		kv.Set("dev", k, KVValue{KVString, "x"}, KVSetOptions{Overwrite: true})
	}
	kv.Set("prod", "app.c", KVValue{KVString, "x"}, KVSetOptions{Overwrite: true})
	ctx := context.Background()

	res, err := (&KVGetKeys{Prefix: "app."}).Run(ctx, kvContext(kv))
	if err != nil || !reflect.DeepEqual(res.Outputs["keys"], []any{"app.a", "app.b"}) {
		t.Errorf("GetKeys app.: got %v (%v), want [app.a app.b]", res.Outputs["keys"], err)
	}
	res, err = (&KVGetKeys{Namespace: "prod"}).Run(ctx, kvContext(kv))
	if err != nil || !reflect.DeepEqual(res.Outputs["keys"], []any{"app.c"}) {
		t.Errorf("GetKeys prod: got %v (%v), want [app.c]", res.Outputs["keys"], err)
	}
	res, err = (&KVGetKeys{Namespace: "empty"}).Run(ctx, kvContext(kv))
	if err != nil || !reflect.DeepEqual(res.Outputs["keys"], []any{}) {
		t.Errorf("GetKeys of an empty namespace: got %#v (%v), want []", res.Outputs["keys"], err)
	}

	res, err = (&KVGet{Key: "nope"}).Run(ctx, kvContext(kv))
	if v, ok := res.Outputs["value"]; err != nil || !ok || v != nil {
		t.Errorf("Get missing: got %v (present %v, %v), want a null value", v, ok, err)
	}
	_, err = (&KVGet{Key: "nope", ErrorOnMissing: true}).Run(ctx, kvContext(kv))
	if want := "No value found for key 'nope' in namespace 'dev' and `errorOnMissing` is set to true"; err == nil || err.Error() != want {
		t.Errorf("Get errorOnMissing: got %v, want %q", err, want)
	}

	res, err = (&KVDelete{Key: "app.a"}).Run(ctx, kvContext(kv))
	if err != nil || res.Outputs["deleted"] != true {
		t.Errorf("Delete: got %v (%v), want deleted true", res.Outputs["deleted"], err)
	}
	res, err = (&KVDelete{Key: "app.a"}).Run(ctx, kvContext(kv))
	if err != nil || res.Outputs["deleted"] != false {
		t.Errorf("Delete again: got %v (%v), want deleted false", res.Outputs["deleted"], err)
	}
	_, err = (&KVDelete{Key: "app.a", Namespace: "prod", ErrorOnMissing: true}).Run(ctx, kvContext(kv))
	if want := "No value found for key 'app.a' in namespace 'prod' and `errorOnMissing` is set to true"; err == nil || err.Error() != want {
		t.Errorf("Delete errorOnMissing: got %v, want %q", err, want)
	}
}

func TestKVTasksWithoutAStore(t *testing.T) {
	for _, task := range []Task{&KVSet{Key: "k", Value: "v"}, &KVGet{Key: "k"}, &KVGetKeys{}, &KVDelete{Key: "k"}} {
		tc := kvContext(nil)
		tc.KV = nil
		_, err := task.Run(context.Background(), tc)
		if err == nil || !strings.Contains(err.Error(), "the KV store needs a state file") {
			t.Errorf("%T: got %v, want the KV store needs a state file", task, err)
		}
	}
}
