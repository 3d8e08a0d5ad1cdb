package templating

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind is the class of a lexical token inside an expression.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokName           // identifiers and word operators (and, or, not, contains, is, true...)
	tokInt            // integer literal
	tokFloat          // decimal literal
	tokString         // quoted string; val holds the unescaped value
	tokInterp         // double-quoted string with #{ } inside; parts holds its pieces
	tokPunct          // operators and punctuation; val holds the symbol
)

// token is one lexical unit of an expression. Offsets are into the whole template source, so
// an error can point at the exact column without any translation.
type token struct {
	kind tokKind
	val  string
	pos  int // byte offset of the first character
	end  int // byte offset just past the last character
	// parts are the pieces of an interpolated string, in order: text, or the tokens of one
	// #{ } expression.
	parts []strPart
}

// strPart is a piece of an interpolated string: text, or an expression's tokens.
type strPart struct {
	text string
	toks []token
	pos  int // offset of the piece, for an empty #{ }
}

// closer says which delimiter ends the expression being lexed.
type closer uint8

const (
	closeBraces  closer = iota // }} (or -}} with whitespace control)
	closeAngles                // >> preceded by white space, not followed by > (or ->>)
	closePercent               // %} (or -%}) of a block tag
	closeInterp                // } of a #{ } inside a double-quoted string
)

// lexResult is what lexing one tag produced.
type lexResult struct {
	toks      []token
	end       int  // offset just past the closing delimiter
	trimRight bool // the tag closed with -}}: white space after it is dropped
}

// lexError is a lexical failure. eof says the end of the template came first, so the tag may
// simply be unclosed; plain says nothing else (a bracket, a quote) is to blame.
type lexError struct {
	pos   int
	msg   string
	eof   bool
	plain bool
}

// punctuation lists the symbols of the grammar, longest first so that "??" wins over "?".
var punctuation = []string{
	"???", "??", "==", "!=", "<=", ">=", "..",
	"(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "?", "~", "+", "-", "*", "/", "%", "<", ">", "=",
}

// closing pairs each opening bracket with the one that closes it.
var closing = map[byte]byte{'(': ')', '[': ']', '{': '}'}

// maxBracketDepth bounds nesting so that hostile input cannot exhaust the stack later on.
const maxBracketDepth = 64

// lexExpr tokenizes the expression that starts at src[start:] and ends at the closing
// delimiter of kind c found at bracket depth zero, never reading at or past limit. Tracking
// brackets lets a map literal end with "}}" inside {{ ... }} without closing the tag.
func lexExpr(src string, start, limit int, c closer) (lexResult, *lexError) {
	return lexNested(src, start, limit, c, 0)
}

// maxInterpolationDepth bounds #{ } inside #{ }, as maxBracketDepth bounds brackets.
const maxInterpolationDepth = 16

// lexNested is lexExpr for an expression inside depth string interpolations.
func lexNested(src string, start, limit int, c closer, depth int) (lexResult, *lexError) {
	var r lexResult
	var open []int // offsets of the brackets not closed yet
	i := start
	for {
		for i < limit && isSpace(src[i]) {
			i++
		}
		if i >= limit {
			if len(open) > 0 {
				// The closing delimiter was read as brackets: blame the one left open.
				at := open[len(open)-1]
				return r, &lexError{pos: at, msg: "unclosed " + quoteChar(src, at), eof: true}
			}
			return r, &lexError{pos: i, msg: "unexpected end of template", eof: true, plain: true}
		}
		if len(open) == 0 {
			switch c {
			case closeBraces:
				if strings.HasPrefix(src[i:limit], "}}") {
					r.end = i + 2
					return r, nil
				}
				if strings.HasPrefix(src[i:limit], "-}}") {
					r.end, r.trimRight = i+3, true
					return r, nil
				}
			case closeAngles:
				if strings.HasPrefix(src[i:limit], ">>") && i > start && isSpace(src[i-1]) &&
					(i+2 >= limit || src[i+2] != '>') {
					r.end = i + 2
					return r, nil
				}
				if strings.HasPrefix(src[i:limit], "->>") && i > start && isSpace(src[i-1]) &&
					(i+3 >= limit || src[i+3] != '>') {
					r.end, r.trimRight = i+3, true
					return r, nil
				}
			case closePercent:
				if strings.HasPrefix(src[i:limit], "%}") {
					r.end = i + 2
					return r, nil
				}
				if strings.HasPrefix(src[i:limit], "-%}") {
					r.end, r.trimRight = i+3, true
					return r, nil
				}
			case closeInterp:
				if src[i] == '}' {
					r.end = i + 1
					return r, nil
				}
			}
		}
		// "<<" can never be part of an expression; stopping there keeps a line full of
		// heredoc markers linear to scan.
		if c == closeAngles && strings.HasPrefix(src[i:limit], "<<") {
			return r, &lexError{pos: i, msg: "unexpected `<<`"}
		}
		ch := src[i]
		switch {
		case isNameStart(ch) || ch >= utf8.RuneSelf && nameRuneAt(src, i, limit, false) > 0:
			j := i
			for j < limit {
				n := nameRuneAt(src, j, limit, j > i)
				if n == 0 {
					break
				}
				j += n
			}
			r.toks = append(r.toks, token{kind: tokName, val: src[i:j], pos: i, end: j})
			i = j
		case isDigit(ch):
			j := i + 1
			for j < limit && isDigit(src[j]) {
				j++
			}
			kind := tokInt
			// A dot makes a decimal only when a digit follows, so list.0.name stays a path.
			if j+1 < limit && src[j] == '.' && isDigit(src[j+1]) {
				kind = tokFloat
				j += 2
				for j < limit && isDigit(src[j]) {
					j++
				}
			}
			r.toks = append(r.toks, token{kind: kind, val: src[i:j], pos: i, end: j})
			i = j
		case ch == '\'' || ch == '"':
			t, err := lexString(src, i, limit, depth)
			if err != nil {
				return r, err
			}
			r.toks = append(r.toks, t)
			i = t.end
		default:
			sym := ""
			for _, p := range punctuation {
				if strings.HasPrefix(src[i:limit], p) {
					sym = p
					break
				}
			}
			if sym == "" {
				return r, &lexError{pos: i, msg: "unexpected character " + quoteChar(src, i)}
			}
			switch sym {
			case "(", "[", "{":
				open = append(open, i)
				if len(open) > maxBracketDepth {
					return r, &lexError{pos: i, msg: "expression nested too deeply"}
				}
			case ")", "]", "}":
				if len(open) > 0 {
					at := open[len(open)-1]
					if closing[src[at]] != sym[0] {
						return r, &lexError{pos: at, msg: "unclosed " + quoteChar(src, at)}
					}
					open = open[:len(open)-1]
				}
			}
			r.toks = append(r.toks, token{kind: tokPunct, val: sym, pos: i, end: i + len(sym)})
			i += len(sym)
		}
	}
}

// lexString reads a quoted string starting at src[i] (the quote). As in Pebble, a backslash
// only keeps the quote after it from ending the string and is dropped there; every other
// backslash stays as written, so 'a\nb' is a backslash and an n, and a regular expression
// pasted in keeps its escapes. A double-quoted string may hold #{ expr } pieces, Pebble's
// string interpolation: the token is then a tokInterp whose parts hold the text and the
// tokens of each piece.
func lexString(src string, i, limit, depth int) (token, *lexError) {
	quote := src[i]
	j := i + 1
	var b strings.Builder
	var parts []strPart
	for j < limit {
		ch := src[j]
		switch {
		case ch == quote:
			t := token{kind: tokString, val: b.String(), pos: i, end: j + 1}
			if parts != nil {
				if b.Len() > 0 {
					parts = append(parts, strPart{text: b.String(), pos: j})
				}
				t.kind, t.val, t.parts = tokInterp, "", parts
			}
			return t, nil
		case ch == '\\' && j+1 < limit:
			if src[j+1] != quote {
				b.WriteByte('\\')
			}
			b.WriteByte(src[j+1])
			j += 2
		case ch == '#' && quote == '"' && j+1 < limit && src[j+1] == '{':
			if b.Len() > 0 {
				parts = append(parts, strPart{text: b.String(), pos: j})
				b.Reset()
			}
			if depth == maxInterpolationDepth {
				return token{}, &lexError{pos: j, msg: "string interpolation nested too deeply"}
			}
			res, err := lexNested(src, j+2, limit, closeInterp, depth+1)
			if err != nil {
				return token{}, err
			}
			parts = append(parts, strPart{toks: res.toks, pos: j})
			if parts[len(parts)-1].toks == nil {
				parts[len(parts)-1].toks = []token{}
			}
			j = res.end
		default:
			b.WriteByte(ch)
			j++
		}
	}
	return token{}, &lexError{pos: i, msg: "unterminated string", eof: true}
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isNameChar(c byte) bool  { return isNameStart(c) || isDigit(c) }

// nameRuneAt is the length of the character at src[i] when it may be part of a name, else 0:
// as Pebble's lexer ([\p{IsLetter}_][\p{IsLetter}\p{IsDigit}_]*), any letter of any
// script, and after the first character any digit too.
func nameRuneAt(src string, i, limit int, inside bool) int {
	c := src[i]
	if c < utf8.RuneSelf {
		if isNameStart(c) || inside && isDigit(c) {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(src[i:limit])
	if unicode.IsLetter(r) || inside && unicode.IsDigit(r) {
		return n
	}
	return 0
}

// quoteChar renders the character at src[i] for an error message, whole even when it is a
// multi-byte rune.
func quoteChar(src string, i int) string {
	for _, r := range src[i:] {
		return "`" + string(r) + "`"
	}
	return "end of template"
}
