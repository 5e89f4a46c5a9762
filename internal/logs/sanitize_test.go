package logs

import (
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"clean ascii", "hello world", "hello world"},
		{"tab kept", "a\tb", "a\tb"},
		{"clean unicode", "héllo → 世界 ✓", "héllo → 世界 ✓"},
		{"esc", "\x1b[31mred", `\x1b[31mred`},
		{"newline and cr", "a\nb\rc", `a\x0ab\x0dc`},
		{"nul", "a\x00b", `a\x00b`},
		{"del", "a\x7fb", `a\x7fb`},
		{"bell", "\x07", `\x07`},
		{"raw 8-bit csi", "a\x9b2J", `a\x9b2J`},
		{"utf8 c1 csi", "a\u009b2J", `a\u009b2J`},
		{"utf8 c1 nel", "\u0085", `\u0085`},
		{"first c1 and last", "\u0080\u009f", `\u0080\u009f`},
		{"U+00A0 is fine", "\u00a0", "\u00a0"},
		{"invalid utf8", "a\xffb", `a\xffb`},
		{"truncated sequence", "\xe2\x82", `\xe2\x82`},
		{"overlong", "\xc0\xaf", `\xc0\xaf`},
		{"surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"replacement char is valid", "\ufffd", "\ufffd"},
		{"osc 52", "\x1b]52;c;ZXZpbA==\x07", `\x1b]52;c;ZXZpbA==\x07`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got != tt.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !IsSafe(got) {
				t.Fatalf("output %q is not safe", got)
			}
			if Sanitize(got) != got {
				t.Fatalf("not idempotent: %q -> %q", got, Sanitize(got))
			}
		})
	}
}

func TestSanitizeEscapesBidiControls(t *testing.T) {
	for in, want := range map[string]string{
		"\u202egnp.exe":   `\u202egnp.exe`,
		"a\u2066b\u2069c": `a\u2066b\u2069c`,
		"rtl \u200f mark": `rtl \u200f mark`,
		"évaluation ✓ 日本": "évaluation ✓ 日本",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSanitizeCleanDoesNotAllocate(t *testing.T) {
	s := `{"level":"info","message":"GET /api/surveys 200 12ms","service":"survey-service","note":"déjà vu ✓"}`
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Fatalf("Sanitize of a clean string allocated %v times", n)
	}
}

// assertSafe fails if any string reachable from e could drive a terminal.
func assertSafe(t *testing.T, where string, e *Entry) {
	t.Helper()
	check := func(field, s string) {
		t.Helper()
		if !terminalSafe(s) {
			t.Fatalf("%s: %s holds a control byte or invalid UTF-8: %q", where, field, s)
		}
	}
	check("Raw", e.Raw)
	check("Message", e.Message)
	check("Service", e.Service)
	check("Container", e.Container)
	check("CorrelationID", e.CorrelationID)
	check("ID", e.ID)
	check("Fields", FieldsString(e.Fields))
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			check("field value", x)
		case Number:
			check("number", string(x))
		case []Field:
			for _, f := range x {
				check("field key", f.Key)
				walk(f.Value)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(e.Fields)
}

// terminalSafe is the independent statement of the guarantee: valid UTF-8,
// no ESC, no C0 but tab, no DEL, no C1 code point or 8-bit C1 byte.
func terminalSafe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f {
			return false
		}
	}
	return true
}
