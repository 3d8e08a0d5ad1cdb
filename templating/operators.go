package templating

import (
	"fmt"
	"math"
	"strings"
)

// contains is Pebble's contains: an element of a list (every element, when the right side
// is a list too), a key of a map, a substring of a string.
func contains(l, r any) (any, error) {
	switch x := l.(type) {
	case nil:
		return false, nil
	case string:
		return strings.Contains(x, ToString(r)), nil
	}
	if list, ok := asList(l); ok {
		want := []any{r}
		if rl, ok := asList(r); ok {
			want = rl
		}
	outer:
		for _, w := range want {
			for _, item := range list {
				if equal(item, w) {
					continue outer
				}
			}
			return false, nil
		}
		return true, nil
	}
	if m, ok := asMap(l); ok {
		_, ok := m[keyString(r)]
		return ok, nil
	}
	return nil, fmt.Errorf("contains needs a string, list or map on its left, got %s", describe(l))
}

// add is Pebble's +: a string on either side concatenates, a list on the left appends,
// numbers add.
func add(l, r any) (any, error) {
	_, ls := l.(string)
	_, rs := r.(string)
	if ls || rs {
		return ToString(l) + ToString(r), nil
	}
	if list, ok := asList(l); ok {
		out := append([]any{}, list...)
		if rl, ok := asList(r); ok {
			return append(out, rl...), nil
		}
		return append(out, r), nil
	}
	return arith("+", l, r)
}

// arith applies + - * / % to two numbers: integers stay integers (7 / 2 is 3, as in Java),
// a float on either side makes a float.
func arith(op string, l, r any) (any, error) {
	li, lf, lInt, lok := toNumber(l)
	ri, rf, rInt, rok := toNumber(r)
	if !lok || !rok {
		return nil, fmt.Errorf("%s needs two numbers, got %s and %s", op, describe(l), describe(r))
	}
	if lInt && rInt {
		switch op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		}
		if ri == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		if op == "/" {
			return li / ri, nil
		}
		return li % ri, nil
	}
	x, y := toFloat(li, lf, lInt), toFloat(ri, rf, rInt)
	switch op {
	case "+":
		return x + y, nil
	case "-":
		return x - y, nil
	case "*":
		return x * y, nil
	}
	if y == 0 {
		return nil, fmt.Errorf("division by zero")
	}
	if op == "/" {
		return x / y, nil
	}
	return math.Mod(x, y), nil
}
