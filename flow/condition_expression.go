package flow

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

const expressionDoc = "The expression renders to something other than an empty string, blanks or false."

// A RequestCondition tests what a request carries: the conditions of Webhook triggers.
// render renders a template with the variables of the execution the request would start.
type RequestCondition interface {
	HoldsWith(render func(tmpl string) (string, error)) (bool, error)
}

// Expression is Kestra's Expression condition (older VariableCondition): it holds unless
// its expression renders to an empty or blank string or to "false" (surrounding blanks
// ignored), as Kestra tests it; "0" holds.
type Expression struct {
	Expression string `flow:"expression,required" doc:"A template, such as {{ trigger.body.action == 'opened' }}."`
}

// HoldsWith renders the expression and reads its truth as Kestra does.
func (c *Expression) HoldsWith(render func(string) (string, error)) (bool, error) {
	s, err := render(c.Expression)
	if err != nil {
		return false, err
	}
	s = strings.TrimSpace(s)
	return s != "" && s != "false", nil
}

// finish checks the expression's template where it is written, and refuses an empty one
// (@NotEmpty in Kestra).
func (c *Expression) finish(f *finishing) {
	n := f.seen["expression"]
	if n == nil || resolve(n).Kind != yaml.ScalarNode {
		return
	}
	if c.Expression == "" {
		f.l.errorf(n, "%sexpression: empty: write a template such as {{ trigger.body.action == 'opened' }}", f.ctx)
		return
	}
	f.l.checkTemplate(n, c.Expression, f.ctx+"expression: ")
}

// conditionErr names condition i of a trigger in an evaluation error.
func conditionErr(i int, c *Condition, err error) error {
	return fmt.Errorf("conditions[%d]: %s: %w", i, shortName(c.Type), err)
}
