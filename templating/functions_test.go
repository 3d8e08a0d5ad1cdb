package templating

import (
	"regexp"
	"testing"
	"time"
)

func TestFunctions(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"secret", "{{ secret('TOKEN') }}", "s3cr3t"},
		{"secret named", "{{ secret(key='TOKEN') }}", "s3cr3t"},
		{"secret in angles", "export T=<< secret('TOKEN') >>", "export T=s3cr3t"},
		{"now", "{{ now() }}", "2026-11-26T17:04:05.123456Z"},
		{"now formatted", "{{ now(format='yyyy-MM-dd', timeZone='UTC') }}", "2026-11-26"},
		{"now piped to date", "{{ now() | date('HH:mm:ss.SSS', 'UTC') }}", "17:04:05.123"},
		// now() is text, as Kestra's NowFunction returns: dates compare through timestamp.
		{"now compared", "{{ (now() | timestamp) > (inputs.when | timestamp) }}", "true"},
		{"now is text", "{{ now() | className }} {{ {'t': now()} | toJson }}", `java.lang.String {"t":"2026-11-26T17:04:05.123456Z"}`},
		{"fromJson", "{{ fromJson(inputs.json).a }}", "1"},
		{"fromJson list", "{{ fromJson(inputs.json).b }}", "[true,null,2.5]"},
		{"fromJson whole", "{{ fromJson(inputs.json) }}", `{"a":1,"b":[true,null,2.5],"c":{"d":"e"}}`},
		{"json alias", "{{ json('[1, 2]')[1] }}", "2"},
		{"fromJson big integer", "{{ fromJson('12345678901234') }}", "12345678901234"},
		{"fromJson of structured value", "{{ fromJson(labels).team }}", "data"},
		{"render", "{{ render('{{ flow.id }}!') }}", "hello!"},
	})
}

func TestFunctionErrors(t *testing.T) {
	prefix := "line 1, col 1: Unable to render the expression "
	runErrorCases(t, []errorCase{
		{"missing secret", "{{ secret('NOPE') }}",
			prefix + "`{{ secret('NOPE') }}` at line 1: Cannot find secret for key 'NOPE'"},
		{"secret name type", "{{ secret(1) }}",
			prefix + "`{{ secret(1) }}` at line 1: secret: the key must be a string, got the number 1"},
		{"bad JSON", "{{ fromJson('{nope') }}",
			prefix + "`{{ fromJson('{nope') }}` at line 1: fromJson: Invalid json: invalid character 'n' looking for beginning of object key string"},
		{"JSON with trailing data", "{{ fromJson('1 2') }}",
			prefix + "`{{ fromJson('1 2') }}` at line 1: fromJson: Invalid json: unexpected data after the JSON value"},
		{"render recursive type", "{{ render('x', 'yes') }}",
			prefix + "`{{ render('x', 'yes') }}` at line 1: render: recursive must be a boolean, got the string \"yes\""},
		{"now bad format", "{{ now(format='short') }}",
			prefix + "`{{ now(format='short') }}` at line 1: now: the localized date style \"short\" is not supported by flowctl yet: use a pattern such as 'yyyy-MM-dd HH:mm'"},
	})
}

func TestNowDefaultsToTheWallClock(t *testing.T) {
	before := time.Now()
	got, err := renderString("{{ now() }}", &Env{})
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	at, err := time.Parse(time.RFC3339Nano, got)
	if err != nil {
		t.Fatalf("now() rendered %q, not RFC 3339: %v", got, err)
	}
	// Kestra's default format: microseconds, always six digits.
	if !regexp.MustCompile(`:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$`).MatchString(got) {
		t.Errorf("now(): got %q, want six fractional digits", got)
	}
	if at.Before(before.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("now(): got %s, want about %s", at, before)
	}
}
