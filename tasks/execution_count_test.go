package tasks

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// countContext is a context whose state holds Kestra's test executions: 2 of first, 3 of
// second, 9 of third (one FAILED), and one of another namespace, all today.
func countContext(t *testing.T) (*Context, *ExecutionCountQuery) {
	tc := itemsContext(t)
	type ex struct{ ns, flow, state string }
	var all []ex
	for i := range 14 {
		flow := "third"
		if i < 2 {
			flow = "first"
		} else if i < 5 {
			flow = "second"
		}
		state := "SUCCESS"
		if i == 13 {
			state = "FAILED"
		}
		all = append(all, ex{"io.kestra.unittest", flow, state})
	}
	all = append(all, ex{"other", "x", "SUCCESS"})
	var seen ExecutionCountQuery
	tc.CountExecutions = func(q ExecutionCountQuery) ([]ExecutionCount, error) {
		seen = q
		var out []ExecutionCount
		for _, e := range all {
			if !q.Keep(e.ns, e.flow, e.state) {
				continue
			}
			if n := len(out); n > 0 && out[n-1].FlowID == e.flow && out[n-1].Namespace == e.ns {
				out[n-1].Count++
			} else {
				out = append(out, ExecutionCount{e.ns, e.flow, 1})
			}
		}
		return out, nil
	}
	tc.Now = func() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }
	return tc, &seen
}

func TestCount(t *testing.T) {
	flows := []CountFlow{{"io.kestra.unittest", "first"}, {"io.kestra.unittest", "second"}, {"io.kestra.unittest", "third"}, {"io.kestra.unittest", "missing"}}
	t.Run("flows, a flow with none counts 0", func(t *testing.T) {
		tc, q := countContext(t)
		res, err := (&Count{Flows: flows, StartDate: "2024-05-22T12:00:00Z", Expression: "{{ count >= 0 }}"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatal(err)
		}
		want := []any{
			map[string]any{"namespace": "io.kestra.unittest", "flowId": "first", "count": int64(2)},
			map[string]any{"namespace": "io.kestra.unittest", "flowId": "second", "count": int64(3)},
			map[string]any{"namespace": "io.kestra.unittest", "flowId": "third", "count": int64(9)},
			map[string]any{"namespace": "io.kestra.unittest", "flowId": "missing", "count": int64(0)},
		}
		if !reflect.DeepEqual(res.Outputs["results"], want) || res.Outputs["total"] != int64(14) {
			t.Errorf("got %v", res.Outputs)
		}
		if !q.From.Equal(time.Date(2024, 5, 22, 12, 0, 0, 0, time.UTC)) || !q.To.Equal(tc.Now()) {
			t.Errorf("range: %v to %v", q.From, q.To)
		}
	})
	t.Run("the expression keeps the flows with none", func(t *testing.T) {
		tc, _ := countContext(t)
		res, err := (&Count{Flows: flows, StartDate: "2024-05-22T12:00:00+02:00[Europe/Paris]", EndDate: "2024-06-01T00:00:00Z", Expression: "{{ count == 0 }}"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatal(err)
		}
		want := []any{map[string]any{"namespace": "io.kestra.unittest", "flowId": "missing", "count": int64(0)}}
		if !reflect.DeepEqual(res.Outputs["results"], want) || res.Outputs["total"] != int64(0) {
			t.Errorf("got %v", res.Outputs)
		}
	})
	t.Run("namespaces and states", func(t *testing.T) {
		tc, _ := countContext(t)
		res, err := (&Count{Namespaces: []string{"io.kestra.unittest"}, States: []string{"failed"}, StartDate: "2024-05-22T12:00:00Z", Expression: "{{ count > 0 }}"}).Run(context.Background(), tc)
		if err != nil {
			t.Fatal(err)
		}
		want := []any{map[string]any{"namespace": "io.kestra.unittest", "flowId": nil, "count": int64(1)}}
		if !reflect.DeepEqual(res.Outputs["results"], want) {
			t.Errorf("got %v", res.Outputs)
		}
	})
	for _, c := range []struct {
		task *Count
		want string
	}{
		{&Count{StartDate: "2024-05-22T12:00:00Z", Expression: "true"}, "You must provide a list of flows or namespaces"},
		{&Count{Namespaces: []string{"a"}, StartDate: "yesterday", Expression: "true"}, `startDate: "yesterday" is not an ISO-8601 date-time`},
		{&Count{Namespaces: []string{"a"}, States: []string{"DONE"}, StartDate: "2024-05-22T12:00:00Z", Expression: "true"}, `states[0]: "DONE": expected one of`},
	} {
		tc, _ := countContext(t)
		if _, err := c.task.Run(context.Background(), tc); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	tc, _ := countContext(t)
	tc.CountExecutions = nil
	if _, err := (&Count{Namespaces: []string{"a"}, StartDate: "2024-05-22T12:00:00Z", Expression: "true"}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "needs a state") {
		t.Errorf("without a state: got %v", err)
	}
}
