package templating

import (
	"fmt"
	"testing"
)

func TestParseIonRecord(t *testing.T) {
	v, err := ParseIonRecord(`{key:"k2",value:2}`)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(*Map)
	if !ok || len(m.Keys()) != 2 || m.Keys()[0] != "key" {
		t.Fatalf("got %#v, want a Map key, value", v)
	}
	if got, _ := m.Get("value"); fmt.Sprint(got) != "2" {
		t.Errorf("value: got %#v", got)
	}
	for _, bad := range []string{`{key:`, `{a:1} {b:2}`} {
		if _, err := ParseIonRecord(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
