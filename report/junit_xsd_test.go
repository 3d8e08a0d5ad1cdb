package report

// A validator for the subset of XML Schema that the vendored JUnit schema
// (testdata/junit/junit-10.xsd, from jenkinsci/xunit-plugin) uses. Go has no XSD validator
// and these tests must run offline with nothing but Go, so the reports are checked against
// the schema the CI tools use by this small one instead. A construct it does not know makes
// loading the schema fail: it never accepts a document by ignoring a rule.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema"

// xmlNode is an element of a parsed document: the schema or a report.
type xmlNode struct {
	name  string // local name
	space string
	attrs []xml.Attr
	kids  []*xmlNode
	text  strings.Builder
}

func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// parseXML reads a whole document; encoding/xml checks that it is well-formed XML 1.0.
func parseXML(r io.Reader) (*xmlNode, error) {
	d := xml.NewDecoder(r)
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local, space: t.Name.Space, attrs: t.Copy().Attr}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			} else if root != nil {
				return nil, errors.New("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// xsdSchema is a compiled schema.
type xsdSchema struct {
	elements map[string]*xsdElement // the global ones, roots and ref targets
	complex  map[string]*xsdComplex
	simple   map[string]*xsdSimple
	// pending are the refs and type names to resolve once every global is known.
	pending []func() error
}

// xsdElement is an element declaration: simple content, or a complex type.
type xsdElement struct {
	name    string
	simple  *xsdSimple
	complex *xsdComplex
}

// xsdComplex is a complex type: attributes and a content model.
type xsdComplex struct {
	mixed   bool
	content *xsdParticle // nil: no child element
	attrs   map[string]*xsdAttr
}

// xsdParticle is an element, sequence or choice with its occurrence bounds.
type xsdParticle struct {
	kind     string // element, sequence, choice
	min, max int    // max < 0: unbounded
	elem     *xsdElement
	kids     []*xsdParticle
}

type xsdAttr struct {
	name     string
	required bool
	typ      *xsdSimple
}

// xsdSimple is a built-in type, maybe restricted by facets.
type xsdSimple struct {
	builtin  string
	patterns []*regexp.Regexp
	enums    []string
	minLen   int
	maxLen   int // < 0: none
}

// loadXSD compiles the schema at path.
func loadXSD(path string) (*xsdSchema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	root, err := parseXML(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if root.space != xsdNS || root.name != "schema" {
		return nil, fmt.Errorf("%s: root is <%s>, not xs:schema", path, root.name)
	}
	s := &xsdSchema{elements: map[string]*xsdElement{}, complex: map[string]*xsdComplex{}, simple: map[string]*xsdSimple{}}
	for _, n := range xsdKids(root) {
		name, _ := n.attr("name")
		switch n.name {
		case "element":
			e, err := s.element(n)
			if err != nil {
				return nil, err
			}
			s.elements[name] = e
		case "complexType":
			c, err := s.complexType(n)
			if err != nil {
				return nil, err
			}
			s.complex[name] = c
		case "simpleType":
			st, err := s.simpleType(n)
			if err != nil {
				return nil, err
			}
			s.simple[name] = st
		default:
			return nil, fmt.Errorf("xs:%s at the top of the schema is not supported", n.name)
		}
	}
	for _, resolve := range s.pending {
		if err := resolve(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// xsdKids are the schema children of n, annotations left out.
func xsdKids(n *xmlNode) []*xmlNode {
	var out []*xmlNode
	for _, k := range n.kids {
		if k.space == xsdNS && k.name != "annotation" {
			out = append(out, k)
		}
	}
	return out
}

// checkAttrs refuses an attribute of a schema construct that the validator does not apply.
func checkAttrs(n *xmlNode, known ...string) error {
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || slices.Contains(known, a.Name.Local) {
			continue
		}
		return fmt.Errorf("xs:%s: attribute %q is not supported", n.name, a.Name.Local)
	}
	return nil
}

func (s *xsdSchema) element(n *xmlNode) (*xsdElement, error) {
	if err := checkAttrs(n, "name", "type", "minOccurs", "maxOccurs"); err != nil {
		return nil, err
	}
	name, _ := n.attr("name")
	e := &xsdElement{name: name}
	kids := xsdKids(n)
	typ, hasType := n.attr("type")
	switch {
	case hasType && len(kids) > 0:
		return nil, fmt.Errorf("element %q has both a type and an inline type", name)
	case hasType:
		s.pending = append(s.pending, func() error {
			if st, err := s.simpleNamed(typ); err == nil {
				e.simple = st
				return nil
			}
			if c, ok := s.complex[typ]; ok {
				e.complex = c
				return nil
			}
			return fmt.Errorf("element %q: unknown type %q", name, typ)
		})
	case len(kids) == 1 && kids[0].name == "complexType":
		c, err := s.complexType(kids[0])
		if err != nil {
			return nil, fmt.Errorf("element %q: %w", name, err)
		}
		e.complex = c
	case len(kids) == 1 && kids[0].name == "simpleType":
		st, err := s.simpleType(kids[0])
		if err != nil {
			return nil, fmt.Errorf("element %q: %w", name, err)
		}
		e.simple = st
	default:
		return nil, fmt.Errorf("element %q: content not supported", name)
	}
	return e, nil
}

func (s *xsdSchema) complexType(n *xmlNode) (*xsdComplex, error) {
	if err := checkAttrs(n, "name", "mixed"); err != nil {
		return nil, err
	}
	mixed, _ := n.attr("mixed")
	c := &xsdComplex{mixed: mixed == "true", attrs: map[string]*xsdAttr{}}
	for _, k := range xsdKids(n) {
		switch k.name {
		case "sequence", "choice":
			if c.content != nil || len(c.attrs) > 0 {
				return nil, fmt.Errorf("xs:%s out of place", k.name)
			}
			p, err := s.particle(k)
			if err != nil {
				return nil, err
			}
			c.content = p
		case "attribute":
			a, err := s.attribute(k)
			if err != nil {
				return nil, err
			}
			c.attrs[a.name] = a
		default:
			return nil, fmt.Errorf("xs:%s in a complexType is not supported", k.name)
		}
	}
	return c, nil
}

func (s *xsdSchema) particle(n *xmlNode) (*xsdParticle, error) {
	p := &xsdParticle{kind: n.name, min: 1, max: 1}
	if v, ok := n.attr("minOccurs"); ok {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 {
			return nil, fmt.Errorf("minOccurs %q", v)
		}
		p.min = m
	}
	if v, ok := n.attr("maxOccurs"); ok {
		if v == "unbounded" {
			p.max = -1
		} else if m, err := strconv.Atoi(v); err == nil && m >= p.min {
			p.max = m
		} else {
			return nil, fmt.Errorf("maxOccurs %q", v)
		}
	}
	switch n.name {
	case "element":
		if ref, ok := n.attr("ref"); ok {
			if err := checkAttrs(n, "ref", "minOccurs", "maxOccurs"); err != nil {
				return nil, err
			}
			s.pending = append(s.pending, func() error {
				if p.elem = s.elements[ref]; p.elem == nil {
					return fmt.Errorf("ref to unknown element %q", ref)
				}
				return nil
			})
			return p, nil
		}
		e, err := s.element(n)
		if err != nil {
			return nil, err
		}
		p.elem = e
	case "sequence", "choice":
		if err := checkAttrs(n, "minOccurs", "maxOccurs"); err != nil {
			return nil, err
		}
		for _, k := range xsdKids(n) {
			kp, err := s.particle(k)
			if err != nil {
				return nil, err
			}
			p.kids = append(p.kids, kp)
		}
	default:
		return nil, fmt.Errorf("xs:%s in a content model is not supported", n.name)
	}
	return p, nil
}

func (s *xsdSchema) attribute(n *xmlNode) (*xsdAttr, error) {
	if err := checkAttrs(n, "name", "type", "use"); err != nil {
		return nil, err
	}
	name, _ := n.attr("name")
	use, _ := n.attr("use")
	if use != "" && use != "required" && use != "optional" {
		return nil, fmt.Errorf("attribute %q: use=%q is not supported", name, use)
	}
	a := &xsdAttr{name: name, required: use == "required"}
	kids := xsdKids(n)
	if typ, ok := n.attr("type"); ok {
		if len(kids) > 0 {
			return nil, fmt.Errorf("attribute %q has both a type and an inline type", name)
		}
		s.pending = append(s.pending, func() error {
			st, err := s.simpleNamed(typ)
			a.typ = st
			return err
		})
		return a, nil
	}
	switch {
	case len(kids) == 0:
		a.typ = &xsdSimple{builtin: "anySimpleType", maxLen: -1}
	case len(kids) == 1 && kids[0].name == "simpleType":
		st, err := s.simpleType(kids[0])
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		a.typ = st
	default:
		return nil, fmt.Errorf("attribute %q: content not supported", name)
	}
	return a, nil
}

// xsdBuiltins are the built-in types the validator knows how to check.
var xsdBuiltins = map[string]bool{
	"string": true, "normalizedString": true, "token": true, "decimal": true,
	"int": true, "integer": true, "boolean": true, "dateTime": true, "anySimpleType": true,
}

// simpleNamed resolves a type name: xs:builtin or a global simpleType.
func (s *xsdSchema) simpleNamed(name string) (*xsdSimple, error) {
	if b, ok := strings.CutPrefix(name, "xs:"); ok {
		if !xsdBuiltins[b] {
			return nil, fmt.Errorf("built-in type %q is not supported", name)
		}
		return &xsdSimple{builtin: b, maxLen: -1}, nil
	}
	if st, ok := s.simple[name]; ok {
		return st, nil
	}
	return nil, fmt.Errorf("unknown simple type %q", name)
}

func (s *xsdSchema) simpleType(n *xmlNode) (*xsdSimple, error) {
	kids := xsdKids(n)
	if len(kids) != 1 || kids[0].name != "restriction" {
		return nil, errors.New("only xs:restriction is supported in a simpleType")
	}
	r := kids[0]
	base, _ := r.attr("base")
	b, ok := strings.CutPrefix(base, "xs:")
	if !ok || !xsdBuiltins[b] {
		return nil, fmt.Errorf("restriction of %q is not supported", base)
	}
	st := &xsdSimple{builtin: b, maxLen: -1}
	for _, f := range xsdKids(r) {
		v, _ := f.attr("value")
		switch f.name {
		case "pattern":
			// An XSD pattern matches the whole value; RE2 reads this subset of its syntax.
			re, err := regexp.Compile(`^(?:` + v + `)$`)
			if err != nil {
				return nil, fmt.Errorf("pattern %q: %w", v, err)
			}
			st.patterns = append(st.patterns, re)
		case "enumeration":
			st.enums = append(st.enums, v)
		case "minLength", "maxLength", "length":
			m, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q", f.name, v)
			}
			if f.name != "maxLength" {
				st.minLen = m
			}
			if f.name != "minLength" {
				st.maxLen = m
			}
		case "whiteSpace":
			// Normalisation only, applied per built-in type in check.
		default:
			return nil, fmt.Errorf("facet xs:%s is not supported", f.name)
		}
	}
	return st, nil
}

var (
	xsdDecimal  = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	xsdInteger  = regexp.MustCompile(`^[+-]?[0-9]+$`)
	xsdDateTime = regexp.MustCompile(`^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$`)
)

// check validates a value (text or attribute) against the simple type.
func (st *xsdSimple) check(v string) error {
	switch st.builtin {
	case "string", "anySimpleType":
	default:
		// Every other built-in collapses white space before it is checked.
		v = strings.Join(strings.Fields(v), " ")
	}
	switch st.builtin {
	case "decimal":
		if !xsdDecimal.MatchString(v) {
			return fmt.Errorf("%q is not an xs:decimal", v)
		}
	case "int", "integer":
		if !xsdInteger.MatchString(v) {
			return fmt.Errorf("%q is not an xs:%s", v, st.builtin)
		}
		if n, err := strconv.ParseInt(v, 10, 64); st.builtin == "int" && (err != nil || n < math.MinInt32 || n > math.MaxInt32) {
			return fmt.Errorf("%q is out of the range of xs:int", v)
		}
	case "boolean":
		if !slices.Contains([]string{"true", "false", "1", "0"}, v) {
			return fmt.Errorf("%q is not an xs:boolean", v)
		}
	case "dateTime":
		if !xsdDateTime.MatchString(v) {
			return fmt.Errorf("%q is not an xs:dateTime", v)
		}
		if _, err := time.Parse("2006-01-02T15:04:05", v[:19]); err != nil {
			return fmt.Errorf("%q is not an xs:dateTime: %v", v, err)
		}
	}
	if n := len([]rune(v)); n < st.minLen || st.maxLen >= 0 && n > st.maxLen {
		return fmt.Errorf("%q has a length out of [%d, %d]", v, st.minLen, st.maxLen)
	}
	if len(st.enums) > 0 && !slices.Contains(st.enums, v) {
		return fmt.Errorf("%q is not one of %q", v, st.enums)
	}
	for _, re := range st.patterns {
		if !re.MatchString(v) {
			return fmt.Errorf("%q does not match the pattern %s", v, re)
		}
	}
	return nil
}

// validate checks a document against the schema: its root must be a global element.
func (s *xsdSchema) validate(doc *xmlNode) error {
	e, ok := s.elements[doc.name]
	if !ok || doc.space != "" {
		return fmt.Errorf("<%s>: not an element of the schema", doc.name)
	}
	return s.validateElement(e, doc, "/"+doc.name)
}

func (s *xsdSchema) validateElement(e *xsdElement, n *xmlNode, path string) error {
	if n.space != "" {
		return fmt.Errorf("%s: element in namespace %q, the schema has none", path, n.space)
	}
	if e.simple != nil {
		if len(n.kids) > 0 {
			return fmt.Errorf("%s: simple content, got child element <%s>", path, n.kids[0].name)
		}
		for _, a := range n.attrs {
			if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
				return fmt.Errorf("%s: unknown attribute %q", path, a.Name.Local)
			}
		}
		if err := e.simple.check(n.text.String()); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	c := e.complex
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		decl, ok := c.attrs[a.Name.Local]
		if !ok || a.Name.Space != "" {
			return fmt.Errorf("%s: unknown attribute %q", path, a.Name.Local)
		}
		if err := decl.typ.check(a.Value); err != nil {
			return fmt.Errorf("%s/@%s: %w", path, a.Name.Local, err)
		}
	}
	for name, decl := range c.attrs {
		if _, ok := n.attr(name); decl.required && !ok {
			return fmt.Errorf("%s: required attribute %q is missing", path, name)
		}
	}
	if !c.mixed {
		if t := strings.TrimSpace(n.text.String()); t != "" || c.content == nil && n.text.Len() > 0 {
			return fmt.Errorf("%s: text %q where the schema allows none", path, t)
		}
	}
	if c.content == nil {
		if len(n.kids) > 0 {
			return fmt.Errorf("%s: no child element allowed, got <%s>", path, n.kids[0].name)
		}
		return nil
	}
	decls := map[string]*xsdElement{}
	c.content.declared(decls)
	for _, k := range n.kids {
		if decls[k.name] == nil {
			return fmt.Errorf("%s: unknown element <%s>", path, k.name)
		}
	}
	if ends := c.content.match(n.kids, map[int]bool{0: true}); !ends[len(n.kids)] {
		names := make([]string, len(n.kids))
		for i, k := range n.kids {
			names[i] = k.name
		}
		return fmt.Errorf("%s: children %v do not match the content model", path, names)
	}
	for i, k := range n.kids {
		if err := s.validateElement(decls[k.name], k, fmt.Sprintf("%s/%s[%d]", path, k.name, i+1)); err != nil {
			return err
		}
	}
	return nil
}

// declared maps the element names of a content model to their declarations. The schema's
// Unique Particle Attribution rule gives one declaration per name.
func (p *xsdParticle) declared(m map[string]*xsdElement) {
	if p.kind == "element" {
		m[p.elem.name] = p.elem
	}
	for _, k := range p.kids {
		k.declared(m)
	}
}

// match returns every position in kids where p, with its occurrence bounds, can end when it
// starts at one of the positions of from. Sets of positions make it a small NFA, so a choice
// or an optional element never needs backtracking.
func (p *xsdParticle) match(kids []*xmlNode, from map[int]bool) map[int]bool {
	ends := map[int]bool{}
	if p.min == 0 {
		maps.Copy(ends, from)
	}
	cur := from
	for i := 1; p.max < 0 || i <= p.max; i++ {
		cur = p.once(kids, cur)
		if len(cur) == 0 {
			break
		}
		if i < p.min {
			continue
		}
		if p.max >= 0 {
			maps.Copy(ends, cur)
			continue
		}
		// Unbounded: every position reachable by more repetitions, each visited once.
		for len(cur) > 0 {
			maps.Copy(ends, cur)
			next := map[int]bool{}
			for pos := range p.once(kids, cur) {
				if !ends[pos] {
					next[pos] = true
				}
			}
			cur = next
		}
		break
	}
	return ends
}

// once matches p exactly once from each position of from.
func (p *xsdParticle) once(kids []*xmlNode, from map[int]bool) map[int]bool {
	out := map[int]bool{}
	switch p.kind {
	case "element":
		for pos := range from {
			if pos < len(kids) && kids[pos].name == p.elem.name {
				out[pos+1] = true
			}
		}
	case "sequence":
		out = from
		for _, k := range p.kids {
			out = k.match(kids, out)
		}
	case "choice":
		for _, k := range p.kids {
			maps.Copy(out, k.match(kids, from))
		}
	}
	return out
}

// junitSchema loads the vendored JUnit schema once per test binary.
var junitSchema = sync.OnceValues(func() (*xsdSchema, error) {
	return loadXSD(filepath.Join("testdata", "junit", "junit-10.xsd"))
})

// validateJUnit checks that report is well-formed XML and valid against the JUnit schema.
func validateJUnit(t *testing.T, report []byte) error {
	t.Helper()
	s, err := junitSchema()
	if err != nil {
		t.Fatalf("loading the JUnit schema: %v", err)
	}
	doc, err := parseXML(bytes.NewReader(report))
	if err != nil {
		return err
	}
	return s.validate(doc)
}

func TestJUnitGoldenReportsAreValid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "junit", "*.xml"))
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no golden report in testdata/junit (run go test -update to create them)")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		if err := validateJUnit(t, b); err != nil {
			t.Errorf("%s: got %v, want a valid report", f, err)
		}
	}
}

// TestXSDValidatorRejectsInvalidReports makes sure the validator can fail: each case breaks
// one rule of the schema in an otherwise valid report.
func TestXSDValidatorRejectsInvalidReports(t *testing.T) {
	const valid = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="dev.x" tests="2" failures="1" errors="0" time="1.500">
  <testsuite name="dev.x" tests="2" failures="1" errors="0" skipped="0" time="1.500" timestamp="2026-11-26T17:00:00Z">
    <properties>
      <property name="execution.id" value="abc"></property>
    </properties>
    <testcase name="a" classname="dev.x.tasks" time="0.500">
      <system-out>hello</system-out>
    </testcase>
    <testcase name="b" classname="dev.x.tasks" time="1.000">
      <failure message="boom" type="FAILED">boom</failure>
    </testcase>
  </testsuite>
</testsuites>
`
	if err := validateJUnit(t, []byte(valid)); err != nil {
		t.Fatalf("the base report: got %v, want it valid", err)
	}
	cases := []struct {
		name, old, new, want string
	}{
		{"missing required attribute on testsuite", `<testsuite name="dev.x" tests="2"`, `<testsuite name="dev.x"`, `required attribute "tests"`},
		{"missing required attribute on testcase", `<testcase name="a" `, `<testcase `, `required attribute "name"`},
		{"missing required attribute on property", `name="execution.id" value="abc"`, `name="execution.id"`, `required attribute "value"`},
		{"unknown element in testcase", `<system-out>hello</system-out>`, `<system-out>hello</system-out><bogus/>`, `unknown element <bogus>`},
		{"unknown element in testsuite", `<properties>`, `<log/><properties>`, `unknown element <log>`},
		{"unknown attribute", `<testcase name="a"`, `<testcase state="ok" name="a"`, `unknown attribute "state"`},
		{"non-decimal suite time", `skipped="0" time="1.500"`, `skipped="0" time="1.5s"`, `does not match the pattern`},
		{"non-decimal suites time", `errors="0" time="1.500">`, `errors="0" time="PT1.5S">`, `does not match the pattern`},
		{"element inside simple content", `<system-out>hello</system-out>`, `<system-out>hello<b>x</b></system-out>`, `simple content`},
		{"text in element-only content", `<properties>`, `<properties>text`, `text "text"`},
		{"testcase outside a testsuite", `<testsuite name="dev.x"`, `<testcase name="z"/><testsuite name="dev.x"`, `unknown element <testcase>`},
		{"children out of order", `<system-out>hello</system-out>`, `<rerunFailure type="x"><system-err/><system-out/></rerunFailure>`, `do not match the content model`},
		{"required attribute of a named type", `<system-out>hello</system-out>`, `<flakyFailure>flaky</flakyFailure>`, `required attribute "type"`},
		{"wrong root element", `<testsuites name="dev.x" tests="2" failures="1" errors="0" time="1.500">`, `<results>`, `not an element of the schema`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(valid, c.old, c.new, 1)
			if c.name == "wrong root element" {
				doc = strings.Replace(doc, "</testsuites>", "</results>", 1)
			}
			if doc == valid {
				t.Fatalf("the case does not change the report: %q not found", c.old)
			}
			err := validateJUnit(t, []byte(doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestXSDSimpleTypes checks the built-in types the validator knows, beyond the schema's own
// xs:string, so a schema using them is checked rather than waved through.
func TestXSDSimpleTypes(t *testing.T) {
	cases := []struct {
		typ       string
		good, bad []string
	}{
		{"decimal", []string{"0", "1.500", "-2.", ".5", " 3.25 "}, []string{"", "1.5s", "1,5", "PT1S", "1e3"}},
		{"int", []string{"0", "-12", "2147483647"}, []string{"1.0", "2147483648", "x"}},
		{"dateTime", []string{"2026-11-26T17:00:00", "2026-11-26T17:00:00.123Z", "2026-11-26T17:00:00+02:00"},
			[]string{"2026-11-26", "2026-13-26T17:00:00", "yesterday"}},
		{"boolean", []string{"true", "0"}, []string{"yes"}},
	}
	for _, c := range cases {
		st := &xsdSimple{builtin: c.typ, maxLen: -1}
		for _, v := range c.good {
			if err := st.check(v); err != nil {
				t.Errorf("xs:%s %q: got %v, want valid", c.typ, v, err)
			}
		}
		for _, v := range c.bad {
			if err := st.check(v); err == nil {
				t.Errorf("xs:%s %q: got valid, want an error", c.typ, v)
			}
		}
	}
	if _, err := (&xsdSchema{}).simpleNamed("xs:duration"); err == nil {
		t.Error("xs:duration: got a type, want an error: the validator does not check it")
	}
}
