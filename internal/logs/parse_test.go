package logs

import (
	"testing"
	"time"
)

func TestParseFormats(t *testing.T) {
	engineTime := time.Date(2026, 11, 26, 22, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name    string
		line    string
		meta    Meta
		format  Format
		level   Level
		msg     string
		cid     string
		service string
		time    time.Time
	}{
		{
			name:   "winston json",
			line:   `{"level":"warn","message":"slow query","timestamp":"2026-11-26T21:59:59.500Z","service":"survey-service","correlationId":"abc123","durationMs":812}`,
			format: FormatJSON, level: LevelWarn, msg: "slow query", cid: "abc123", service: "survey-service",
			time: time.Date(2026, 11, 26, 21, 59, 59, 500e6, time.UTC),
		},
		{
			name:   "winston json, compose service from meta wins",
			line:   `{"level":"info","message":"ok","service":"inner"}`,
			meta:   Meta{Service: "auth-service", Time: engineTime},
			format: FormatJSON, level: LevelInfo, msg: "ok", service: "auth-service", time: engineTime,
		},
		{
			name:   "ecs json nested",
			line:   `{"@timestamp":"2026-11-26T21:00:00.000000001Z","log":{"level":"ERROR"},"message":"db down","service":{"name":"response-service"},"trace":{"id":"t-1"}}`,
			format: FormatJSON, level: LevelError, msg: "db down", cid: "t-1", service: "response-service",
			time: time.Date(2026, 11, 26, 21, 0, 0, 1, time.UTC),
		},
		{
			name:   "ecs json dotted keys",
			line:   `{"@timestamp":"2026-11-26T21:00:00Z","log.level":"warning","message":"m","service.name":"s","labels.correlation_id":"L1"}`,
			format: FormatJSON, level: LevelWarn, msg: "m", cid: "L1", service: "s",
			time: time.Date(2026, 11, 26, 21, 0, 0, 0, time.UTC),
		},
		{
			name:   "pino numeric level and epoch ms",
			line:   `{"level":50,"time":1764190800000,"msg":"boom","reqId":"x","requestId":"r-9"}`,
			format: FormatJSON, level: LevelError, msg: "boom", cid: "r-9",
			time: time.UnixMilli(1764190800000).UTC(),
		},
		{
			name:   "correlation order: correlationId before trace.id",
			line:   `{"trace":{"id":"T"},"correlationId":"C","message":"x"}`,
			format: FormatJSON, msg: "x", cid: "C",
		},
		{
			name:   "escaped message",
			line:   `{"message":"line1\nline2 \"q\" \u00e9","level":"debug"}`,
			format: FormatJSON, level: LevelDebug, msg: `line1\x0aline2 "q" é`,
		},
		{
			name:   "logfmt",
			line:   `level=error ts=2026-11-26T20:00:00Z msg="connect failed" correlation_id=c-2 attempt=3`,
			format: FormatLogfmt, level: LevelError, msg: "connect failed", cid: "c-2",
			time: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC),
		},
		{
			name:   "plain with upper-case level",
			line:   `2026-11-26 20:00:00 WARN disk almost full`,
			meta:   Meta{Time: engineTime},
			format: FormatPlain, level: LevelWarn, msg: `2026-11-26 20:00:00 WARN disk almost full`, time: engineTime,
		},
		{
			name:   "plain nginx [error]",
			line:   `2026/11/26 20:00:00 [error] 7#7: *1 open() failed`,
			format: FormatPlain, level: LevelError, msg: `2026/11/26 20:00:00 [error] 7#7: *1 open() failed`,
		},
		{
			name:   "plain lower-case word in prose is not a level",
			line:   `retrying after the error was cleared`,
			format: FormatPlain, level: LevelUnknown, msg: `retrying after the error was cleared`,
		},
		{
			name:   "broken json is plain text",
			line:   `{"level":"error","message":"cut`,
			format: FormatPlain, level: LevelUnknown, msg: `{"level":"error","message":"cut`,
		},
		{
			name:   "json with trailing garbage is plain",
			line:   `{"a":1} trailing`,
			format: FormatPlain, msg: `{"a":1} trailing`,
		},
		{
			name:   "crlf stripped",
			line:   "INFO started\r\n",
			format: FormatPlain, level: LevelInfo, msg: "INFO started",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Parse([]byte(tt.line), tt.meta)
			if e.Format != tt.format {
				t.Errorf("format = %v, want %v", e.Format, tt.format)
			}
			if e.Level != tt.level {
				t.Errorf("level = %q, want %q", e.Level, tt.level)
			}
			if e.Message != tt.msg {
				t.Errorf("message = %q, want %q", e.Message, tt.msg)
			}
			if e.CorrelationID != tt.cid {
				t.Errorf("cid = %q, want %q", e.CorrelationID, tt.cid)
			}
			if e.Service != tt.service {
				t.Errorf("service = %q, want %q", e.Service, tt.service)
			}
			if !e.Time.Equal(tt.time) {
				t.Errorf("time = %v, want %v", e.Time, tt.time)
			}
			assertSafe(t, tt.name, &e)
		})
	}
}

func TestParseKeepsFieldOrderAndTypes(t *testing.T) {
	e := Parse([]byte(`{"z":1,"a":{"y":true,"b":null},"arr":[1,"two",{"k":"v"}],"n":-1.5e3}`), Meta{})
	got := FieldsString(e.Fields)
	want := `{z:1,a:{y:true,b:null},arr:[1,"two",{k:"v"}],n:-1.5e3}`
	if got != want {
		t.Fatalf("fields = %s, want %s", got, want)
	}
	v, ok := Lookup(e.Fields, "a.y")
	if !ok || v != true {
		t.Fatalf("Lookup(a.y) = %v, %v", v, ok)
	}
}

func TestCustomCorrelationFields(t *testing.T) {
	p := NewParser([]string{"x.req"}, 0)
	e := p.Parse([]byte(`{"correlationId":"default","x":{"req":"custom"}}`), Meta{})
	if e.CorrelationID != "custom" {
		t.Fatalf("cid = %q, want custom (configured list replaces the default)", e.CorrelationID)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]Level{
		"WARNING": LevelWarn, "warn": LevelWarn, "Err": LevelError, "CRITICAL": LevelFatal,
		"verbose": LevelTrace, "silly": LevelTrace, "http": LevelInfo, "30": LevelInfo, "60": LevelFatal,
	} {
		if got, ok := ParseLevel(in); !ok || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseLevel("loud"); ok {
		t.Error(`ParseLevel("loud") accepted`)
	}
}
