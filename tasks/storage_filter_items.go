package tasks

import (
	"context"
	"fmt"
	"strings"
)

// filterItemsDef is Kestra's storage.FilterItems task.
var filterItemsDef = &Def{
	Type:    "io.kestra.plugin.core.storage.FilterItems",
	Aliases: []string{"io.kestra.core.tasks.storages.FilterItems"},
	Doc:     "Keep or drop the records of an Ion file by an expression rendered on each.",
	New:     func() Task { return &FilterItems{} },
}

// FilterItems renders filterCondition with each record's fields as variables, and keeps
// (INCLUDE) or drops (EXCLUDE) the records it is true for.
type FilterItems struct {
	From                string `flow:"from,required" doc:"the kestra:// URI of the Ion file, one record a line, rendered"`
	FilterCondition     string `flow:"filterCondition,required,perRecord" doc:"an expression rendered on each record, whose fields are variables; true unless false, 0, -0 or empty"`
	FilterType          string `flow:"filterType" enum:"INCLUDE,EXCLUDE" doc:"INCLUDE keeps the records the condition is true for, EXCLUDE drops them (default INCLUDE)"`
	ErrorOrNullBehavior string `flow:"errorOrNullBehavior" enum:"FAIL,INCLUDE,EXCLUDE" doc:"what a record the condition cannot be rendered on becomes: FAIL the task, INCLUDE or EXCLUDE it (default FAIL)"`
}

// Run filters the file and stores the records kept as a new .ion file.
func (t *FilterItems) Run(ctx context.Context, tc *Context) (Result, error) {
	from, err := tc.render("from", t.From)
	if err != nil {
		return Result{}, err
	}
	include, err := itemsEnum("filterType", t.FilterType, "INCLUDE", "INCLUDE,EXCLUDE")
	if err != nil {
		return Result{}, err
	}
	onError, err := itemsEnum("errorOrNullBehavior", t.ErrorOrNullBehavior, "FAIL", "FAIL,INCLUDE,EXCLUDE")
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	if tc.RenderVars == nil {
		return Result{}, errNoRenderVars
	}
	out, err := newItemsWriter(tc, "flowctl-filter-*")
	if err != nil {
		return Result{}, err
	}
	defer out.close()
	var processed, dropped int64
	err = forEachItem(tc, from, func(it itemLine) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		action := include
		rendered, rerr := tc.RenderVars(t.FilterCondition, it.vars)
		switch {
		case rerr != nil && onError == "FAIL":
			return &PropError{Prop: "filterCondition", Err: fmt.Errorf("line %d: %w", it.no, rerr)}
		case rerr != nil:
			action = onError
		case !truthy(rendered):
			action = reverseFilter(action)
		}
		if action == "INCLUDE" {
			if err := out.write(it.text); err != nil {
				return err
			}
		} else {
			dropped++
		}
		processed++
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	uri, err := out.store(tc)
	if err != nil {
		return Result{}, err
	}
	return Result{Outputs: map[string]any{"uri": uri, "processedItemsTotal": processed, "droppedItemsTotal": dropped}}, nil
}

func reverseFilter(a string) string {
	if a == "INCLUDE" {
		return "EXCLUDE"
	}
	return "INCLUDE"
}

// itemsEnum reads a property of a closed set that Kestra does not render (the loader has
// checked it against the set; a Go caller may not have).
func itemsEnum(prop, v, def, values string) (string, error) {
	if v == "" {
		return def, nil
	}
	v = strings.ToUpper(strings.TrimSpace(v))
	for _, ok := range strings.Split(values, ",") {
		if v == ok {
			return v, nil
		}
	}
	return "", &PropError{Prop: prop, Err: fmt.Errorf("%q: expected one of %s", v, strings.ReplaceAll(values, ",", ", "))}
}
