package logs

import "strings"

// looksLogfmt is the cheap test Parse uses: the line starts with an
// identifier immediately followed by '='.
func looksLogfmt(s string) bool {
	for i := 0; i < len(s) && i < 64; i++ {
		c := s[i]
		switch {
		case c == '=':
			return i > 0
		case isKeyByte(c):
		default:
			return false
		}
	}
	return false
}

func isKeyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '@' || c == '/'
}

// parseLogfmt parses `key=value key="quoted value" flag` pairs. Keys and
// values are sanitized. ok is false when the line is not logfmt after all
// (e.g. an unterminated quote, or text that is not key=value), in which case
// Parse treats it as plain text.
func parseLogfmt(s string) ([]Field, bool) {
	fs := make([]Field, 0, 8)
	i := 0
	pairs := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i >= len(s) {
			break
		}
		ks := i
		for i < len(s) && isKeyByte(s[i]) {
			i++
		}
		if i == ks {
			return nil, false
		}
		key := s[ks:i]
		if i >= len(s) || s[i] != '=' {
			if i < len(s) && s[i] != ' ' && s[i] != '\t' {
				return nil, false
			}
			fs = append(fs, Field{Key: Sanitize(key), Value: true})
			continue
		}
		i++ // '='
		var val string
		if i < len(s) && s[i] == '"' {
			v, n, ok := unquoteLogfmt(s[i:])
			if !ok {
				return nil, false
			}
			val = v
			i += n
		} else {
			vs := i
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val = s[vs:i]
		}
		fs = append(fs, Field{Key: Sanitize(key), Value: Sanitize(val)})
		pairs++
	}
	return fs, pairs > 0
}

// unquoteLogfmt decodes a double-quoted value at the start of s with Go-style
// escapes (\" \\ \n \t); it returns the value and the bytes consumed.
func unquoteLogfmt(s string) (string, int, bool) {
	i := 1
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i < len(s) && s[i] == '"' {
		return s[1:i], i + 1, true
	}
	var b strings.Builder
	b.WriteString(s[1:i])
	for i < len(s) {
		c := s[i]
		if c == '"' {
			return b.String(), i + 1, true
		}
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			default:
				b.WriteByte(s[i])
			}
			i++
			continue
		}
		b.WriteByte(c)
		i++
	}
	return "", 0, false
}

// guessLevel looks for a level word near the start of a plain-text line:
// an upper-case word (ERROR, WARN...), or any-case word written as [error],
// "error:" or first on the line. It only scans the first 96 bytes, where
// every common format puts the level.
func guessLevel(s string) Level {
	if len(s) > 96 {
		s = s[:96]
	}
	i := 0
	for i < len(s) {
		for i < len(s) && !isLetter(s[i]) {
			i++
		}
		ws := i
		upper := true
		for i < len(s) && isLetter(s[i]) {
			if s[i] >= 'a' {
				upper = false
			}
			i++
		}
		w := s[ws:i]
		if len(w) < 3 || len(w) > 8 {
			continue
		}
		l, ok := plainLevel(w)
		if !ok {
			continue
		}
		if upper || ws == 0 || ws > 0 && s[ws-1] == '[' || i < len(s) && s[i] == ':' {
			return l
		}
	}
	return LevelUnknown
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func plainLevel(w string) (Level, bool) {
	var buf [8]byte
	for i := 0; i < len(w); i++ {
		buf[i] = w[i] | 0x20 // ASCII letters only: lower-case without allocating
	}
	switch string(buf[:len(w)]) {
	case "trace":
		return LevelTrace, true
	case "debug":
		return LevelDebug, true
	case "info", "notice":
		return LevelInfo, true
	case "warn", "warning":
		return LevelWarn, true
	case "error", "err":
		return LevelError, true
	case "fatal", "panic", "critical", "crit", "severe", "emerg", "alert":
		return LevelFatal, true
	}
	return LevelUnknown, false
}
