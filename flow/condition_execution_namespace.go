package flow

import "strings"

const executionNamespaceDoc = "The namespace of the execution that ended equals namespace, or starts or ends with it."

// ExecutionNamespace holds when the namespace of the execution that ended compares to
// Namespace: equal to it, or starting or ending with it.
type ExecutionNamespace struct {
	Namespace string `flow:"namespace,required" doc:"The namespace of the execution's flow."`
	// Comparison is EQUALS, PREFIX or SUFFIX once loaded: the `prefix: true` shortcut is
	// folded in, and EQUALS is the default.
	Comparison Comparison `flow:"comparison" doc:"How namespace is compared (default EQUALS)."`
	// Prefix is Kestra's older spelling of comparison: PREFIX; false once loaded.
	Prefix bool `flow:"prefix" doc:"Compare namespace as a prefix (comparison: PREFIX)."`
}

// finish folds prefix into comparison.
func (c *ExecutionNamespace) finish(f *finishing) {
	if c.Prefix {
		if c.Comparison != "" && c.Comparison != "PREFIX" {
			f.l.errorf(f.seen["prefix"], "%sprefix: true contradicts comparison %s: keep one of them", f.ctx, c.Comparison)
		}
		c.Comparison, c.Prefix = "PREFIX", false
	}
	if c.Comparison == "" {
		c.Comparison = "EQUALS"
	}
}

// schemaRules: prefix: true goes with comparison PREFIX only.
func (*ExecutionNamespace) schemaRules() obj {
	return obj{
		"if":   obj{"properties": obj{"prefix": obj{"const": true}}, "required": []string{"prefix"}},
		"then": obj{"properties": obj{"comparison": caseless([]string{"PREFIX"})}},
	}
}

// HoldsFor compares the namespace of x.
func (c *ExecutionNamespace) HoldsFor(x EndedExecution) bool {
	switch c.Comparison {
	case "PREFIX":
		return strings.HasPrefix(x.Namespace, c.Namespace)
	case "SUFFIX":
		return strings.HasSuffix(x.Namespace, c.Namespace)
	default:
		return x.Namespace == c.Namespace
	}
}
