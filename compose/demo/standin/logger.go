package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// level is a Winston log level; lower is more severe.
type level int

const (
	levelError level = iota
	levelWarn
	levelInfo
	levelDebug
)

var levelNames = [...]string{"error", "warn", "info", "debug"}

func (l level) String() string { return levelNames[l] }

func parseLevel(s string) (level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return level(i), nil
		}
	}
	return 0, fmt.Errorf("LOG_LEVEL=%q: want error, warn, info or debug", s)
}

// field is one extra key of a log line; a slice keeps the order stable.
type field struct {
	Key   string
	Value any
}

// logger writes Winston-style JSON lines: level, message, timestamp,
// service, correlationId, then the extra fields in the order given. Each line
// is one Write, so lines from concurrent requests never interleave.
type logger struct {
	mu      sync.Mutex
	w       io.Writer
	service string
	max     level
	now     func() time.Time
}

func newLogger(w io.Writer, service string, max level) *logger {
	return &logger{w: w, service: service, max: max, now: time.Now}
}

// timestampFormat is ISO 8601 with milliseconds in UTC, as Winston's
// timestamp() format prints it.
const timestampFormat = "2006-01-02T15:04:05.000Z07:00"

func (l *logger) log(lv level, msg, correlationID string, fields ...field) {
	if lv > l.max {
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"level":`)
	writeJSON(&b, lv.String())
	b.WriteString(`,"message":`)
	writeJSON(&b, msg)
	b.WriteString(`,"timestamp":`)
	writeJSON(&b, l.now().UTC().Format(timestampFormat))
	b.WriteString(`,"service":`)
	writeJSON(&b, l.service)
	if correlationID != "" {
		b.WriteString(`,"correlationId":`)
		writeJSON(&b, correlationID)
	}
	for _, f := range fields {
		b.WriteByte(',')
		writeJSON(&b, f.Key)
		b.WriteByte(':')
		writeJSON(&b, f.Value)
	}
	b.WriteString("}\n")
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(b.Bytes())
}

func writeJSON(b *bytes.Buffer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(fmt.Sprint(v))
	}
	b.Write(data)
}

func (l *logger) Error(msg, cid string, f ...field) { l.log(levelError, msg, cid, f...) }
func (l *logger) Warn(msg, cid string, f ...field)  { l.log(levelWarn, msg, cid, f...) }
func (l *logger) Info(msg, cid string, f ...field)  { l.log(levelInfo, msg, cid, f...) }
func (l *logger) Debug(msg, cid string, f ...field) { l.log(levelDebug, msg, cid, f...) }
