package tasks

import (
	"context"
	"fmt"
)

// deduplicateItemsDef is Kestra's storage.DeduplicateItems task.
var deduplicateItemsDef = &Def{
	Type:    "io.kestra.plugin.core.storage.DeduplicateItems",
	Aliases: []string{"io.kestra.core.tasks.storages.DeduplicateItems"},
	Doc:     "Keep the last record of each key of an Ion file, the key an expression rendered on each.",
	New:     func() Task { return &DeduplicateItems{} },
}

// DeduplicateItems keeps, of the records whose expr renders the same key, the last one, in
// the place it had: Kestra reads the file twice, first to find each key's last record.
type DeduplicateItems struct {
	From string `flow:"from,required" doc:"the kestra:// URI of the Ion file, one record a line, rendered"`
	Expr string `flow:"expr,required,perRecord" doc:"an expression rendered on each record, whose fields are variables, giving its key (several fields make a composite key)"`
}

// Run deduplicates the file and stores the records kept as a new .ion file.
func (t *DeduplicateItems) Run(ctx context.Context, tc *Context) (Result, error) {
	from, err := tc.render("from", t.From)
	if err != nil {
		return Result{}, err
	}
	if tc.Storage == nil {
		return Result{}, errNoStorage
	}
	if tc.RenderVars == nil {
		return Result{}, errNoRenderVars
	}
	key := func(it itemLine) (string, error) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		k, err := tc.RenderVars(t.Expr, it.vars)
		if err != nil {
			return "", &PropError{Prop: "expr", Err: fmt.Errorf("line %d: %w", it.no, err)}
		}
		return k, nil
	}
	// The index holds a key and a number a distinct key, not the records.
	last := map[string]int64{}
	var n int64
	err = forEachItem(tc, from, func(it itemLine) error {
		k, err := key(it)
		if err != nil {
			return err
		}
		last[k] = n
		n++
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	out, err := newItemsWriter(tc, "flowctl-dedup-*")
	if err != nil {
		return Result{}, err
	}
	defer out.close()
	var processed, dropped int64
	err = forEachItem(tc, from, func(it itemLine) error {
		k, err := key(it)
		if err != nil {
			return err
		}
		if off, ok := last[k]; ok && off == processed {
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
	return Result{Outputs: map[string]any{"uri": uri, "numKeys": int64(len(last)), "processedItemsTotal": processed, "droppedItemsTotal": dropped}}, nil
}
