package templating

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
)

// range() builds at most maxRange elements (tags.go, shared with the .. operator): each is a
// step and elemBytes of the budget anyway, and a bound known before the loop keeps a typo
// such as range(0, 1e18) from looping until the budget runs out.

// rangeFunc is Pebble's range(start, end, increment=1): the numbers (or the characters,
// given two one-character strings) from start to end, both included.
func rangeFunc(c *evalCtx, args []any) (any, error) {
	inc := int64(1)
	if args[2] != nil {
		i, ok := javaLongValue(args[2])
		if !ok {
			return nil, fmt.Errorf("The increment of the range function must be a number %s", ToString(args[2]))
		}
		inc = i
	}
	if inc == 0 {
		return nil, errors.New("The increment of the range function must be different than 0")
	}
	var start, end int64
	chars := false
	if a, ok := javaLongValue(args[0]); ok {
		b, ok := javaLongValue(args[1])
		if !ok {
			return nil, errors.New("Arguments of range function must be of type Number or String with a length of 1")
		}
		start, end = a, b
	} else {
		a, okA := args[0].(string)
		b, okB := args[1].(string)
		if !okA || !okB || len([]rune(a)) != 1 || len([]rune(b)) != 1 {
			return nil, errors.New("Arguments of range function must be of type Number or String with a length of 1")
		}
		start, end, chars = int64([]rune(a)[0]), int64([]rune(b)[0]), true
	}
	n := int64(0)
	if (inc > 0 && end >= start) || (inc < 0 && end <= start) {
		n = new(big.Int).Quo(big.NewInt(0).Sub(big.NewInt(end), big.NewInt(start)), big.NewInt(inc)).Int64() + 1
	}
	if n > maxRange {
		return nil, fmt.Errorf("range of %d elements: more than the %d flowctl builds", n, maxRange)
	}
	if err := c.b.step(n); err != nil {
		return nil, err
	}
	if err := c.b.grow(elemBytes * int(n)); err != nil {
		return nil, err
	}
	out := make([]any, 0, n)
	for i, v := int64(0), start; i < n; i, v = i+1, v+inc {
		if chars {
			out = append(out, string(rune(v)))
		} else {
			out = append(out, v)
		}
	}
	return out, nil
}

// extremeFunc is Pebble's min or max over its arguments: numbers compare by value, and the
// winner keeps its type.
func extremeFunc(largest bool) func(*evalCtx, []any) (any, error) {
	return func(_ *evalCtx, args []any) (any, error) {
		var best any
		for _, v := range args {
			if v == nil {
				continue
			}
			if best == nil {
				best = v
				continue
			}
			d, err := compare(v, best)
			if err != nil {
				return nil, err
			}
			if (largest && d > 0) || (!largest && d < 0) {
				best = v
			}
		}
		return best, nil
	}
}

// variadic names the parameters of min and max, which take any number of arguments up to
// this many. Called as the function table is built, on first use: not at start-up.
func variadic() []string {
	out := make([]string, 16)
	for i := range out {
		out[i] = fmt.Sprintf("value%d", i+1)
	}
	return out
}

// uuidFunc is a random (version 4) UUID, as Java's UUID.randomUUID().toString() writes it.
func uuidFunc(*evalCtx, []any) (any, error) {
	b := randomUUID()
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

func randomUUID() [16]byte {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on Linux; a panic is better than a predictable id.
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// idFunc is an id as Kestra's IdUtils.create makes them (execution and task run ids): a
// random UUID written in base62, 22 characters.
func idFunc(*evalCtx, []any) (any, error) {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := randomUUID()
	n := new(big.Int).SetBytes(b[:])
	var out [22]byte
	base, mod := big.NewInt(62), new(big.Int)
	for i := len(out) - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = base62[mod.Int64()]
	}
	return string(out[:]), nil
}

// randomIntFunc is a random whole number from lower (included) to upper (excluded); lower
// when they are equal.
func randomIntFunc(_ *evalCtx, args []any) (any, error) {
	var bounds [2]int64
	for i, name := range []string{"lower", "upper"} {
		v, _, isInt, ok := toNumber(args[i])
		if !ok || !isInt {
			return nil, fmt.Errorf("The 'GenerateRandomNumber' function expects an argument %s with type Integer, got %s", name, describe(args[i]))
		}
		bounds[i] = v
	}
	lower, upper := bounds[0], bounds[1]
	if upper < lower {
		return nil, errors.New("In 'GenerateRandomNumber' upper is less than lower")
	}
	if upper == lower {
		return lower, nil
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Sub(big.NewInt(upper), big.NewInt(lower)))
	if err != nil {
		return nil, err
	}
	return lower + n.Int64(), nil
}

// randomPortFunc is a TCP port free on this machine when it was asked for: the one the
// system gives a listener on port 0 of the loopback address.
func randomPortFunc(*evalCtx, []any) (any, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("randomPort: no free port: %v", err)
	}
	defer l.Close()
	return int64(l.Addr().(*net.TCPAddr).Port), nil
}

// printContextFunc is every variable a template sees, as a map.
func printContextFunc(c *evalCtx, _ []any) (any, error) {
	out := map[string]any{}
	if c.env != nil {
		for k, v := range c.env.Vars {
			out[k] = v
		}
	}
	return out, c.b.step(int64(len(out)))
}

// fileURIFunc is the kestra:// URI of a namespace file of the flow's namespace:
// kestra:///<namespace with / for .>/_files/<path>.
func fileURIFunc(c *evalCtx, args []any) (any, error) {
	path, ok := args[0].(string)
	if !ok {
		return nil, errors.New("The 'fileURI' function expects an argument 'path' that is a path to a namespace file.")
	}
	path = strings.TrimPrefix(path, "/")
	if strings.Contains(path, "../") {
		return nil, errors.New("Path must not contain '../'")
	}
	var ns any
	if c.env != nil {
		if flow, ok := lookup(c.env.Vars["flow"], "namespace"); ok {
			ns = flow
		}
	}
	namespace, ok := ns.(string)
	if !ok || namespace == "" {
		return nil, errors.New("fileURI: the flow's namespace is not known here")
	}
	return "kestra:///" + strings.ReplaceAll(namespace, ".", "/") + "/_files/" + path, nil
}

// renderOnceFunc is render(x, recursive=false).
func renderOnceFunc(c *evalCtx, args []any) (any, error) {
	return renderValue(c, args[0], false)
}

// currentEachOutputFunc picks, in the outputs of a task that runs inside loops (keyed by
// the loop values, outermost first), the one of the current iteration: Kestra's
// currentEachOutput(outputs['t']), short for outputs['t'][parents[1].taskrun.value]
// [parents[0].taskrun.value][taskrun.value].
func currentEachOutputFunc(c *evalCtx, args []any) (any, error) {
	out := args[0]
	if _, ok := asMap(out); !ok {
		return nil, fmt.Errorf("The 'currentEachOutput' function expects an argument 'outputs' with type map, got %s", describe(out))
	}
	var values []any
	if ps, ok := c.lookupVar("parents"); ok {
		list, _ := asList(ps)
		for i := len(list) - 1; i >= 0; i-- {
			if tr, ok := lookup(list[i], "taskrun"); ok {
				if v, ok := lookup(tr, "value"); ok {
					values = append(values, v)
				}
			}
		}
	}
	tr, _ := c.lookupVar("taskrun")
	v, ok := lookup(tr, "value")
	if !ok {
		return nil, errors.New("currentEachOutput: this task is not inside a loop (it has no taskrun.value)")
	}
	values = append(values, v)
	for _, v := range values {
		next, ok := lookup(out, v)
		if !ok {
			return nil, fmt.Errorf("currentEachOutput: no output for the loop value %s: the outputs given must be those of a task in the loops around", describe(v))
		}
		out = next
	}
	return out, nil
}
