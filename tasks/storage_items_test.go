package tasks

import (
	"context"
	"strings"
	"testing"

	"github.com/flowctl/flowctl/templating"
)

// itemsContext is a context whose RenderVars is the real expression language over the
// record's fields, as the runner's.
func itemsContext(t *testing.T) *Context {
	tc, _ := newContext(t)
	tc.RenderVars = func(src string, vars map[string]any) (string, error) {
		tm, err := templating.Parse(src)
		if err != nil {
			return "", err
		}
		return tm.Render(&templating.Env{Vars: vars})
	}
	return tc
}

// Kestra's FilterItemsTest items, as Jackson's Ion mapper writes them.
const (
	validItems   = "{key:\"k1\",value:1}\n{key:\"k2\",value:2}\n{key:\"k3\",value:3}\n{key:\"k4\",value:4}\n"
	invalidItems = "{key:\"k1\",value:1}\n{key:\"k2\",value:\"dummy\"}\n{key:\"k3\",value:3}\n{key:\"k4\",value:4}\n"
)

func TestFilterItems(t *testing.T) {
	cases := []struct {
		name, items, cond, typ, onError string
		dropped                         int64
		want                            string
	}{
		{"include", validItems, " {{ value % 2 == 0 }} ", "INCLUDE", "", 2,
			"{key:\"k2\",value:2}\n{key:\"k4\",value:4}\n"},
		{"exclude", validItems, " {{ value % 2 == 0 }} ", "EXCLUDE", "", 2,
			"{key:\"k1\",value:1}\n{key:\"k3\",value:3}\n"},
		{"an error included", invalidItems, " {{ value % 2 == 0 }}", "INCLUDE", "INCLUDE", 2,
			"{key:\"k2\",value:\"dummy\"}\n{key:\"k4\",value:4}\n"},
		{"an error excluded", invalidItems, " {{ value % 2 == 0 }}", "INCLUDE", "EXCLUDE", 3,
			"{key:\"k4\",value:4}\n"},
		{"a value that is not a boolean is true", validItems, "{{ value }}", "INCLUDE", "FAIL", 0, validItems},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := itemsContext(t)
			from := put(t, tc, "items.ion", c.items)
			res, err := (&FilterItems{From: from, FilterCondition: c.cond, FilterType: c.typ, ErrorOrNullBehavior: c.onError}).Run(context.Background(), tc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outputs["processedItemsTotal"] != int64(4) || res.Outputs["droppedItemsTotal"] != c.dropped {
				t.Errorf("outputs: %v, want 4 processed, %d dropped", res.Outputs, c.dropped)
			}
			uri := res.Outputs["uri"].(string)
			if !strings.HasSuffix(uri, ".ion") {
				t.Errorf("uri %s is not .ion", uri)
			}
			if got := tc.Storage.(*memStorage).content(uri); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	t.Run("an error fails by default, naming the line", func(t *testing.T) {
		tc := itemsContext(t)
		from := put(t, tc, "items.ion", invalidItems)
		_, err := (&FilterItems{From: from, FilterCondition: " {{ value % 2 == 0 }}"}).Run(context.Background(), tc)
		if err == nil || !strings.HasPrefix(err.Error(), "filterCondition: line 2: ") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a line that is not a record", func(t *testing.T) {
		tc := itemsContext(t)
		from := put(t, tc, "items.ion", "{a:1}\n42\n")
		_, err := (&FilterItems{From: from, FilterCondition: "{{ a }}", ErrorOrNullBehavior: "INCLUDE"}).Run(context.Background(), tc)
		if err == nil || !strings.HasPrefix(err.Error(), "from: line 2: a record must be an Ion struct") {
			t.Errorf("got %v", err)
		}
	})
}

func TestDeduplicateItems(t *testing.T) {
	// Kestra's DeduplicateItemsTest: the last record of each key, in its place.
	cases := []struct {
		name, items, expr       string
		keys, dropped, processd int64
		want                    string
	}{
		{"one field", "{key:\"k1\",value:\"v1\"}\n{key:\"k2\",value:\"v1\"}\n{key:\"k3\",value:\"v1\"}\n{key:\"k1\",value:\"v2\"}\n{key:\"k2\",value:\"v2\"}\n{key:\"k2\",value:null}\n{key:\"k3\",value:\"v2\"}\n{key:\"k1\",value:\"v3\"}\n",
			" {{ key }} ", 3, 5, 8,
			"{key:\"k2\",value:null}\n{key:\"k3\",value:\"v2\"}\n{key:\"k1\",value:\"v3\"}\n"},
		{"a composite key", "{key:\"k1\",v1:\"k1\",v2:\"v1\"}\n{key:\"k2\",v1:\"k2\",v2:\"v1\"}\n{key:\"k3\",v1:\"k3\",v2:\"v1\"}\n{key:\"k1\",v1:\"k1\",v2:\"v2\"}\n{key:\"k2\",v1:\"k2\",v2:null}\n{key:\"k3\",v1:\"k3\",v2:\"v2\"}\n{key:\"k1\",v1:\"k1\",v2:\"v3\"}\n",
			" {{ key }}-{{ v1 }}", 3, 4, 7,
			"{key:\"k2\",v1:\"k2\",v2:null}\n{key:\"k3\",v1:\"k3\",v2:\"v2\"}\n{key:\"k1\",v1:\"k1\",v2:\"v3\"}\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc := itemsContext(t)
			from := put(t, tc, "items.ion", c.items)
			res, err := (&DeduplicateItems{From: from, Expr: c.expr}).Run(context.Background(), tc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Outputs["numKeys"] != c.keys || res.Outputs["droppedItemsTotal"] != c.dropped || res.Outputs["processedItemsTotal"] != c.processd {
				t.Errorf("outputs: %v", res.Outputs)
			}
			if got := tc.Storage.(*memStorage).content(res.Outputs["uri"].(string)); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	tc := itemsContext(t)
	from := put(t, tc, "items.ion", "{a:1}\n")
	if _, err := (&DeduplicateItems{From: from, Expr: "{{ nope }}"}).Run(context.Background(), tc); err == nil || !strings.HasPrefix(err.Error(), "expr: line 1: ") {
		t.Errorf("an expression that cannot render: got %v", err)
	}
}
