package logs

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// DefaultCorrelationFields are tried in order to find an entry's correlation
// ID. Dotted names also match nested objects.
var DefaultCorrelationFields = []string{
	"correlationId", "correlation_id", "requestId", "http.request.id", "trace.id", "labels.correlation_id",
}

// DefaultMaxLineBytes caps a line: longer lines keep their first bytes and
// are marked truncated, so one runaway log line cannot eat the buffer.
const DefaultMaxLineBytes = 64 << 10

// Meta is what the source knows about a line besides its bytes.
type Meta struct {
	// Time is the source's timestamp (engine or ES); used when the line has
	// no parseable time of its own.
	Time time.Time
	// Service and Container name the origin; Service is overridden by the
	// line only when empty here.
	Service, Container string
	// Source is "es" or "engine"; Stream is "stdout"/"stderr".
	Source, Stream string
	// ID is the source's identity of the line (ES index/_id).
	ID string
}

// Parser turns raw lines into sanitized entries. The zero value is not
// usable; use NewParser or DefaultParser.
type Parser struct {
	// CorrelationFields are tried in order for the correlation ID.
	CorrelationFields []string
	// MaxLineBytes caps the bytes kept from one line.
	MaxLineBytes int
}

// NewParser returns a Parser with the given correlation fields (the defaults
// when empty) and line limit (DefaultMaxLineBytes when <= 0).
func NewParser(correlationFields []string, maxLineBytes int) *Parser {
	if len(correlationFields) == 0 {
		correlationFields = DefaultCorrelationFields
	}
	if maxLineBytes <= 0 {
		maxLineBytes = DefaultMaxLineBytes
	}
	return &Parser{CorrelationFields: correlationFields, MaxLineBytes: maxLineBytes}
}

// DefaultParser uses the default correlation fields and line limit.
var DefaultParser = NewParser(nil, 0)

// Parse parses line with DefaultParser.
func Parse(line []byte, meta Meta) Entry { return DefaultParser.Parse(line, meta) }

// Parse picks the format cheaply from the first bytes (a '{' means JSON, a
// leading key= means logfmt, anything else is plain text with a level
// guess), and returns a sanitized Entry. A line that looks like JSON but does
// not parse (truncated, too deep, broken) falls back to plain text, so
// nothing is lost.
func (p *Parser) Parse(line []byte, meta Meta) Entry {
	return p.ParseString(string(line), meta)
}

// ParseString is Parse for a string; the entry's strings may share memory
// with s.
func (p *Parser) ParseString(s string, meta Meta) Entry {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	e := Entry{
		Time:      meta.Time,
		Service:   Sanitize(meta.Service),
		Container: Sanitize(meta.Container),
		Source:    Sanitize(meta.Source),
		Stream:    Sanitize(meta.Stream),
		ID:        Sanitize(meta.ID),
	}
	if max := p.MaxLineBytes; max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		dropped := len(s) - cut
		s = s[:cut] + " …[truncated " + strconv.Itoa(dropped) + " bytes]"
		e.Truncated = true
	}
	e.Raw = Sanitize(s)
	start := 0
	for start < len(s) && (s[start] == ' ' || s[start] == '\t') {
		start++
	}
	if start < len(s) && s[start] == '{' && !e.Truncated {
		if fs, err := parseJSONObject(s); err == nil {
			e.Format = FormatJSON
			e.Fields = fs
			p.fillStructured(&e, fs)
			return e
		}
	}
	if looksLogfmt(s[start:]) {
		if fs, ok := parseLogfmt(s[start:]); ok {
			e.Format = FormatLogfmt
			e.Fields = fs
			p.fillStructured(&e, fs)
			return e
		}
	}
	e.Format = FormatPlain
	e.Message = e.Raw
	e.Level = guessLevel(e.Raw)
	return e
}

var (
	timeFields    = []string{"@timestamp", "timestamp", "time", "ts", "t"}
	levelFields   = []string{"log.level", "level", "severity", "lvl", "loglevel", "levelname"}
	messageFields = []string{"message", "msg", "log.message", "error.message"}
	serviceFields = []string{"service.name", "service", "app", "name"}
)

// fillStructured maps well-known fields of a JSON or logfmt line (Winston,
// ECS, pino, bunyan, logrus, zap, slog) onto the entry.
func (p *Parser) fillStructured(e *Entry, fs []Field) {
	for _, name := range timeFields {
		if v, ok := Lookup(fs, name); ok {
			if t, ok := parseTimeValue(v); ok {
				e.Time = t
				break
			}
		}
	}
	for _, name := range levelFields {
		if s, ok := LookupString(fs, name); ok {
			if l, ok := ParseLevel(s); ok {
				e.Level = l
				break
			}
		}
	}
	for _, name := range messageFields {
		if v, ok := Lookup(fs, name); ok {
			if s, ok := scalarString(v); ok {
				e.Message = s
			} else if v != nil {
				e.Message = FieldsString([]Field{{Key: name, Value: v}})
			}
			break
		}
	}
	if e.Message == "" {
		e.Message = e.Raw
	}
	if e.Service == "" {
		for _, name := range serviceFields {
			if s, ok := LookupString(fs, name); ok && s != "" {
				e.Service = s
				break
			}
		}
	}
	e.CorrelationID = p.correlation(fs)
}

func (p *Parser) correlation(fs []Field) string {
	for _, name := range p.CorrelationFields {
		if s, ok := LookupString(fs, name); ok && s != "" {
			return s
		}
	}
	return ""
}

// parseTimeValue accepts RFC 3339 strings (any fraction), "2006-01-02
// 15:04:05" in UTC, and epoch numbers in s, ms, µs or ns (by magnitude).
func parseTimeValue(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		return parseTimeString(x)
	case Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil || f <= 0 {
			return time.Time{}, false
		}
		switch {
		case f < 1e11: // seconds
			sec := int64(f)
			return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
		case f < 1e14: // milliseconds
			return time.UnixMilli(int64(f)).UTC(), true
		case f < 1e17: // microseconds
			return time.UnixMicro(int64(f)).UTC(), true
		default:
			return time.Unix(0, int64(f)).UTC(), true
		}
	}
	return time.Time{}, false
}

func parseTimeString(s string) (time.Time, bool) {
	if len(s) < 19 || len(s) > 40 {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
