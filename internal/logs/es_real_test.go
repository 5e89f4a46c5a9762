package logs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"
)

// TestESRealCluster runs only when SURVEYTUI_TEST_ES_URL names a cluster
// (optionally SURVEYTUI_TEST_ES_USER/_PASSWORD, _API_KEY, _CA_FILE). It
// creates its own index, tails it, and deletes it.
func TestESRealCluster(t *testing.T) {
	url := os.Getenv("SURVEYTUI_TEST_ES_URL")
	if url == "" {
		t.Skip("set SURVEYTUI_TEST_ES_URL=http://127.0.0.1:9200 to test against a real Elasticsearch")
	}
	cfg := ESConfig{
		URLs:         []string{url},
		Username:     os.Getenv("SURVEYTUI_TEST_ES_USER"),
		Password:     os.Getenv("SURVEYTUI_TEST_ES_PASSWORD"),
		APIKey:       os.Getenv("SURVEYTUI_TEST_ES_API_KEY"),
		CAFile:       os.Getenv("SURVEYTUI_TEST_ES_CA_FILE"),
		PollInterval: 500 * time.Millisecond,
	}
	var rb [4]byte
	_, _ = rand.Read(rb[:])
	cfg.Index = "stt-logs-test-" + hex.EncodeToString(rb[:])
	c, err := newESClient(withDefaults(cfg))
	if err != nil {
		t.Fatal(err)
	}
	es := c.es
	ctx := context.Background()
	// Dynamic mapping makes correlationId text with a .keyword sub-field,
	// which exercises the _field_caps detection.
	res, err := es.Indices.Create(cfg.Index, es.Indices.Create.WithBody(strings.NewReader(
		`{"mappings":{"properties":{"@timestamp":{"type":"date_nanos"}}}}`)))
	if err != nil || res.IsError() {
		t.Fatalf("create index %s: %v %v", cfg.Index, err, res)
	}
	res.Body.Close()
	t.Cleanup(func() {
		if res, err := es.Indices.Delete([]string{cfg.Index}); err != nil || res.IsError() {
			t.Errorf("delete index %s: %v %v", cfg.Index, err, res)
		}
	})
	index := func(docs ...string) {
		t.Helper()
		var b strings.Builder
		for _, d := range docs {
			b.WriteString(`{"index":{}}` + "\n" + d + "\n")
		}
		res, err := es.Bulk(strings.NewReader(b.String()), es.Bulk.WithIndex(cfg.Index), es.Bulk.WithRefresh("true"))
		if err != nil || res.IsError() {
			t.Fatalf("bulk: %v %v", err, res)
		}
		res.Body.Close()
	}
	now := time.Now()
	index(
		filebeatDoc(now.Add(-2*time.Second), "survey-service", "info", "real one", "real-cid"),
		filebeatDoc(now.Add(-time.Second), "auth-service", "warn", "real two", "real-cid"),
	)
	src, err := NewESSource(ctx, cfg, nil, MustCompileFilter("cid:real-cid"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	col := collect(src)
	waitFor(t, "history from the cluster", func() bool { return col.count() >= 2 })
	if src.cidField != "correlationId.keyword" {
		t.Errorf("correlation field resolved to %q, want correlationId.keyword (dynamic mapping is text+keyword)", src.cidField)
	}
	index(filebeatDoc(time.Now(), "gateway", "error", "real three", "real-cid"),
		filebeatDoc(time.Now(), "gateway", "error", "other request", "other-cid"))
	waitFor(t, "tailed document", func() bool { return col.count() >= 3 })
	time.Sleep(2 * time.Second)
	got, _ := col.snapshot()
	if len(got) != 3 || got[2].Message != "real three" || got[2].Level != LevelError {
		t.Fatalf("got %d entries, last %+v", len(got), got[len(got)-1])
	}
}

func withDefaults(c ESConfig) ESConfig {
	c.setDefaults()
	return c
}
