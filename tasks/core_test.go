package tasks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestLogWritesEachMessageAtItsLevel(t *testing.T) {
	cases := []struct {
		name    string
		task    Log
		want    []entry
		wantErr string
	}{
		{"one message, INFO by default", Log{Message: StringList{"hello {{ name }}"}},
			[]entry{{LevelInfo, "hello world"}}, ""},
		{"a list, one entry each", Log{Message: StringList{"a", "b\nc"}, Level: "ERROR"},
			[]entry{{LevelError, "a"}, {LevelError, "b\nc"}}, ""},
		{"every level", Log{Message: StringList{"t"}, Level: "TRACE"}, []entry{{LevelTrace, "t"}}, ""},
		{"debug", Log{Message: StringList{"d"}, Level: "DEBUG"}, []entry{{LevelDebug, "d"}}, ""},
		{"warn", Log{Message: StringList{"w"}, Level: "WARN"}, []entry{{LevelWarn, "w"}}, ""},
		{"level rendered", Log{Message: StringList{"m"}, Level: "{{ level }}"}, []entry{{LevelWarn, "m"}}, ""},
		{"unknown level", Log{Message: StringList{"m"}, Level: "LOUD"}, nil, `level: unknown log level "LOUD"`},
		{"level fails to render", Log{Message: StringList{"m"}, Level: "{{ nope }}"}, nil, "level: Unable to find `nope`"},
		{"a message fails to render: nothing logged", Log{Message: StringList{"ok", "{{ nope }}"}}, nil, "message[1]: Unable to find `nope`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, rec := newContext(t)
			res, err := c.task.Run(context.Background(), tc)
			if !errContains(err, c.wantErr) {
				t.Fatalf("error: got %v, want %q", err, c.wantErr)
			}
			if res.Outputs != nil {
				t.Errorf("outputs: got %v, want none", res.Outputs)
			}
			if !slices.Equal(rec.lines, c.want) {
				t.Errorf("lines: got %v, want %v", rec.lines, c.want)
			}
		})
	}
}

func TestReturnRendersFormatIntoValue(t *testing.T) {
	cases := []struct {
		format, want, wantErr string
	}{
		{"hello {{ name }}", "hello world", ""},
		{"", "", ""},
		{"{{ nope }}", "", "format: Unable to find `nope`"},
		{strings.Repeat("a", maxOutput), strings.Repeat("a", maxOutput), ""},
		{strings.Repeat("a", maxOutput+1), "", "format: renders to 1048577 bytes, over the 1 MiB an output may hold"},
	}
	for _, c := range cases {
		tc, _ := newContext(t)
		res, err := (&Return{Format: c.format}).Run(context.Background(), tc)
		if !errContains(err, c.wantErr) {
			t.Errorf("Return{%q}: error: got %v, want %q", CutRunes(c.format, 40), err, c.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got := res.Outputs["value"]; got != c.want {
			t.Errorf("Return{%q}: value: got %v, want %q", CutRunes(c.format, 40), CutRunes(fmt.Sprint(got), 40), CutRunes(c.want, 40))
		}
	}
}

func TestFailFailsWhenConditionIsTrue(t *testing.T) {
	cases := []struct {
		name    string
		task    Fail
		wantErr string // "" when the task must succeed
	}{
		{"no condition always fails", Fail{}, "Task failure"},
		{"true", Fail{Condition: "true"}, "Task failure"},
		{"any text is true", Fail{Condition: "yes"}, "Task failure"},
		{"rendered true", Fail{Condition: "{{ yes }}"}, "Task failure"},
		{"false", Fail{Condition: "false"}, ""},
		{"rendered false", Fail{Condition: "{{ no }}"}, ""},
		{"0", Fail{Condition: "0"}, ""},
		{"-0", Fail{Condition: "-0"}, ""},
		{"white space trimmed", Fail{Condition: " false\n"}, ""},
		{"blank renders empty", Fail{Condition: "  "}, ""},
		{"custom message, rendered", Fail{ErrorMessage: "bad {{ name }}"}, "bad world"},
		{"condition fails to render", Fail{Condition: "{{ nope }}"}, "condition: Unable to find `nope`"},
		{"message fails to render", Fail{ErrorMessage: "{{ nope }}"}, "errorMessage: Unable to find `nope`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tc, _ := newContext(t)
			res, err := c.task.Run(context.Background(), tc)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want success", err)
			case c.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), c.wantErr)):
				t.Fatalf("got error %v, want %q", err, c.wantErr)
			}
			if res.Outputs != nil {
				t.Errorf("outputs: got %v, want none", res.Outputs)
			}
		})
	}
}

// errContains reports whether err matches want: nil for "", else an error containing want.
func errContains(err error, want string) bool {
	if want == "" {
		return err == nil
	}
	return err != nil && strings.Contains(err.Error(), want)
}
