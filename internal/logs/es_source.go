package logs

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// esTimeFormat is the sort and range format: nanosecond precision, so that
// search_after resumes exactly where the last page ended even for
// date_nanos fields.
const esTimeFormat = "strict_date_optional_time_nanos"

// ESSource tails Elasticsearch.
//
// History: newest first from now back to Since (at most HistoryLimit
// entries), delivered oldest first. Live tail: every PollInterval, a search
// for @timestamp >= cursor-Overlap sorted by [@timestamp asc, _doc asc],
// paged with search_after inside the poll. Documents indexed late (Filebeat
// buffers, ingest pipelines) land behind the cursor; re-reading the overlap
// window picks them up and a bounded set of index/_id keys keeps every
// document exactly once.
//
// Why `_doc` and not `_shard_doc`: `_shard_doc` is only valid inside a
// point in time (PIT), and a PIT freezes the view, so a tail would have to
// open and close one per poll (three requests instead of one, and PIT
// resources held on the cluster). `_doc` works in any ES 7/8 search and is
// the cheapest sort. Its values are per shard, so search_after can skip a
// document from another shard with the same timestamp exactly at a page
// boundary; each poll restarts from cursor-Overlap without search_after,
// which moves the page boundaries, and the de-duplication set makes
// re-reads harmless.
type ESSource struct {
	base
	cfg    ESConfig
	client *esClient
	parser *Parser
	filter *Filter

	cidField string    // correlation field to query (maybe ".keyword")
	cidText  bool      // query with match_phrase (text without keyword)
	cursor   string    // newest @timestamp seen (ES's formatted string)
	floor    time.Time // the tail ignores older documents (history's reach)
	seen     *seenSet
	fails    int
}

var _ Source = (*ESSource)(nil)

// NewESSource starts tailing. filter (may be nil) is pushed down: its cid:
// and exact svc: terms and since: bound restrict the query (the caller still
// applies the full filter to what arrives). The correlation fields of
// parser (default parser when nil) are used for lines whose correlation ID
// is not in the configured field.
func NewESSource(ctx context.Context, cfg ESConfig, parser *Parser, filter *Filter) (*ESSource, error) {
	cfg.setDefaults()
	c, err := newESClient(cfg)
	if err != nil {
		return nil, err
	}
	if parser == nil {
		parser = DefaultParser
	}
	s := &ESSource{cfg: cfg, client: c, parser: parser, filter: filter, cidField: cfg.Fields.Correlation,
		seen: newSeenSet(cfg.DedupSize)}
	s.start(ctx, "es", s.run)
	return s, nil
}

// Name implements Source.
func (s *ESSource) Name() string { return "es" }

func (s *ESSource) run(ctx context.Context) {
	// Each phase retries with backoff until it succeeds or ctx ends.
	if !s.retry(ctx, s.detectCorrelationField) {
		return
	}
	if !s.retry(ctx, s.history) {
		return
	}
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !s.retry(ctx, s.poll) {
			return
		}
	}
}

// retry runs step until it succeeds, backing off exponentially (with
// jitter) on failures and reporting them in the status. It returns false
// when ctx ends.
func (s *ESSource) retry(ctx context.Context, step func(context.Context) error) bool {
	delay := s.cfg.MinBackoff
	for {
		err := step(ctx)
		if ctx.Err() != nil {
			return false
		}
		if err == nil {
			s.fails = 0
			s.em.setStatus(StateOK, "")
			return true
		}
		s.fails++
		state := StateBackoff
		if s.fails >= s.cfg.UnreachableAfter {
			state = StateUnreachable
		}
		var ee *esError
		if errors.As(err, &ee) && !ee.retryable && s.fails >= s.cfg.UnreachableAfter {
			// A 4xx other than 429 will not fix itself soon: retry slowly.
			delay = s.cfg.MaxBackoff
		}
		wait := delay/2 + rand.N(delay/2+1)
		s.em.setStatus(state, oneLine(err.Error())+"; retrying in "+wait.Round(100*time.Millisecond).String())
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
		delay = min(2*delay, s.cfg.MaxBackoff)
	}
}

func (s *ESSource) detectCorrelationField(ctx context.Context) error {
	field := s.cfg.Fields.Correlation
	kind, kw, err := s.client.fieldKind(ctx, field)
	if err != nil {
		return err
	}
	switch {
	case kind == "text" && kw:
		s.cidField, s.cidText = field+".keyword", false
	case kind == "text":
		s.cidField, s.cidText = field, true
	default:
		s.cidField, s.cidText = field, false
	}
	return nil
}

func (s *ESSource) history(ctx context.Context) error {
	since := time.Now().Add(-s.cfg.Since)
	if s.filter != nil && !s.filter.Since().IsZero() {
		since = s.filter.Since()
	}
	lower := since.UTC().Format(time.RFC3339Nano)
	var all []Entry
	var after []json.RawMessage
	for len(all) < s.cfg.HistoryLimit {
		size := min(s.cfg.PageSize, s.cfg.HistoryLimit-len(all))
		res, err := s.client.search(ctx, s.searchBody(lower, "desc", after, size))
		if err != nil {
			return err
		}
		hits := res.Hits.Hits
		for i := range hits {
			if e, ok := s.hitEntry(&hits[i]); ok {
				all = append(all, e)
			}
		}
		if len(hits) > 0 && s.cursor == "" {
			s.cursor = sortTime(hits[0].Sort)
		}
		if len(hits) < size {
			break
		}
		after = hits[len(hits)-1].Sort
	}
	if s.cursor == "" {
		s.cursor = lower
	}
	// When the history was capped, documents older than what it showed
	// must not trickle in through the tail's overlap window later.
	s.floor = since
	if len(all) >= s.cfg.HistoryLimit {
		s.floor = all[len(all)-1].Time
	}
	slices.Reverse(all)
	s.em.add(all)
	s.em.historyDone()
	return nil
}

func (s *ESSource) poll(ctx context.Context) error {
	lower := s.cursor
	if t, err := time.Parse(time.RFC3339Nano, s.cursor); err == nil {
		lower = t.Add(-s.cfg.Overlap).UTC().Format(time.RFC3339Nano)
	}
	var after []json.RawMessage
	read := 0
	for read < s.cfg.MaxPerPoll {
		res, err := s.client.search(ctx, s.searchBody(lower, "asc", after, s.cfg.PageSize))
		if err != nil {
			return err
		}
		hits := res.Hits.Hits
		var batch []Entry
		for i := range hits {
			if e, ok := s.hitEntry(&hits[i]); ok && !e.Time.Before(s.floor) {
				batch = append(batch, e)
			}
			if ts := sortTime(hits[i].Sort); ts != "" && laterTime(ts, s.cursor) {
				s.cursor = ts
			}
		}
		s.em.add(batch)
		read += len(hits)
		if len(hits) < s.cfg.PageSize {
			break
		}
		after = hits[len(hits)-1].Sort
	}
	s.seen.forgetBefore(lower)
	return nil
}

// searchBody builds the search request. Exported behaviour is asserted by
// the tests against these exact shapes.
func (s *ESSource) searchBody(lower, order string, after []json.RawMessage, size int) []byte {
	tsField := s.cfg.Fields.Timestamp
	filters := []any{
		map[string]any{"range": map[string]any{tsField: map[string]any{"gte": lower, "format": esTimeFormat}}},
	}
	if s.filter != nil {
		if cids := s.filter.CorrelationIDs(); len(cids) > 0 {
			if s.cidText {
				var should []any
				for _, c := range cids {
					should = append(should, map[string]any{"match_phrase": map[string]any{s.cidField: c}})
				}
				filters = append(filters, map[string]any{"bool": map[string]any{"should": should, "minimum_should_match": 1}})
			} else {
				filters = append(filters, map[string]any{"terms": map[string]any{s.cidField: cids}})
			}
		}
		if svcs := s.filter.Services(); len(svcs) > 0 && len(svcs) == len(s.filter.services) {
			filters = append(filters, map[string]any{"terms": map[string]any{s.cfg.Fields.Service: svcs}})
		}
		if u := s.filter.Until(); !u.IsZero() {
			filters = append(filters, map[string]any{"range": map[string]any{tsField: map[string]any{"lte": u.UTC().Format(time.RFC3339Nano), "format": esTimeFormat}}})
		}
	}
	body := map[string]any{
		"size":             size,
		"track_total_hits": false,
		"query":            map[string]any{"bool": map[string]any{"filter": filters}},
		"sort": []any{
			map[string]any{tsField: map[string]any{"order": order, "format": esTimeFormat, "numeric_type": "date_nanos"}},
			map[string]any{"_doc": order},
		},
	}
	if len(after) > 0 {
		body["search_after"] = after
	}
	b, _ := json.Marshal(body)
	return b
}

// hitEntry converts a hit, skipping ones already seen.
func (s *ESSource) hitEntry(h *esHit) (Entry, bool) {
	key := h.Index + "/" + h.ID
	ts := sortTime(h.Sort)
	if !s.seen.add(key, ts) {
		return Entry{}, false
	}
	return ESHitEntry(s.parser, &s.cfg.Fields, h.Index, h.ID, ts, h.Source), true
}

// ESHitEntry converts one Elasticsearch document to an Entry. When the
// message field itself holds a JSON or logfmt line (Filebeat without JSON
// decoding), that line is parsed and its level, message and correlation ID
// fill what the document lacks.
func ESHitEntry(p *Parser, fields *ESFields, index, id, sortTS string, source []byte) Entry {
	src := string(source)
	fs, err := parseJSONObject(src)
	meta := Meta{Source: "es", ID: index + "/" + id}
	if t, err := time.Parse(time.RFC3339Nano, sortTS); err == nil {
		meta.Time = t
	}
	if err != nil {
		e := p.ParseString(src, meta)
		return e
	}
	msg, _ := LookupString(fs, fields.Message)
	if msg == "" {
		msg = src
	}
	if svc, ok := LookupString(fs, fields.Service); ok {
		meta.Service = svc
	}
	if ctr, ok := LookupString(fs, fields.Container); ok {
		meta.Container = strings.TrimPrefix(ctr, "/")
	}
	// The message is usually the application's own line: parse it for its
	// level, correlation ID and fields.
	e := p.ParseString(msg, meta)
	if meta.Time.IsZero() {
		if v, ok := Lookup(fs, fields.Timestamp); ok {
			if t, ok := parseTimeValue(v); ok {
				e.Time = t
			}
		}
	} else {
		e.Time = meta.Time
	}
	for _, name := range fields.Level {
		if v, ok := LookupString(fs, name); ok {
			if l, ok := ParseLevel(v); ok {
				e.Level = l
				break
			}
		}
	}
	if cid, ok := LookupString(fs, fields.Correlation); ok && cid != "" {
		e.CorrelationID = cid
	} else if e.CorrelationID == "" {
		e.CorrelationID = p.correlation(fs)
	}
	if e.Format == FormatPlain || len(e.Fields) == 0 {
		e.Format = FormatJSON
	}
	e.Fields = fs
	e.backing = len(src)
	return e
}

func sortTime(sort []json.RawMessage) string {
	if len(sort) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(sort[0], &s) != nil {
		return ""
	}
	return s
}

// laterTime compares two ES nanosecond time strings.
func laterTime(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	if err1 != nil || err2 != nil {
		return a > b
	}
	return ta.After(tb)
}

// seenSet remembers index/_id keys of delivered documents, bounded by count,
// forgetting those older than the overlap window first.
type seenSet struct {
	max   int
	keys  map[string]struct{}
	order []seenKey // insertion order
}

type seenKey struct{ key, ts string }

func newSeenSet(max int) *seenSet {
	return &seenSet{max: max, keys: make(map[string]struct{})}
}

// add returns false if key was already present.
func (s *seenSet) add(key, ts string) bool {
	if _, ok := s.keys[key]; ok {
		return false
	}
	s.keys[key] = struct{}{}
	s.order = append(s.order, seenKey{key, ts})
	if over := len(s.order) - s.max; over > 0 {
		for _, k := range s.order[:over] {
			delete(s.keys, k.key)
		}
		s.order = append(s.order[:0:0], s.order[over:]...)
	}
	return true
}

// forgetBefore drops leading keys whose time is before lower: the next
// poll's range starts at or after lower, so they cannot come back.
func (s *seenSet) forgetBefore(lower string) {
	i := 0
	for i < len(s.order) && s.order[i].ts != "" && laterTime(lower, s.order[i].ts) {
		delete(s.keys, s.order[i].key)
		i++
	}
	if i > 0 {
		s.order = append(s.order[:0:0], s.order[i:]...)
	}
}

// Len returns the number of remembered keys (for tests).
func (s *seenSet) Len() int { return len(s.keys) }
