package logs

import (
	"strings"
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	mk := func(svc string, l Level, cid, raw string, ago time.Duration) Entry {
		return Entry{Service: svc, Container: "stt-" + svc + "-1", Level: l, CorrelationID: cid, Raw: raw, Message: raw, Time: now.Add(-ago)}
	}
	entries := []Entry{
		mk("survey-service", LevelInfo, "abc123", "GET /surveys 200", time.Minute),           // 0
		mk("survey-service", LevelWarn, "abc123", "slow query Timeout=800ms", 2*time.Minute), // 1
		mk("auth-service", LevelError, "abc123", "token expired", 20*time.Minute),            // 2
		mk("auth-service", LevelInfo, "zzz", "login ok user=Bob", 3*time.Minute),             // 3
		mk("gateway", LevelUnknown, "", "plain startup text", 4*time.Minute),                 // 4
		mk("gateway", LevelFatal, "", "panic: nil map http://x/y", 5*time.Minute),            // 5
	}
	tests := []struct {
		q    string
		want []int
	}{
		{"", []int{0, 1, 2, 3, 4, 5}},
		{"cid:abc123", []int{0, 1, 2}},
		{"cid:abc123 cid:zzz", []int{0, 1, 2, 3}},
		{"svc:auth-service", []int{2, 3}},
		{"svc:auth-service svc:gateway", []int{2, 3, 4, 5}},
		{"svc:auth*", []int{2, 3}},
		{"-svc:gateway", []int{0, 1, 2, 3}},
		{"ctr:stt-gateway-1", []int{4, 5}},
		{"level>=warn", []int{1, 2, 5}},
		{"level>warn", []int{2, 5}},
		{"level:error", []int{2}},
		{"level<=info", []int{0, 3}},
		{"LEVEL>=WARNING", []int{1, 2, 5}},
		{"since:10m", []int{0, 1, 3, 4, 5}},
		{"until:10m", []int{2}},
		{"since:2026-11-26T11:58:30Z until:2026-11-26T11:59:30Z", []int{0}},
		{"cid:abc123 level>=warn svc:survey-service", []int{1}},
		{"timeout", []int{1}},
		{"Timeout", []int{1}},
		{"TIMEOUT", nil},
		{"bob", []int{3}},
		{"-plain", []int{0, 1, 2, 3, 5}},
		{`"slow query"`, []int{1}},
		{`"query slow"`, nil},
		{`/tok.n|startup/`, []int{2, 4}},
		{`/USER=bob/i`, []int{3}},
		{`-/^GET/`, []int{1, 2, 3, 4, 5}},
		{"http://x/y", []int{5}},
		{"levels", nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			f, err := CompileFilter(tt.q, now)
			if err != nil {
				t.Fatalf("CompileFilter(%q): %v", tt.q, err)
			}
			var got []int
			for i := range entries {
				if f.Match(&entries[i]) {
					got = append(got, i)
				}
			}
			if !equalInts(got, tt.want) {
				t.Fatalf("%q matched %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ q, want string }{
		{`/(/`, "bad regex /(/: missing closing )"},
		{`/a`, "unterminated regex at column 1"},
		{`"abc`, "unterminated quote at column 1"},
		{`level>=loud`, `unknown level "loud"`},
		{`level>fatal`, "nothing is above fatal"},
		{`since:yesterday`, `bad time "yesterday"`},
		{`cid:`, "empty correlation ID"},
		{`-cid:x`, "cannot be negated"},
		{`svc:`, "empty service"},
		{`/x/g`, `unknown flag "g"`},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			_, err := CompileFilter(tt.q, time.Now())
			if err == nil {
				t.Fatalf("CompileFilter(%q) accepted", tt.q)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestFilterMatchDoesNotAllocate(t *testing.T) {
	f := MustCompileFilter(`cid:abc svc:survey* level>=info timeout "slow query"`)
	e := Entry{CorrelationID: "abc", Service: "survey-service", Level: LevelWarn, Raw: "a SLOW QUERY hit a Timeout"}
	if !f.Match(&e) {
		t.Fatal("expected a match")
	}
	if n := testing.AllocsPerRun(100, func() { f.Match(&e) }); n != 0 {
		t.Fatalf("Match allocated %v times", n)
	}
}

func TestContainsFold(t *testing.T) {
	for _, tt := range []struct {
		hay, needle string
		want        bool
	}{
		{"Hello World", "world", true},
		{"Hello World", "o w", true},
		{"abc", "abcd", false},
		{"", "a", false},
		{"xxA", "a", true},
		{"ÉCOLE", "école", true},
		{"aaaab", "aab", true},
	} {
		if got := containsFold(tt.hay, tt.needle); got != tt.want {
			t.Errorf("containsFold(%q, %q) = %v", tt.hay, tt.needle, got)
		}
	}
}
