package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/runner/storage"
	"github.com/flowctl/flowctl/tasks"
	"github.com/flowctl/flowctl/templating"
)

// A ForEachItem runs as Kestra runs it: three task runs under its own, one after another,
// each a task of its own with Kestra's ids and types. <id>_split cuts the file into batch
// files (output splits: the file listing their URIs), <id>_items runs one child execution of
// the flow per batch (outputs numberOfBatches, iterations: the count of children by state,
// subflowOutputsBaseUri), <id>_merge joins the children's outputs, one Ion line each (output
// subflowOutputs). A run that fails stops the ones after it.

// The types of a ForEachItem's three runs, Kestra's.
const (
	forEachItemSplitType = flow.TypeForEachItem + "$ForEachItemSplit"
	forEachItemItemsType = flow.TypeForEachItem + "$ForEachItemExecutable"
	forEachItemMergeType = flow.TypeForEachItem + "$ForEachItemMergeOutputs"
)

// TextOutputs returns the flow outputs of an execution that just ran as rendered, before
// they were typed: what Kestra's ForEachItem keeps of each child. Nil when it has none, and
// for an execution read back from the state.
func (x *Execution) TextOutputs() map[string]any { return x.textOutputs }

// runForEachItem runs the three runs of a ForEachItem under tr, recording them in sib.
func (e *engine) runForEachItem(ctx context.Context, spec *flow.TaskSpec, f *flow.ForEachItem, child frame, sib *siblings) {
	split := &forEachItemSplit{items: f.Items, batch: f.Batch}
	ok, splitRun := e.runInternal(ctx, spec, flow.ForEachItemSplitSuffix, forEachItemSplitType, split, child, sib)
	if !ok {
		return
	}
	items := &forEachItemBatches{e: e, f: f, batches: split.batches, done: &batchesDone{}}
	if !split.ran {
		// A restart kept the split run: as Kestra's _items, the batches are read from the
		// file its splits output lists them in.
		items.splits, _ = e.outputOf(splitRun, "splits").(string)
		items.kept = true
	}
	// Kestra retries runnable tasks and Subflows only: the batches' run is neither.
	noRetry := child
	noRetry.retry = nil
	ok, tr := e.runInternal(ctx, spec, flow.ForEachItemItemsSuffix, forEachItemItemsType, items, noRetry, sib)
	if n := items.done.started; n > 0 {
		// Kestra's run of the batches carries the iteration of the last child it heard of.
		e.mu.Lock()
		tr.Iteration = &n
		e.mu.Unlock()
	}
	if !ok {
		return
	}
	merge := &forEachItemMerge{parts: items.done.parts}
	if !items.done.ran {
		// A restart kept the batches' run: as Kestra's _merge, the children's outputs are
		// found under its subflowOutputsBaseUri.
		merge.base = e.outputOf(tr, "subflowOutputsBaseUri")
		merge.batches = e.outputOf(tr, "numberOfBatches")
	}
	e.runInternal(ctx, spec, flow.ForEachItemMergeSuffix, forEachItemMergeType, merge, child, sib)
}

// runInternal runs one of the engine's own tasks as a child of the flowable spec, and reports
// whether it ended well enough for the next one to start.
func (e *engine) runInternal(ctx context.Context, spec *flow.TaskSpec, suffix, typ string, t tasks.Task, fr frame, sib *siblings) (bool, *TaskRun) {
	internal := &flow.TaskSpec{ID: spec.ID + suffix, Type: typ, Task: t, Pos: spec.Pos,
		// The properties are the ForEachItem's: an error points at its lines.
		PropPos: spec.PropPos, OneOfList: map[string]bool{}, LogLevel: spec.LogLevel}
	tr := e.runTask(ctx, internal, BranchTasks, fr, "")
	sib.add(tr)
	return ctx.Err() == nil && !sib.stopped(), tr
}

// envTask is a task of the engine's own that renders with variables added to its run's:
// the attempt binds it to the variables of the run before it runs.
type envTask interface {
	withEnv(env *templating.Env) tasks.Task
}

// boundTask returns t ready to run in env.
func boundTask(t tasks.Task, env *templating.Env) tasks.Task {
	if b, ok := t.(envTask); ok {
		return b.withEnv(env)
	}
	return t
}

// forEachItemSplit is <id>_split: it cuts the file at items into batches, stored with the
// run, and lists their URIs in splits.txt.
type forEachItemSplit struct {
	items string
	batch *flow.Batch
	// batches are the URIs of the batch files, once it ran.
	batches []string
	// ran: it ran in this process (a restart keeps a split run that ended well).
	ran bool
}

func (s *forEachItemSplit) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	s.batches, s.ran = nil, true
	uri, err := tc.Render(s.items)
	if err != nil {
		return tasks.Result{}, &tasks.PropError{Prop: "items", Err: err}
	}
	if !strings.HasPrefix(uri, storage.Scheme) {
		return tasks.Result{}, &tasks.PropError{Prop: "items",
			Err: fmt.Errorf("Unable to split the items from %s, this is not an internal storage URI!", uri)}
	}
	rule, err := s.batch.Rule(func(prop, v string) (string, error) {
		out, err := tc.Render(v)
		if err != nil {
			return "", &tasks.PropError{Prop: prop, Err: err}
		}
		return out, nil
	})
	if err != nil {
		return tasks.Result{}, err
	}
	if tc.Storage == nil {
		return tasks.Result{}, errors.New("this run has no internal storage to read the items from")
	}
	in, err := tc.Storage.Open(uri)
	if err != nil {
		return tasks.Result{}, &tasks.PropError{Prop: "items", Err: err}
	}
	defer in.Close()
	if tc.WorkDir == nil {
		return tasks.Result{}, errors.New("this run has no working folder to cut the items in")
	}
	dir, err := tc.WorkDir()
	if err != nil {
		return tasks.Result{}, err
	}
	files, err := splitLines(ctx, in, rule, dir)
	if err != nil {
		return tasks.Result{}, fmt.Errorf("split %s: %w", uri, err)
	}
	// Kestra names a batch after the items' extension (.tmp when there is none).
	ext := path.Ext(uri)
	if ext == "" {
		ext = ".tmp"
	}
	for i, name := range files {
		u, err := putFile(tc.Storage, strconv.Itoa(i+1)+ext, name)
		if err != nil {
			return tasks.Result{}, err
		}
		s.batches = append(s.batches, u)
	}
	list, err := tc.Storage.Put("splits.txt", strings.NewReader(strings.Join(s.batches, "\n")))
	if err != nil {
		return tasks.Result{}, err
	}
	tc.Log.Infof("%d batch(es) of %s", len(s.batches), uri)
	return tasks.Result{Outputs: map[string]any{"splits": list}}, nil
}

// putFile stores the local file at name in st as base.
func putFile(st tasks.Storage, base, name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return st.Put(base, f)
}

// splitLines writes the lines of in into batch files in dir by rule, each line followed by
// rule.Separator, as Kestra's StorageService.split does, and returns the files in order.
// Lines end at \n, \r\n or \r (Java's readLine). With rows or bytes, a batch is closed
// before the line that would start when it holds rows lines or at least bytes bytes; with
// partitions, lines are dealt to the partitions in turn and empty ones are dropped.
func splitLines(ctx context.Context, in io.Reader, rule flow.BatchRule, dir string) ([]string, error) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 256*1024*1024)
	sc.Split(javaLines)
	var (
		files   []string
		writers []*bufio.Writer
		handles []*os.File
		sizes   []int64
	)
	defer func() {
		for _, h := range handles {
			h.Close()
		}
	}()
	open := func() error {
		name := filepath.Join(dir, fmt.Sprintf("batch-%d", len(files)+1))
		h, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		files, handles = append(files, name), append(handles, h)
		writers, sizes = append(writers, bufio.NewWriter(h)), append(sizes, 0)
		return nil
	}
	if rule.Partitions > 0 {
		for range rule.Partitions {
			if err := open(); err != nil {
				return nil, err
			}
		}
	}
	rows, bytesIn, next := 0, int64(0), 0
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		line := append(sc.Bytes(), rule.Separator...)
		i := next
		if rule.Partitions > 0 {
			next = (next + 1) % rule.Partitions
		} else {
			full := rule.Rows > 0 && rows >= rule.Rows || rule.Bytes > 0 && bytesIn >= rule.Bytes
			if len(files) == 0 || full {
				if err := open(); err != nil {
					return nil, err
				}
				rows, bytesIn = 0, 0
			}
			i = len(files) - 1
		}
		if _, err := writers[i].Write(line); err != nil {
			return nil, err
		}
		sizes[i] += int64(len(line))
		rows++
		bytesIn += int64(len(line))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []string
	for i, w := range writers {
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if sizes[i] > 0 {
			out = append(out, files[i])
		}
	}
	return out, nil
}

// javaLines is a bufio.SplitFunc cutting lines as Java's BufferedReader.readLine does: at
// \n, \r\n or a lone \r, the end of the text ending the last line.
func javaLines(data []byte, atEOF bool) (int, []byte, error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\n' {
			return i + 1, data[:i], nil
		}
		if i+1 < len(data) {
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		}
		if atEOF {
			return i + 1, data[:i], nil
		}
		return 0, nil, nil // a \r at the end of what was read: a \n may follow
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// forEachItemBatches is <id>_items: one child execution of the flow per batch, with
// taskrun.items and taskrun.iteration for the inputs, one after another.
type forEachItemBatches struct {
	e       *engine
	f       *flow.ForEachItem
	batches []string
	// splits is the URI of the file listing the batches, read when batches is not known:
	// the split run was kept by a restart.
	splits string
	// kept: the split run was kept by a restart (its batches are in splits).
	kept bool
	env  *templating.Env
	// done is what the run did, shared by the copies withEnv makes.
	done *batchesDone
}

// batchesDone is what a ForEachItem's run of the batches did: how many children it started,
// and the URIs of their outputs (outputs.ion), in batch order, for the merge.
type batchesDone struct {
	ran     bool
	started int
	parts   []string
}

func (b *forEachItemBatches) withEnv(env *templating.Env) tasks.Task {
	c := *b
	c.env = env
	return &c
}

// childStates are the states Kestra counts a waited-for child in before its end.
var childStates = []string{StateCreated, StateRunning}

func (b *forEachItemBatches) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	*b.done = batchesDone{ran: true}
	if b.kept && b.splits == "" {
		// Not a silent empty ForEachItem: the kept split run does not say its batches.
		return tasks.Result{}, errors.New("the split run a restart kept has no splits output to read the batches from; run the flow again")
	}
	if b.kept {
		batches, err := readSplits(tc.Storage, b.splits)
		if err != nil {
			return tasks.Result{}, err
		}
		b.batches = batches
	}
	if len(b.batches) == 0 {
		return tasks.Result{}, nil // Kestra: no child, no outputs
	}
	if tc.Subflow == nil {
		return tasks.Result{}, errors.New("a ForEachItem runs a flow applied to the state (flowctl flow apply), and this run has no state")
	}
	f := b.f
	render := func(prop, tmpl string) (string, error) {
		out, err := tc.Render(tmpl)
		if err != nil {
			return "", &tasks.PropError{Prop: prop, Err: err}
		}
		return out, nil
	}
	ns, err := render("namespace", f.Namespace)
	if err != nil {
		return tasks.Result{}, err
	}
	id, err := render("flowId", f.FlowID)
	if err != nil {
		return tasks.Result{}, err
	}
	labels := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(f.Labels)) {
		rk, err := render("labels."+k, k)
		if err != nil {
			return tasks.Result{}, err
		}
		if labels[rk], err = render("labels."+k, f.Labels[k]); err != nil {
			return tasks.Result{}, err
		}
	}
	wait := f.Wait == nil || *f.Wait
	store, _ := tc.Storage.(*storage.Task)
	iterations := map[string]any{}
	if wait {
		for _, st := range childStates {
			iterations[st] = 0
		}
	} else {
		iterations[StateRunning] = 0
	}
	counts := map[string]int{}
	for i, batch := range b.batches {
		if ctx.Err() != nil {
			break
		}
		iteration := i + 1
		inputs := map[string]any{}
		if f.Inputs != nil {
			inputs, err = renderMap(b.batchRender(ctx, batch, iteration), f.Inputs)
			if err != nil {
				return tasks.Result{}, &tasks.PropError{Prop: "inputs", Err: err}
			}
		}
		req := tasks.SubflowRequest{Namespace: ns, FlowID: id, Revision: f.Revision, Inputs: inputs,
			Labels: labels, InheritLabels: f.InheritLabels, Wait: wait, TextOutputs: true, TaskID: tc.TaskID, TaskType: forEachItemItemsType,
			Started: func(execID string) {
				tc.Log.Infof("Created new execution [[link execution=%q flowId=%q namespace=%q]]", execID, id, ns)
			}}
		res, err := tc.Subflow(ctx, req)
		if err != nil {
			return tasks.Result{}, fmt.Errorf("batch %d of %d: %w", iteration, len(b.batches), err)
		}
		b.done.started = iteration
		st := res.State
		if !wait {
			st = StateSuccess // Kestra counts a child it does not wait for as done
		}
		counts[st]++
		if wait && res.Outputs != nil && store != nil {
			line, err := templating.MarshalIon(res.Outputs)
			if err != nil {
				return tasks.Result{}, fmt.Errorf("outputs of execution %s: %w", res.ExecutionID, err)
			}
			u, err := store.PutIn(strconv.Itoa(iteration), "outputs.ion", strings.NewReader(line+"\n"))
			if err != nil {
				return tasks.Result{}, err
			}
			b.done.parts = append(b.done.parts, u)
		}
	}
	for st, n := range counts {
		iterations[st] = n
	}
	out := map[string]any{"numberOfBatches": len(b.batches), "iterations": iterations}
	if store != nil {
		out["subflowOutputsBaseUri"] = strings.TrimPrefix(store.BaseURI(), "kestra://")
	}
	res := tasks.Result{Outputs: out}
	if ctx.Err() != nil || !wait || f.TransmitFailed != nil && !*f.TransmitFailed {
		return res, nil
	}
	// Kestra's terminal state of the batches: FAILED, then KILLED, then WARNING.
	for _, st := range []string{StateFailed, StateKilled} {
		if counts[st] > 0 {
			return res, fmt.Errorf("%d of %d execution(s) of %s.%s ended %s", counts[st], len(b.batches), ns, id, st)
		}
	}
	res.Warning = counts[StateWarning] > 0
	return res, nil
}

// batchRender renders a template with taskrun.items and taskrun.iteration of one batch added
// to the run's variables.
func (b *forEachItemBatches) batchRender(ctx context.Context, uri string, iteration int) func(string) (string, error) {
	vars := maps.Clone(b.env.Vars)
	run, _ := vars["taskrun"].(map[string]any)
	run = maps.Clone(run)
	if run == nil {
		run = map[string]any{}
	}
	run["items"], run["iteration"] = uri, iteration
	vars["taskrun"] = run
	env := *b.env
	env.Vars = vars
	return b.e.renderWith(ctx, &env)
}

// readSplits returns the batch URIs the splits file at uri lists, one a line.
func readSplits(st tasks.Storage, uri string) ([]string, error) {
	if st == nil {
		return nil, errors.New("this run has no internal storage to read the batches from")
	}
	r, err := st.Open(uri)
	if err != nil {
		return nil, fmt.Errorf("the batches of the split run: %w", err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("the batches of the split run: %w", err)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

// forEachItemMerge is <id>_merge: the children's outputs joined in one file, in batch order.
type forEachItemMerge struct {
	parts []string
	// base and batches are the subflowOutputsBaseUri and numberOfBatches outputs of a
	// batches' run a restart kept: the parts are the <base>/<n>/outputs.ion found.
	base, batches any
}

func (m *forEachItemMerge) Run(ctx context.Context, tc *tasks.Context) (tasks.Result, error) {
	if base, ok := m.base.(string); ok && base != "" && tc.Storage != nil {
		for i := 1; i <= asInt(m.batches); i++ {
			u := storage.Scheme + base + "/" + strconv.Itoa(i) + "/outputs.ion"
			if _, err := tc.Storage.Stat(u); errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return tasks.Result{}, err
			}
			m.parts = append(m.parts, u)
		}
	}
	if len(m.parts) == 0 {
		return tasks.Result{}, nil // Kestra: no child outputs, no outputs
	}
	readers := make([]io.Reader, 0, len(m.parts))
	for _, u := range m.parts {
		r, err := tc.Storage.Open(u)
		if err != nil {
			return tasks.Result{}, err
		}
		defer r.Close()
		readers = append(readers, r)
	}
	uri, err := tc.Storage.Put("outputs.ion", io.MultiReader(readers...))
	if err != nil {
		return tasks.Result{}, err
	}
	return tasks.Result{Outputs: map[string]any{"subflowOutputs": uri}}, nil
}

// outputOf returns output name of tr, nil when it has none.
func (e *engine) outputOf(tr *TaskRun, name string) any {
	if tr == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return tr.Outputs[name]
}

// asInt returns v, a count read back from a document, as an int; 0 when it is none.
func asInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case nil:
		return 0
	}
	// The other integer types a decoded document holds (int32 from an Ion or typed read).
	i, _ := strconv.Atoi(fmt.Sprint(v))
	return i
}
