package templating

import "strconv"

// Ref is a variable a template reads, as far as it can be known without rendering it: its
// root name and the literal keys after it (outputs.build.vars → ["outputs", "build",
// "vars"]; outputs[name] stops at outputs), and where its tag starts in the template.
type Ref struct {
	Path      []string
	Line, Col int
}

// Refs lists the variables the template reads, for checks before it runs (a misspelt input,
// the outputs of a task that does not exist). Names the template binds itself (set, for and
// its loop, macro parameters) are left out, anywhere in the template, and so is what is only
// read to be tested or replaced: the operand of default, ??, is defined, is null, is empty.
func (t *Template) Refs() []Ref {
	if t.static {
		return nil
	}
	w := &refWalker{bound: map[string]bool{"loop": true, "_context": true}}
	w.bind(t.body)
	w.stmts(t.body)
	return w.refs
}

type refWalker struct {
	bound map[string]bool
	at    *tag
	refs  []Ref
}

// bind collects the names the template binds, wherever they are.
func (w *refWalker) bind(body []stmt) {
	for _, s := range body {
		switch s := s.(type) {
		case *forStmt:
			w.bound[s.name] = true
			w.bind(s.body)
			w.bind(s.els)
		case *setStmt:
			w.bound[s.name] = true
		case *ifStmt:
			for _, br := range s.branches {
				w.bind(br.body)
			}
			w.bind(s.els)
		case *filterStmt:
			w.bind(s.body)
		case *blockStmt:
			w.bind(s.body)
		}
	}
}

func (w *refWalker) stmts(body []stmt) {
	for _, s := range body {
		switch s := s.(type) {
		case printStmt:
			w.tag(s.tag)
		case *forStmt:
			w.tag(s.at)
			w.stmts(s.body)
			w.stmts(s.els)
		case *setStmt:
			w.tag(s.at)
		case *ifStmt:
			for _, br := range s.branches {
				w.tag(br.cond)
				w.stmts(br.body)
			}
			w.stmts(s.els)
		case *filterStmt:
			w.tag(s.at)
			w.stmts(s.body)
		case *blockStmt:
			w.stmts(s.body)
		}
	}
}

func (w *refWalker) tag(t *tag) {
	if t == nil || t.nullable {
		return // the whole expression has a fallback: what it reads may be missing
	}
	w.at = t
	w.node(t.root)
}

// node walks an expression: a variable path is taken whole, other nodes through their
// operands.
func (w *refWalker) node(n node) {
	switch x := n.(type) {
	case *varNode:
		w.add([]string{x.name})
	case *attrNode:
		if path, rest := attrPath(x); path != nil {
			w.add(path)
			w.nodes(rest...)
			return
		}
		w.nodes(x.base, x.key)
	case *listNode:
		w.nodes(x.items...)
	case *mapNode:
		w.nodes(x.keys...)
		w.nodes(x.vals...)
	case *unaryNode:
		w.nodes(x.x)
	case *condNode:
		w.nodes(x.c, x.a, x.b)
	case *binaryNode:
		if x.op == "??" {
			w.nodes(x.r) // the left side may be missing: that is what ?? is for
			return
		}
		w.nodes(x.l, x.r)
	case *testNode:
		switch x.name {
		case "defined", "null", "empty":
			// Testing whether it is there is the point.
		default:
			w.nodes(x.x)
		}
	case *filterNode:
		if x.def == nil || x.def.name != "default" {
			w.nodes(x.input)
		}
		w.nodes(x.args...)
	case *callNode:
		w.nodes(x.args...)
	case *macroCallNode:
		if x.def != nil {
			for _, p := range x.def.params {
				w.bound[p] = true
			}
		}
		for _, a := range x.args {
			w.nodes(a.x)
		}
	case *rangeNode:
		w.nodes(x.from, x.to)
	}
}

func (w *refWalker) nodes(ns ...node) {
	for _, n := range ns {
		if n != nil {
			w.node(n)
		}
	}
}

// attrPath reads base.a.b[0] down to its variable: the path of literal keys, and the key
// expressions it could not read (outputs[name].x: ["outputs"], with name to walk).
func attrPath(n *attrNode) (path []string, rest []node) {
	var keys []node
	var cur node = n
	for {
		a, ok := cur.(*attrNode)
		if !ok {
			break
		}
		keys = append(keys, a.key)
		cur = a.base
	}
	v, ok := cur.(*varNode)
	if !ok {
		return nil, nil
	}
	path = []string{v.name}
	for i := len(keys) - 1; i >= 0; i-- {
		lit, ok := keys[i].(*litNode)
		if !ok {
			rest = append(rest, keys[i:]...)
			break
		}
		switch k := lit.v.(type) {
		case string:
			path = append(path, k)
		case int64:
			path = append(path, strconv.FormatInt(k, 10))
		default:
			return path, rest
		}
	}
	return path, rest
}

func (w *refWalker) add(path []string) {
	if w.bound[path[0]] {
		return
	}
	line, col := 1, 1
	if w.at != nil {
		line, col = w.at.line, w.at.col
	}
	w.refs = append(w.refs, Ref{Path: path, Line: line, Col: col})
}
