package scan

import "testing"

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"survey/api:1.4.2", "survey/api:1.4.2"},
		{"évaluation ✓", "évaluation ✓"},
		{"red\x1b[31mtext", "red\ufffd[31mtext"},
		{"a\nb\tc\rd", "a\ufffdb\ufffdc\ufffdd"},
		{"\u202egnp.exe", "\ufffdgnp.exe"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"c1\u009bx", "c1\ufffdx"},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
