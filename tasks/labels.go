package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/flowctl/flowctl/templating"
)

// labelsDef is Kestra's execution.Labels task.
var labelsDef = &Def{
	Type:    "io.kestra.plugin.core.execution.Labels",
	Aliases: []string{"io.kestra.core.tasks.executions.Labels"},
	Doc:     "Add labels to the running execution, replacing those of the same keys.",
	New:     func() Task { return &Labels{} },
}

// Labels adds its labels to the running execution: later tasks read them as labels.*, and
// the execution is recorded with them.
type Labels struct {
	Labels any `flow:"labels,required" doc:"the labels: a mapping of key to value, a list of {key, value}, or a template rendering to a JSON object; keys and values are rendered"`
}

// Run renders the labels and hands them to the execution. As in Kestra, system labels
// (system.*) are the engine's alone.
func (t *Labels) Run(ctx context.Context, tc *Context) (Result, error) {
	if tc.SetLabels == nil {
		return Result{}, errors.New("labels cannot be set: no execution runs this task")
	}
	labels, err := t.render(tc)
	if err != nil {
		return Result{}, err
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if strings.TrimSpace(k) == "" {
			// A label without a key is no label: said, not set.
			return Result{}, &PropError{Prop: "labels", Err: fmt.Errorf("a label's key rendered empty (value %q): give each label a key", labels[k])}
		}
		if strings.HasPrefix(k, "system.") {
			return Result{}, fmt.Errorf("System labels can only be set by Kestra itself, offending label: %s=%s", k, labels[k])
		}
	}
	return Result{}, tc.SetLabels(labels)
}

// render renders the labels in each of their forms.
func (t *Labels) render(tc *Context) (map[string]string, error) {
	switch v := t.Labels.(type) {
	case string:
		s, err := tc.render("labels", v)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber() // 10 stays 10, as Jackson reads a number into a String
		if err := dec.Decode(&m); err != nil || m == nil {
			return nil, &PropError{Prop: "labels", Err: fmt.Errorf("expected a JSON object of labels, got %q", clip(s))}
		}
		out := make(map[string]string, len(m))
		for k, val := range m {
			switch val := val.(type) {
			case string:
				out[k] = val
			case json.Number:
				out[k] = val.String()
			case bool:
				out[k] = fmt.Sprint(val)
			default:
				return nil, &PropError{Prop: "labels", Err: fmt.Errorf("label %q: expected a text value, got %s", k, templating.ToString(val))}
			}
		}
		return out, nil
	case map[string]any:
		m := make(map[string]string, len(v))
		for k, val := range v {
			m[k] = templating.ToString(val)
		}
		return tc.renderMap("labels", m)
	case []any:
		out := make(map[string]string, len(v))
		for i, item := range v {
			prop := fmt.Sprintf("labels[%d]", i)
			m, ok := item.(map[string]any)
			if !ok {
				return nil, &PropError{Prop: prop, Err: fmt.Errorf("Unknown value type: expected a mapping with key and value, got %T", item)}
			}
			key, err := tc.render(prop+".key", templating.ToString(m["key"]))
			if err != nil {
				return nil, err
			}
			value, err := tc.render(prop+".value", templating.ToString(m["value"]))
			if err != nil {
				return nil, err
			}
			out[key] = value
		}
		return out, nil
	}
	return nil, &PropError{Prop: "labels", Err: fmt.Errorf("Unknown value type: expected a mapping, a list of {key, value} or a template, got %T", t.Labels)}
}
