package templating

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/itchyny/gojq"
)

// maxJQProgram bounds a jq program: a real one is a line or two, and each one is compiled
// on every render that meets it.
const maxJQProgram = 16 << 10

// jqFilter is Kestra's jq: the input (text is read as JSON) goes through a jq 1.6 program,
// and every value the program yields is collected into a list, so that a single result
// reads `| jq('.x') | first`. The program runs inside the render's budget: each of its
// operations is a step, each value it yields is charged by size, and an interrupt of the
// render stops it.
func jqFilter(c *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	expr, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("The 'jq' filter expects an argument 'expression' of type string, got %s", describe(args[0]))
	}
	if len(expr) > maxJQProgram {
		return nil, fmt.Errorf("jq program of %s: longer than the %s flowctl accepts", sizeText(int64(len(expr))), sizeText(maxJQProgram))
	}
	if err := c.b.step(int64(len(expr))); err != nil {
		return nil, err
	}
	code, err := compileJQ(expr)
	if err != nil {
		return nil, jqError(in, fmt.Errorf("invalid jq expression '%s': %v", expr, err))
	}
	memo := &jqMemo{floats: map[float64]bool{}, orders: map[string][]string{}}
	value, err := c.jqInput(in, memo)
	if err != nil {
		return nil, jqError(in, err)
	}
	ctx, cancel := context.WithCancel(c.b.ctx)
	defer cancel()
	iter := code.RunWithContext(&jqContext{Context: ctx, b: c.b}, value)
	out := []any{}
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if c.b.stop != nil {
			return nil, c.b.stop
		}
		if err, ok := v.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return out, nil
			}
			return nil, jqError(in, fmt.Errorf("Failed to resolve JQ expression '%s' and value '%s': %v", expr, abbreviateText(c.preview(in), 200), err))
		}
		r, size := fromJQ(v, memo)
		if err := c.b.grow(size + elemBytes); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}

// compiledJQ holds compiled jq programs by source: a flow uses a handful, rendered once per
// task run or per ForEach value. Process-wide on purpose, as a memo: a program always
// compiles to the same code, which gojq runs without changing it, from any goroutine, and
// maxCompiledJQ bounds the entries.
var compiledJQ sync.Map

const maxCompiledJQ = 256

var compiledJQCount struct {
	sync.Mutex
	n int
}

// compileJQ parses and compiles a jq program, once.
func compileJQ(expr string) (*gojq.Code, error) {
	if code, ok := compiledJQ.Load(expr); ok {
		return code.(*gojq.Code), nil
	}
	query, err := gojq.Parse(expr)
	if err != nil {
		return nil, err
	}
	code, err := gojq.Compile(query)
	if err != nil {
		return nil, err
	}
	compiledJQCount.Lock()
	if compiledJQCount.n < maxCompiledJQ {
		compiledJQCount.n++
		compiledJQ.Store(expr, code)
	}
	compiledJQCount.Unlock()
	return code, nil
}

// jqError is Kestra's message for any jq failure, with the cause after it.
func jqError(in any, cause error) error {
	return fmt.Errorf("Unable to parse jq value with type '%s': %w", javaClassName(in), cause)
}

// preview writes a value for an error message, within the budget.
func (c *evalCtx) preview(v any) string {
	s, err := c.str(v)
	if err != nil {
		return describe(v)
	}
	return s
}

// jqContext lends gojq the render's budget: gojq asks for Done before each operation it
// runs, so each one is charged a step, and an exhausted budget closes the channel.
type jqContext struct {
	context.Context
	b *budget
}

var closedDone = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// Done charges the operation gojq is about to run.
func (j *jqContext) Done() <-chan struct{} {
	if j.b.step(1) != nil {
		return closedDone
	}
	return j.Context.Done()
}

// Err is the budget's error once it ran out, else the render's context's.
func (j *jqContext) Err() error {
	if j.b.stop != nil {
		return j.b.stop
	}
	return j.Context.Err()
}

// jqInput turns the filter's input into what gojq reads: text is parsed as JSON (as
// Jackson's readTree does), any other value is converted as Jackson's valueToTree would.
func (c *evalCtx) jqInput(in any, memo *jqMemo) (any, error) {
	if s, ok := in.(string); ok {
		if err := c.b.grow(len(s)); err != nil {
			return nil, err
		}
		if err := c.b.scan(len(s)); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		// Objects read in the order of the text, which jackson-jq keeps.
		v, err := DecodeJSON(dec, func(n json.Number) any { return n })
		if err != nil {
			return nil, fmt.Errorf("the input is not JSON: %v", err)
		}
		if _, err := dec.Token(); err == nil {
			return nil, errors.New("the input is not JSON: unexpected data after the JSON value")
		}
		return c.toJQ(v, memo)
	}
	return c.toJQ(in, memo)
}

// jqMemo is what gojq's values cannot hold but Kestra's jackson-jq keeps: the Floats of the
// input, and the order of its objects' keys (gojq's objects are Go maps). An object jq yields
// with the keys of an input object comes back in that object's order; one jq builds with
// other keys comes back sorted, where jackson-jq would keep the order it was built in.
type jqMemo struct {
	floats map[float64]bool
	orders map[string][]string // by the keys sorted and joined with NUL
}

func keySignature(keys []string) string {
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	return strings.Join(sorted, "\x00")
}

// toJQ converts a template value into gojq's types: int, float64, *big.Int, string, bool,
// nil, []any and map[string]any. Dates become ISO 8601 text, as Jackson writes them. A Java
// Float becomes the double its shortest text reads as (1.123F gives jq 1.123, as Jackson's
// FloatNode does, not 1.1230000257492065), and floats records it, so that fromJQ gives it
// back as a Float.
func (c *evalCtx) toJQ(v any, memo *jqMemo) (any, error) {
	if err := c.b.step(1); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, string, bool, float64, *big.Int:
		return x, nil
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i), nil
		}
		if err := checkNumberLength(x.String()); err != nil {
			return nil, err
		}
		if b, ok := new(big.Int).SetString(x.String(), 10); ok {
			return b, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("cannot read the number %s", x)
		}
		return f, nil
	case time.Time:
		return x.Format("2006-01-02T15:04:05.999999999Z07:00"), nil
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, fmt.Errorf("cannot give jq the number %v", x)
		}
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x), 'g', -1, 32), 64)
		memo.floats[f] = true
		return f, nil
	}
	if i, f, isInt, ok := toNumber(v); ok {
		if isInt {
			return int(i), nil
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("cannot give jq the number %v", f)
		}
		return f, nil
	}
	if list, ok := asList(v); ok {
		out := make([]any, len(list))
		for i, item := range list {
			var err error
			if out[i], err = c.toJQ(item, memo); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if keys, m, ok := AsMap(v); ok {
		if len(keys) > 1 {
			if sig := keySignature(keys); memo.orders[sig] == nil {
				memo.orders[sig] = keys
			}
		}
		out := make(map[string]any, len(m))
		for k, item := range m {
			var err error
			if out[k], err = c.toJQ(item, memo); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if s, ok := v.(fmt.Stringer); ok {
		return s.String(), nil
	}
	return nil, fmt.Errorf("cannot give jq %s", describe(v))
}

// fromJQ converts a value gojq yielded back into template values, and says roughly how many
// bytes it holds. Whole numbers come back as Jackson's javaLongValue gives them: an Integer
// (int32) when they fit, else a Long (int64), so that className and printing agree with
// Kestra. A double equal to a Float of the input comes back a Float, as jackson-jq hands
// back the FloatNode it was given.
func fromJQ(v any, memo *jqMemo) (any, int) {
	switch x := v.(type) {
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			return int32(x), 8
		}
		return int64(x), 8
	case float64:
		if memo.floats[x] {
			return float32(x), 8
		}
		return x, 8
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), 8
		}
		return x, len(x.Bits()) * 8
	case string:
		return x, len(x)
	case []any:
		size := elemBytes * len(x)
		for i := range x {
			var n int
			x[i], n = fromJQ(x[i], memo)
			size += n
		}
		return x, size
	case map[string]any:
		size := elemBytes * len(x)
		for k := range x {
			var n int
			x[k], n = fromJQ(x[k], memo)
			size += n + len(k)
		}
		if len(x) > 1 {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			if order := memo.orders[keySignature(keys)]; order != nil {
				m := NewMap(len(order))
				for _, k := range order {
					m.Set(k, x[k])
				}
				return m, size
			}
		}
		return x, size
	}
	return v, 8
}
