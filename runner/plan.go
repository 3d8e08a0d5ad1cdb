package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/flowctl/flowctl/flow"
	"github.com/flowctl/flowctl/internal/duration"
	"github.com/flowctl/flowctl/templating"
)

// PlannedTask is one task of a dry run (`flowctl run --dry-run`): what would run, with its
// properties rendered as far as they can be before anything ran.
type PlannedTask struct {
	// Depth is how deep the task sits under flowables (0: a task of the flow's branches).
	Depth  int    `json:"depth"`
	Branch string `json:"branch"` // tasks, errors, finally (of the flow, or of its flowable)
	ID     string `json:"id"`
	Type   string `json:"type"`
	// Disabled tasks are listed, marked: they would not run.
	Disabled bool          `json:"disabled,omitempty"`
	Props    []PlannedProp `json:"properties"`
}

// PlannedProp is one property of a planned task, by its name in the flow (message,
// commands[1], headers.Authorization). Value is rendered and masked; a template that needs
// what only the run makes (outputs.*, taskrun.value) keeps its text and says so in Pending.
type PlannedProp struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Pending string `json:"pending,omitempty"`
}

// PlanOptions are what a dry run renders with.
type PlanOptions struct {
	Inputs  map[string]any
	Environ []string
	Masker  *Masker
	Now     func() time.Time
}

// dryRunID stands for the execution id a dry run does not have.
const dryRunID = "dry-run"

// Plan lists the tasks f would run, in the flow's order, flowables' children under them,
// with each property rendered against what is known before the run: inputs, flow, vars,
// envs, labels and secrets (masked). Nothing runs and nothing is recorded.
func Plan(f *flow.Flow, opts PlanOptions) []PlannedTask {
	if opts.Masker == nil {
		opts.Masker = NewMasker()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	addLiteralSecrets(opts.Masker, f)
	lookup := AddEnvSecrets(opts.Masker, opts.Environ)
	secret := func(name string) (string, error) {
		v, err := lookup(name)
		if err == nil {
			opts.Masker.Add(v)
		}
		return v, err
	}
	now := opts.Now()
	labels := map[string]string{LabelCorrelationID: dryRunID}
	for _, l := range f.Labels {
		labels[l.Key] = l.Value
	}
	vars := map[string]any{
		"flow": map[string]any{"id": f.ID, "namespace": f.Namespace, "revision": max(f.Revision, 1)},
		"execution": map[string]any{"id": dryRunID, "startDate": templateDate(now),
			"originalId": dryRunID, "state": StateRunning},
		"inputs": orEmpty(flow.NestInputs(opts.Inputs)),
		"vars":   orEmpty(f.Variables),
		"labels": labelVars(labels),
		"envs":   templating.EnvVars(opts.Environ),
	}
	p := &planner{masker: opts.Masker, env: templating.Env{Vars: vars, Secret: secret, Now: opts.Now}}
	p.branch(f.Tasks, BranchTasks, 0)
	p.branch(f.Errors, BranchErrors, 0)
	p.branch(f.Finally, BranchFinally, 0)
	return p.out
}

type planner struct {
	masker *Masker
	env    templating.Env
	task   *flow.TaskSpec // the task whose properties are being rendered
	out    []PlannedTask
}

func (p *planner) branch(specs []*flow.TaskSpec, branch string, depth int) {
	for _, s := range specs {
		if s == nil {
			continue
		}
		t := PlannedTask{Depth: depth, Branch: branch, ID: s.ID, Type: s.Type, Disabled: s.Disabled}
		p.task = s
		if s.HasRunIf {
			t.Props = append(t.Props, p.prop("runIf", s.RunIf))
		}
		var props any = s.Task
		if s.Flowable != nil {
			props = s.Flowable
		}
		if props != nil {
			p.fields("", reflect.ValueOf(props), &t)
		}
		for i, pr := range t.Props {
			// `message: hi` is message[0] to the task, message to the user who wrote it.
			if name, ok := strings.CutSuffix(pr.Name, "[0]"); ok && s.OneOfList[name] {
				t.Props[i].Name = name
			}
		}
		p.out = append(p.out, t)
		if s.Flowable != nil {
			for _, b := range s.Flowable.Branches() {
				p.branch(b, BranchTasks, depth+1)
			}
		}
		p.branch(s.Errors, BranchErrors, depth+1)
		p.branch(s.Finally, BranchFinally, depth+1)
	}
}

// fields adds the properties of a decoded property struct: its fields tagged `flow`, those
// of embedded untagged structs as its own. Task lists are the children, shown as tasks.
func (p *planner) fields(prefix string, v reflect.Value, t *PlannedTask) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	ty := v.Type()
	for i := range ty.NumField() {
		f := ty.Field(i)
		tag, tagged := f.Tag.Lookup("flow")
		if !tagged {
			if f.Anonymous {
				p.fields(prefix, v.Field(i), t)
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		p.value(prefix+name, v.Field(i), t)
	}
}

// value adds the property at path, whatever its Go type.
func (p *planner) value(path string, v reflect.Value, t *PlannedTask) {
	if !v.IsValid() {
		return
	}
	switch x := v.Interface().(type) {
	case []*flow.TaskSpec, *flow.TaskSpec, flow.Cases:
		return // children: listed as tasks of their own
	case time.Duration:
		if x != 0 {
			t.Props = append(t.Props, PlannedProp{Name: path, Value: duration.Format(x)})
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		p.value(path, v.Elem(), t)
	case reflect.String:
		if s := v.String(); s != "" {
			t.Props = append(t.Props, p.prop(path, s))
		}
	case reflect.Slice:
		for i := range v.Len() {
			p.value(fmt.Sprintf("%s[%d]", path, i), v.Index(i), t)
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		for _, k := range keys {
			p.value(path+"."+fmt.Sprint(k.Interface()), v.MapIndex(k), t)
		}
	case reflect.Struct:
		p.fields(path+".", v, t)
	case reflect.Bool:
		t.Props = append(t.Props, PlannedProp{Name: path, Value: fmt.Sprint(v.Bool())})
	default:
		if v.IsZero() {
			return
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			b = []byte(fmt.Sprint(v.Interface()))
		}
		t.Props = append(t.Props, PlannedProp{Name: path, Value: p.masker.String(string(b))})
	}
}

// prop renders one template property; one that needs what only the run makes keeps its text.
func (p *planner) prop(name, src string) PlannedProp {
	tmpl, err := templating.Parse(src)
	if err == nil {
		env := p.env
		env.Vars = maps.Clone(p.env.Vars)
		env.Vars["task"] = map[string]any{"id": p.task.ID, "type": p.task.Type}
		var out string
		if out, err = tmpl.RenderContext(context.Background(), &env); err == nil {
			return PlannedProp{Name: name, Value: p.masker.String(out)}
		}
	}
	why := err.Error()
	var te *templating.Error
	if errors.As(err, &te) {
		why = te.Msg
	}
	return PlannedProp{Name: name, Value: p.masker.String(src), Pending: p.masker.String(why)}
}
