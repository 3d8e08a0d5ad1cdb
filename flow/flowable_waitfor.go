package flow

import "time"

// TypeWaitFor is Kestra's WaitFor: a loop over its tasks until a condition holds.
const TypeWaitFor = "io.kestra.plugin.core.flow.WaitFor"

// WaitFor runs its tasks, one after another, again and again until condition, rendered
// after each iteration, is true, or checkFrequency's bounds are reached.
type WaitFor struct {
	Tasks            []*TaskSpec     `flow:"tasks,required" doc:"The tasks of one iteration, run one after another."`
	Condition        string          `flow:"condition,required" doc:"Rendered after each iteration: false, 0, -0, null and empty go on looping, anything else stops."`
	FailOnMaxReached bool            `flow:"failOnMaxReached" doc:"End FAILED when maxIterations or maxDuration is reached (default false: SUCCESS)."`
	CheckFrequency   *CheckFrequency `flow:"checkFrequency" doc:"The loop's bounds and the wait between iterations."`
}

// Branches implements Flowable.
func (w *WaitFor) Branches() [][]*TaskSpec { return [][]*TaskSpec{w.Tasks} }

// CheckFrequency bounds a WaitFor: Kestra's defaults are 100 iterations, one hour and one
// second between iterations.
type CheckFrequency struct {
	MaxIterations *int           `flow:"maxIterations" doc:"Stop once the iteration count is above it (default 100)."`
	MaxDuration   *time.Duration `flow:"maxDuration" doc:"Stop once an iteration ends this long after the WaitFor started (default PT1H)."`
	Interval      *time.Duration `flow:"interval" doc:"Wait between two iterations (default PT1S)."`
}

// Kestra's defaults of a WaitFor's checkFrequency.
const (
	DefaultWaitForMaxIterations = 100
	DefaultWaitForMaxDuration   = time.Hour
	DefaultWaitForInterval      = time.Second
)

// Bounds returns the maximum iterations, the maximum duration and the interval of a
// WaitFor, Kestra's defaults for those not given.
func (c *CheckFrequency) Bounds() (maxIterations int, maxDuration, interval time.Duration) {
	maxIterations, maxDuration, interval = DefaultWaitForMaxIterations, DefaultWaitForMaxDuration, DefaultWaitForInterval
	if c == nil {
		return
	}
	if c.MaxIterations != nil {
		maxIterations = *c.MaxIterations
	}
	if c.MaxDuration != nil {
		maxDuration = *c.MaxDuration
	}
	if c.Interval != nil {
		interval = *c.Interval
	}
	return
}

// checkWaitFor checks a WaitFor's tasks and bounds.
func (l *loader) checkWaitFor(spec *TaskSpec, w *WaitFor, at func(string) Pos, ctx string) {
	if _, given := spec.PropPos["tasks"]; given && len(w.Tasks) == 0 {
		l.errorAt(at("tasks"), "%stasks: at least one task is required", ctx)
	}
	c := w.CheckFrequency
	if c == nil {
		return
	}
	if c.MaxIterations != nil && *c.MaxIterations < 0 {
		l.errorAt(at("checkFrequency.maxIterations"), "%scheckFrequency.maxIterations: must be 0 or more, got %d", ctx, *c.MaxIterations)
	}
	if c.Interval != nil && *c.Interval < 0 {
		l.errorAt(at("checkFrequency.interval"), "%scheckFrequency.interval: must not be negative", ctx)
	}
	if c.MaxDuration != nil && *c.MaxDuration < 0 {
		l.errorAt(at("checkFrequency.maxDuration"), "%scheckFrequency.maxDuration: must not be negative", ctx)
	}
}
