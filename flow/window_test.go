package flow

import (
	"strings"
	"testing"
	"time"
)

// windowFlow is a flow with one Flow trigger written as trigger (indented under triggers:).
func windowFlow(trigger string) string {
	return "id: t\nnamespace: dev\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n" +
		"triggers:\n  - id: f\n    type: io.kestra.plugin.core.trigger.Flow\n" + trigger
}

func dur(d time.Duration) *time.Duration { return &d }

func lt(d time.Duration) *LocalTime { t := LocalTime(d); return &t }

// TestWindowBounds checks the windows opened at a time, as Kestra's getOrCreate computes
// them (UTC).
func TestWindowBounds(t *testing.T) {
	at := time.Date(2026, 3, 2, 14, 37, 25, 500, time.UTC)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	for _, c := range []struct {
		name       string
		tw         TimeWindow
		start, end time.Time
	}{
		{"default: the day", TimeWindow{}, day, day.Add(24*time.Hour - ms)},
		{"P1D advanced PT6H", TimeWindow{WindowAdvance: dur(6 * time.Hour)}, day.Add(6 * time.Hour), day.Add(30*time.Hour - ms)},
		{"PT1H", TimeWindow{Window: dur(time.Hour)}, day.Add(14 * time.Hour), day.Add(15*time.Hour - ms)},
		{"PT10M", TimeWindow{Window: dur(10 * time.Minute)}, day.Add(14*time.Hour + 30*time.Minute), day.Add(14*time.Hour + 40*time.Minute - ms)},
		{"PT30S: from now", TimeWindow{Window: dur(30 * time.Second)}, day.Add(14*time.Hour + 37*time.Minute + 25*time.Second), day.Add(14*time.Hour + 37*time.Minute + 55*time.Second - ms)},
		{"sliding PT1H", TimeWindow{Type: WindowSliding, Window: dur(time.Hour)}, day.Add(14*time.Hour + 37*time.Minute + 25*time.Second), day.Add(15*time.Hour + 37*time.Minute + 25*time.Second)},
		{"deadline 09:00", TimeWindow{Type: WindowDailyDeadline, Deadline: lt(9 * time.Hour)}, day, day.Add(9 * time.Hour)},
		{"daily 06:00-18:00", TimeWindow{Type: WindowDailyTime, StartTime: lt(6 * time.Hour), EndTime: lt(18 * time.Hour)}, day.Add(6 * time.Hour), day.Add(18 * time.Hour)},
	} {
		start, end := c.tw.Bounds(at.In(time.FixedZone("", 7200)))
		if !start.Equal(c.start) || !end.Equal(c.end) {
			t.Errorf("%s: got %s - %s, want %s - %s", c.name, start, end, c.start, c.end)
		}
	}
}

// TestPreconditionsKeysAndTests checks the preconditions of Kestra's test flow: keyed as
// Kestra keys them, each upstream flow and filter tested on an ended execution.
func TestPreconditionsKeysAndTests(t *testing.T) {
	src := windowFlow(`    preconditions:
      id: flow
      flows:
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-a
          states: [SUCCESS, WARNING, FAILED]
        - namespace: io.kestra.tests.trigger.preconditions
          flowId: flow-b
          states: [SUCCESS]
      where:
        - id: flow1
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: io.kestra.tests.trigger
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{labels.some == 'label'}}"
        - id: any
          operand: OR
          filters:
            - field: STATE
              type: IN
              values: [KILLED]
            - field: FLOW_ID
              type: REGEX
              value: "flow-[ab]"
`)
	f, err := Parse("flow.yml", []byte(src), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ws := f.Triggers[0].Windows()
	if len(ws) != 1 || ws[0].ID != "flow" || !ws[0].ResetOnSuccess || ws[0].TimeWindow.kind() != WindowDuration {
		t.Fatalf("windows: %+v", ws)
	}
	var keys []string
	for _, c := range ws[0].Conds {
		keys = append(keys, c.Key)
	}
	if got := strings.Join(keys, " "); got != "condition_1 condition_2 condition_3_flow1 condition_4_any" {
		t.Fatalf("keys: %s", got)
	}
	render := func(labels string) func(string) (string, error) {
		return func(s string) (string, error) {
			if s != "{{labels.some == 'label'}}" {
				t.Fatalf("rendered %q", s)
			}
			return labels, nil
		}
	}
	x := EndedExecution{Namespace: "io.kestra.tests.trigger.preconditions", FlowID: "flow-a", State: "FAILED"}
	got, err := ws[0].Results(x, render("true"))
	if err != nil || !got["condition_1"] || got["condition_2"] || !got["condition_3_flow1"] || !got["condition_4_any"] {
		t.Errorf("flow-a FAILED, labels match: %v, %v", got, err)
	}
	x = EndedExecution{Namespace: "io.kestra.tests.trigger.preconditions", FlowID: "flow-c", State: "SUCCESS"}
	got, _ = ws[0].Results(x, render("false"))
	if got["condition_1"] || got["condition_2"] || got["condition_3_flow1"] || got["condition_4_any"] {
		t.Errorf("flow-c SUCCESS, no label: %v", got)
	}
	// A trigger with preconditions passes Fires on its states alone: the windows decide.
	if !f.Triggers[0].Fires(x) {
		t.Error("Fires: want true for a terminal state, the preconditions being the caller's")
	}
}

// TestMultipleConditionLegacyWindow checks Kestra's deprecated window keys: they set the
// time window, and the window's conditions are the Execution conditions by key.
func TestMultipleConditionLegacyWindow(t *testing.T) {
	src := windowFlow(`    conditions:
      - id: multiple
        type: io.kestra.core.models.conditions.types.MultipleCondition
        window: PT6H
        windowAdvance: PT1H
        resetOnSuccess: false
        conditions:
          ok:
            type: io.kestra.plugin.core.condition.ExecutionStatusCondition
            in: [SUCCESS]
          a:
            type: io.kestra.plugin.core.condition.ExecutionFlow
            namespace: dev
            flowId: a
`)
	f, err := Parse("flow.yml", []byte(src), testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ws := f.Triggers[0].Windows()
	if len(ws) != 1 || ws[0].ResetOnSuccess || *ws[0].TimeWindow.Window != 6*time.Hour || *ws[0].TimeWindow.WindowAdvance != time.Hour || len(ws[0].Conds) != 2 {
		t.Fatalf("windows: %+v", ws)
	}
	got, _ := ws[0].Results(EndedExecution{Namespace: "dev", FlowID: "b", State: "SUCCESS"}, nil)
	if !got["ok"] || got["a"] {
		t.Errorf("results: %v, want ok only", got)
	}
}

// TestWindowMistakes checks the messages of the rules Kestra's validators enforce.
func TestWindowMistakes(t *testing.T) {
	for _, c := range []struct {
		trigger, want string
	}{
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: DAILY_TIME_DEADLINE\n        window: PT1H\n",
			"flow.yml:14:17: trigger \"f\": preconditions: timeWindow: window: a time window of type DAILY_TIME_DEADLINE cannot have a window"},
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: DAILY_TIME_DEADLINE\n",
			"preconditions: timeWindow: missing deadline: a time window of type DAILY_TIME_DEADLINE must have a deadline"},
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: daily_time_window\n        startTime: \"06:00\"\n",
			"missing endTime: a time window of type DAILY_TIME_WINDOW must have an end time"},
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: SLIDING_WINDOW\n        windowAdvance: PT1H\n",
			"cannot have a window advance"},
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: HOURLY\n",
			`type: "HOURLY" is not one of DAILY_TIME_DEADLINE, DAILY_TIME_WINDOW, DURATION_WINDOW, SLIDING_WINDOW`},
		{"    preconditions:\n      id: p\n      timeWindow:\n        type: DAILY_TIME_DEADLINE\n        deadline: 9h\n",
			`deadline: "9h" is not a time of day such as 09:00:00`},
		{"    preconditions:\n      flows:\n        - flowId: a\n",
			`missing required property "id"`},
		{"    preconditions:\n      id: p\n      flows:\n        - flowId: a\n",
			`preconditions: flows[0]: missing required property "namespace"`},
		{"    preconditions:\n      id: p.q\n",
			`"p.q" is not a valid condition id`},
		{"    preconditions:\n      id: p\n      where:\n        - id: w\n          filters:\n            - field: NAMESPACE\n              type: IN\n              value: a\n",
			"`value` must be null for type IN: use values"},
		{"    preconditions:\n      id: p\n      where:\n        - id: w\n          filters:\n            - field: NAMESPACE\n              type: EQUAL_TO\n",
			"`value` cannot be null for type EQUAL_TO"},
		{"    preconditions:\n      id: p\n      where:\n        - id: w\n          filters:\n            - field: LABEL\n              type: EQUAL_TO\n              value: a\n",
			`field: "LABEL" is not one of FLOW_ID, NAMESPACE, STATE, EXPRESSION`},
		{"    preconditions:\n      id: p\n      where:\n        - id: w\n          filters:\n            - field: EXPRESSION\n              type: IS_TRUE\n              value: \"{{ labels.a \"\n",
			"where[0]: filters[0]: value:"},
		{"    conditions:\n      - type: io.kestra.plugin.core.condition.MultipleCondition\n        id: m\n        conditions: {}\n",
			"conditions: at least one condition is required"},
		{"    conditions:\n      - type: io.kestra.plugin.core.condition.MultipleCondition\n        id: m\n        conditions:\n          w:\n            type: io.kestra.plugin.core.condition.Weekend\n",
			"Weekend is a schedule condition: it belongs to Schedule triggers, MultipleCondition takes Execution conditions only"},
		{"    conditions:\n      - type: io.kestra.plugin.core.condition.MultipleCondition\n        conditions:\n          a:\n            type: io.kestra.plugin.core.condition.ExecutionFlow\n            namespace: dev\n            flowId: a\n",
			`conditions[0]: missing required property "id"`},
	} {
		_, err := Parse("flow.yml", []byte(windowFlow(c.trigger)), testRegistry())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\ngot %v\nwant %q", c.trigger, err, c.want)
		}
	}
}
