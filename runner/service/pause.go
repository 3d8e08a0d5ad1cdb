package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/tasks"
)

// resumePoll is how often a paused execution looks for its resume in the state: a short
// read transaction, so a resume is heard within a fraction of a second at no real cost.
const resumePoll = 200 * time.Millisecond

// statePauser is the runner.Pauser of executions recorded in a state.
type statePauser struct {
	store *state.Store
	poll  time.Duration
}

// Pause records x PAUSED with its pause record, in one transaction.
func (p *statePauser) Pause(x *runner.Execution, tr *runner.TaskRun, onResume string) error {
	rec, err := runner.Record(x)
	if err != nil {
		return err
	}
	return p.store.PauseExecution(rec, state.PauseRecord{TaskRunID: tr.ID, TaskID: tr.TaskID, OnResume: onResume})
}

// Wait polls the pause record of x until a resume was written into it, or ctx ends.
func (p *statePauser) Wait(ctx context.Context, x *runner.Execution) error {
	t := time.NewTicker(p.poll)
	defer t.Stop()
	for {
		rec, ok, err := p.store.Pause(x.ID)
		switch {
		case err != nil:
			return err
		case !ok || rec.Resumed:
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-t.C:
		}
	}
}

// End records x as it stands and removes its pause record, which says whether a resume
// came first.
func (p *statePauser) End(x *runner.Execution) (bool, map[string]any, error) {
	rec, err := runner.Record(x)
	if err != nil {
		return false, nil, err
	}
	pr, err := p.store.EndPause(rec)
	if err != nil {
		return false, nil, err
	}
	return pr.Resumed, pr.Values, nil
}

// Resume resumes the PAUSED execution id with the onResume values given (-i KEY=VALUE),
// checked against its Pause task's onResume inputs: it records the resume, which the process
// that waits in the pause hears and goes on from. An execution that is not PAUSED is refused
// with state.ErrNotPaused, an unknown one with a state.NotFoundError, values that do not fit
// with the inputs' errors.
func (s *Service) Resume(id string, given map[string]string) error {
	// The values' errors are the user's to fix: they go back as they are, not as a
	// failure of the state.
	var bad error
	err := s.Store.Resume(id, s.now(), func(p state.PauseRecord) (map[string]any, error) {
		defs, err := flow.ParseOnResume(p.OnResume)
		if err == nil {
			var values map[string]any
			if values, err = flow.ResumeValues(p.TaskID, defs, given); err == nil {
				return values, nil
			}
		}
		bad = err
		return nil, err
	})
	if bad != nil {
		return bad
	}
	return err
}

// resumeTask resumes an execution for a Resume task: as `executions resume`, after checking
// that it is of the flow the task names, if it names one.
func (s *Service) resumeTask(_ context.Context, req tasks.ResumeRequest) error {
	rec, ok, err := s.Store.Execution(req.ID)
	switch {
	case err != nil:
		return err
	case !ok:
		return fmt.Errorf("no execution found for execution id %s", req.ID)
	case req.Namespace != "" && (rec.Namespace != req.Namespace || rec.FlowID != req.FlowID):
		return fmt.Errorf("execution %s is of flow %s.%s, not %s.%s", req.ID, rec.Namespace, rec.FlowID, req.Namespace, req.FlowID)
	}
	err = s.Resume(req.ID, req.Inputs)
	if np := (*state.NotPausedError)(nil); errors.As(err, &np) {
		return np // the state's path says nothing to the flow's author
	}
	return err
}
