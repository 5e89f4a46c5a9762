package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestLoggerWinstonFormat(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, "survey-service", levelInfo)
	l.now = func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 891_000_000, time.FixedZone("CET", 3600)) }
	l.Info("Survey response submitted", "c0ffee00-0000-4000-8000-000000000001",
		field{"method", "POST"}, field{"statusCode", 201}, field{"durationMs", int64(12)}, field{"note", "quote\" and\nnewline"})
	l.Debug("dropped below the level", "")
	l.Warn("no correlation", "")

	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (debug filtered), got %d: %q", len(lines), buf.String())
	}
	wantPrefix := `{"level":"info","message":"Survey response submitted","timestamp":"2026-03-04T04:06:07.891Z",` +
		`"service":"survey-service","correlationId":"c0ffee00-0000-4000-8000-000000000001","method":"POST","statusCode":201,"durationMs":12,`
	if !strings.HasPrefix(lines[0], wantPrefix) {
		t.Fatalf("line 1 = %s\nwant prefix %s", lines[0], wantPrefix)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil || m["note"] != "quote\" and\nnewline" {
		t.Fatalf("line 1 is not valid JSON with escaped strings: %v %v", err, m)
	}
	if strings.Contains(lines[1], "correlationId") || !strings.HasPrefix(lines[1], `{"level":"warn"`) {
		t.Fatalf("line 2 = %s", lines[1])
	}
}

func TestParseLevel(t *testing.T) {
	for _, s := range []string{"error", "WARN", "Info", "debug"} {
		lv, err := parseLevel(s)
		if err != nil || !strings.EqualFold(lv.String(), s) {
			t.Errorf("parseLevel(%q) = %v, %v", s, lv, err)
		}
	}
	if _, err := parseLevel("trace"); err == nil {
		t.Error("parseLevel(trace) accepted")
	}
}

func TestNewCorrelationID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newCorrelationID()
		if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 || !strings.ContainsAny(id[19:20], "89ab") {
			t.Fatalf("%q is not a UUID v4", id)
		}
		if seen[id] {
			t.Fatalf("duplicate %s", id)
		}
		seen[id] = true
	}
}
