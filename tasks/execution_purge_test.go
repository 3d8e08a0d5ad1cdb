package tasks

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPurgeExecutions(t *testing.T) {
	tc, _ := newContext(t)
	var got PurgeQuery
	tc.PurgeExecutions = func(q PurgeQuery) (PurgeCounts, error) {
		got = q
		return PurgeCounts{Executions: 3, Logs: 12, Files: 2}, nil
	}
	res, err := (&PurgeExecutions{Namespace: "company.team", EndDate: "2024-06-01T00:00:00+02:00", States: []string{"success"}, PurgeStorage: ptr(false)}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Namespace != "company.team" || !got.To.Equal(time.Date(2024, 5, 31, 22, 0, 0, 0, time.UTC)) || !got.From.IsZero() ||
		len(got.States) != 1 || got.States[0] != "SUCCESS" || !got.Executions || !got.Logs || got.Files {
		t.Errorf("query: %+v", got)
	}
	want := map[string]any{"executionsCount": 3, "logsCount": 12, "storagesCount": 2, "metricsCount": 0}
	for k, v := range want {
		if res.Outputs[k] != v {
			t.Errorf("%s: got %v, want %v", k, res.Outputs[k], v)
		}
	}
	for _, c := range []struct {
		task *PurgeExecutions
		want string
	}{
		{&PurgeExecutions{FlowID: "f", EndDate: "2024-06-01T00:00:00Z"}, "flowId: needs namespace"},
		{&PurgeExecutions{EndDate: "now"}, `endDate: "now" is not an ISO-8601 date-time`},
		{&PurgeExecutions{EndDate: "2024-06-01T00:00:00Z", States: []string{"GONE"}}, `states[0]: "GONE"`},
	} {
		if _, err := c.task.Run(context.Background(), tc); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
	tc.PurgeExecutions = nil
	if _, err := (&PurgeExecutions{EndDate: "2024-06-01T00:00:00Z"}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "needs a state") {
		t.Errorf("without a state: %v", err)
	}
}
