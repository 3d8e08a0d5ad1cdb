package flow

import (
	"reflect"
	"testing"
	"time"

	"github.com/flowctl/flowctl/tasks"
)

// TestDecodeFlowRetryAndSLA: the flow's retry and sla reach the model as written.
func TestDecodeFlowRetryAndSLA(t *testing.T) {
	f, err := Parse("f.yml", []byte(`id: f
namespace: dev
retry:
  type: constant
  interval: PT1S
  maxAttempt: 3
  behavior: CREATE_NEW_EXECUTION
sla:
  - id: late
    type: MAX_DURATION
    behavior: FAIL
    duration: PT1M
    labels:
      sla: late
  - id: check
    type: EXECUTION_ASSERTION
    behavior: NONE
    assert: "{{ true }}"
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    message: hi
`), tasks.Builtin())
	if err != nil {
		t.Fatal(err)
	}
	if want := (&Retry{Type: "constant", Interval: time.Second, MaxAttempt: 3, Behavior: RetryNewExecution}); !reflect.DeepEqual(f.Retry, want) {
		t.Errorf("retry: got %+v, want %+v", f.Retry, want)
	}
	if len(f.SLA) != 2 {
		t.Fatalf("sla: got %d, want 2", len(f.SLA))
	}
	late, check := f.SLA[0], f.SLA[1]
	if late.ID != "late" || late.Type != SLAMaxDuration || late.Behavior != SLAFail || late.Duration != time.Minute ||
		!reflect.DeepEqual(late.Labels, []Label{{"sla", "late"}}) {
		t.Errorf("sla[0]: got %+v", late)
	}
	if check.Type != SLAExecutionAssertion || check.Behavior != SLANone || check.Assert != "{{ true }}" {
		t.Errorf("sla[1]: got %+v", check)
	}
}
