package templating

import (
	"encoding/base64"
	"strings"
	"testing"
)

// lookupIn serves variables from a map, as os.LookupEnv does from the environment.
func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestEnvSecrets(t *testing.T) {
	secret := EnvSecrets(lookupIn(map[string]string{
		"SECRET_API_TOKEN": base64.StdEncoding.EncodeToString([]byte("super-secret-token")),
		"SECRET_WRAPPED":   "c3VwZXIt\nc2VjcmV0\r\nLXRva2Vu\n",
		"SECRET_UNPADDED":  "YWI",
		"SECRET_MULTILINE": base64.StdEncoding.EncodeToString([]byte("line1\nline2\n")),
	}))
	for _, tc := range []struct{ name, want string }{
		{"API_TOKEN", "super-secret-token"},
		{"api_token", "super-secret-token"},
		{"Api_Token", "super-secret-token"},
		{"WRAPPED", "super-secret-token"},
		{"UNPADDED", "ab"},
		{"MULTILINE", "line1\nline2\n"},
	} {
		got, err := secret(tc.name)
		if err != nil || got != tc.want {
			t.Errorf("secret(%q): got %q, %v, want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestEnvSecretsErrors(t *testing.T) {
	const bad = "not*base64*value"
	secret := EnvSecrets(lookupIn(map[string]string{
		"SECRET_BAD":   bad,
		"SECRET_EMPTY": "",
	}))
	for _, tc := range []struct{ name, want string }{
		{"api_token", `Cannot find secret for key 'api_token': set SECRET_API_TOKEN to the base64 of the value: printf %s "$VALUE" | base64 -w0`},
		{"EMPTY", `Cannot find secret for key 'EMPTY': set SECRET_EMPTY to the base64 of the value: printf %s "$VALUE" | base64 -w0`},
		{"bad", `secret 'bad': SECRET_BAD is not valid base64: set it to the output of printf %s "$VALUE" | base64 -w0`},
		{"", "secret name is empty"},
		{"  ", "secret name is empty"},
	} {
		got, err := secret(tc.name)
		if err == nil {
			t.Errorf("secret(%q): got %q and no error, want error %q", tc.name, got, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("secret(%q): got error %q, want %q", tc.name, err, tc.want)
		}
		if strings.Contains(err.Error(), bad) {
			t.Errorf("secret(%q): error %q carries the variable's value", tc.name, err)
		}
	}
}

// The value of a malformed secret must not leak through a template error either.
func TestBadSecretValueNeverInTemplateError(t *testing.T) {
	const bad = "c2VjcmV0!!x"
	env := testEnv()
	env.Secret = EnvSecrets(lookupIn(map[string]string{"SECRET_TOKEN": bad}))
	_, err := renderString("{{ secret('token') }}", env)
	want := "line 1, col 1: Unable to render the expression `{{ secret('token') }}` at line 1: secret 'token': SECRET_TOKEN is not valid base64: set it to the output of printf %s \"$VALUE\" | base64 -w0"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
	if strings.Contains(err.Error(), bad) {
		t.Errorf("error %q carries the variable's value", err)
	}
}

func TestSecretThroughTemplate(t *testing.T) {
	env := testEnv()
	env.Secret = EnvSecrets(lookupIn(map[string]string{"SECRET_SLACK_WEBHOOK": "aHR0cHM6Ly9ob29rcy5zbGFjay5jb20vVC9CL1g="}))
	got, err := renderString(`url: "{{ secret('slack_webhook') }}"`, env)
	want := `url: "https://hooks.slack.com/T/B/X"`
	if err != nil || got != want {
		t.Errorf("got %q, %v, want %q", got, err, want)
	}
}

func TestEnvVars(t *testing.T) {
	got := EnvVars([]string{
		"ENV_REGION=eu-west-1",
		"ENV_Mixed_Case=yes",
		"ENV_WITH_EQUALS=a=b",
		"ENV_EMPTY=",
		"ENV_=ignored",
		"ENV_DUP=first",
		"ENV_DUP=second",
		"HOME=/root",
		"SECRET_X=eA==",
		"NOEQUALS",
		"env_lower=ignored",
	})
	want := map[string]any{
		"region":      "eu-west-1",
		"mixed_case":  "yes",
		"with_equals": "a=b",
		"empty":       "",
		"dup":         "second",
	}
	if len(got) != len(want) {
		t.Errorf("EnvVars: got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("EnvVars[%q]: got %v, want %v", k, got[k], v)
		}
	}
	if m := EnvVars(nil); m == nil || len(m) != 0 {
		t.Errorf("EnvVars(nil): got %v, want an empty map", m)
	}
}

func TestEnvVarsInTemplate(t *testing.T) {
	env := &Env{Vars: map[string]any{"envs": EnvVars([]string{"ENV_REGION=eu"})}}
	got, err := renderString("{{ envs.region }}/{{ envs.zone ?? 'a' }}", env)
	if err != nil || got != "eu/a" {
		t.Errorf("got %q, %v, want %q", got, err, "eu/a")
	}
}
