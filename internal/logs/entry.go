package logs

import (
	"strings"
	"time"
)

// Level is a normalized log severity. The zero value is LevelUnknown, which
// sorts below every real level so that `level>=info` hides lines whose level
// could not be determined only when the user asks for a minimum level.
type Level uint8

// Normalized levels in increasing severity.
const (
	LevelUnknown Level = iota
	LevelTrace
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
	LevelFatal
)

var levelNames = [...]string{"", "trace", "debug", "info", "warn", "error", "fatal"}

// String returns the normalized lower-case name ("" for LevelUnknown).
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return ""
}

// ParseLevel maps the many spellings seen in the wild (Winston, ECS, syslog,
// log4j, pino numbers, single letters) to a Level. ok is false when s is not
// a level name.
func ParseLevel(s string) (Level, bool) {
	if len(s) == 0 || len(s) > 12 {
		return LevelUnknown, false
	}
	var buf [12]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "trace", "trc", "t", "verbose", "silly", "finest", "finer", "10":
		return LevelTrace, true
	case "debug", "dbg", "d", "fine", "20", "7":
		return LevelDebug, true
	case "info", "inf", "i", "information", "informational", "notice", "http", "30", "6", "5":
		return LevelInfo, true
	case "warn", "warning", "wrn", "w", "40", "4":
		return LevelWarn, true
	case "error", "err", "e", "eror", "50", "3":
		return LevelError, true
	case "fatal", "crit", "critical", "alert", "emerg", "emergency", "panic", "f", "severe", "60", "2", "1", "0":
		return LevelFatal, true
	}
	return LevelUnknown, false
}

// Entry is one normalized, sanitized log line. Every string field has been
// through Sanitize, so an Entry can be printed to a terminal as is.
type Entry struct {
	// Seq is assigned by Buffer.Append: a stable, increasing identity that
	// survives eviction of older entries (0 until buffered).
	Seq uint64
	// Time is the event time (from the log line if it has one, else the
	// engine's or Elasticsearch's timestamp).
	Time time.Time
	// Service is the compose service name, Container the container name.
	Service, Container string
	// Level is the normalized severity.
	Level Level
	// CorrelationID is the first present of the configured correlation fields.
	CorrelationID string
	// Message is the human part of the line.
	Message string
	// Fields holds the structured fields in their original order (JSON
	// objects and logfmt pairs); nil for plain text.
	Fields []Field
	// Raw is the whole line (sanitized), used for text search and for
	// "show raw".
	Raw string
	// Source names where the entry came from: "es" or "engine".
	Source string
	// Stream is "stdout" or "stderr" for engine entries.
	Stream string
	// ID identifies the entry at its source for de-duplication: "index/_id"
	// for Elasticsearch, empty for the engine.
	ID string
	// Format says which parser understood the line.
	Format Format
	// Truncated is set when the line was longer than the parser's limit and
	// was cut.
	Truncated bool

	// backing counts memory the entry keeps alive besides Raw (an ES
	// document whose fields are substrings of its source), for Size.
	backing int
}

// Format says how a line was parsed.
type Format uint8

// Line formats recognized by Parse.
const (
	FormatPlain Format = iota
	FormatJSON
	FormatLogfmt
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatJSON:
		return "json"
	case FormatLogfmt:
		return "logfmt"
	}
	return "plain"
}

// Field is one key/value pair of a structured line. Value is one of: string,
// Number, bool, nil, []Field (a nested object, order kept) or []any (an
// array of such values).
type Field struct {
	Key   string
	Value any
}

// Number is a JSON number kept as its literal text, so that large integers
// and exact decimals are shown as the service wrote them.
type Number string

// entryOverhead approximates the fixed memory of an Entry in the buffer's
// ring (the struct is about 200 bytes; the ring keeps a little slack).
const entryOverhead = 224

// Size estimates the bytes an entry holds, for the buffer's byte limit.
// Strings parsed out of Raw share its memory, so Raw dominates; fields cost
// their slice slots (32 bytes each, capacity included) and a boxed value.
func (e *Entry) Size() int {
	return entryOverhead + len(e.Raw) + e.backing + fieldsSize(e.Fields)
}

func fieldsSize(fs []Field) int {
	n := 32*cap(fs) + 16*len(fs)
	for _, f := range fs {
		switch v := f.Value.(type) {
		case []Field:
			n += fieldsSize(v)
		case []any:
			n += 32 * cap(v)
		}
	}
	return n
}

// Lookup returns the value of a field by name. A dotted name such as
// "trace.id" matches a top-level key "trace.id" as well as the nested
// object {"trace":{"id":...}} and mixed forms.
func Lookup(fields []Field, name string) (any, bool) {
	for _, f := range fields {
		if f.Key == name {
			return f.Value, true
		}
	}
	// Try every split point: "a.b.c" -> "a" then "b.c", "a.b" then "c".
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		head, rest := name[:i], name[i+1:]
		for _, f := range fields {
			if f.Key != head {
				continue
			}
			if sub, ok := f.Value.([]Field); ok {
				if v, ok := Lookup(sub, rest); ok {
					return v, true
				}
			}
		}
	}
	return nil, false
}

// LookupString returns a field as text (numbers and booleans are formatted);
// ok is false when absent, null, or an object/array.
func LookupString(fields []Field, name string) (string, bool) {
	v, ok := Lookup(fields, name)
	if !ok {
		return "", false
	}
	return scalarString(v)
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case Number:
		return string(x), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// FieldsString renders fields as compact JSON-like text for display.
func FieldsString(fs []Field) string {
	var b strings.Builder
	writeValue(&b, fs)
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case []Field:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Key)
			b.WriteByte(':')
			writeValue(b, f.Value)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case string:
		b.WriteByte('"')
		b.WriteString(x)
		b.WriteByte('"')
	case nil:
		b.WriteString("null")
	default:
		s, _ := scalarString(x)
		b.WriteString(s)
	}
}
