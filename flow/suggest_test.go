package flow

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"id", "namespace", "description", "labels", "inputs", "variables", "tasks", "errors", "finally", "triggers", "disabled"}
	cases := []struct {
		name       string
		candidates []string
		want       string
	}{
		{"tsks", keys, "tasks"},
		{"Tasks", keys, "tasks"},
		{"namspace", keys, "namespace"},
		{"namepsace", keys, "namespace"}, // a swap is one edit
		{"trigers", keys, "triggers"},
		{"finaly", keys, "finally"},
		{"descripton", keys, "description"},
		{"xyz", keys, ""},
		{"concurrency", keys, ""},
		{"i", keys, "id"},
		{"", keys, ""},
		{"tasks", keys, ""}, // the name itself is not a suggestion
		{"payloda", []string{"payload", "url", "messageText"}, "payload"},
		{"mesage", []string{"message", "level"}, "message"},
		{"warningOnStdError", []string{"warningOnStdErr", "failFast"}, "warningOnStdErr"},
		{"cuont", []string{"count", "ratio"}, "count"},
		{"retries", []string{"retry", "timeout"}, ""},
		{"éte", []string{"été", "ete"}, "été"},
		{"abc", []string{"abd", "abe"}, "abd"}, // the first of equals wins
	}
	for _, c := range cases {
		got, ok := Suggest(c.name, c.candidates)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Suggest(%q): got %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"a", "", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
		{"flaw", "lawn", 2},
		{"héllo", "hello", 1},
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b, 100); got != c.want {
			t.Errorf("editDistance(%q, %q): got %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editDistance(c.a, c.b, 1); got != min(c.want, 1) {
			t.Errorf("editDistance(%q, %q) bounded by 1: got %d, want %d", c.a, c.b, got, min(c.want, 1))
		}
	}
}
