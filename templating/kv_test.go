package templating

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// kvEnv is testEnv with a KV store holding a few values, and a record of the lookups.
func kvEnv(lookups *[]string) *Env {
	env := testEnv()
	store := map[string]any{
		"dev/name":         "world",
		"dev/config":       map[string]any{"retries": int64(3), "hosts": []any{"a", "b"}},
		"dev/count":        int64(7),
		"company.team/url": "https://example.test",
	}
	env.KV = func(ns, key string) (any, bool, error) {
		*lookups = append(*lookups, ns+"/"+key)
		if key == "broken" {
			return nil, false, errors.New("state damaged")
		}
		v, ok := store[ns+"/"+key]
		return v, ok, nil
	}
	return env
}

func TestKVFunction(t *testing.T) {
	for _, tc := range []struct {
		name, tmpl, want, lookup string
	}{
		{"flow namespace by default", "{{ kv('name') }}", "world", "dev/name"},
		{"a map stays a map", "{{ kv('config').retries + 1 }}", "4", "dev/config"},
		{"rendered as JSON", "{{ kv('config') }}", `{"hosts":["a","b"],"retries":3}`, "dev/config"},
		{"a number", "{{ kv('count') * 2 }}", "14", "dev/count"},
		{"another namespace", "{{ kv('url', 'company.team') }}", "https://example.test", "company.team/url"},
		{"named arguments", "{{ kv(key='url', namespace='company.team', errorOnMissing=true) }}", "https://example.test", "company.team/url"},
		{"no inheritance: the parent's key is not found", "{{ kv('url', 'company.team.sub') ?? 'none' }}", "none", "company.team.sub/url"},
		{"missing is null", "{{ kv('nope') ?? 'fallback' }}", "fallback", "dev/nope"},
		{"missing is null for default", "{{ kv('nope') | default('d') }}", "d", "dev/nope"},
		{"missing is null for tests", "{{ kv('nope') is null }}", "true", "dev/nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lookups []string
			got, err := render(t, tc.tmpl, kvEnv(&lookups))
			if err != nil || got != tc.want {
				t.Fatalf("got %q (%v), want %q", got, err, tc.want)
			}
			if len(lookups) != 1 || lookups[0] != tc.lookup {
				t.Errorf("lookups: got %q, want [%s]", lookups, tc.lookup)
			}
		})
	}
}

func TestKVFunctionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, tmpl, want string
		noKV             bool
	}{
		{"errorOnMissing", "{{ kv('nope', errorOnMissing=true) }}", "The key 'nope' does not exist in the namespace 'dev'.", false},
		{"errorOnMissing positional", "{{ kv('nope', 'other', true) }}", "The key 'nope' does not exist in the namespace 'other'.", false},
		{"missing without fallback", "{{ kv('nope') }}", "is null: add | default('') to render it as an empty string", false},
		{"store error", "{{ kv('broken') }}", "state damaged", false},
		{"key not text", "{{ kv(3) }}", "kv: the key must be a string, got", false},
		{"errorOnMissing not a boolean", "{{ kv('name', 'dev', 'yes') }}", "kv: errorOnMissing must be true or false", false},
		{"no key", "{{ kv() }}", "kv", false},
		{"no store", "{{ kv('name') }}", "the KV store needs a state file", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lookups []string
			env := kvEnv(&lookups)
			if tc.noKV {
				env.KV = nil
			}
			got, err := render(t, tc.tmpl, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, error %v; want an error containing %q", got, err, tc.want)
			}
		})
	}
}

// render parses and renders tmpl, returning parse errors as render errors.
func render(t *testing.T, tmpl string, env *Env) (string, error) {
	t.Helper()
	tp, err := Parse(tmpl)
	if err != nil {
		return "", err
	}
	return tp.Render(env)
}

func TestValueContextKeepsTheTypeOfOneExpression(t *testing.T) {
	env := testEnv()
	for _, tc := range []struct {
		tmpl string
		want any
	}{
		{"{{ outputs.build.vars }}", map[string]any{"version": "1.2.3"}},
		{"{{ inputs.count }}", int64(3)},
		{"{{ inputs.flag }}", true},
		{"{{ items }}", []any{"a", "b", "c"}},
		{"{{ inputs.nothing ?? 'x' }}", "x"},
		{"<< inputs.count >>", int64(3)},
		// Anything around the expression makes text, as Kestra's renderTyped does.
		{"{{ inputs.count }}\n", "3\n"},
		{" {{ inputs.count }}", " 3"},
		{"n={{ inputs.count }}", "n=3"},
		{"{{ inputs.count }}{{ inputs.count }}", "33"},
		{"plain text", "plain text"},
	} {
		tp, err := Parse(tc.tmpl)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tp.ValueContext(context.Background(), env)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %#v (%v), want %#v", tc.tmpl, got, err, tc.want)
		}
	}
	tp, _ := Parse("{{ inputs.nothing }}")
	if _, err := tp.ValueContext(context.Background(), env); err == nil || !strings.Contains(err.Error(), "is null") {
		t.Errorf("null: got %v, want the null error", err)
	}
	tp, _ = Parse("{{ inputs.missing }}")
	if _, err := tp.ValueContext(context.Background(), env); err == nil || !strings.Contains(err.Error(), "Unable to find `inputs.missing`") {
		t.Errorf("missing: got %v, want Unable to find", err)
	}
}
