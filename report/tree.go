package report

import (
	"strings"

	"github.com/flowctl/flowctl/runner"
	"github.com/flowctl/flowctl/tasks"
)

// treeRow is one task run in the order of the task-run tree, with its depth (0 at the top).
type treeRow struct {
	tr    *runner.TaskRun
	depth int
}

// tree orders the task runs of x as the tree they form: each run followed by its children,
// in the order they were created. A run whose parent is not in the list stays at the top.
func tree(x *runner.Execution) []treeRow {
	known := make(map[string]bool, len(x.TaskRunList))
	for _, tr := range x.TaskRunList {
		known[tr.ID] = true
	}
	children := map[string][]*runner.TaskRun{}
	var top []*runner.TaskRun
	for _, tr := range x.TaskRunList {
		if tr.ParentTaskRunID == "" || !known[tr.ParentTaskRunID] {
			top = append(top, tr)
			continue
		}
		children[tr.ParentTaskRunID] = append(children[tr.ParentTaskRunID], tr)
	}
	out := make([]treeRow, 0, len(x.TaskRunList))
	var walk func(runs []*runner.TaskRun, depth int)
	walk = func(runs []*runner.TaskRun, depth int) {
		for _, tr := range runs {
			out = append(out, treeRow{tr, depth})
			walk(children[tr.ID], depth+1)
		}
	}
	walk(top, 0)
	return out
}

// maxValueLen bounds a loop value shown beside a task id.
const maxValueLen = 32

// RunLabel names a task run for people: its task id, and the loop value of a run a ForEach
// created, `say (a)`.
func RunLabel(tr *runner.TaskRun) string {
	if tr.Value == "" {
		return tr.TaskID
	}
	return tr.TaskID + " (" + tasks.CutRunes(tr.Value, maxValueLen) + ")"
}

// logLabel names a task run in the log: its task id and the loop value it works for, its
// own or its nearest ancestor's, so that the lines of loop values run at once tell apart.
func logLabel(tr *runner.TaskRun) string {
	if v := tr.LoopValue(); v != "" {
		return tr.TaskID + " (" + tasks.CutRunes(v, maxValueLen) + ")"
	}
	return tr.TaskID
}

// outputPath is where a template finds the outputs of tr: its task id, then the loop values
// of its ancestors and its own, `say['s1']['a a']`.
func outputPath(x *runner.Execution, tr *runner.TaskRun) string {
	byID := make(map[string]*runner.TaskRun, len(x.TaskRunList))
	for _, r := range x.TaskRunList {
		byID[r.ID] = r
	}
	var values []string
	for r := tr; r != nil; r = byID[r.ParentTaskRunID] {
		if r.Value != "" {
			values = append(values, r.Value)
		}
		if r.ParentTaskRunID == "" {
			break
		}
	}
	out := tr.TaskID
	for i := len(values) - 1; i >= 0; i-- {
		out += "['" + strings.ReplaceAll(values[i], "'", "\\'") + "']"
	}
	return out
}
