package templating

import (
	"fmt"
	"math"
	"strings"
)

// contains is Pebble's contains: an element of a list (every element, when the right side
// is a list too), a key of a map, a substring of a string.
func (c *evalCtx) contains(l, r any) (any, error) {
	switch x := l.(type) {
	case nil:
		return false, nil
	case string:
		s, err := c.str(r)
		return strings.Contains(x, s), err
	}
	if list, ok := asList(l); ok {
		want := []any{r}
		if rl, ok := asList(r); ok {
			want = rl
		}
	outer:
		for _, w := range want {
			for _, item := range list {
				eq, err := c.equal(item, w)
				if err != nil {
					return nil, err
				}
				if eq {
					continue outer
				}
			}
			return false, nil
		}
		return true, nil
	}
	if m, ok := asMap(l); ok {
		k, err := c.scalar(r)
		if err != nil {
			return nil, err
		}
		_, ok := m[keyString(k)]
		return ok, nil
	}
	return nil, fmt.Errorf("contains needs a string, list or map on its left, got %s", describe(l))
}

// concat is ~: both sides as text, joined. The size is charged before the string is built.
func (c *evalCtx) concat(l, r any) (any, error) {
	return c.joinText(l, r, "")
}

// joinText writes l and r one after the other as Java's toString does, which Pebble's
// ConcatenateExpression (~, and string interpolation) and its + on strings call: a list is
// [a, b] and a map {k=v} (not JSON), and null is nullText: nothing for ~, "null" for +
// (String.valueOf).
func (c *evalCtx) joinText(l, r any, nullText string) (any, error) {
	ls, err := c.javaText(l, nullText)
	if err != nil {
		return nil, err
	}
	rs, err := c.javaText(r, nullText)
	if err != nil {
		return nil, err
	}
	if err := c.b.grow(len(ls) + len(rs)); err != nil {
		return nil, err
	}
	return ls + rs, nil
}

// javaText is v as Java's toString writes it, within the budget (its JSON is charged first).
func (c *evalCtx) javaText(v any, nullText string) (string, error) {
	switch v.(type) {
	case nil:
		return nullText, nil
	case string:
		return v.(string), nil
	}
	if _, _, ok := AsMap(v); ok {
		if _, err := c.json(v); err != nil {
			return "", err
		}
		return javaToString(v), nil
	}
	if _, ok := asList(v); ok {
		if _, isBytes := v.([]byte); !isBytes {
			if _, err := c.json(v); err != nil {
				return "", err
			}
			return javaToString(v), nil
		}
	}
	return c.str(v)
}

// add is Pebble's +: a string on either side concatenates, a list on the left appends,
// numbers add.
func (c *evalCtx) add(l, r any) (any, error) {
	_, ls := l.(string)
	_, rs := r.(string)
	if ls || rs {
		return c.joinText(l, r, "null")
	}
	if list, ok := asList(l); ok {
		rl, ok := asList(r)
		if !ok {
			rl = []any{r}
		}
		if err := c.b.grow(elemBytes * (len(list) + len(rl))); err != nil {
			return nil, err
		}
		out := make([]any, 0, len(list)+len(rl))
		return append(append(out, list...), rl...), nil
	}
	return arith("+", l, r)
}

// subtractFromList is Pebble's - with a list on the left (OperatorUtils.subtractFromList):
// a list on the right takes away every element equal to one of its own, any other value
// only the first element equal to it. The list is copied, never changed.
func (c *evalCtx) subtractFromList(list []any, r any) (any, error) {
	out := make([]any, 0, len(list))
	if rl, ok := asList(r); ok {
	next:
		for _, item := range list {
			for _, gone := range rl {
				eq, err := c.equal(item, gone)
				if err != nil {
					return nil, err
				}
				if eq {
					continue next
				}
			}
			out = append(out, item)
		}
		return out, c.b.grow(elemBytes * len(out))
	}
	removed := false
	for _, item := range list {
		if !removed {
			eq, err := c.equal(item, r)
			if err != nil {
				return nil, err
			}
			if eq {
				removed = true
				continue
			}
		}
		out = append(out, item)
	}
	return out, c.b.grow(elemBytes * len(out))
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
