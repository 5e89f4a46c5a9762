package logs

import (
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Sanitize makes s safe to print on a terminal: ESC, every other C0 control
// except tab, DEL, the C1 controls U+0080–U+009F (whether encoded as UTF-8 or
// as raw 8-bit bytes) and invalid UTF-8 become visible escapes such as `\x1b`
// or `\u009b`. So a log line cannot move the cursor, set the window title,
// write the clipboard (OSC 52) or draw links (OSC 8): without ESC or CSI
// (0x9b) no control sequence can start.
//
// The bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069)
// are escaped the same way: they cannot run commands, but they can make a line
// read differently from what it holds (Trojan Source).
//
// A clean string is returned unchanged without allocating, which is the
// common case and keeps parsing fast.
func Sanitize(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' || c == 0x7f {
				writeByteEscape(&b, c)
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// Invalid UTF-8, including a bare 8-bit C1 byte such as 0x9b.
			writeByteEscape(&b, c)
		case r >= 0x80 && r <= 0x9f || isBidi(r):
			b.WriteString(`\u`)
			b.WriteByte(hexDigits[r>>12&0xf])
			b.WriteByte(hexDigits[r>>8&0xf])
			b.WriteByte(hexDigits[r>>4&0xf])
			b.WriteByte(hexDigits[r&0xf])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func writeByteEscape(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&0xf])
}

// special marks the bytes that need a closer look: C0 but tab, DEL, and
// every non-ASCII byte (which may start a C1 code point or be invalid).
var special = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c < 0x20 && c != '\t' || c >= 0x7f
	}
	return t
}()

// firstUnsafe returns the index of the first byte Sanitize must rewrite, or
// -1. The table-driven ASCII loop is the hot path.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if !special[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return i // C0 or DEL
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r <= 0x9f || isBidi(r) {
			return i
		}
		i += size
	}
	return -1
}

// isBidi reports the invisible controls that reorder text on screen.
func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// IsSafe reports whether s would be returned unchanged by Sanitize.
func IsSafe(s string) bool { return firstUnsafe(s) < 0 }

// sanitizeFields sanitizes keys and string values of a field tree in place.
// The JSON and logfmt parsers already sanitize as they decode; this is for
// fields built by other code (tests, sources adding metadata).
func sanitizeFields(fs []Field) {
	for i := range fs {
		fs[i].Key = Sanitize(fs[i].Key)
		fs[i].Value = sanitizeValue(fs[i].Value)
	}
}

func sanitizeValue(v any) any {
	switch x := v.(type) {
	case string:
		return Sanitize(x)
	case Number:
		return Number(Sanitize(string(x)))
	case []Field:
		sanitizeFields(x)
		return x
	case []any:
		for i := range x {
			x[i] = sanitizeValue(x[i])
		}
		return x
	}
	return v
}

// SanitizeEntry sanitizes every string of e in place. Parse already returns
// sanitized entries; call this for entries built by hand.
func SanitizeEntry(e *Entry) {
	e.Service = Sanitize(e.Service)
	e.Container = Sanitize(e.Container)
	e.CorrelationID = Sanitize(e.CorrelationID)
	e.Message = Sanitize(e.Message)
	e.Raw = Sanitize(e.Raw)
	e.Source = Sanitize(e.Source)
	e.Stream = Sanitize(e.Stream)
	e.ID = Sanitize(e.ID)
	sanitizeFields(e.Fields)
}
