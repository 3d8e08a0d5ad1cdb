package runner

import (
	"encoding/json"
	"testing"

	"github.com/flowctl/flowctl/templating"
)

func TestMasker(t *testing.T) {
	m := NewMasker()
	m.Add("abc")                       // too short to mask
	m.Add("s3cr3t-value")              // plain
	m.Add("s3cr3t")                    // contained in the longer one
	m.Add("line-one\nline-two")        // multi-line: each line too
	m.Add(`quote"and\backslash-12345`) // JSON-escaped form too
	cases := map[string]string{
		"abc s3cr3t-value s3cr3t":                 "abc ****** ******",
		"line-two alone":                          "****** alone",
		`{"text": "quote\"and\\backslash-12345"}`: `{"text": "******"}`,
		"nothing to hide":                         "nothing to hide",
	}
	for in, want := range cases {
		if got := m.String(in); got != want {
			t.Errorf("String(%q): got %q, want %q", in, got, want)
		}
	}
	v := m.Value(map[string]any{"k": []any{"s3cr3t-value", 3}}).(map[string]any)
	if got := v["k"].([]any)[0]; got != Mask {
		t.Errorf("Value: got %v, want %s", got, Mask)
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID()
		if len(id) != 22 {
			t.Fatalf("id %q: got length %d, want 22", id, len(id))
		}
		for _, r := range id {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				t.Fatalf("id %q: got a non-base62 character %q", id, r)
			}
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

// An ordered map (a script's outputs, variables) is masked at any depth, keys included, and
// keeps its order; one without a secret is returned as it is.
func TestMaskerOrderedMap(t *testing.T) {
	m := NewMasker()
	m.Add("s3cr3t-value")
	inner := templating.NewMap(2)
	inner.Set("z", "has s3cr3t-value")
	inner.Set("a", 1)
	om := templating.NewMap(2)
	om.Set("s3cr3t-value", []any{inner})
	om.Set("b", "plain")
	got, err := json.Marshal(m.Value(om))
	if want := `{"******":[{"z":"has ******","a":1}],"b":"plain"}`; err != nil || string(got) != want {
		t.Errorf("Value: got %s (%v), want %s", got, err, want)
	}
	clean := templating.NewMap(1)
	clean.Set("k", "v")
	if got := m.Value(clean); got != any(clean) {
		t.Errorf("Value without a secret: got a copy %v, want the map itself", got)
	}
}
