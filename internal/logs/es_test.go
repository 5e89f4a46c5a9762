package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func testESConfig(f *fakeES) ESConfig {
	return ESConfig{
		URLs:           []string{f.srv.URL},
		Index:          "logs-*",
		PollInterval:   20 * time.Millisecond,
		MinBackoff:     5 * time.Millisecond,
		MaxBackoff:     20 * time.Millisecond,
		RequestTimeout: 2 * time.Second,
	}
}

// filebeatDoc is a document as Filebeat's docker input ships it: the
// service's Winston line is the message, compose labels are flattened.
func filebeatDoc(ts time.Time, svc, level, msg, cid string) string {
	line, _ := json.Marshal(map[string]any{"level": level, "message": msg, "correlationId": cid, "timestamp": ts.Format(time.RFC3339Nano)})
	doc, _ := json.Marshal(map[string]any{
		"@timestamp": esTS(ts),
		"message":    string(line),
		"stream":     "stdout",
		"container":  map[string]any{"name": "stt-" + svc + "-1", "labels": map[string]any{"com_docker_compose_service": svc}},
	})
	return string(doc)
}

func sortOf(t *testing.T, body map[string]any) (tsSort map[string]any, doc string) {
	t.Helper()
	sort := body["sort"].([]any)
	if len(sort) != 2 {
		t.Fatalf("sort has %d keys, want @timestamp and the _doc tiebreaker: %v", len(sort), sort)
	}
	return sort[0].(map[string]any)["@timestamp"].(map[string]any), sort[1].(map[string]any)["_doc"].(string)
}

func rangeGTE(t *testing.T, body map[string]any) time.Time {
	t.Helper()
	for _, c := range body["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any) {
		if rg, ok := c.(map[string]any)["range"]; ok {
			ts := rg.(map[string]any)["@timestamp"].(map[string]any)
			if ts["format"] != esTimeFormat {
				t.Fatalf("range format = %v, want %s", ts["format"], esTimeFormat)
			}
			if s, ok := ts["gte"].(string); ok {
				tm, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					t.Fatalf("range gte %q: %v", s, err)
				}
				return tm
			}
		}
	}
	t.Fatalf("no range gte in %v", body)
	return time.Time{}
}

func TestESHistoryTailOverlapAndLateDocuments(t *testing.T) {
	f := newFakeES(t)
	base := time.Now().Add(-5 * time.Minute).Truncate(time.Second)
	f.add("logs-a", "1", base.Add(1*time.Second), filebeatDoc(base.Add(1*time.Second), "survey-service", "info", "first", "c1"))
	f.add("logs-a", "2", base.Add(2*time.Second), filebeatDoc(base.Add(2*time.Second), "auth-service", "warn", "second", "c1"))
	f.add("logs-b", "2", base.Add(2*time.Second), filebeatDoc(base.Add(2*time.Second), "gateway", "error", "same ts other index", "c2"))
	f.add("logs-a", "3", base.Add(3*time.Second), filebeatDoc(base.Add(3*time.Second), "survey-service", "info", "third", "c1"))

	start := time.Now()
	src, err := NewESSource(context.Background(), testESConfig(f), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "history", func() bool { return c.count() >= 4 })
	waitFor(t, "end of history", func() bool { return c.historyAt() >= 0 })
	if n := c.historyAt(); n != 4 {
		t.Fatalf("HistoryDone came after %d entries, want 4", n)
	}
	got, _ := c.snapshot()
	wantMsgs := []string{"first", "second", "same ts other index", "third"}
	for i, w := range wantMsgs {
		if got[i].Message != w {
			t.Fatalf("history[%d] = %q, want %q (oldest first)", i, got[i].Message, w)
		}
	}
	if e := got[1]; e.Service != "auth-service" || e.Container != "stt-auth-service-1" || e.Level != LevelWarn || e.CorrelationID != "c1" || e.ID != "logs-a/2" || e.Source != "es" {
		t.Fatalf("entry mapping wrong: %+v", e)
	}

	// The history request: newest first, back to now-15m, nanosecond sort
	// format with the _doc tiebreaker, no search_after, no total count.
	h := f.searches()[0].Body
	ts, doc := sortOf(t, h)
	if ts["order"] != "desc" || ts["format"] != esTimeFormat || ts["numeric_type"] != "date_nanos" || doc != "desc" {
		t.Fatalf("history sort = %v, %v", ts, doc)
	}
	if gte := rangeGTE(t, h); gte.Before(start.Add(-15*time.Minute-time.Minute)) || gte.After(time.Now().Add(-15*time.Minute)) {
		t.Fatalf("history range gte %v, want about now-15m", gte)
	}
	if h["track_total_hits"] != false || h["search_after"] != nil {
		t.Fatalf("history body: %v", h)
	}

	// A new document arrives in the tail.
	f.add("logs-a", "4", base.Add(4*time.Second), filebeatDoc(base.Add(4*time.Second), "survey-service", "info", "fourth", "c3"))
	waitFor(t, "tailed doc", func() bool { return c.count() >= 5 })
	var poll map[string]any
	for _, s := range f.searches()[1:] {
		poll = s.Body
		if gte := rangeGTE(t, s.Body); gte.Equal(base.Add(3*time.Second - 30*time.Second)) {
			break
		}
	}
	ts, doc = sortOf(t, poll)
	if ts["order"] != "asc" || ts["format"] != esTimeFormat || doc != "asc" {
		t.Fatalf("tail sort = %v, %v", ts, doc)
	}
	if gte := rangeGTE(t, poll); !gte.Equal(base.Add(3*time.Second - 30*time.Second)) {
		t.Fatalf("tail range gte = %v, want cursor-overlap = %v", gte, base.Add(3*time.Second-30*time.Second))
	}

	// A late document: indexed now, stamped behind the cursor but inside
	// the overlap window. It must appear exactly once.
	f.add("logs-a", "late", base.Add(2500*time.Millisecond), filebeatDoc(base.Add(2500*time.Millisecond), "survey-service", "error", "late", "c1"))
	// One older than the overlap is out of reach by design.
	f.add("logs-a", "too-late", base.Add(-time.Minute), filebeatDoc(base.Add(-time.Minute), "survey-service", "error", "too late", "c1"))
	waitFor(t, "late doc", func() bool { return c.count() >= 6 })
	n := len(f.searches())
	waitFor(t, "more polls", func() bool { return len(f.searches()) >= n+5 })
	got, _ = c.snapshot()
	seen := map[string]int{}
	for _, e := range got {
		seen[e.ID]++
	}
	if len(got) != 6 || seen["logs-a/late"] != 1 || seen["logs-a/too-late"] != 0 {
		t.Fatalf("after polls: %d entries, ids %v; want 6 with the late doc once", len(got), seen)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("%s delivered %d times", id, k)
		}
	}
}

func TestESPagesWithSearchAfter(t *testing.T) {
	f := newFakeES(t)
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := 0; i < 5; i++ {
		ts := base.Add(time.Duration(i) * time.Second)
		f.add("logs-a", fmt.Sprint(i), ts, filebeatDoc(ts, "s", "info", fmt.Sprint("h", i), ""))
	}
	cfg := testESConfig(f)
	cfg.PageSize, cfg.HistoryLimit = 2, 3
	src, err := NewESSource(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "history", func() bool { return c.count() >= 3 })
	got, _ := c.snapshot()
	if got[0].Message != "h2" || got[2].Message != "h4" {
		t.Fatalf("history kept %q..%q, want the newest three h2..h4", got[0].Message, got[2].Message)
	}
	s := f.searches()
	if s[0].Body["size"].(float64) != 2 || s[1].Body["size"].(float64) != 1 {
		t.Fatalf("history page sizes %v, %v; want 2 then 1 (HistoryLimit 3)", s[0].Body["size"], s[1].Body["size"])
	}
	after := s[1].Body["search_after"].([]any)
	if after[0] != esTS(base.Add(3*time.Second)) || after[1].(float64) != 3 {
		t.Fatalf("second page search_after = %v, want the last sort values of page one", after)
	}

	for i := 5; i < 10; i++ {
		ts := base.Add(time.Duration(i) * time.Second)
		f.add("logs-a", fmt.Sprint(i), ts, filebeatDoc(ts, "s", "info", fmt.Sprint("t", i), ""))
	}
	waitFor(t, "tail pages", func() bool { return c.count() >= 8 })
	got, _ = c.snapshot()
	for i, e := range got[3:] {
		if want := fmt.Sprint("t", i+5); e.Message != want {
			t.Fatalf("tail[%d] = %q, want %q", i, e.Message, want)
		}
	}
	// Within a poll, each page resumes after the previous page's last hit.
	paged := false
	for _, r := range f.searches()[2:] {
		if a, ok := r.Body["search_after"].([]any); ok && len(a) == 2 {
			paged = true
		}
	}
	if !paged {
		t.Fatal("no tail request used search_after")
	}
}

func TestESCorrelationFieldDetection(t *testing.T) {
	tests := []struct {
		name, caps string
		want       func(filter map[string]any) bool
	}{
		{
			name: "keyword",
			caps: `{"indices":["logs-a"],"fields":{"correlationId":{"keyword":{"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true}}}}`,
			want: func(m map[string]any) bool {
				return m["terms"] != nil && m["terms"].(map[string]any)["correlationId"] != nil
			},
		},
		{
			name: "text with keyword sub-field",
			caps: `{"indices":["logs-a"],"fields":{"correlationId":{"text":{"type":"text","metadata_field":false,"searchable":true,"aggregatable":false}},"correlationId.keyword":{"keyword":{"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true}}}}`,
			want: func(m map[string]any) bool {
				return m["terms"] != nil && m["terms"].(map[string]any)["correlationId.keyword"] != nil
			},
		},
		{
			name: "text only",
			caps: `{"indices":["logs-a"],"fields":{"correlationId":{"text":{"type":"text","metadata_field":false,"searchable":true,"aggregatable":false}}}}`,
			want: func(m map[string]any) bool {
				b, ok := m["bool"].(map[string]any)
				if !ok {
					return false
				}
				mp := b["should"].([]any)[0].(map[string]any)["match_phrase"].(map[string]any)
				return mp["correlationId"] == "abc"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeES(t)
			f.fieldCaps = tt.caps
			src, err := NewESSource(context.Background(), testESConfig(f), nil, MustCompileFilter("cid:abc svc:survey-service"))
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			waitFor(t, "a search", func() bool { return len(f.searches()) > 0 })
			f.mu.Lock()
			first := f.requests[0]
			f.mu.Unlock()
			if !strings.HasSuffix(first.Path, "/_field_caps") || !strings.HasPrefix(first.Path, "/logs-*/") {
				t.Fatalf("first request %s, want /logs-*/_field_caps", first.Path)
			}
			filters := f.searches()[0].Body["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any)
			found, svc := false, false
			for _, x := range filters {
				m := x.(map[string]any)
				if tt.want(m) {
					found = true
				}
				if terms, ok := m["terms"].(map[string]any); ok && terms["container.labels.com_docker_compose_service"] != nil {
					svc = true
				}
			}
			if !found || !svc {
				t.Fatalf("filters %v: cid push-down found=%v, service push-down=%v", filters, found, svc)
			}
		})
	}
}

func TestESBacksOffOn429And503ThenRecovers(t *testing.T) {
	f := newFakeES(t)
	ts := time.Now().Add(-time.Minute)
	f.add("logs-a", "1", ts, filebeatDoc(ts, "s", "info", "after recovery", ""))
	f.failNext = []int{429, 503}
	src, err := NewESSource(context.Background(), testESConfig(f), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "entry after recovery", func() bool { return c.count() >= 1 })
	waitFor(t, "ok status", func() bool { return c.hasStatus(StateOK, "") })
	if !c.hasStatus(StateBackoff, "elasticsearch 429: es_rejected_execution_exception") {
		_, st := c.snapshot()
		t.Fatalf("no backoff status for 429: %v", st)
	}
	if !c.hasStatus(StateBackoff, "elasticsearch 503") {
		_, st := c.snapshot()
		t.Fatalf("no backoff status for 503: %v", st)
	}
	if st := src.Status(); st.State != StateOK {
		t.Fatalf("status after recovery = %v", st)
	}
}

func TestESMalformedResponse(t *testing.T) {
	f := newFakeES(t)
	ts := time.Now().Add(-time.Minute)
	f.add("logs-a", "1", ts, filebeatDoc(ts, "s", "info", "fine", ""))
	f.garbage = 1
	src, err := NewESSource(context.Background(), testESConfig(f), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "entry", func() bool { return c.count() >= 1 })
	if !c.hasStatus(StateBackoff, "malformed search response") {
		_, st := c.snapshot()
		t.Fatalf("statuses %v: want a backoff naming the malformed response", st)
	}
}

func TestESStallTimesOutAndCloseIsPrompt(t *testing.T) {
	f := newFakeES(t)
	f.stall = 10 * time.Second
	cfg := testESConfig(f)
	cfg.RequestTimeout = 100 * time.Millisecond
	cfg.UnreachableAfter = 2
	src, err := NewESSource(context.Background(), cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := collect(src)
	waitFor(t, "unreachable status", func() bool { return c.hasStatus(StateUnreachable, "did not answer in time") })
	if st := src.Status(); st.State != StateUnreachable {
		t.Fatalf("Status() = %v", st)
	}
	closed := make(chan struct{})
	go func() { _ = src.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked behind a stalled request")
	}
	<-c.done // Batches is closed after Close
}

func TestESAuthHeaders(t *testing.T) {
	for _, tt := range []struct {
		name string
		set  func(*ESConfig)
		want string
	}{
		{"api key", func(c *ESConfig) { c.APIKey = "aWQ6a2V5" }, "APIKey aWQ6a2V5"}, // go-elasticsearch's spelling; ES reads the scheme case-insensitively
		{"basic", func(c *ESConfig) { c.Username, c.Password = "elastic", "changeme" }, "Basic ZWxhc3RpYzpjaGFuZ2VtZQ=="},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeES(t)
			cfg := testESConfig(f)
			tt.set(&cfg)
			src, err := NewESSource(context.Background(), cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			waitFor(t, "a search", func() bool { return len(f.searches()) > 0 })
			f.mu.Lock()
			got := f.headers[0].Get("Authorization")
			f.mu.Unlock()
			if got != tt.want {
				t.Fatalf("Authorization = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestESConfigErrors(t *testing.T) {
	if _, err := NewESSource(context.Background(), ESConfig{}, nil, nil); err == nil || !strings.Contains(err.Error(), "no URL") {
		t.Fatalf("no URL: %v", err)
	}
	_, err := NewESSource(context.Background(), ESConfig{URLs: []string{"http://127.0.0.1:1"}, CAFile: "/nonexistent/ca.pem"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Fatalf("bad CA file: %v", err)
	}
}

func TestESHitEntryMapping(t *testing.T) {
	fields := ESFields{}
	fields.setDefaults()
	tests := []struct {
		name, src     string
		msg, cid, svc string
		level         Level
	}{
		{"filebeat winston in message",
			`{"@timestamp":"2026-11-26T10:00:00.000Z","message":"{\"level\":\"error\",\"message\":\"db down\",\"correlationId\":\"abc\"}","container":{"name":"/stt-1","labels":{"com_docker_compose_service":"survey-service"}}}`,
			"db down", "abc", "survey-service", LevelError},
		{"decoded fields at top level, dotted",
			`{"@timestamp":"2026-11-26T10:00:00.000Z","message":"hi","log.level":"WARN","correlationId":"x1","container.labels.com_docker_compose_service":"auth"}`,
			"hi", "x1", "auth", LevelWarn},
		{"ecs trace id through parser list",
			`{"@timestamp":"2026-11-26T10:00:00.000Z","message":"m","trace":{"id":"tr"},"level":"info"}`,
			"m", "tr", "", LevelInfo},
		{"hostile message",
			`{"@timestamp":"2026-11-26T10:00:00.000Z","message":"\u001b]52;c;ZXZpbA==\u0007x","level":"info"}`,
			`\x1b]52;c;ZXZpbA==\x07x`, "", "", LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ESHitEntry(DefaultParser, &fields, "i", "1", "2026-11-26T10:00:00.000000000Z", []byte(tt.src))
			if e.Message != tt.msg || e.CorrelationID != tt.cid || e.Service != tt.svc || e.Level != tt.level {
				t.Fatalf("got msg=%q cid=%q svc=%q level=%v", e.Message, e.CorrelationID, e.Service, e.Level)
			}
			if !e.Time.Equal(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)) {
				t.Fatalf("time = %v", e.Time)
			}
			assertSafe(t, tt.name, &e)
		})
	}
}

// closedPort returns a 127.0.0.1 URL nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}
