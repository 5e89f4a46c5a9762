package scan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s made safe for a terminal: control characters (escape sequences
// included), bidirectional overrides and invalid UTF-8 are replaced by U+FFFD, so an image
// name or an inspect string cannot move the cursor, recolour or reorder the screen. Findings
// keep their strings raw (JSON is data); displays call this.
func Printable(s string) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !safeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if safeRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteRune(unicode.ReplacementChar)
		}
	}
	return b.String()
}

func safeRune(r rune) bool {
	switch {
	case r == unicode.ReplacementChar:
		return true // what invalid UTF-8 decodes to; already harmless
	case unicode.IsControl(r):
		return false
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return false // bidi embeddings, overrides, isolates and marks
	}
	return true
}
