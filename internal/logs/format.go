package logs

import (
	"encoding/json"
	"strings"
	"time"
)

// PlainTimeFormat is the timestamp layout of plain output: UTC with
// milliseconds, sortable.
const PlainTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// PlainLine renders an entry as one line of text for the CLI and saved
// files: time, service, level, message, and the correlation ID. The entry's
// strings are already sanitized; tabs become spaces so columns hold.
func PlainLine(e *Entry, withTime bool) string {
	var b strings.Builder
	if withTime {
		if e.Time.IsZero() {
			b.WriteString(strings.Repeat("-", len(PlainTimeFormat)-1))
		} else {
			b.WriteString(e.Time.UTC().Format(PlainTimeFormat))
		}
		b.WriteByte(' ')
	}
	svc := e.Service
	if svc == "" {
		svc = e.Container
	}
	b.WriteString(svc)
	b.WriteByte(' ')
	lvl := strings.ToUpper(e.Level.String())
	if lvl == "" {
		lvl = "-"
	}
	b.WriteString(lvl)
	b.WriteByte(' ')
	b.WriteString(strings.ReplaceAll(e.Message, "\t", "    "))
	if e.CorrelationID != "" {
		b.WriteString(" cid=")
		b.WriteString(e.CorrelationID)
	}
	return b.String()
}

// jsonEntry is the --json shape of an entry: stable field names, fields
// as an object in their original order.
type jsonEntry struct {
	Time          string          `json:"time,omitempty"`
	Service       string          `json:"service,omitempty"`
	Container     string          `json:"container,omitempty"`
	Level         string          `json:"level,omitempty"`
	CorrelationID string          `json:"correlationId,omitempty"`
	Message       string          `json:"message"`
	Source        string          `json:"source,omitempty"`
	Stream        string          `json:"stream,omitempty"`
	ID            string          `json:"id,omitempty"`
	Truncated     bool            `json:"truncated,omitempty"`
	Fields        json.RawMessage `json:"fields,omitempty"`
}

// JSONLine renders an entry as one JSON object (no trailing newline).
// Strings are the sanitized ones, so the output is safe to print and to
// feed to jq.
func JSONLine(e *Entry) []byte {
	j := jsonEntry{Service: e.Service, Container: e.Container, Level: e.Level.String(), CorrelationID: e.CorrelationID,
		Message: e.Message, Source: e.Source, Stream: e.Stream, ID: e.ID, Truncated: e.Truncated}
	if !e.Time.IsZero() {
		j.Time = e.Time.UTC().Format(time.RFC3339Nano)
	}
	if len(e.Fields) > 0 {
		var b strings.Builder
		writeJSONValue(&b, e.Fields)
		j.Fields = json.RawMessage(b.String())
	}
	out, _ := json.Marshal(j)
	return out
}

func writeJSONValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case []Field:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.Key)
			b.Write(k)
			b.WriteByte(':')
			writeJSONValue(b, f.Value)
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, y := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONValue(b, y)
		}
		b.WriteByte(']')
	case Number:
		if json.Valid([]byte(x)) {
			b.WriteString(string(x))
		} else {
			s, _ := json.Marshal(string(x))
			b.Write(s)
		}
	default:
		s, _ := json.Marshal(x)
		b.Write(s)
	}
}
