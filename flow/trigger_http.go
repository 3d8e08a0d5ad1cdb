package flow

import (
	"time"

	"github.com/flowctl/flowctl/tasks"
)

const httpTriggerDoc = "Poll an HTTP endpoint every interval and start the flow when the answer meets responseCondition (flowctl scheduler tick or run)."

// TriggerHTTP is Kestra's polling HTTP trigger.
const TriggerHTTP = "io.kestra.plugin.core.http.Trigger"

// DefaultPollInterval is Kestra's default interval of a polling trigger.
const DefaultPollInterval = 60 * time.Second

// DefaultResponseCondition is Kestra's default responseCondition of http.Trigger.
const DefaultResponseCondition = "{{ response.statusCode < 400 }}"

// HTTPTrigger is Kestra's http.Trigger, a polling trigger: every Interval the scheduler sends
// the request (the properties of http.Request), renders ResponseCondition with response.*
// and, when it is truthy, starts the flow with the Request's outputs as trigger.*.
type HTTPTrigger struct {
	tasks.HTTPCallProperties
	ResponseCondition string           `flow:"responseCondition" doc:"Rendered with response.statusCode, response.body and response.headers after each request; the flow starts when it is truthy (not false, 0, -0 or empty). Default {{ response.statusCode < 400 }}."`
	Interval          PositiveDuration `flow:"interval" doc:"The time between two requests, ISO-8601 (default PT60S)."`
	EncryptBody       bool             `flow:"encryptBody" doc:"Accepted: flowctl has no encryption key, so the body is trigger.body as it came (the state file is readable by its owner only)."`
	StopAfter         States           `flow:"stopAfter" doc:"Once an execution the trigger started ends in one of these states, the trigger is disabled (as by a Toggle task)."`
}

// takes: as in Kestra's scheduler, an http.Trigger's conditions are tested before each
// request, with the flow's variables (Expression); responseCondition tests the answer.
func (*HTTPTrigger) takes(c ConditionType) bool {
	_, ok := c.(RequestCondition)
	return ok
}

// templatedProps: the properties are read as http.Request's, templates included.
func (*HTTPTrigger) templatedProps() {}

// finish gives responseCondition its default.
func (t *HTTPTrigger) finish(*finishing) {
	if t.ResponseCondition == "" {
		t.ResponseCondition = DefaultResponseCondition
	}
}

// Polling returns the properties of t when it is a polling trigger (http.Trigger), with its
// interval (Kestra's default when unset); ok is false for the other types.
func (t *Trigger) Polling() (p *HTTPTrigger, interval time.Duration, ok bool) {
	p, ok = t.spec().(*HTTPTrigger)
	if !ok || p == nil {
		return nil, 0, false
	}
	interval = time.Duration(p.Interval)
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	return p, interval, true
}
