package service

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/runner/state"
	"github.com/flowctl/flowctl/templating"
)

// windowsComplete records what the ended execution x meets of the windows of trigger t of
// flow f (its MultipleCondition conditions and preconditions), and reports whether every
// window is now complete: then t fires. It follows Kestra's FlowTriggerService: a window
// opens when first needed (Bounds) and is kept in the state until it ends; an execution
// outside the window it would open (a DAILY_TIME_WINDOW before its start) is not counted;
// a complete window with resetOnSuccess is forgotten, so the next firing needs every
// condition met again. The whole decision is one state transaction: two processes whose
// executions end at once never both fire on one window. A trigger without windows is
// complete.
func (s *Service) windowsComplete(f *flow.Flow, revision int, t *flow.Trigger, x *runner.Execution) bool {
	ws := t.Windows()
	if len(ws) == 0 {
		return true
	}
	ended := runner.Ended(x)
	var ctx map[string]any
	render := func(src string) (string, error) {
		if ctx == nil {
			ctx = runner.TriggerContext(f, revision, x)
			ctx["envs"] = templating.EnvVars(s.environ())
		}
		tpl, err := templating.Parse(src)
		if err != nil {
			return "", err
		}
		return tpl.Render(&templating.Env{Vars: ctx, Secret: templating.EnvSecrets(s.lookupEnv()), KV: runner.KVLookup(runner.KV(s.Store))})
	}
	results := make([]map[string]bool, len(ws))
	for i, w := range ws {
		r, err := w.Results(ended, render)
		if err != nil {
			s.warnf("trigger %s.%s/%s: preconditions not evaluated: %v", f.Namespace, f.ID, t.ID, err)
			return false
		}
		results[i] = r
	}
	now := s.now()
	complete := false
	var progress []string // notes, once the transaction is committed
	err := s.Store.UpdateWindows(f.Namespace, f.ID, now, func(cur map[string]state.WindowRecord) (map[string]*state.WindowRecord, error) {
		next := map[string]*state.WindowRecord{}
		all := true
		var done []string
		for i, w := range ws {
			rec, ok := cur[w.ID]
			open := ok && rec.Valid(now)
			if !open {
				start, end := w.TimeWindow.Bounds(now)
				rec = state.WindowRecord{Start: start, End: end}
				// Kestra checks the window it just opened a moment later, so one that
				// starts now (SLIDING_WINDOW) is open.
				open = !now.Before(start) && now.Before(end)
			}
			if !open {
				all = false
				continue
			}
			met := maps.Clone(rec.Results)
			if met == nil {
				met = map[string]bool{}
			}
			for k, ok := range results[i] {
				if ok {
					met[k] = true
				}
			}
			if len(met) > 0 {
				rec.Results = met
				next[w.ID] = &rec
			}
			whole, count := true, 0
			for _, c := range w.Conds {
				whole = whole && met[c.Key]
				if met[c.Key] {
					count++
				}
			}
			if !whole && slices.Contains(slices.Collect(maps.Values(results[i])), true) {
				progress = append(progress, fmt.Sprintf("trigger %s.%s/%s: %d of %d conditions of %s met, until %s", f.Namespace, f.ID, t.ID, count, len(w.Conds), w.ID, rec.End.UTC().Format(time.RFC3339)))
			}
			all = all && whole
			if whole && w.ResetOnSuccess {
				done = append(done, w.ID)
			}
		}
		for _, id := range done {
			next[id] = nil
		}
		complete = all
		return next, nil
	})
	if err != nil {
		s.warnf("trigger %s.%s/%s: preconditions not recorded: %v", f.Namespace, f.ID, t.ID, err)
		return false
	}
	for _, p := range progress {
		s.notef("%s", p)
	}
	return complete
}
