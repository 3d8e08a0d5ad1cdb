package templating

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// numberFilter is Kestra's number: text read as a number of the Java type asked for (INT,
// FLOAT, LONG, DOUBLE, BIGDECIMAL, BIGINTEGER) or, without a type, of the smallest type that
// holds it, as Apache Commons' NumberUtils.createNumber chooses: an Integer, a Long or a
// BigInteger for whole numbers, a Float when it prints the same as the Double would, else a
// Double. Integer, Float, BigDecimal and BigInteger are held as int32, float32, json.Number
// and *big.Int, so that className names them as Kestra does.
func numberFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	s, ok := in.(string)
	if !ok {
		return nil, fmt.Errorf("'number' filter can only be applied to String. Actual type was: %s", javaClassName(in))
	}
	kind, err := stringArg("type", args[0], "")
	if err != nil {
		return nil, err
	}
	if err := checkNumberLength(s); err != nil {
		return nil, err
	}
	bad := fmt.Errorf("For input string: \"%s\"", abbreviateText(s, 64))
	switch kind {
	case "INT":
		i, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, bad
		}
		return int32(i), nil
	case "LONG":
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad
		}
		return i, nil
	case "FLOAT":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 32)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, bad
		}
		return float32(f), nil
	case "DOUBLE":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, bad
		}
		return f, nil
	case "BIGDECIMAL":
		if _, ok := new(big.Float).SetString(s); !ok || strings.ContainsAny(s, "xXpP_ ") {
			return nil, bad
		}
		return json.Number(strings.TrimPrefix(s, "+")), nil
	case "BIGINTEGER":
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, bad
		}
		return b, nil
	}
	return createNumber(s)
}

// maxNumberLength is Jackson's limit on the digits of a number (StreamReadConstraints):
// reading a decimal number into a big integer takes time that grows faster than its length.
const maxNumberLength = 1000

// checkNumberLength refuses a number longer than maxNumberLength, as Jackson does.
func checkNumberLength(s string) error {
	if len(s) > maxNumberLength {
		return fmt.Errorf("Number value length (%d) exceeds the maximum allowed (%d)", len(s), maxNumberLength)
	}
	return nil
}

// createNumber is NumberUtils.createNumber for decimal text (and 0x hexadecimal integers).
func createNumber(s string) (any, error) {
	bad := fmt.Errorf("%s is not a valid number.", abbreviateText(s, 64))
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, errors.New("A blank string is not a valid number")
	}
	if h, neg := strings.CutPrefix(t, "-"); strings.HasPrefix(h, "0x") || strings.HasPrefix(h, "0X") {
		b, ok := new(big.Int).SetString(h[2:], 16)
		if !ok {
			return nil, bad
		}
		if neg {
			b.Neg(b)
		}
		return narrowInt(b), nil
	}
	// A trailing type letter, as in 10L or 1.5f, asks for that type.
	switch last := t[len(t)-1]; last {
	case 'l', 'L':
		i, err := strconv.ParseInt(t[:len(t)-1], 10, 64)
		if err != nil {
			if b, ok := new(big.Int).SetString(t[:len(t)-1], 10); ok {
				return b, nil
			}
			return nil, bad
		}
		return i, nil
	case 'f', 'F':
		f, err := strconv.ParseFloat(t[:len(t)-1], 32)
		if err != nil {
			return nil, bad
		}
		return float32(f), nil
	case 'd', 'D':
		f, err := strconv.ParseFloat(t[:len(t)-1], 64)
		if err != nil {
			return nil, bad
		}
		return f, nil
	}
	if !strings.ContainsAny(t, ".eE") {
		b, ok := new(big.Int).SetString(t, 10)
		if !ok {
			return nil, bad
		}
		return narrowInt(b), nil
	}
	d, err := strconv.ParseFloat(t, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, bad
	}
	if f := float32(d); !math.IsInf(float64(f), 0) &&
		strconv.FormatFloat(float64(f), 'g', -1, 32) == strconv.FormatFloat(d, 'g', -1, 64) {
		return f, nil
	}
	if !math.IsInf(d, 0) {
		return d, nil
	}
	return json.Number(t), nil
}

// narrowInt is a whole number in the smallest of Integer, Long and BigInteger that holds it.
func narrowInt(b *big.Int) any {
	if !b.IsInt64() {
		return b
	}
	if i := b.Int64(); i >= math.MinInt32 && i <= math.MaxInt32 {
		return int32(i)
	}
	return b.Int64()
}

// numberFormatFilter is Pebble's numberformat, which Kestra renames numberFormat (its
// ExtensionCustomizer removes numberformat, so that name is an unknown filter there as here):
// a number written with a java.text
// DecimalFormat pattern (English symbols), or "#,##0.###" (NumberFormat.getInstance) without
// one.
func numberFormatFilter(_ *evalCtx, in any, args []any) (any, error) {
	if in == nil {
		return nil, nil
	}
	if _, _, _, ok := toNumber(in); !ok {
		if _, ok := in.(*big.Int); !ok {
			return nil, errors.New("The input for the 'NumberFormat' filter has to be a number.")
		}
	}
	pattern, err := stringArg("format", args[0], "#,##0.###")
	if err != nil {
		return nil, err
	}
	f, err := parseDecimalFormat(pattern)
	if err != nil {
		return nil, err
	}
	return f.format(in), nil
}

// decimalFormat is a compiled DecimalFormat pattern.
type decimalFormat struct {
	prefix, suffix   string
	minInt           int
	minFrac, maxFrac int
	grouping         int // digits per group; 0: no grouping
	multiplier       int64
}

// maxDecimalPattern bounds a numberformat pattern; a real one is a dozen characters.
const maxDecimalPattern = 256

// parseDecimalFormat compiles the positive part of a DecimalFormat pattern: a prefix, the
// digits (0 a digit always written, # one written when needed, the last , setting the
// grouping size, . the decimal point) and a suffix; text in single quotes is literal; % and
// ‰ in the affixes multiply by 100 and 1000.
func parseDecimalFormat(p string) (*decimalFormat, error) {
	if len(p) > maxDecimalPattern {
		return nil, fmt.Errorf("number format pattern of %d bytes: longer than the %d flowctl accepts", len(p), maxDecimalPattern)
	}
	f := &decimalFormat{multiplier: 1}
	var affix strings.Builder
	phase := 0 // 0 prefix, 1 number, 2 suffix
	lastComma, digitsAfterComma, seenComma, seenDot := false, 0, false, false
	runes := []rune(p)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if r == ';' {
			break // the negative pattern: Java's default (a minus sign before) is used
		}
		if phase != 1 && strings.ContainsRune("0#,.", r) {
			if phase == 2 {
				return nil, fmt.Errorf("invalid number format %q: unquoted %q after the suffix began", p, r)
			}
			f.prefix, phase = affix.String(), 1
			affix.Reset()
		}
		if phase == 1 {
			switch r {
			case '0', '#':
				if seenDot {
					f.maxFrac++
					if r == '0' {
						if f.maxFrac != f.minFrac+1 {
							return nil, fmt.Errorf("invalid number format %q: 0 after # in the fraction", p)
						}
						f.minFrac++
					}
				} else {
					if r == '0' {
						f.minInt++
					}
					if seenComma {
						digitsAfterComma++
					}
				}
				lastComma = false
				continue
			case ',':
				if seenDot {
					return nil, fmt.Errorf("invalid number format %q: grouping separator after the decimal point", p)
				}
				seenComma, lastComma, digitsAfterComma = true, true, 0
				continue
			case '.':
				if seenDot {
					return nil, fmt.Errorf("invalid number format %q: two decimal points", p)
				}
				seenDot = true
				continue
			case 'E':
				return nil, fmt.Errorf("invalid number format %q: scientific notation is not supported by flowctl yet", p)
			}
			phase = 2
		}
		switch r {
		case '\'':
			j := i + 1
			for j < len(runes) && runes[j] != '\'' {
				j++
			}
			if j == i+1 {
				affix.WriteRune('\'')
			} else {
				affix.WriteString(string(runes[i+1 : j]))
			}
			i = j
		case '%':
			f.multiplier = 100
			affix.WriteRune(r)
		case '‰':
			f.multiplier = 1000
			affix.WriteRune(r)
		case '¤':
			affix.WriteString("$")
		default:
			affix.WriteRune(r)
		}
	}
	if phase == 0 {
		return nil, fmt.Errorf("invalid number format %q: no digits (0 or #)", p)
	}
	if phase == 1 {
		f.suffix = ""
	} else {
		f.suffix = affix.String()
	}
	if lastComma {
		return nil, fmt.Errorf("invalid number format %q: the grouping separator ends the digits", p)
	}
	if seenComma {
		f.grouping = digitsAfterComma
	}
	if f.minInt == 0 && f.maxFrac == 0 {
		f.minInt = 1
	}
	return f, nil
}

// format writes a number: the exact decimal value of the number, rounded half-even to the
// pattern's fraction digits, as DecimalFormat does.
func (f *decimalFormat) format(v any) string {
	var digits string // the absolute value, in decimal
	neg := false
	if b, ok := v.(*big.Int); ok {
		neg = b.Sign() < 0
		digits = new(big.Int).Mul(new(big.Int).Abs(b), big.NewInt(f.multiplier)).String()
	} else if i, x, isInt, _ := toNumber(v); isInt {
		b := new(big.Int).Mul(big.NewInt(i), big.NewInt(f.multiplier))
		neg = b.Sign() < 0
		digits = b.Abs(b).String()
	} else {
		if math.IsNaN(x) {
			return "NaN"
		}
		if math.IsInf(x, 0) {
			s := f.prefix + "∞" + f.suffix
			if x < 0 {
				s = "-" + s
			}
			return s
		}
		neg = x < 0 || (x == 0 && math.Signbit(x))
		exact := new(big.Float).SetPrec(2048).SetFloat64(math.Abs(x))
		exact.Mul(exact, new(big.Float).SetInt64(f.multiplier))
		digits = exact.Text('f', 1100)
		digits = strings.TrimRight(strings.TrimRight(digits, "0"), ".")
	}
	intPart, frac, _ := strings.Cut(digits, ".")
	intPart, frac = roundHalfEven(intPart, frac, f.maxFrac)
	frac = strings.TrimRight(frac, "0")
	for len(frac) < f.minFrac {
		frac += "0"
	}
	intPart = strings.TrimLeft(intPart, "0")
	for len(intPart) < f.minInt {
		intPart = "0" + intPart
	}
	if f.grouping > 0 {
		var b strings.Builder
		for i, d := range intPart {
			if i > 0 && (len(intPart)-i)%f.grouping == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(d)
		}
		intPart = b.String()
	}
	s := intPart
	if frac != "" {
		s += "." + frac
	}
	if neg && strings.Trim(s, "0.,") != "" {
		return "-" + f.prefix + s + f.suffix
	}
	return f.prefix + s + f.suffix
}

// roundHalfEven rounds the decimal intPart.frac to n fraction digits.
func roundHalfEven(intPart, frac string, n int) (string, string) {
	if len(frac) <= n {
		return intPart, frac
	}
	keep, rest := frac[:n], frac[n:]
	up := false
	switch {
	case rest[0] > '5':
		up = true
	case rest[0] == '5':
		if strings.Trim(rest[1:], "0") != "" {
			up = true
		} else {
			last := byte('0')
			if n > 0 {
				last = keep[n-1]
			} else if intPart != "" {
				last = intPart[len(intPart)-1]
			}
			up = (last-'0')%2 == 1
		}
	}
	if !up {
		return intPart, keep
	}
	all := []byte(intPart + keep)
	i := len(all) - 1
	for ; i >= 0; i-- {
		if all[i] == '9' {
			all[i] = '0'
			continue
		}
		all[i]++
		break
	}
	if i < 0 {
		all = append([]byte{'1'}, all...)
	}
	return string(all[:len(all)-n]), string(all[len(all)-n:])
}
