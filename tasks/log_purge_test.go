package tasks

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestPurgeLogs(t *testing.T) {
	tc, _ := newContext(t)
	var got LogPurgeQuery
	tc.PurgeLogs = func(q LogPurgeQuery) (int, error) { got = q; return 7, nil }
	res, err := (&PurgeLogs{Namespace: "company", LogLevels: []string{"debug", "TRACE"}, StartDate: "2024-05-01T00:00:00Z", EndDate: "2024-06-01T00:00:00Z"}).Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outputs["count"] != 7 {
		t.Errorf("count: %v", res.Outputs)
	}
	if got.Namespace != "company" || strings.Join(got.Levels, ",") != "DEBUG,TRACE" ||
		!got.From.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) || !got.To.Equal(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("query: %+v", got)
	}
	if _, err := (&PurgeLogs{EndDate: "2024-06-01T00:00:00Z", LogLevels: []string{"LOUD"}}).Run(context.Background(), tc); err == nil || !strings.HasPrefix(err.Error(), `logLevels[0]: "LOUD"`) {
		t.Errorf("a bad level: %v", err)
	}
	tc.PurgeLogs = nil
	if _, err := (&PurgeLogs{EndDate: "2024-06-01T00:00:00Z"}).Run(context.Background(), tc); err == nil || !strings.Contains(err.Error(), "needs a state") {
		t.Errorf("without a state: %v", err)
	}
}
