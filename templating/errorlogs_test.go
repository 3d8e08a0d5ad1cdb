package templating

import (
	"strings"
	"testing"
)

func TestErrorLogsFunction(t *testing.T) {
	env := testEnv()
	calls := 0
	env.ErrorLogs = func() []any {
		calls++
		return []any{
			map[string]any{"taskId": "a", "message": "first"},
			map[string]any{"taskId": "b", "message": "second"},
		}
	}
	for tmpl, want := range map[string]string{
		"{{ errorLogs()[0]['message'] }}":            "first",
		"{{ errorLogs() | last | default({}) }}":     `{"message":"second","taskId":"b"}`,
		"{{ errorLogs() | length }}":                 "2",
		"{{ (errorLogs() | first).taskId }}":         "a",
		"{{ errorLogs() is empty ? 'ok' : 'fail' }}": "fail",
	} {
		got, err := render(t, tmpl, env)
		if err != nil || got != want {
			t.Errorf("%s: got %q (%v), want %q", tmpl, got, err, want)
		}
	}
	if calls == 0 {
		t.Error("ErrorLogs was never called")
	}

	env.ErrorLogs = func() []any { return nil }
	if got, err := render(t, "{{ errorLogs() }}", env); err != nil || got != "[]" {
		t.Errorf("no error lines: got %q (%v), want []", got, err)
	}

	env.ErrorLogs = nil
	if _, err := render(t, "{{ errorLogs() }}", env); err == nil || !strings.Contains(err.Error(), "errorLogs() can only be used in a task") {
		t.Errorf("outside a task: got %v", err)
	}
	if _, err := render(t, "{{ errorLogs(1) }}", env); err == nil || !strings.Contains(err.Error(), `function "errorLogs" takes no arguments`) {
		t.Errorf("an argument: got %v", err)
	}
}
