package templating

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"time"
)

// Limits bound the work of one Render call, the render() calls nested in it included. A
// template is data from a flow file, and a few lines of it can ask for more than any run
// could finish: render() fanning out ten calls a level over nine levels asks for a billion.
// A zero field takes its default (DefaultSteps, DefaultBytes).
type Limits struct {
	// Steps is how many evaluation steps a render may take: one per expression evaluated,
	// per element of a list or map that a filter or an operator goes through, and per KiB of
	// text that an expression yields or a filter scans.
	Steps int64
	// Bytes is how many bytes a render may produce in all, intermediate values included:
	// every string made by an operator, a filter or a function, elemBytes per element of a
	// list or map made, the templates render() parses and the text the tags write.
	Bytes int64
}

// The default limits. A real template takes tens of steps and produces a few KiB (a Slack
// payload with four tags: under 100 steps and 1 KiB). A step takes 0.1 to 0.5µs, so
// DefaultSteps ends a runaway template within a few seconds. Everything a render produces
// may be alive at once, so DefaultBytes keeps a render well inside the 64 MiB flowctl holds
// itself to, the Go heap's own doubling included.
const (
	DefaultSteps = 10_000_000
	DefaultBytes = 16 << 20
)

// elemBytes is what one element of a list or map takes besides its value: an interface, and
// a key or a boxed string.
const elemBytes = 32

// checkEvery is how many steps go by between two looks at the context: a step takes well
// under a microsecond, so an interrupt is seen within a millisecond or so.
const checkEvery = 1024

// BudgetError reports a render that went over one of its Limits.
type BudgetError struct {
	// Steps is true when the render went over Limits.Steps, false for Limits.Bytes.
	Steps bool
	// Limit is the limit that was exceeded.
	Limit int64
}

// Error says which limit was exceeded, and what usually asks for that much.
func (e *BudgetError) Error() string {
	if e.Steps {
		return fmt.Sprintf("template work budget exceeded: more than %d evaluation steps "+
			"(render() calls nesting render() calls, or a filter going through a huge list?)", e.Limit)
	}
	return fmt.Sprintf("template work budget exceeded: more than %s produced "+
		"(render() calls nesting render() calls, or a large value repeated, joined or replaced?)", sizeText(e.Limit))
}

// sizeText writes a byte count in MiB or KiB when it is a whole number of them.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// budget is the work left to one Render call, shared by the render() calls it nests.
type budget struct {
	ctx       context.Context
	limits    Limits
	steps     int64
	bytes     int64
	nextCheck int64 // the step count at which ctx is looked at next
	// stop is the first error that ended the render: a *BudgetError or the context's
	// error. Every later charge returns it, and render() passes it on as it is.
	stop error
	// parsed holds the templates render() parsed, by source, each charged once: a fan-out
	// renders the same few sources over and over.
	parsed map[string]*Template
	// compiled holds the regular expressions split and replace compiled, by source.
	compiled map[string]*regexp.Regexp
	// parseTemplate is Parse, held here rather than called by name: render() and
	// renderOnce() parse through it, and naming Parse from the functions table would make
	// that table depend on itself through the parser.
	parseTemplate func(src string) (*Template, error)
}

func newBudget(ctx context.Context, env *Env) *budget {
	var l Limits
	if env != nil {
		l = env.Limits
	}
	if l.Steps <= 0 {
		l.Steps = DefaultSteps
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultBytes
	}
	return &budget{ctx: ctx, limits: l, parseTemplate: Parse}
}

// step charges n steps and looks at the context every checkEvery steps.
func (b *budget) step(n int64) error {
	if b.stop != nil {
		return b.stop
	}
	b.steps += n
	if b.steps > b.limits.Steps {
		b.stop = &BudgetError{Steps: true, Limit: b.limits.Steps}
		return b.stop
	}
	if b.steps >= b.nextCheck {
		b.nextCheck = b.steps + checkEvery
		if err := b.ctx.Err(); err != nil {
			b.stop = err
			return err
		}
	}
	return nil
}

// scan charges the steps of going through n bytes of text: one per KiB.
func (b *budget) scan(n int) error {
	return b.step(int64(n) >> 10)
}

// grow charges n bytes produced; callers charge before they build a large value, so that
// going over the limit costs no memory.
func (b *budget) grow(n int) error {
	if b.stop != nil {
		return b.stop
	}
	b.bytes += int64(n)
	if b.bytes > b.limits.Bytes {
		b.stop = &BudgetError{Limit: b.limits.Bytes}
		return b.stop
	}
	return nil
}

// room is how many bytes may still be produced.
func (b *budget) room() int64 { return b.limits.Bytes - b.bytes }

// over reports whether n more bytes would go over the limit.
func (b *budget) over(n int) bool { return int64(n) > b.room() }

// fits fails, as grow does, when n more bytes would go over the limit, without charging
// them: for a value charged once it is built, whose size is checked on the way.
func (b *budget) fits(n int) error {
	if b.over(n) {
		return b.grow(n)
	}
	return nil
}

// parse parses src for render(), once per render: its source is charged as produced, since
// the template holds a copy of it.
func (b *budget) parse(src string) (*Template, error) {
	if t, ok := b.parsed[src]; ok {
		return t, nil
	}
	if err := b.grow(len(src)); err != nil {
		return nil, err
	}
	if err := b.scan(len(src)); err != nil {
		return nil, err
	}
	t, err := b.parseTemplate(src)
	if err != nil {
		return nil, err
	}
	if b.parsed == nil {
		b.parsed = map[string]*Template{}
	}
	b.parsed[src] = t
	return t, nil
}

// maxPattern bounds a regular expression (split's delimiter, replace's keys with regexp=true):
// compiling one takes about 5µs a byte, and running it costs each byte of the text a step a
// KiB of pattern. A real one is a line.
const maxPattern = 4 << 10

// compile compiles a regular expression once per render: its source costs 16 steps a byte,
// and 64 bytes a byte for the program it compiles to.
func (c *evalCtx) compile(what, pattern string) (*regexp.Regexp, error) {
	if re, ok := c.b.compiled[pattern]; ok {
		return re, nil
	}
	if len(pattern) > maxPattern {
		return nil, fmt.Errorf("%s of %s: longer than the %s flowctl accepts", what, sizeText(int64(len(pattern))), sizeText(maxPattern))
	}
	if err := c.b.grow(len(pattern) << 6); err != nil {
		return nil, err
	}
	if err := c.b.step(int64(len(pattern)) << 4); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid %s %q: %v", what, pattern, err)
	}
	if c.b.compiled == nil {
		c.b.compiled = map[string]*regexp.Regexp{}
	}
	c.b.compiled[pattern] = re
	return re, nil
}

// matches finds at most n matches of re in s (n < 0: all of them), within the budget. Go's
// matcher takes up to half a microsecond a byte of text, more with a long pattern: each byte
// costs a step, and one more per KiB of pattern. No more matches are looked for than the
// budget could hold the indexes of: an empty delimiter matches at every character.
func (c *evalCtx) matches(re *regexp.Regexp, s string, n int) ([][]int, error) {
	if err := c.b.step(int64(len(s)) * int64(1+len(re.String())>>10)); err != nil {
		return nil, err
	}
	// One more than the budget could take tells that there are too many.
	most := int(min(c.b.room()/elemBytes, int64(len(s)))) + 2
	capped := n >= 0 && n < most
	if capped {
		most = n
	}
	found := re.FindAllStringIndex(s, most)
	if !capped && len(found) == most {
		return nil, c.b.grow(elemBytes * most)
	}
	return found, nil
}

// str is ToString within the budget: a list or map is written as JSON element by element,
// so that a list holding the same large value many times fails before it fills memory.
func (c *evalCtx) str(v any) (string, error) {
	switch v.(type) {
	case []any, map[string]any, *Map:
		return c.json(v)
	}
	return ToString(v), nil
}

// json is toJSON within the budget.
func (c *evalCtx) json(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := c.writeJSON(&buf, enc, v); err != nil {
		return "", err
	}
	if err := c.b.grow(buf.Len()); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// writeJSON writes v as encoding/json would (compact, keys sorted, no HTML escaping),
// walking the lists and maps a template makes itself and checking the size as it goes.
func (c *evalCtx) writeJSON(buf *bytes.Buffer, enc *json.Encoder, v any) error {
	if err := c.b.step(1); err != nil {
		return err
	}
	if int64(buf.Len()) > c.b.room() {
		return c.b.grow(buf.Len())
	}
	switch x := v.(type) {
	case []any:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := c.writeJSON(buf, enc, item); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case map[string]any:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := c.writeJSON(buf, enc, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := c.writeJSON(buf, enc, x[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case *Map:
		buf.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := c.writeJSON(buf, enc, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := c.writeJSON(buf, enc, x.m[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	}
	switch x := v.(type) {
	case float64:
		writeJSONFloat(buf, x, 64)
		return nil
	case float32:
		writeJSONFloat(buf, float64(x), 32)
		return nil
	case json.Number:
		if _, err := x.Int64(); err != nil {
			if f, err := x.Float64(); err == nil {
				writeJSONFloat(buf, f, 64)
				return nil
			}
		}
	case time.Time:
		// As Jackson writes a ZonedDateTime (ISO_OFFSET_DATE_TIME): the fraction of a second
		// only as far as it is not zero (ToJsonFilterTest: "2013-09-08T16:19:00Z").
		v = x.Format(isoOffsetDateTime)
	case mapEntry:
		// Jackson writes a Map.Entry as an object of its one entry.
		buf.WriteByte('{')
		if err := c.writeJSON(buf, enc, x.key); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := c.writeJSON(buf, enc, x.value); err != nil {
			return err
		}
		buf.WriteByte('}')
		return nil
	case loopVars:
		v = ToString(x)
	case string, bool, nil, int, int64:
	default:
		// Any other list or map (a []string, a map[string]int...) is written the same way,
		// so that its numbers and dates read as Kestra writes them.
		if l, ok := asList(v); ok && v != nil {
			if _, isBytes := v.([]byte); !isBytes {
				return c.writeJSON(buf, enc, l)
			}
		}
		if m, ok := asMap(v); ok {
			return c.writeJSON(buf, enc, m)
		}
	}
	// Anything else is a value as the caller gave it: its size is the caller's.
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode ends with a newline
	return nil
}

// writeJSONFloat writes a number as Jackson does: as Java writes a double, and NaN or an
// infinity as a string, which JSON has no number for.
func writeJSONFloat(buf *bytes.Buffer, f float64, bits int) {
	s := javaDouble(f, bits)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		s = `"` + s + `"`
	}
	buf.WriteString(s)
}

// jsonText is the JSON of v with no budget: for ToString, whose callers hold the value
// already. Its budget parses nothing, so it is built without the parser (which would make
// the tables the parser checks names against depend on themselves).
func jsonText(v any) string {
	c := &evalCtx{b: &budget{ctx: context.Background(), limits: Limits{Steps: math.MaxInt64, Bytes: math.MaxInt64}}}
	s, err := c.json(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// sizeOf is the shallow size of a value a filter or a function made: a string's bytes, or
// elemBytes per element of a list or map (its elements were charged when they were made).
func sizeOf(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case []any:
		return elemBytes * len(x)
	case map[string]any:
		return elemBytes * len(x)
	case *Map:
		return elemBytes * len(x.keys)
	}
	return 0
}
