package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/tasks"
)

// runWorkingDirectory runs the tasks of a WorkingDirectory one after another in one folder
// they share, as Kestra's worker does: the cache is restored, then the namespace files and
// the inputFiles are written, a FAILED task
// without allowFailure stops the rest, the outputFiles are stored whatever the tasks did,
// and the folder is emptied before the WorkingDirectory's errors and finally run (they run
// outside it, as in Kestra).
func (e *engine) runWorkingDirectory(ctx context.Context, spec *flow.TaskSpec, tr *TaskRun, wd *flow.WorkingDirectory, child frame, sib *siblings) error {
	render, release := e.renderer(ctx, spec, tr)
	defer release()
	tc := &tasks.Context{
		TaskID:  spec.ID,
		Render:  render,
		Storage: e.files.Task(spec.ID, tr.ID),
	}
	inputs, err := tasks.InputFiles(tc, "inputFiles", wd.InputFiles)
	if err != nil {
		return err
	}
	globs := make([]string, len(wd.OutputFiles))
	for i, g := range wd.OutputFiles {
		if globs[i], err = tc.Render(g); err != nil {
			return &tasks.PropError{Prop: fmt.Sprintf("outputFiles[%d]", i), Err: err}
		}
	}
	dir, err := e.workdirs.get()
	if err != nil {
		return fmt.Errorf("working folder: %w", err)
	}
	defer e.workdirs.release(dir)
	var restored time.Time
	if wd.Cache != nil {
		if restored, err = e.restoreCache(spec, tr, wd.Cache, dir); err != nil {
			return err
		}
	}
	tc.Namespace = e.files
	if _, err := tasks.CopyNamespaceFiles(tc, dir, wd.NamespaceFiles); err != nil {
		return err
	}
	if err := tasks.WriteInputFiles(tc, dir, inputs); err != nil {
		return err
	}
	child.workDir = dir
	// A FAILED task stops the rest; one allowFailure ended WARNING does not.
	e.runList(ctx, wd.Tasks, BranchTasks, child, sib)
	if wd.OutputFiles != nil {
		files, err := tasks.StoreOutputFiles(tc, dir, globs)
		if err != nil {
			return err
		}
		if len(files) > 0 {
			e.putOutputs(tr, map[string]any{"outputFiles": files})
		}
	}
	// Saved whatever the tasks did, as Kestra's postExecuteTasks; a cache that cannot be
	// saved is logged and changes nothing else.
	if wd.Cache != nil && ctx.Err() == nil {
		if err := e.saveCache(spec, tr, wd.Cache, dir, restored); err != nil {
			e.log(tr, tasks.LevelError, "Unable to execute WorkingDirectory post actions: "+err.Error())
		}
	}
	return nil
}
