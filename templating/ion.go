package templating

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Amazon Ion text, as Kestra's toIon filter and fromIon function read and write it (Kestra
// stores task outputs as Ion).

// toIonFilter writes a value as Ion text, as Jackson's Ion writer does: strings in double
// quotes, map keys as symbols (quoted with ' unless they are identifiers), doubles with an
// exponent (1.5e0), dates annotated ZonedDateTime::. null is the text "null".
func toIonFilter(c *evalCtx, in any, _ []any) (any, error) {
	var b strings.Builder
	if err := c.writeIon(&b, in); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func (c *evalCtx) writeIon(b *strings.Builder, v any) error {
	if err := c.b.step(1); err != nil {
		return err
	}
	if err := c.b.fits(b.Len()); err != nil {
		return err
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
		return nil
	case string:
		writeIonString(b, x, '"')
		return nil
	case bool:
		b.WriteString(strconv.FormatBool(x))
		return nil
	case float64:
		b.WriteString(ionFloat(x, 64))
		return nil
	case float32:
		// Jackson widens a Float to a double: 1.123F is written 1.1230000257492065e0.
		b.WriteString(ionFloat(float64(x), 64))
		return nil
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			s += "."
		}
		b.WriteString(strings.NewReplacer("e", "d", "E", "d").Replace(s))
		return nil
	case *big.Int:
		b.WriteString(x.String())
		return nil
	case time.Time:
		b.WriteString(`ZonedDateTime::"` + x.Format(isoOffsetDateTime) + `"`)
		return nil
	}
	if _, _, _, ok := toNumber(v); ok {
		b.WriteString(ToString(v))
		return nil
	}
	if list, ok := asList(v); ok {
		b.WriteByte('[')
		for i, item := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := c.writeIon(b, item); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	if m, ok := asMap(v); ok {
		b.WriteByte('{')
		for i, k := range sortedKeys(m) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(ionSymbol(k))
			b.WriteByte(':')
			if err := c.writeIon(b, m[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	}
	return fmt.Errorf("Unable to transform to ion value with type '%s'", javaClassName(v))
}

// ionFloat is Ion's float: Java's Double.toString with an exponent always written.
func ionFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "+inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strings.Replace(javaDouble(f, bits), "E", "e", 1)
	if !strings.Contains(s, "e") {
		s += "e0"
	}
	return s
}

// ionKeywords cannot be written as bare symbols.
var ionKeywords = map[string]bool{"null": true, "true": true, "false": true, "nan": true}

// ionSymbol writes a symbol bare when it is an identifier, else in single quotes.
func ionSymbol(s string) string {
	if s != "" && !ionKeywords[s] && (s[0] == '_' || s[0] == '$' || ionLetter(s[0])) {
		ok := true
		for i := 1; i < len(s); i++ {
			ch := s[i]
			if !(ch == '_' || ch == '$' || ionLetter(ch) || ch >= '0' && ch <= '9') {
				ok = false
				break
			}
		}
		if ok {
			return s
		}
	}
	return ionString(s, '\'')
}

func ionLetter(ch byte) bool { return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' }

// ionString quotes s with q, escaping as Ion does.
func ionString(s string, q byte) string {
	var b strings.Builder
	writeIonString(&b, s, q)
	return b.String()
}

// writeIonString writes s quoted with q to b, escaping as Ion does; a string with nothing
// to escape is written in one piece.
func writeIonString(b *strings.Builder, s string, q byte) {
	b.WriteByte(q)
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == q || c == '\\' || c < 0x20 || c == 0x7f {
			plain = false
			break
		}
	}
	if plain && utf8.ValidString(s) {
		b.WriteString(s)
		b.WriteByte(q)
		return
	}
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
}

// fromIonFunc reads Ion text: structs become maps, lists and s-expressions lists, symbols
// and strings text, timestamps their text, blobs and clobs their base64 text; annotations
// are dropped. Whole numbers come back as Integer (int32) when they fit, else Long.
func fromIonFunc(c *evalCtx, args []any) (any, error) {
	if args[0] == nil {
		return nil, nil
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("The 'fromIon' function expects an argument 'ion' with type string.")
	}
	if err := c.b.grow(len(s)); err != nil {
		return nil, err
	}
	if err := c.b.scan(len(s) * 8); err != nil {
		return nil, err
	}
	p := &ionParser{s: s}
	v, err := p.value(0)
	if err == nil {
		p.space()
		if p.i < len(p.s) {
			err = p.fail("unexpected data after the value")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("Invalid ion: %v", err)
	}
	return v, nil
}

type ionParser struct {
	s string
	i int
	// ordered reads structs as Maps in the order of the text (a record's columns).
	ordered bool
}

func (p *ionParser) fail(msg string) error {
	return fmt.Errorf("%s at offset %d", msg, p.i)
}

// space skips white space and comments.
func (p *ionParser) space() {
	for p.i < len(p.s) {
		switch {
		case strings.ContainsRune(" \t\n\r\f\v", rune(p.s[p.i])):
			p.i++
		case strings.HasPrefix(p.s[p.i:], "//"):
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		case strings.HasPrefix(p.s[p.i:], "/*"):
			end := strings.Index(p.s[p.i+2:], "*/")
			if end < 0 {
				p.i = len(p.s)
				return
			}
			p.i += end + 4
		default:
			return
		}
	}
}

const maxIonDepth = 64

func (p *ionParser) value(depth int) (any, error) {
	if depth > maxIonDepth {
		return nil, p.fail(fmt.Sprintf("nested more than %d deep", maxIonDepth))
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end of input")
	}
	switch ch := p.s[p.i]; {
	case ch == '{' && strings.HasPrefix(p.s[p.i:], "{{"):
		return p.lob()
	case ch == '{':
		return p.structure(depth)
	case ch == '[':
		p.i++
		return p.sequence(']', depth)
	case ch == '(':
		p.i++
		return p.sequence(')', depth)
	case ch == '"':
		return p.quoted('"')
	case ch == '\'' && strings.HasPrefix(p.s[p.i:], "'''"):
		return p.long()
	case ch == '\'':
		sym, err := p.quoted('\'')
		if err != nil {
			return nil, err
		}
		return p.annotated(sym, depth)
	}
	tok := p.token()
	if tok == "" {
		return nil, p.fail(fmt.Sprintf("unexpected %q", p.s[p.i]))
	}
	switch {
	case tok == "null" || strings.HasPrefix(tok, "null."):
		return nil, nil
	case tok == "true":
		return true, nil
	case tok == "false":
		return false, nil
	case tok == "nan":
		return math.NaN(), nil
	case tok == "+inf":
		return math.Inf(1), nil
	case tok == "-inf":
		return math.Inf(-1), nil
	case tok[0] == '-' || tok[0] == '+' || tok[0] >= '0' && tok[0] <= '9':
		return ionNumber(tok)
	}
	return p.annotated(tok, depth)
}

// annotated reads what follows a symbol: "::" makes it an annotation of the next value.
func (p *ionParser) annotated(sym string, depth int) (any, error) {
	save := p.i
	p.space()
	if strings.HasPrefix(p.s[p.i:], "::") {
		p.i += 2
		return p.value(depth)
	}
	p.i = save
	return sym, nil
}

// token reads a run of characters that may make up a symbol, a number or a timestamp.
// fieldName reads a struct's field name written bare: an identifier, which a token could
// run on past (the colon after tiv_2011 would read as a timestamp's).
func (p *ionParser) fieldName() string {
	start := p.i
	for p.i < len(p.s) {
		ch := p.s[p.i]
		if ch != '_' && ch != '$' && !ionLetter(ch) && !ionDigit(ch) {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

func (p *ionParser) token() string {
	start := p.i
	for p.i < len(p.s) {
		ch := p.s[p.i]
		if ch == '_' || ch == '$' || ch == '.' || ch == '-' || ch == '+' || ch == ':' && !strings.HasPrefix(p.s[p.i:], "::") && p.i > start && ionDigit(p.s[p.i-1]) ||
			ionLetter(ch) || ionDigit(ch) {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func ionDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

// ionNumber reads an int, a decimal, a float or a timestamp (kept as its text).
func ionNumber(tok string) (any, error) {
	if err := checkNumberLength(tok); err != nil {
		return nil, err
	}
	t := strings.ReplaceAll(tok, "_", "")
	if len(t) >= 5 && ionDigit(t[0]) && (t[4] == '-' || t[4] == 'T') {
		return tok, nil // a timestamp
	}
	if h, neg := strings.CutPrefix(t, "-"); strings.HasPrefix(h, "0x") || strings.HasPrefix(h, "0b") {
		base := 16
		if h[1] == 'b' {
			base = 2
		}
		b, ok := new(big.Int).SetString(h[2:], base)
		if !ok {
			return nil, fmt.Errorf("invalid number %q", tok)
		}
		if neg {
			b.Neg(b)
		}
		return narrowInt(b), nil
	}
	if !strings.ContainsAny(t, ".eEdD") {
		b, ok := new(big.Int).SetString(t, 10)
		if !ok {
			return nil, fmt.Errorf("invalid number %q", tok)
		}
		return narrowInt(b), nil
	}
	f, err := strconv.ParseFloat(strings.NewReplacer("d", "e", "D", "e").Replace(t), 64)
	if err != nil {
		return nil, fmt.Errorf("invalid number %q", tok)
	}
	return f, nil
}

func (p *ionParser) structure(depth int) (any, error) {
	p.i++ // {
	out := map[string]any{}
	var keys []string
	for {
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return p.record(out, keys), nil
		}
		var key string
		var err error
		switch {
		case p.i >= len(p.s):
			return nil, p.fail("unclosed struct")
		case p.s[p.i] == '"' || p.s[p.i] == '\'':
			if strings.HasPrefix(p.s[p.i:], "'''") {
				key, err = p.long()
			} else {
				key, err = p.quoted(p.s[p.i])
			}
		default:
			key = p.fieldName()
			if key == "" {
				return nil, p.fail("expected a field name")
			}
		}
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expected ':' after a field name")
		}
		p.i++
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; !dup {
			keys = append(keys, key)
		}
		out[key] = v
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return p.record(out, keys), nil
		}
		return nil, p.fail("expected ',' or '}' in a struct")
	}
}

// record is a struct as read: a Map in the order of the text when the parser is ordered.
func (p *ionParser) record(m map[string]any, keys []string) any {
	if !p.ordered {
		return m
	}
	out := NewMap(len(keys))
	for _, k := range keys {
		out.Set(k, m[k])
	}
	return out
}

func (p *ionParser) sequence(end byte, depth int) (any, error) {
	out := []any{}
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, p.fail("unclosed list")
		}
		if p.s[p.i] == end {
			p.i++
			return out, nil
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p.space()
		if end == ']' && p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
		}
	}
}

// quoted reads a string or a symbol between q quotes.
func (p *ionParser) quoted(q byte) (string, error) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		ch := p.s[p.i]
		switch {
		case ch == q:
			p.i++
			return b.String(), nil
		case ch == '\\':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			r, n := utf8.DecodeRuneInString(p.s[p.i:])
			b.WriteRune(r)
			p.i += n
		}
	}
	return "", p.fail("unclosed string")
}

// long reads one or more ”'long strings”', which join.
func (p *ionParser) long() (string, error) {
	var b strings.Builder
	for strings.HasPrefix(p.s[p.i:], "'''") {
		p.i += 3
		for {
			if p.i >= len(p.s) {
				return "", p.fail("unclosed long string")
			}
			if strings.HasPrefix(p.s[p.i:], "'''") {
				p.i += 3
				break
			}
			if p.s[p.i] == '\\' {
				if err := p.escape(&b); err != nil {
					return "", err
				}
				continue
			}
			b.WriteByte(p.s[p.i])
			p.i++
		}
		save := p.i
		p.space()
		if !strings.HasPrefix(p.s[p.i:], "'''") {
			p.i = save
		}
	}
	return b.String(), nil
}

func (p *ionParser) escape(b *strings.Builder) error {
	if p.i+1 >= len(p.s) {
		return p.fail("unfinished escape")
	}
	ch := p.s[p.i+1]
	p.i += 2
	simple := map[byte]string{'n': "\n", 't': "\t", 'r': "\r", '0': "\x00", 'a': "\a", 'b': "\b", 'f': "\f", 'v': "\v",
		'"': `"`, '\'': "'", '\\': `\`, '/': "/", '?': "?", '\n': ""}
	if s, ok := simple[ch]; ok {
		b.WriteString(s)
		return nil
	}
	n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[ch]
	if n == 0 || p.i+n > len(p.s) {
		return p.fail("invalid escape")
	}
	r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
	if err != nil {
		return p.fail("invalid escape")
	}
	b.WriteRune(rune(r))
	p.i += n
	return nil
}

// lob reads a {{ blob }} (base64, kept as its text) or a {{ "clob" }} (its text).
func (p *ionParser) lob() (any, error) {
	end := strings.Index(p.s[p.i:], "}}")
	if end < 0 {
		return nil, p.fail("unclosed blob")
	}
	body := strings.TrimSpace(p.s[p.i+2 : p.i+end])
	p.i += end + 2
	if strings.HasPrefix(body, `"`) || strings.HasPrefix(body, "'''") {
		q := &ionParser{s: body}
		if body[0] == '"' {
			return q.quoted('"')
		}
		return q.long()
	}
	clean := strings.Join(strings.Fields(body), "")
	if _, err := base64.StdEncoding.DecodeString(clean); err != nil {
		return nil, p.fail("invalid blob")
	}
	return clean, nil
}
