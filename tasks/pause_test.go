package tasks

import (
	"context"
	"errors"
	"fmt"
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
		{Pause{}, nil, "a Pause without pauseDuration waits to be resumed with `flowctl executions resume`, which needs a state"},
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

func TestPauseHookResumesOrAppliesItsBehavior(t *testing.T) {
	cases := []struct {
		task     Pause
		resumed  bool
		values   map[string]any
		wantWait time.Duration
		wantOut  map[string]any
		warning  bool
		wantErr  string
	}{
		{task: Pause{}, resumed: true, values: map[string]any{"ok": true}, wantOut: map[string]any{"onResume": map[string]any{"ok": true}}},
		{task: Pause{}, resumed: true},
		{task: Pause{PauseDuration: "PT1M"}, wantWait: time.Minute},
		{task: Pause{PauseDuration: "PT1M", Behavior: PauseResume}, wantWait: time.Minute},
		{task: Pause{Delay: "PT2S", Behavior: PauseWarn}, wantWait: 2 * time.Second, warning: true},
		{task: Pause{PauseDuration: "PT1S", Behavior: PauseFail}, wantWait: time.Second, wantErr: "pause of PT1S passed without a resume (behavior FAIL)"},
		{task: Pause{PauseDuration: "PT1S", Behavior: PauseCancel}, wantWait: time.Second, wantErr: "behavior CANCEL"},
		{task: Pause{PauseDuration: "PT1S", Behavior: PauseFail}, resumed: true, wantWait: time.Second},
	}
	for _, c := range cases {
		tc, _ := newContext(t)
		var waited []time.Duration
		tc.Pause = func(ctx context.Context, d time.Duration) (bool, map[string]any, error) {
			waited = append(waited, d)
			return c.resumed, c.values, nil
		}
		res, err := c.task.Run(context.Background(), tc)
		if c.wantErr != "" {
			if !errContains(err, c.wantErr) {
				t.Errorf("%+v: got %v, want %q", c.task, err, c.wantErr)
			}
		} else if err != nil {
			t.Errorf("%+v: %v", c.task, err)
		}
		if c.task.Behavior == PauseCancel && !errors.Is(err, ErrCancelled) {
			t.Errorf("%+v: got %v, want ErrCancelled", c.task, err)
		}
		if !slices.Equal(waited, []time.Duration{c.wantWait}) {
			t.Errorf("%+v: waits %v, want %v", c.task, waited, c.wantWait)
		}
		if fmt.Sprint(res.Outputs) != fmt.Sprint(c.wantOut) || res.Warning != c.warning {
			t.Errorf("%+v: outputs %v warning %v, want %v %v", c.task, res.Outputs, res.Warning, c.wantOut, c.warning)
		}
	}
}
