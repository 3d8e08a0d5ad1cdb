package flow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// SLA is one entry of a flow's `sla`, Kestra's service level agreement of its executions:
// MAX_DURATION (the execution runs longer than Duration) or EXECUTION_ASSERTION (Assert
// renders false while the execution runs). A violation does what Behavior says and adds
// Labels to the execution.
type SLA struct {
	ID   string
	Type string // SLAMaxDuration or SLAExecutionAssertion
	// Behavior is FAIL (the execution ends FAILED), CANCEL (CANCELLED) or NONE (it goes
	// on; the labels say it).
	Behavior string
	Labels   []Label
	// Duration is MAX_DURATION's bound, from the execution's creation.
	Duration time.Duration
	// Assert is EXECUTION_ASSERTION's template.
	Assert string
	Pos    Pos
	// AssertPos is where Assert is written, so an assertion that does not render is said
	// at its place in the file.
	AssertPos Pos
}

// The types and behaviors of an SLA.
const (
	SLAMaxDuration        = "MAX_DURATION"
	SLAExecutionAssertion = "EXECUTION_ASSERTION"
	SLAFail               = "FAIL"
	SLACancel             = "CANCEL"
	SLANone               = "NONE"
)

var (
	slaTypes     = []string{SLAMaxDuration, SLAExecutionAssertion}
	slaBehaviors = []string{SLAFail, SLACancel, SLANone}
	slaKeys      = map[string][]string{
		SLAMaxDuration:        {"id", "type", "behavior", "labels", "duration"},
		SLAExecutionAssertion: {"id", "type", "behavior", "labels", "assert"},
	}
)

// slas reads the flow's `sla` list.
func (l *loader) slas(n *yaml.Node) []*SLA {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "sla: expected a list of SLAs (id, type, behavior), got %s", kindName(n))
		return nil
	}
	var out []*SLA
	for i, item := range n.Content {
		if s := l.sla(resolve(item), fmt.Sprintf("sla[%d]: ", i)); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// sla reads one SLA; ctx ends with ": ".
func (l *loader) sla(n *yaml.Node, ctx string) *SLA {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%sexpected a mapping with id, type and behavior, got %s", ctx, kindName(n))
		return nil
	}
	s := &SLA{Pos: posOf(n)}
	ps := l.pairs(n, ctx)
	for _, p := range ps {
		if p.key.Value == "type" {
			if v, ok := l.str(p.val, ctx, "type"); ok {
				s.Type = v
				if !slices.Contains(slaTypes, v) {
					l.errorf(p.val, "%stype: %q is not one of %s%s", ctx, v, strings.Join(slaTypes, ", "), didYouMean(v, slaTypes))
				}
			}
		}
	}
	known, typed := slaKeys[s.Type]
	if !typed {
		known = []string{"id", "type", "behavior", "labels", "duration", "assert"}
	}
	set := map[string]bool{}
	for _, p := range ps {
		key, v := p.key.Value, p.val
		if !slices.Contains(known, key) {
			if typed && slices.Contains([]string{"duration", "assert"}, key) {
				l.errorf(p.key, "%s%s is not a property of %s SLAs", ctx, key, s.Type)
				continue
			}
			l.unknownKey(p.key, ctx, key, known, nil)
			continue
		}
		set[key] = true
		switch key {
		case "id":
			if id, ok := l.str(v, ctx, key); ok {
				s.ID = id
				if id == "" {
					l.errorf(v, "%sid: must not be empty", ctx)
				}
			}
		case "behavior":
			if b, ok := l.str(v, ctx, key); ok {
				s.Behavior = b
				if !slices.Contains(slaBehaviors, b) {
					l.errorf(v, "%sbehavior: %q is not one of %s%s", ctx, b, strings.Join(slaBehaviors, ", "), didYouMean(b, slaBehaviors))
				}
			}
		case "labels":
			s.Labels = l.labels(v)
			for _, lb := range s.Labels {
				if strings.HasPrefix(lb.Key, "system.") {
					// Kestra's NoSystemLabelValidation: system labels are Kestra's to set.
					l.errorf(v, "%slabels: System labels can only be set by Kestra itself, offending label: %s=%s.", ctx, lb.Key, lb.Value)
				}
			}
		case "duration":
			if d, ok := l.duration(v, ctx, key); ok {
				if d <= 0 {
					l.errorf(v, "%sduration: must be positive, got %s", ctx, resolve(v).Value)
				}
				s.Duration = d
			}
		case "assert":
			if a, ok := l.str(v, ctx, key); ok {
				s.Assert = a
				s.AssertPos = posOf(resolve(v))
				if strings.TrimSpace(a) == "" {
					l.errorf(v, "%sassert: must not be empty", ctx)
				}
			}
		}
	}
	required := []string{"id", "type", "behavior"}
	switch s.Type {
	case SLAMaxDuration:
		required = append(required, "duration")
	case SLAExecutionAssertion:
		required = append(required, "assert")
	}
	for _, k := range required {
		if !set[k] {
			l.errorf(n, "%smissing required property %q", ctx, k)
		}
	}
	return s
}
