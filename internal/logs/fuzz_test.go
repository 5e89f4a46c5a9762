package logs

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets check the guarantees that must hold for any input: no
// panic, every output string terminal-safe, and parsing bounded. Seed
// corpora live in testdata/fuzz/<Target>/.

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"level":"info","message":"hi","correlationId":"c"}`,
		`{"@timestamp":"2026-11-26T10:00:00Z","log":{"level":"warn"},"trace":{"id":"t"},"message":"x"}`,
		`{"a":[1,2,{"b":null}],"s":"\u001b[2J\ud83d\ude00"}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := parseJSONObject(s)
		if err != nil {
			return
		}
		e := Entry{Fields: fs}
		assertSafe(t, "json fields", &e)
		e = Parse([]byte(s), Meta{})
		assertSafe(t, "json entry", &e)
	})
}

func FuzzParseLogfmt(f *testing.F) {
	for _, s := range []string{
		`level=info msg="hello world" correlation_id=abc`,
		`a=1 b="x\"y" flag c=`,
		"k=\x1b[31m v=\"\x9b\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if fs, ok := parseLogfmt(s); ok {
			e := Entry{Fields: fs}
			assertSafe(t, "logfmt fields", &e)
		}
		e := Parse([]byte(s), Meta{})
		assertSafe(t, "logfmt entry", &e)
	})
}

func FuzzParsePlain(f *testing.F) {
	for _, s := range []string{
		"2026-11-26 ERROR something broke",
		"[warn] \x1b]8;;http://x\x07link",
		"\xff\xfe\x00\x7f",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e := NewParser(nil, 256).Parse(b, Meta{Service: string(b), Container: string(b)})
		assertSafe(t, "entry", &e)
		if len(b) > 256+2 && !e.Truncated {
			t.Fatalf("%d-byte line not truncated at 256", len(b))
		}
	})
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[0m", "\u009b", "\x9b", "\xed\xa0\x80", "tab\tok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !terminalSafe(out) {
			t.Fatalf("Sanitize(%q) = %q is not terminal-safe", s, out)
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize not idempotent on %q", s)
		}
		if terminalSafe(s) && utf8.ValidString(s) && out != s {
			t.Fatalf("a safe string was changed: %q -> %q", s, out)
		}
	})
}

func FuzzCompileFilter(f *testing.F) {
	for _, s := range []string{
		`cid:abc123 svc:survey-service level>=warn since:15m timeout`,
		`/ti?me ?out/i "quoted text" -svc:mongo*`,
		`level<info until:2026-11-26T10:00:00Z`,
		`"unterminated`, `/(/`,
	} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	e := Entry{Service: "survey-service", Level: LevelWarn, CorrelationID: "abc123", Raw: "a timeout", Time: now}
	f.Fuzz(func(t *testing.T, q string) {
		flt, err := CompileFilter(q, now)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("multi-line error for %q: %q", q, err)
			}
			return
		}
		_ = flt.Match(&e)
		if flt.String() != q {
			t.Fatalf("String() = %q, want %q", flt.String(), q)
		}
	})
}
