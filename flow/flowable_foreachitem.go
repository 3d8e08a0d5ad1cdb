package flow

import (
	"cmp"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/flowctl/flowctl/tasks"
)

// TypeForEachItem is Kestra's ForEachItem: a child execution of a flow for each batch of the
// lines of a file in the internal storage.
const TypeForEachItem = "io.kestra.plugin.core.flow.ForEachItem"

// The ids of the three runs of a ForEachItem are its own id followed by these: cutting the
// file, running the batches, merging their outputs.
const (
	ForEachItemSplitSuffix = "_split"
	ForEachItemItemsSuffix = "_items"
	ForEachItemMergeSuffix = "_merge"
)

// ForEachItemSuffixes lists the suffixes of the three runs of a ForEachItem, in order.
var ForEachItemSuffixes = []string{ForEachItemSplitSuffix, ForEachItemItemsSuffix, ForEachItemMergeSuffix}

// ForEachItem splits the file at items into batches and runs the flow namespace.flowId once
// per batch, as a Subflow task would, with taskrun.items (the batch's kestra:// URI) and
// taskrun.iteration (its number, from 1) to give the child as inputs. The engine runs it as
// Kestra does: three task runs under the ForEachItem's, <id>_split, <id>_items and
// <id>_merge.
type ForEachItem struct {
	Items          string            `flow:"items,required" doc:"The kestra:// URI of the file to split (a FILE input, a task's output file), rendered; one item a line."`
	Batch          *Batch            `flow:"batch" doc:"How the lines are cut into batches: rows (default 1), bytes or partitions; separator ends each line written."`
	Namespace      string            `flow:"namespace,required" doc:"The namespace of the flow to run, rendered."`
	FlowID         string            `flow:"flowId,required" doc:"The id of the flow to run, rendered."`
	Revision       int               `flow:"revision" doc:"The revision to run (default: the applied one)."`
	Inputs         map[string]any    `flow:"inputs" doc:"The child's inputs, strings rendered with taskrun.items and taskrun.iteration, then checked as the child's inputs."`
	Labels         map[string]string `flow:"labels" doc:"Labels added to each child execution, keys and values rendered."`
	Wait           *bool             `flow:"wait" doc:"Wait for the children to end (default true); false: start them and succeed."`
	TransmitFailed *bool             `flow:"transmitFailed" doc:"End FAILED when a child failed, else KILLED when one was killed, else WARNING when one warned (default true)."`
	InheritLabels  bool              `flow:"inheritLabels" doc:"Give the children this execution's labels too (default false)."`
	ScheduleDate   string            `flow:"scheduleDate" doc:"Start the children at a later date: not supported yet."`
}

// Branches implements Flowable: the three runs of a ForEachItem are the engine's, not the
// flow's.
func (f *ForEachItem) Branches() [][]*TaskSpec { return nil }

// Batch is how a ForEachItem cuts its file. Each value may be a template, rendered when the
// ForEachItem runs; the first of bytes, partitions and rows given is used.
type Batch struct {
	Rows       string  `flow:"rows" doc:"Lines per batch (default 1)."`
	Bytes      string  `flow:"bytes" doc:"Size after which a batch is closed: a number of bytes, or 10KB, 5MB, 1GB (powers of 1024); the line that crosses it stays in the batch."`
	Partitions string  `flow:"partitions" doc:"Number of batches, lines dealt to them in turn (empty ones are dropped)."`
	Separator  *string `flow:"separator" doc:"Written after each line (default a newline)."`
}

// BatchRule is a Batch once rendered: exactly one of Rows, Bytes and Partitions is set.
type BatchRule struct {
	Rows, Partitions int
	Bytes            int64
	Separator        string
}

// Rule reads a rendered batch: render renders one property (the identity for values
// without a template).
func (b *Batch) Rule(render func(prop, s string) (string, error)) (BatchRule, error) {
	r := BatchRule{Separator: "\n"}
	if b == nil {
		r.Rows = 1
		return r, nil
	}
	if b.Separator != nil {
		s, err := render("batch.separator", *b.Separator)
		if err != nil {
			return r, err
		}
		r.Separator = s
	}
	switch {
	case b.Bytes != "":
		s, err := render("batch.bytes", b.Bytes)
		if err != nil {
			return r, err
		}
		if r.Bytes, err = ParseBatchBytes(s); err != nil {
			return r, &tasks.PropError{Prop: "batch.bytes", Err: err}
		}
	case b.Partitions != "":
		s, err := render("batch.partitions", b.Partitions)
		if err != nil {
			return r, err
		}
		if r.Partitions, err = positiveInt(s); err != nil {
			return r, &tasks.PropError{Prop: "batch.partitions", Err: err}
		}
	default:
		s, err := render("batch.rows", cmp.Or(b.Rows, "1"))
		if err != nil {
			return r, err
		}
		if r.Rows, err = positiveInt(s); err != nil {
			return r, &tasks.PropError{Prop: "batch.rows", Err: err}
		}
	}
	return r, nil
}

// positiveInt reads a count of 1 or more.
func positiveInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("expected an integer, got %q", s)
	}
	if n < 1 {
		return 0, fmt.Errorf("must be 1 or more, got %d", n)
	}
	return n, nil
}

var batchBytesPattern = regexp.MustCompile(`^(?i)([0-9]+)\s*(KB|MB|GB)?$`)

// ParseBatchBytes reads a batch size as Kestra (Micronaut's readable bytes) does: a number
// of bytes, or a number followed by KB, MB or GB, each 1024 times the one before.
func ParseBatchBytes(s string) (int64, error) {
	m := batchBytesPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("Invalid size with value '%s' (a number of bytes, or 10KB, 5MB, 1GB)", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Invalid size with value '%s': %v", s, err)
	}
	shift := map[string]uint{"": 0, "KB": 10, "MB": 20, "GB": 30}[strings.ToUpper(m[2])]
	if n > (1<<62)>>shift {
		return 0, fmt.Errorf("Invalid size with value '%s': too large", s)
	}
	n <<= shift
	if n < 1 {
		return 0, fmt.Errorf("Invalid size with value '%s': must be 1 byte or more", s)
	}
	return n, nil
}

// checkForEachItem checks what can be known before a ForEachItem runs: batch values written
// without a template, and a scheduleDate flowctl cannot honour.
func (l *loader) checkForEachItem(f *ForEachItem, at func(string) Pos, ctx string) {
	if f.ScheduleDate != "" {
		l.errorAt(at("scheduleDate"), "%sscheduleDate: not supported yet: flowctl starts the children at once (remove scheduleDate)", ctx)
	}
	if f.Batch == nil {
		return
	}
	literal := func(prop, s string) (string, error) { return s, nil }
	b := f.Batch
	for _, p := range []struct {
		name, val string
		one       Batch
	}{
		{"rows", b.Rows, Batch{Rows: b.Rows}},
		{"bytes", b.Bytes, Batch{Bytes: b.Bytes}},
		{"partitions", b.Partitions, Batch{Partitions: b.Partitions}},
	} {
		if p.val == "" || hasTemplate(p.val) {
			continue
		}
		if _, err := p.one.Rule(literal); err != nil {
			l.errorAt(at("batch."+p.name), "%s%v", ctx, err)
		}
	}
}

// CalledFlow returns the namespace and the id of the flow a task runs as a child execution
// (a Subflow task, a ForEachItem) when neither holds a template.
func CalledFlow(spec *TaskSpec) (namespace, flowID string, ok bool) {
	if f, is := spec.Flowable.(*ForEachItem); is {
		if hasTemplate(f.Namespace) || hasTemplate(f.FlowID) {
			return "", "", false
		}
		return f.Namespace, f.FlowID, true
	}
	if spec.Task == nil {
		return "", "", false
	}
	return tasks.SubflowOf(spec.Task)
}
