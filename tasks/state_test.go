package tasks

import (
	"reflect"
	"testing"
)

// TestMergeMaps checks Kestra's MapUtils.merge: mappings merged at any depth, the rest
// replaced.
func TestMergeMaps(t *testing.T) {
	a := map[string]any{"n": 1, "m": map[string]any{"x": 1, "y": 2}, "l": []any{1}}
	b := map[string]any{"m": map[string]any{"y": 3, "z": 4}, "l": []any{2}, "new": "v"}
	want := map[string]any{"n": 1, "m": map[string]any{"x": 1, "y": 3, "z": 4}, "l": []any{2}, "new": "v"}
	if got := mergeMaps(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if a["m"].(map[string]any)["y"] != 2 {
		t.Error("the state read was changed in place")
	}
	if got := kestraSlug("My_Flow id"); got != "my-flow-id" {
		t.Errorf("slug %q", got)
	}
}
