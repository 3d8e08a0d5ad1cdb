package service

import (
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/state"
)

// AppliedFlow is one flow applied to the state, with its triggers and the progress of its
// schedules: what `flow list -o json` prints, one object per flow.
type AppliedFlow struct {
	Namespace string           `json:"namespace"`
	ID        string           `json:"id"`
	Revision  int              `json:"revision"`
	Updated   time.Time        `json:"updated"`
	Disabled  bool             `json:"disabled"`
	Triggers  []AppliedTrigger `json:"triggers"`
}

// AppliedTrigger is one trigger of an applied flow.
type AppliedTrigger struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Disabled bool   `json:"disabled,omitempty"`
	// Toggled says that a Toggle task disabled it (Disabled is then set too).
	Toggled bool `json:"toggledOff,omitempty"`
	// Next and Last are a Schedule trigger's next date and the latest date it ran.
	Next *time.Time `json:"next,omitempty"`
	Last *time.Time `json:"last,omitempty"`
}

// Flows lists the applied flows in namespace.id order, each with its triggers. A flow
// applied by an older flowctl that no longer loads is listed all the same, without them.
func (s *Service) Flows() ([]AppliedFlow, error) {
	recs, err := s.Store.Flows()
	if err != nil {
		return nil, err
	}
	scheds, err := s.Store.Schedules()
	if err != nil {
		return nil, err
	}
	progress := make(map[string]state.ScheduleEntry, len(scheds))
	for _, sc := range scheds {
		progress[sc.Namespace+"\x00"+sc.FlowID+"\x00"+sc.TriggerID] = sc
	}
	toggles, err := s.Store.Toggles()
	if err != nil {
		return nil, err
	}
	out := make([]AppliedFlow, 0, len(recs))
	for _, r := range recs {
		e := AppliedFlow{Namespace: r.Namespace, ID: r.ID, Revision: r.Revision, Updated: r.Updated.UTC(),
			Disabled: r.Disabled, Triggers: []AppliedTrigger{}}
		if f, err := flow.Parse(r.Namespace+"."+r.ID, r.Source, s.Registry); err == nil {
			for _, t := range f.Triggers {
				te := AppliedTrigger{ID: t.ID, Type: t.Type, Disabled: t.Disabled, Toggled: toggledOff(toggles, f, t)}
				te.Disabled = te.Disabled || te.Toggled
				if sc, ok := progress[r.Namespace+"\x00"+r.ID+"\x00"+t.ID]; ok {
					next := sc.Next.UTC()
					te.Next = &next
					if !sc.Ran.IsZero() {
						ran := sc.Ran.UTC()
						te.Last = &ran
					}
				}
				e.Triggers = append(e.Triggers, te)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// AppliedRevision is the revision of f in the state when f is the applied flow (the same
// source, run from its file); 0 when it is not applied, or applied with another source.
func (s *Service) AppliedRevision(f *flow.Flow) int {
	if rec, ok, err := s.Store.Flow(f.Namespace, f.ID); err == nil && ok && string(rec.Source) == string(f.Source) {
		return rec.Revision
	}
	return 0
}
