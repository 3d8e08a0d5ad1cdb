package tasks

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestPauseWaitsItsDelay(t *testing.T) {
	cases := []struct {
		task    Pause
		want    []time.Duration
		wantErr string
	}{
		{Pause{Delay: "PT1S"}, []time.Duration{time.Second}, ""},
		{Pause{PauseDuration: "PT2M"}, []time.Duration{2 * time.Minute}, ""},
		{Pause{Delay: "PT{{ dir }}S"}, nil, `delay: invalid ISO-8601 duration "PTsubS"`},
		{Pause{Delay: "soon"}, nil, `delay: invalid ISO-8601 duration "soon"`},
		{Pause{Delay: "-PT1S"}, nil, "delay: must not be negative, got PT-1S"},
		{Pause{Delay: "PT1S", PauseDuration: "PT1S"}, nil, "not both"},
		{Pause{}, nil, "a Pause without delay waits to be resumed by hand"},
	}
	for _, c := range cases[:2] {
		tc, rec := newContext(t)
		var waited []time.Duration
		tc.Sleep = func(ctx context.Context, d time.Duration) error { waited = append(waited, d); return nil }
		if _, err := c.task.Run(context.Background(), tc); err != nil {
			t.Fatalf("%+v: %v", c.task, err)
		}
		if !slices.Equal(waited, c.want) || len(rec.lines) != 0 {
			t.Errorf("%+v: waits %v lines %v, want %v and no line", c.task, waited, rec.lines, c.want)
		}
	}
	for _, c := range cases[2:] {
		tc, _ := newContext(t)
		tc.Sleep = func(ctx context.Context, d time.Duration) error { t.Errorf("%+v: waited %v", c.task, d); return nil }
		if _, err := c.task.Run(context.Background(), tc); !errContains(err, c.wantErr) || err == nil {
			t.Errorf("%+v: got %v, want %q", c.task, err, c.wantErr)
		}
	}
}

func TestPauseWithoutDelayWaitsForItsTimeout(t *testing.T) {
	tc, _ := newContext(t)
	stop := errors.New("timed out")
	ctx, cancel := context.WithDeadlineCause(context.Background(), time.Now().Add(time.Hour), stop)
	cancel()
	if _, err := (&Pause{}).Run(ctx, tc); !errors.Is(err, context.Canceled) && !errors.Is(err, stop) {
		t.Errorf("got %v, want the context's end", err)
	}
}
