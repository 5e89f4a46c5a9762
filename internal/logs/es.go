package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// DefaultESIndex is the index pattern searched when none is configured:
// what Filebeat, Logstash and data streams create by default.
const DefaultESIndex = "filebeat-*,logstash-*,logs-*"

// ESFields names the document fields the Elasticsearch source reads. Dotted
// names match both flattened keys and nested objects.
type ESFields struct {
	Timestamp   string   // default "@timestamp"
	Service     string   // default "container.labels.com_docker_compose_service"
	Container   string   // default "container.name"
	Level       []string // default "log.level", "level"
	Message     string   // default "message"
	Correlation string   // default "correlationId"
}

func (f *ESFields) setDefaults() {
	if f.Timestamp == "" {
		f.Timestamp = "@timestamp"
	}
	if f.Service == "" {
		f.Service = "container.labels.com_docker_compose_service"
	}
	if f.Container == "" {
		f.Container = "container.name"
	}
	if len(f.Level) == 0 {
		f.Level = []string{"log.level", "level"}
	}
	if f.Message == "" {
		f.Message = "message"
	}
	if f.Correlation == "" {
		f.Correlation = "correlationId"
	}
}

// ESConfig configures the Elasticsearch source. Zero values take defaults.
type ESConfig struct {
	URLs               []string
	Username, Password string
	APIKey             string // base64 "id:key", as Kibana shows it; overrides user/password
	CAFile             string // PEM file of the CA that signed the cluster's certificate
	Index              string // comma-separated patterns; default DefaultESIndex
	Fields             ESFields

	// Since bounds the history read at start (default 15 minutes).
	Since time.Duration
	// PollInterval is the live-tail period (default 2 s).
	PollInterval time.Duration
	// Overlap is how far back each poll re-reads for late documents
	// (default 30 s).
	Overlap time.Duration
	// PageSize is the hits per request (default 1000); HistoryLimit caps
	// the entries read at start (default 5000); MaxPerPoll caps one poll
	// (default 50000).
	PageSize, HistoryLimit, MaxPerPoll int
	// RequestTimeout bounds each request (default 10 s), so a stalled
	// cluster shows as a status instead of hanging the tail.
	RequestTimeout time.Duration
	// MinBackoff is the first retry delay (default 1 s); MaxBackoff caps
	// the doubling (default 30 s).
	MinBackoff, MaxBackoff time.Duration
	// UnreachableAfter is the number of consecutive failures after which
	// the state becomes StateUnreachable (default 3).
	UnreachableAfter int
	// DedupSize bounds the set of seen index/_id keys (default 200000).
	DedupSize int
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

func (c *ESConfig) setDefaults() {
	if c.Index == "" {
		c.Index = DefaultESIndex
	}
	c.Fields.setDefaults()
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Since, 15*time.Minute)
	def(&c.PollInterval, 2*time.Second)
	def(&c.Overlap, 30*time.Second)
	def(&c.RequestTimeout, 10*time.Second)
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 30*time.Second)
	defi := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	defi(&c.PageSize, 1000)
	defi(&c.HistoryLimit, 5000)
	defi(&c.MaxPerPoll, 50_000)
	defi(&c.UnreachableAfter, 3)
	defi(&c.DedupSize, 200_000)
}

// esClient wraps the low-level go-elasticsearch client. The low-level API
// (rather than the typed one) is used because the source needs exact
// control of the request body (sort format, search_after values passed back
// verbatim) and decodes only the few response fields it uses.
type esClient struct {
	es      *elasticsearch.Client
	index   []string
	timeout time.Duration
}

func newESClient(cfg ESConfig) (*esClient, error) {
	if len(cfg.URLs) == 0 {
		return nil, errors.New("elasticsearch: no URL configured (set es.urls or --es-url)")
	}
	ecfg := elasticsearch.Config{
		Addresses:    cfg.URLs,
		Username:     cfg.Username,
		Password:     cfg.Password,
		APIKey:       cfg.APIKey,
		Transport:    cfg.Transport,
		DisableRetry: true, // the source backs off itself and reports it
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("elasticsearch CA file: %w (set es.ca_file to a readable PEM file)", err)
		}
		ecfg.CACert = pem
	}
	es, err := elasticsearch.NewClient(ecfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: %w", err)
	}
	var idx []string
	for _, p := range strings.Split(cfg.Index, ",") {
		if p = strings.TrimSpace(p); p != "" {
			idx = append(idx, p)
		}
	}
	return &esClient{es: es, index: idx, timeout: cfg.RequestTimeout}, nil
}

// esError is a failed request; retryable tells 429/5xx/transport errors
// from bad requests.
type esError struct {
	status    int
	msg       string
	retryable bool
}

func (e *esError) Error() string {
	if e.status == 0 {
		return e.msg
	}
	return fmt.Sprintf("elasticsearch %d: %s", e.status, e.msg)
}

type esHit struct {
	Index  string            `json:"_index"`
	ID     string            `json:"_id"`
	Source json.RawMessage   `json:"_source"`
	Sort   []json.RawMessage `json:"sort"`
}

type esSearchResponse struct {
	TimedOut bool `json:"timed_out"`
	Hits     struct {
		Hits []esHit `json:"hits"`
	} `json:"hits"`
}

func (c *esClient) search(ctx context.Context, body []byte) (*esSearchResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.es.Search(
		c.es.Search.WithContext(ctx),
		c.es.Search.WithIndex(c.index...),
		c.es.Search.WithBody(bytes.NewReader(body)),
		c.es.Search.WithIgnoreUnavailable(true),
		c.es.Search.WithAllowNoIndices(true),
	)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	defer res.Body.Close()
	if err := responseError(res); err != nil {
		return nil, err
	}
	var out esSearchResponse
	if err := json.NewDecoder(io.LimitReader(res.Body, 512<<20)).Decode(&out); err != nil {
		return nil, &esError{status: res.StatusCode, msg: "malformed search response: " + oneLine(err.Error()), retryable: true}
	}
	return &out, nil
}

// fieldKind asks _field_caps how field is mapped across the index pattern:
// "keyword", "text" (with or without a .keyword sub-field) or "" (unmapped).
func (c *esClient) fieldKind(ctx context.Context, field string) (kind string, hasKeywordSub bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.es.FieldCaps(
		c.es.FieldCaps.WithContext(ctx),
		c.es.FieldCaps.WithIndex(c.index...),
		c.es.FieldCaps.WithFields(field, field+".keyword"),
		c.es.FieldCaps.WithIgnoreUnavailable(true),
		c.es.FieldCaps.WithAllowNoIndices(true),
	)
	if err != nil {
		return "", false, transportError(ctx, err)
	}
	defer res.Body.Close()
	if err := responseError(res); err != nil {
		return "", false, err
	}
	var out struct {
		Fields map[string]map[string]json.RawMessage `json:"fields"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<20)).Decode(&out); err != nil {
		return "", false, &esError{status: res.StatusCode, msg: "malformed _field_caps response: " + oneLine(err.Error()), retryable: true}
	}
	types := out.Fields[field]
	_, hasKeywordSub = out.Fields[field+".keyword"]["keyword"]
	switch {
	case len(types) == 0:
		return "", hasKeywordSub, nil
	case types["text"] != nil || types["match_only_text"] != nil:
		// Text in at least one index: exact terms need the keyword form.
		return "text", hasKeywordSub, nil
	default:
		return "keyword", hasKeywordSub, nil
	}
}

func transportError(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return &esError{msg: "elasticsearch did not answer in time (request timeout)", retryable: true}
	}
	return &esError{msg: "elasticsearch unreachable: " + oneLine(err.Error()), retryable: true}
}

func responseError(res *esapi.Response) error {
	if res.StatusCode < 300 {
		return nil
	}
	var body struct {
		Error struct {
			Type      string `json:"type"`
			Reason    string `json:"reason"`
			RootCause []struct {
				Reason string `json:"reason"`
			} `json:"root_cause"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	msg := http.StatusText(res.StatusCode)
	if json.Unmarshal(raw, &body) == nil && body.Error.Type != "" {
		msg = body.Error.Type + ": " + body.Error.Reason
		if len(body.Error.RootCause) > 0 && body.Error.RootCause[0].Reason != "" && body.Error.RootCause[0].Reason != body.Error.Reason {
			msg += " (" + body.Error.RootCause[0].Reason + ")"
		}
	}
	switch res.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += "; check es user/password or API key"
	}
	return &esError{
		status:    res.StatusCode,
		msg:       oneLine(msg),
		retryable: res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500,
	}
}

// oneLine makes an error message fit a status bar: sanitized, no newlines,
// at most 300 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return Sanitize(s)
}
