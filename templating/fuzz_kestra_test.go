package templating

import (
	"strings"
	"testing"
	"time"
)

// FuzzKestraFilters renders Kestra's filters and functions over arbitrary text: nothing may
// panic, and every failure is a located *Error.
func FuzzKestraFilters(f *testing.F) {
	for _, seed := range []string{
		`{"a": [1, 2.5, "x", null], "b": {"c": true}}`,
		"July 24, 2001",
		"2013-09-08T17:19:12+02:00",
		"a.b.c",
		"L'eau \"c'est\" la vie\r\nsecond line",
		"{date:2024-04-21T23:00:00.000Z, title:\"Main_Page\",views:109787, l:[1,'s',(a b)], '''x''':{{aGVsbG8=}}}",
		"a: &a [1, 2]\nb: *a\n",
		"9223372036854775807",
		"0x1F",
		"1.5e300",
	} {
		f.Add(seed, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", ".a[]?")
	}
	env := testEnv()
	env.Limits = Limits{Steps: 100_000, Bytes: 1 << 20}
	const tpl = `{{ s | slugify }} {{ s | title }} {{ s | capitalize }} {{ s | base64encode | base64decode }}
{{ s | urlencode | urldecode }} {{ s | sha256 }} {{ s | substringBefore(p) }} {{ s | substringAfterLast(p) }}
{{ s | escapeChar('shell') }} {{ s | nindent(2, p) }} {{ s | yaml }} {{ s | toIon }}
{{ s | number ?? 0 }} {{ s | split('') | sort | distinct | chunk(3) | flatten | reverse | toJson }}
{{ (s | date('iso', 'UTC', existingFormat=p)) ?? '' }} {{ (s | dateAdd(1, 'MONTHS', p)) ?? '' }}
{{ s | jq(q) }} {{ fromIon(s) ?? '' }} {{ yaml(s) ?? '' }} {{ fromJson(s) ?? '' }}
{{ 1234.5678 | numberFormat(p) }} {{ s | slice(1) }} {{ render(s) }}`
	// Each expression is rendered on its own, so that a failure early does not hide the
	// ones after it.
	parts, err := splitTags(tpl)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s, p, q string) {
		env.Vars["s"], env.Vars["p"], env.Vars["q"] = s, p, q
		for _, part := range parts {
			_, err := part.Render(env)
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("Render(%q) with s=%q p=%q q=%q: got error of type %T, want *Error", part.text, s, p, q, err)
				}
			}
		}
	})
}

// splitTags parses each {{ }} tag of src as a template of its own.
func splitTags(src string) ([]*Template, error) {
	var out []*Template
	for len(src) > 0 {
		i := strings.Index(src, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(src[i:], "}}")
		t, err := Parse(src[i : i+j+2])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		src = src[i+j+2:]
	}
	return out, nil
}

// FuzzParseDate reads arbitrary text with arbitrary patterns: nothing may panic.
func FuzzParseDate(f *testing.F) {
	f.Add("July 24, 2001", "MMMM dd, yyyy")
	f.Add("20010724T170300+0200", "yyyyMMdd'T'HHmmssZ")
	f.Add("2001-07-24 5:03 PM", "yyyy-MM-dd h:mm a")
	f.Add("Tue, 08 Feb 2022 19:38:26 GMT", "rfc_1123_date_time")
	f.Fuzz(func(t *testing.T, s, pattern string) {
		_, _ = parseDate(s, pattern, time.UTC)
	})
}
