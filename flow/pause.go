package flow

import (
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"
)

// yamlText is n written back as YAML, aliases resolved; "" when it cannot be.
func yamlText(n *yaml.Node) string {
	out, err := yaml.Marshal(resolveAll(n))
	if err != nil {
		return ""
	}
	return string(out)
}

// resolveAll returns n with every alias under it replaced by what it names, so that the text
// of a part of a file reads without the anchors elsewhere in it.
func resolveAll(n *yaml.Node) *yaml.Node {
	n = resolve(n)
	if len(n.Content) == 0 {
		return n
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = resolveAll(k)
	}
	return &c
}

// ParseOnResume reads the onResume input definitions of a Pause task from the text a pause
// record keeps (TaskSpec.OnResumeSrc).
func ParseOnResume(src string) ([]*Input, error) {
	if src == "" {
		return nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, fmt.Errorf("onResume: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	l := &loader{file: "onResume", src: []byte(src)}
	ins := l.inputList(doc.Content[0], "onResume")
	if len(l.problems) > 0 {
		return nil, &LoadError{File: "onResume", Problems: l.problems, src: []byte(src)}
	}
	return ins, nil
}

// ResumeValues checks the -i KEY=VALUE values of a resume of Pause task taskID against its
// onResume inputs, as ParseInputs does a flow's, and returns them typed: the task's
// `onResume` output.
func ResumeValues(taskID string, onResume []*Input, given map[string]string) (map[string]any, error) {
	if len(onResume) == 0 {
		if len(given) > 0 {
			return nil, fmt.Errorf("task %q declares no onResume inputs: resume it without -i", taskID)
		}
		return nil, nil
	}
	values, _, err := ParseInputs(&Flow{ID: taskID, Inputs: onResume}, given)
	if err != nil {
		var le *LoadError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fmt.Errorf("task %q: onResume: %w", taskID, err)
	}
	return values, nil
}
