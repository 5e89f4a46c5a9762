package engine

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/logs"
)

func collectLines(w *lineWriter) *[]logs.LogLine {
	var got []logs.LogLine
	w.fn = func(l logs.LogLine) {
		l.Line = append([]byte(nil), l.Line...)
		got = append(got, l)
	}
	return &got
}

func TestLineWriterJoinsPartialMessages(t *testing.T) {
	w := &lineWriter{stream: "stdout", framed: true}
	got := collectLines(w)
	// As stdcopy hands them over: one Write per log message. The engine splits lines over
	// 16 KiB into partial messages, each with its own timestamp and no newline but the last.
	part := strings.Repeat("x", 16<<10)
	w.Write([]byte("2026-11-26T10:00:00.000000001Z " + part))
	w.Write([]byte("2026-11-26T10:00:00.000000002Z " + part))
	w.Write([]byte("2026-11-26T10:00:00.000000003Z end\n"))
	w.Write([]byte("2026-11-26T10:00:01.5Z second line\n"))
	w.Write([]byte("no timestamp at all\n"))
	w.flush()
	if len(*got) != 3 {
		t.Fatalf("got %d lines, want 3", len(*got))
	}
	first := (*got)[0]
	if string(first.Line) != part+part+"end" || !first.Time.Equal(time.Date(2026, 11, 26, 10, 0, 0, 1, time.UTC)) {
		t.Fatalf("joined line: %d bytes at %v", len(first.Line), first.Time)
	}
	if string((*got)[1].Line) != "second line" || (*got)[1].Stream != "stdout" {
		t.Fatalf("second: %+v", (*got)[1])
	}
	if string((*got)[2].Line) != "no timestamp at all" || !(*got)[2].Time.IsZero() {
		t.Fatalf("third: %+v", (*got)[2])
	}
}

func TestLineWriterRawTTYStreamAndCap(t *testing.T) {
	w := &lineWriter{stream: "stdout"}
	got := collectLines(w)
	// A TTY stream has no frames: bytes arrive in arbitrary chunks.
	stream := "2026-11-26T10:00:00Z one\r\n2026-11-26T10:00:01Z tw" + "o\n2026-11-26T10:00:02Z " + strings.Repeat("y", 2<<20) + "\n"
	for chunk := range slices(stream, 4096) {
		w.Write([]byte(chunk))
	}
	w.flush()
	if len(*got) != 3 || string((*got)[0].Line) != "one\r" || string((*got)[1].Line) != "two" {
		t.Fatalf("lines: %d, %q", len(*got), (*got)[0].Line)
	}
	if n := len((*got)[2].Line); n > maxLogLine || !bytes.HasPrefix((*got)[2].Line, []byte("yyy")) {
		t.Fatalf("a 2 MiB line kept %d bytes, want at most %d", n, maxLogLine)
	}
}

func slices(s string, n int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}
