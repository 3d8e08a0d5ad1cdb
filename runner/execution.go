package runner

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"

	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/tasks"
)

// The states of executions and task runs, Kestra's names.
const (
	StateCreated = "CREATED"
	StateRunning = "RUNNING"
	StateSuccess = "SUCCESS"
	StateWarning = "WARNING"
	StateFailed  = "FAILED"
	StateKilled  = "KILLED"
	StateSkipped = "SKIPPED"
	// StateQueued is an execution waiting for a slot of its flow's concurrency limit.
	StateQueued = "QUEUED"
	// StateCancelled is an execution that never ran: its flow's concurrency limit was
	// reached and its behavior is CANCEL.
	StateCancelled = "CANCELLED"
)

// The branches a task run can belong to.
const (
	BranchTasks   = "tasks"
	BranchErrors  = "errors"
	BranchFinally = "finally"
)

// Execution is the execution document: a subset of Kestra's execution JSON, same field names.
type Execution struct {
	ID           string            `json:"id"`
	Namespace    string            `json:"namespace"`
	FlowID       string            `json:"flowId"`
	FlowRevision int               `json:"flowRevision"`
	Labels       map[string]string `json:"labels"`
	Inputs       map[string]any    `json:"inputs"`
	State        State             `json:"state"`
	TaskRunList  []*TaskRun        `json:"taskRunList"`
	// Outputs are the flow's outputs, rendered and typed when the execution ended.
	Outputs map[string]any `json:"outputs,omitempty"`
	Trigger *ExecTrigger   `json:"trigger,omitempty"`
	// Metadata counts the attempts of an execution restarted (see PlanRestart).
	Metadata *Metadata `json:"metadata,omitempty"`
	// textOutputs are Outputs as rendered, before they were typed (see TextOutputs).
	textOutputs map[string]any
	// ParentID is the execution this one retries (a retry's CREATE_NEW_EXECUTION); "" for
	// one that retries none. OriginalID is the first of such a chain: its own id for it.
	ParentID   string `json:"parentId,omitempty"`
	OriginalID string `json:"originalId,omitempty"`
	// RetryAt, on an execution ended RETRIED, is when the new execution that retries it is
	// due.
	RetryAt time.Time `json:"-"`
}

// State is the current state of an execution or task run and how it got there.
type State struct {
	Current   string
	StartDate time.Time
	EndDate   time.Time // zero while running
	Histories []History
}

// History is one state change.
type History struct {
	State string    `json:"state"`
	Date  time.Time `json:"date"`
}

// stateJSON is State as written: dates in RFC 3339 UTC, the duration in ISO-8601.
type stateJSON struct {
	Current   string    `json:"current"`
	StartDate string    `json:"startDate"`
	EndDate   string    `json:"endDate,omitempty"`
	Duration  string    `json:"duration,omitempty"`
	Histories []History `json:"histories,omitempty"`
}

// MarshalJSON writes the state with Kestra's field names.
func (s State) MarshalJSON() ([]byte, error) {
	j := stateJSON{Current: s.Current, StartDate: formatDate(s.StartDate), Histories: s.Histories}
	if !s.EndDate.IsZero() {
		j.EndDate = formatDate(s.EndDate)
		j.Duration = duration.Format(s.Duration())
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *State) UnmarshalJSON(b []byte) error {
	var j stateJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	s.Current, s.Histories = j.Current, j.Histories
	var err error
	if s.StartDate, err = parseDate(j.StartDate); err != nil {
		return err
	}
	s.EndDate, err = parseDate(j.EndDate)
	return err
}

// Duration is the time from start to end (zero while running).
func (s State) Duration() time.Duration {
	if s.EndDate.IsZero() {
		return 0
	}
	return s.EndDate.Sub(s.StartDate)
}

// Set moves the state to st at t, recording the change. The engine makes every change of
// an execution; Set is exported so that code building a document (a report's tests) makes
// the same history.
func (s *State) Set(st string, t time.Time) {
	s.Current = st
	s.Histories = append(s.Histories, History{State: st, Date: t.UTC()})
	if s.StartDate.IsZero() {
		s.StartDate = t
	}
}

// End moves the state to a terminal st at t.
func (s *State) End(st string, t time.Time) {
	s.Set(st, t)
	s.EndDate = t
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// templateDate writes a date as a template sees it in Kestra: an Instant as its stores keep
// it, to the millisecond, printed by Java's ISO_INSTANT (no fraction on a whole second).
func templateDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC().Truncate(time.Millisecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// TaskRun is one run of one task.
type TaskRun struct {
	ID     string `json:"id"`
	TaskID string `json:"taskId"`
	// ParentTaskRunID is the run of the flowable task this run is a child of; empty at the
	// top of the tree.
	ParentTaskRunID string `json:"parentTaskRunId,omitempty"`
	// Value is the loop value of a run a ForEach (EachSequential, EachParallel) created.
	Value string `json:"value,omitempty"`
	// Iteration is Kestra's iteration number, for the runs that have one.
	Iteration *int `json:"iteration,omitempty"`
	// Branch is the branch of the flow (or, under a flowable, of its parent) the run
	// belongs to: tasks, errors or finally.
	Branch   string         `json:"branch"`
	State    State          `json:"state"`
	Attempts []*Attempt     `json:"attempts"`
	Outputs  map[string]any `json:"outputs,omitempty"`
	Metrics  []tasks.Metric `json:"metrics,omitempty"`
	Error    string         `json:"error,omitempty"`
	// Logs are the lines the task run logged, masked, up to the log cap (the first 1 MiB of
	// messages, as the state keeps them). They are kept apart from the execution document,
	// as in Kestra.
	Logs []LogLine `json:"-"`
	// LogCut, when the task run logged more than the cap, counts what Logs does not hold.
	LogCut *LogCut `json:"-"`
	// logBytes is the size of the messages in Logs.
	logBytes int64
	// logsSaved counts the first lines of Logs already written to the state while the
	// execution ran; logDirty says the run logged lines since (see live).
	logsSaved int
	logDirty  bool
	// parent is the run of ParentTaskRunID while the engine runs.
	parent *TaskRun
}

// Attempt is one try of a task run.
type Attempt struct {
	State State `json:"state"`
	// LogFile is the kestra:// URI of the file of the attempt's log lines, for a task with
	// logToFile.
	LogFile string `json:"logFile,omitempty"`
}

// LogLine is one masked line logged by a task run.
type LogLine struct {
	Time    time.Time   `json:"timestamp"`
	Level   tasks.Level `json:"-"`
	Message string      `json:"message"`
}

// ExecTrigger records what started an execution that a trigger started.
type ExecTrigger struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Variables map[string]any `json:"variables"`
}

// LabelCorrelationID is the label every execution carries: the id of the execution that
// started its chain of triggered executions (its own id when it started one).
const LabelCorrelationID = "system.correlationId"

// executionVars are the execution.* variables of x.
func executionVars(x *Execution) map[string]any {
	return map[string]any{"id": x.ID, "startDate": templateDate(x.State.StartDate), "originalId": cmp.Or(x.OriginalID, x.ID)}
}

// labelVars are the labels.* variables: a label named system.X is labels.system.X, as
// Kestra exposes its system labels.
func labelVars(labels map[string]string) map[string]any {
	out := make(map[string]any, len(labels))
	system := map[string]any{}
	for k, v := range labels {
		if name, ok := strings.CutPrefix(k, "system."); ok {
			system[name] = v
			continue
		}
		out[k] = v
	}
	if len(system) > 0 {
		out["system"] = system
	}
	return out
}

// LoopValue is the loop value a run works for: its own, else its nearest ancestor's (known
// while the engine runs it); "" outside any loop.
func (tr *TaskRun) LoopValue() string {
	for r := tr; r != nil; r = r.parent {
		if r.Value != "" {
			return r.Value
		}
	}
	return ""
}
