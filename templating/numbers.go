package templating

import (
	"math"
	"strconv"
	"strings"
)

// javaDouble writes a floating-point number as Java's Double.toString (Float.toString for
// bits 32) does, which Kestra's output and Jackson's JSON both use: a double always has a
// point ("6.0"), and below 10^-3 or from 10^7 on it is written in scientific notation
// ("1.0E21", "1.25E-5"). The digits are the shortest that read back as the same number, as
// Java 19 and later give them.
func javaDouble(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if abs := math.Abs(f); abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, bits)
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
