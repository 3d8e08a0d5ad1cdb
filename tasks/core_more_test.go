package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/flowctl/flowctl/templating"
)

// omap builds a templating.Map from keys and values taken in turns.
func omap(kv ...any) *templating.Map {
	m := templating.NewMap(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}

func TestOutputValuesRendersStringsAtAnyDepth(t *testing.T) {
	tc, _ := newContext(t)
	task := &OutputValues{Values: omap(
		"greeting", "hello {{ name }}",
		"count", 3,
		"ok", true,
		"nothing", nil,
		"list", []any{"{{ name }}", 1.5, []any{"{{ level }}"}},
		"map", omap("{{ dir }}", omap("deep", "{{ yes }}")),
	)}
	res, err := task.Run(context.Background(), tc)
	if err != nil {
		t.Fatal(err)
	}
	// In the order written, as Kestra's LinkedHashMap keeps it.
	want := `{"values":{"greeting":"hello world","count":3,"ok":true,"nothing":null,"list":["world",1.5,["warn"]],"map":{"sub":{"deep":"true"}}}}`
	if got, err := json.Marshal(res.Outputs); err != nil || string(got) != want {
		t.Errorf("outputs: got %s (%v), want %s", got, err, want)
	}
}

func TestOutputValuesNamesTheValueThatFailedToRender(t *testing.T) {
	tc, _ := newContext(t)
	task := &OutputValues{Values: omap("a", []any{"ok", omap("b", "{{ nope }}")})}
	_, err := task.Run(context.Background(), tc)
	var pe *PropError
	if !errors.As(err, &pe) || pe.Prop != "values.a[1].b" {
		t.Fatalf("error: got %v, want a PropError on values.a[1].b", err)
	}
	res, err := (&OutputValues{}).Run(context.Background(), tc)
	if got, _ := json.Marshal(res.Outputs); err != nil || string(got) != `{"values":{}}` {
		t.Errorf("no values: got %s, %v, want an empty values map", got, err)
	}
}

func TestEchoLogsItsFormatAtItsLevel(t *testing.T) {
	cases := []struct {
		task    Echo
		want    []entry
		wantErr string
	}{
		{Echo{Format: "hello {{ name }}"}, []entry{{LevelInfo, "hello world"}}, ""},
		{Echo{Format: "careful", Level: "WARN"}, []entry{{LevelWarn, "careful"}}, ""},
		{Echo{Format: "{{ nope }}"}, nil, "format: Unable to find `nope`"},
	}
	for _, c := range cases {
		tc, rec := newContext(t)
		_, err := c.task.Run(context.Background(), tc)
		if !errContains(err, c.wantErr) {
			t.Fatalf("%+v: error: got %v, want %q", c.task, err, c.wantErr)
		}
		if !slices.Equal(rec.lines, c.want) {
			t.Errorf("%+v: lines: got %v, want %v", c.task, rec.lines, c.want)
		}
	}
}

func TestSleepLogsAndWaitsItsDuration(t *testing.T) {
	tc, rec := newContext(t)
	var waited []time.Duration
	tc.Sleep = func(ctx context.Context, d time.Duration) error {
		waited = append(waited, d)
		return nil
	}
	if _, err := (&Sleep{Duration: 90 * time.Second}).Run(context.Background(), tc); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(waited, []time.Duration{90 * time.Second}) {
		t.Errorf("waits: got %v, want [1m30s]", waited)
	}
	if want := []entry{{LevelInfo, "Waiting for PT1M30S"}}; !slices.Equal(rec.lines, want) {
		t.Errorf("lines: got %v, want %v", rec.lines, want)
	}
}

func TestSleepEndsWhenItsContextEnds(t *testing.T) {
	tc, _ := newContext(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	cancel(stop)
	// The real timer: an hour, ended at once by the context.
	_, err := (&Sleep{Duration: time.Hour}).Run(ctx, tc)
	if !errors.Is(err, stop) {
		t.Errorf("got %v, want the context's cause", err)
	}
	_, err = (&Sleep{Duration: -time.Second}).Run(context.Background(), tc)
	if !errContains(err, "duration: must not be negative, got PT-1S") {
		t.Errorf("negative: got %v", err)
	}
}
