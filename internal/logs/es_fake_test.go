package logs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeES answers _search and _field_caps the way Elasticsearch 8 documents
// them (response shapes, the X-Elastic-Product header, formatted sort
// values), evaluates the subset of the query DSL the source sends (range on
// @timestamp, terms, sort asc/desc with _doc, search_after, size), and
// records every request so tests can assert what was sent. It is not a
// mock of the client: the real go-elasticsearch client talks HTTP to it.
type fakeES struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	docs      []fakeDoc
	requests  []fakeRequest
	fieldCaps string            // JSON answered to _field_caps
	failNext  []int             // status codes to answer before succeeding
	garbage   int               // answer this many searches with malformed JSON
	stall     time.Duration     // delay each search by this much
	headers   []http.Header     // request headers seen
	onSearch  func(fakeRequest) // hook after a search is recorded
}

type fakeDoc struct {
	index, id string
	ts        time.Time
	source    string
	num       int // _doc value
}

type fakeRequest struct {
	Path string
	Body map[string]any
}

func newFakeES(t *testing.T) *fakeES {
	f := &fakeES{t: t, fieldCaps: `{"indices":["logs-a"],"fields":{"correlationId":{"keyword":{"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true}}}}`}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// add indexes a document; ts is its @timestamp.
func (f *fakeES) add(index, id string, ts time.Time, source string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs = append(f.docs, fakeDoc{index: index, id: id, ts: ts, source: source, num: len(f.docs)})
}

func (f *fakeES) searches() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if strings.HasSuffix(r.Path, "/_search") {
			out = append(out, r)
		}
	}
	return out
}

func esTS(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func (f *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	body, _ := io.ReadAll(r.Body)
	req := fakeRequest{Path: r.URL.Path}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &req.Body); err != nil {
			f.t.Errorf("request body is not JSON: %s", body)
		}
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.headers = append(f.headers, r.Header.Clone())
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		f.mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected"}],"type":"es_rejected_execution_exception","reason":"rejected execution of search"},"status":%d}`, code)
		return
	}
	stall := f.stall
	garbage := false
	if f.garbage > 0 && strings.HasSuffix(r.URL.Path, "/_search") {
		f.garbage--
		garbage = true
	}
	hook := f.onSearch
	f.mu.Unlock()
	if stall > 0 {
		select {
		case <-time.After(stall):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/_field_caps"):
		f.mu.Lock()
		fmt.Fprint(w, f.fieldCaps)
		f.mu.Unlock()
	case strings.HasSuffix(r.URL.Path, "/_search"):
		if garbage {
			fmt.Fprint(w, `{"took":1,"hits":{"hits":[{"_index":`)
			return
		}
		f.search(w, req)
		if hook != nil {
			hook(req)
		}
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":{"type":"unknown","reason":"no handler"},"status":404}`)
	}
}

func (f *fakeES) search(w http.ResponseWriter, req fakeRequest) {
	b := req.Body
	size := int(b["size"].(float64))
	sort := b["sort"].([]any)
	order := sort[0].(map[string]any)["@timestamp"].(map[string]any)["order"].(string)
	var gte, lte time.Time
	var cids []string
	cidField := ""
	for _, c := range b["query"].(map[string]any)["bool"].(map[string]any)["filter"].([]any) {
		m := c.(map[string]any)
		if rg, ok := m["range"]; ok {
			ts := rg.(map[string]any)["@timestamp"].(map[string]any)
			if s, ok := ts["gte"].(string); ok {
				gte, _ = time.Parse(time.RFC3339Nano, s)
			}
			if s, ok := ts["lte"].(string); ok {
				lte, _ = time.Parse(time.RFC3339Nano, s)
			}
		}
		if terms, ok := m["terms"].(map[string]any); ok {
			for k, v := range terms {
				if strings.HasPrefix(k, "correlationId") {
					cidField = k
					for _, x := range v.([]any) {
						cids = append(cids, x.(string))
					}
				}
			}
		}
	}
	f.mu.Lock()
	var hits []fakeDoc
	for _, d := range f.docs {
		if d.ts.Before(gte) || !lte.IsZero() && d.ts.After(lte) {
			continue
		}
		if cidField != "" {
			var src map[string]any
			_ = json.Unmarshal([]byte(d.source), &src)
			if !slices.Contains(cids, fmt.Sprint(src["correlationId"])) {
				continue
			}
		}
		hits = append(hits, d)
	}
	f.mu.Unlock()
	cmp := func(a, b fakeDoc) int {
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		return a.num - b.num
	}
	slices.SortFunc(hits, func(a, b fakeDoc) int {
		if order == "desc" {
			return cmp(b, a)
		}
		return cmp(a, b)
	})
	if after, ok := b["search_after"].([]any); ok {
		ats, _ := time.Parse(time.RFC3339Nano, after[0].(string))
		anum := int(after[1].(float64))
		pivot := fakeDoc{ts: ats, num: anum}
		var rest []fakeDoc
		for _, h := range hits {
			c := cmp(h, pivot)
			if order == "desc" {
				c = -c
			}
			if c > 0 {
				rest = append(rest, h)
			}
		}
		hits = rest
	}
	if len(hits) > size {
		hits = hits[:size]
	}
	var sb strings.Builder
	sb.WriteString(`{"took":3,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"max_score":null,"hits":[`)
	for i, h := range hits {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"_index":%q,"_id":%q,"_score":null,"_source":%s,"sort":[%q,%d]}`, h.index, h.id, h.source, esTS(h.ts), h.num)
	}
	sb.WriteString(`]}}`)
	fmt.Fprint(w, sb.String())
}

// collector drains a source into a slice, recording statuses.
type collector struct {
	mu       sync.Mutex
	entries  []Entry
	statuses []Status
	histAt   int // entries received when HistoryDone arrived (-1: not yet)
	done     chan struct{}
}

func collect(src Source) *collector {
	c := &collector{done: make(chan struct{}), histAt: -1}
	go func() {
		defer close(c.done)
		for b := range src.Batches() {
			c.mu.Lock()
			c.entries = append(c.entries, b.Entries...)
			c.statuses = append(c.statuses, b.Transitions...)
			if b.HistoryDone && c.histAt < 0 {
				c.histAt = len(c.entries)
			}
			c.mu.Unlock()
		}
	}()
	return c
}

// waitFor polls cond until it holds or 10 s pass (a generous bound for a
// shared CI machine; the test fails rather than hangs).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *collector) snapshot() ([]Entry, []Status) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.entries), slices.Clone(c.statuses)
}

func (c *collector) historyAt() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.histAt
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *collector) hasStatus(st State, substr string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.statuses {
		if s.State == st && strings.Contains(s.Message, substr) {
			return true
		}
	}
	return false
}
