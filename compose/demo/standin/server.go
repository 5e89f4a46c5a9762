package main

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// correlationHeader carries the correlation ID from service to service, as
// the platform's Express middleware does.
const correlationHeader = "X-Correlation-ID"

// stats are the counters /admin/stats and /admin/health/metrics report.
type stats struct {
	requests        atomic.Int64 // HTTP requests served (health probes included)
	errors          atomic.Int64 // responses with status >= 500
	originated      atomic.Int64 // simulated user requests started here
	downstreamCalls atomic.Int64
	downstreamFails atomic.Int64
}

// service is one running stand-in: its configuration, logger, counters and
// the HTTP client used for downstream calls and health polls.
type service struct {
	cfg     config
	log     *logger
	start   time.Time
	now     func() time.Time
	client  *http.Client
	stats   stats
	ballast [][]byte // STANDIN_MEMORY_MB, held so the GC cannot free it

	unhealthy atomic.Bool // set by STANDIN_UNHEALTHY_AFTER
	mu        sync.Mutex  // guards ballastMB
	ballastMB int
}

func newService(cfg config, log *logger) *service {
	return &service{
		cfg:    cfg,
		log:    log,
		start:  time.Now(),
		now:    time.Now,
		client: &http.Client{Timeout: 3 * time.Second},
	}
}

// handler returns the service's routes; every response is counted.
func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.handleHealth)
	if !s.cfg.Infra {
		mux.HandleFunc("POST /api/events", s.handleEvent)
		mux.HandleFunc("GET /admin/stats", s.handleStats)
		mux.HandleFunc("GET /admin/health/metrics", s.handleMetrics)
		if s.cfg.Service == "admin-service" {
			mux.HandleFunc("GET /admin/health", s.handleAdminHealth)
			mux.HandleFunc("GET /admin/services", s.handleAdminServices)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.stats.requests.Add(1)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(rec, r)
		if rec.status >= 500 {
			s.stats.errors.Add(1)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSONResponse(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *service) uptime() float64 {
	return float64(s.now().Sub(s.start).Milliseconds()) / 1000
}

// healthBody is the platform's /health answer.
type healthBody struct {
	Status    string  `json:"status"`
	Service   string  `json:"service"`
	Uptime    float64 `json:"uptime"`
	Version   string  `json:"version"`
	Timestamp string  `json:"timestamp"`
}

func (s *service) handleHealth(w http.ResponseWriter, _ *http.Request) {
	body := healthBody{
		Status:    "healthy",
		Service:   s.cfg.Service,
		Uptime:    s.uptime(),
		Version:   s.cfg.Version,
		Timestamp: s.now().UTC().Format(timestampFormat),
	}
	status := http.StatusOK
	if s.unhealthy.Load() {
		body.Status = "unhealthy"
		status = http.StatusServiceUnavailable
	}
	writeJSONResponse(w, status, body)
}

// eventBody is what one service posts to the next.
type eventBody struct {
	From   string `json:"from"`
	Action string `json:"action"`
	UserID string `json:"userId,omitempty"`
}

// handleEvent receives a request from an upstream service, logs it with the
// caller's correlation ID, and forwards it to this service's downstreams.
func (s *service) handleEvent(w http.ResponseWriter, r *http.Request) {
	started := s.now()
	cid := r.Header.Get(correlationHeader)
	if cid == "" {
		cid = newCorrelationID()
	}
	var ev eventBody
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&ev); err != nil {
		s.log.Warn("Rejected malformed event", cid, field{"method", r.Method}, field{"path", r.URL.Path},
			field{"statusCode", http.StatusBadRequest}, field{"error", err.Error()})
		writeJSONResponse(w, http.StatusBadRequest, map[string]string{"error": "malformed JSON body", "correlationId": cid})
		return
	}
	if s.unhealthy.Load() {
		s.log.Error("Cannot process request: service unhealthy", cid, field{"method", r.Method},
			field{"path", r.URL.Path}, field{"statusCode", http.StatusServiceUnavailable}, field{"from", ev.From})
		writeJSONResponse(w, http.StatusServiceUnavailable, map[string]string{"error": "service unhealthy", "correlationId": cid})
		return
	}
	msg := receiveMessage(s.cfg.Service, ev.Action)
	s.log.Info(msg, cid, field{"method", r.Method}, field{"path", r.URL.Path}, field{"from", ev.From},
		field{"action", ev.Action}, field{"userId", ev.UserID})
	failed := s.callDownstreams(r.Context(), cid, ev.Action, ev.UserID)
	status := http.StatusOK
	if failed > 0 {
		status = http.StatusBadGateway
	}
	fields := []field{{"method", r.Method}, {"path", r.URL.Path}, {"statusCode", status},
		{"durationMs", s.now().Sub(started).Milliseconds()}, {"userId", ev.UserID}}
	if failed > 0 {
		s.log.Warn("Request completed with downstream failures", cid, append(fields, field{"failedDownstreams", failed})...)
	} else {
		s.log.Debug("Request completed", cid, fields...)
	}
	writeJSONResponse(w, status, map[string]any{"ok": failed == 0, "service": s.cfg.Service, "correlationId": cid})
}

// callDownstreams posts the event to every downstream at once and returns
// how many failed; each failure is logged with the correlation ID, so an
// outage of one service shows up in its callers' logs.
func (s *service) callDownstreams(ctx context.Context, cid, action, userID string) int {
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, d := range s.cfg.Calls {
		wg.Add(1)
		go func(d downstream) {
			defer wg.Done()
			if err := s.post(ctx, d, cid, eventBody{From: s.cfg.Service, Action: action, UserID: userID}); err != nil {
				failed.Add(1)
				s.log.Error("Downstream call failed", cid, field{"downstream", d.Name},
					field{"url", "http://" + d.Addr + "/api/events"}, field{"error", err.Error()})
			}
		}(d)
	}
	wg.Wait()
	return int(failed.Load())
}

func (s *service) handleStats(w http.ResponseWriter, _ *http.Request) {
	writeJSONResponse(w, http.StatusOK, map[string]any{
		"service":         s.cfg.Service,
		"version":         s.cfg.Version,
		"uptime":          s.uptime(),
		"startedAt":       s.start.UTC().Format(timestampFormat),
		"requests":        s.stats.requests.Load(),
		"errors":          s.stats.errors.Load(),
		"userRequests":    s.stats.originated.Load(),
		"downstreamCalls": s.stats.downstreamCalls.Load(),
		"downstreamFails": s.stats.downstreamFails.Load(),
		"unhealthy":       s.unhealthy.Load(),
	})
}

func (s *service) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	ballast := s.ballastMB
	s.mu.Unlock()
	writeJSONResponse(w, http.StatusOK, map[string]any{
		"service":   s.cfg.Service,
		"timestamp": s.now().UTC().Format(timestampFormat),
		"uptime":    s.uptime(),
		"memory": map[string]any{
			"heapAllocBytes": m.HeapAlloc,
			"heapInuseBytes": m.HeapInuse,
			"sysBytes":       m.Sys,
			"ballastMB":      ballast,
			"gcCycles":       m.NumGC,
		},
		"goroutines": runtime.NumGoroutine(),
		"cpuBurn":    s.cfg.CPUBurn,
		"requests": map[string]int64{
			"total":           s.stats.requests.Load(),
			"errors":          s.stats.errors.Load(),
			"downstreamCalls": s.stats.downstreamCalls.Load(),
			"downstreamFails": s.stats.downstreamFails.Load(),
		},
	})
}

// probeResult is one watched service's /health as admin-service saw it.
type probeResult struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	Status         string `json:"status"` // healthy, unhealthy, unreachable
	StatusCode     int    `json:"statusCode,omitempty"`
	ResponseTimeMs int64  `json:"responseTimeMs"`
	Error          string `json:"error,omitempty"`
	CheckedAt      string `json:"checkedAt"`
}

// probeAll checks every watched service's /health concurrently.
func (s *service) probeAll(ctx context.Context) []probeResult {
	out := make([]probeResult, len(s.cfg.Watch))
	var wg sync.WaitGroup
	for i, d := range s.cfg.Watch {
		wg.Add(1)
		go func(i int, d downstream) {
			defer wg.Done()
			out[i] = s.probe(ctx, d)
		}(i, d)
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (s *service) probe(ctx context.Context, d downstream) probeResult {
	url := "http://" + d.Addr + "/health"
	res := probeResult{Name: d.Name, URL: url}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	started := s.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err == nil {
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			resp.Body.Close()
			res.StatusCode = resp.StatusCode
		}
	}
	res.ResponseTimeMs = s.now().Sub(started).Milliseconds()
	res.CheckedAt = s.now().UTC().Format(timestampFormat)
	switch {
	case err != nil:
		res.Status, res.Error = "unreachable", err.Error()
	case res.StatusCode == http.StatusOK:
		res.Status = "healthy"
	default:
		res.Status, res.Error = "unhealthy", "HTTP "+strconv.Itoa(res.StatusCode)
	}
	return res
}

// overall folds probe results: healthy when all are, unhealthy when none
// is, degraded in between.
func overall(results []probeResult) string {
	healthy := 0
	for _, r := range results {
		if r.Status == "healthy" {
			healthy++
		}
	}
	switch {
	case healthy == len(results):
		return "healthy"
	case healthy == 0:
		return "unhealthy"
	default:
		return "degraded"
	}
}

func (s *service) handleAdminHealth(w http.ResponseWriter, r *http.Request) {
	results := s.probeAll(r.Context())
	services := make(map[string]probeResult, len(results))
	for _, res := range results {
		services[res.Name] = res
	}
	status := overall(results)
	code := http.StatusOK
	if status == "unhealthy" {
		code = http.StatusServiceUnavailable
	}
	writeJSONResponse(w, code, map[string]any{
		"status":    status,
		"timestamp": s.now().UTC().Format(timestampFormat),
		"services":  services,
	})
}

func (s *service) handleAdminServices(w http.ResponseWriter, r *http.Request) {
	results := s.probeAll(r.Context())
	writeJSONResponse(w, http.StatusOK, map[string]any{
		"count":    len(results),
		"services": results,
	})
}
