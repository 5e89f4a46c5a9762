package logs

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds object/array nesting. Deeper input is treated as plain
// text: a 10k-deep document must neither blow the stack nor cost much.
const maxJSONDepth = 64

var (
	errJSONSyntax = errors.New("json syntax")
	errJSONDepth  = errors.New("json too deep")
)

// jsonParser decodes one JSON object into ordered Fields. It is a small
// hand-written decoder rather than encoding/json because it keeps key order
// (for display), sanitizes every key and string as it goes, shares memory
// with the input for strings without escapes (no allocation per field), and
// refuses depth beyond maxJSONDepth without recursion blow-ups. It is several
// times faster than json.Unmarshal into map[string]any for log lines.
type jsonParser struct {
	s     string
	i     int
	depth int
}

// parseJSONObject parses s, which must hold exactly one JSON object
// (surrounding whitespace allowed).
func parseJSONObject(s string) ([]Field, error) {
	p := jsonParser{s: s}
	p.skipSpace()
	if p.i >= len(s) || s[p.i] != '{' {
		return nil, errJSONSyntax
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i != len(s) {
		return nil, errJSONSyntax
	}
	fs, _ := v.([]Field)
	if fs == nil {
		fs = []Field{}
	}
	return fs, nil
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (any, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, errJSONSyntax
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	}
	return nil, errJSONSyntax
}

func (p *jsonParser) literal(lit string) error {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return nil
	}
	return errJSONSyntax
}

func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := 0
	for p.i < len(p.s) {
		c := p.s[p.i]
		if '0' <= c && c <= '9' {
			digits++
		} else if c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			break
		}
		p.i++
	}
	if digits == 0 {
		return nil, errJSONSyntax
	}
	return Number(p.s[start:p.i]), nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return errJSONDepth
	}
	return nil
}

func (p *jsonParser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '{'
	fs := make([]Field, 0, 8)
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return fs, nil
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, errJSONSyntax
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, errJSONSyntax
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		fs = append(fs, Field{Key: k, Value: v})
		if done, err := p.afterItem('}'); err != nil || done {
			return fs, err
		}
	}
}

func (p *jsonParser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.i++ // '['
	var out []any
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return []any{}, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if done, err := p.afterItem(']'); err != nil || done {
			return out, err
		}
	}
}

// afterItem consumes what follows an object member or array element: ',' (more to come) or
// the closing byte (done, one level up).
func (p *jsonParser) afterItem(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return false, errJSONSyntax
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return false, nil
	case closing:
		p.i++
		p.depth--
		return true, nil
	}
	return false, errJSONSyntax
}

// str decodes a JSON string at p.i (which is '"') and returns it sanitized.
func (p *jsonParser) str() (string, error) {
	p.i++
	start := p.i
	// Fast path: no escapes -> a substring of the input (no copy), and
	// when every byte was plain printable ASCII, no sanitizer pass either.
	dirty := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if dirty {
				s = Sanitize(s)
			}
			return s, nil
		}
		if c == '\\' {
			break
		}
		dirty = dirty || special[c]
		p.i++
	}
	if p.i >= len(p.s) {
		return "", errJSONSyntax
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return Sanitize(b.String()), nil
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return "", errJSONSyntax
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errJSONSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					p.i += 2
					if lo, ok := p.hex4(); ok {
						r2 = lo
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			b.WriteRune(r)
		default:
			return "", errJSONSyntax
		}
	}
	return "", errJSONSyntax
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.i += 4
	return r, true
}
