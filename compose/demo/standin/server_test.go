package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines parses every log line written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// startService runs a stand-in's handler on a real listener (127.0.0.1:0).
func startService(t *testing.T, name string, calls ...downstream) (*service, *httptest.Server, *syncBuffer) {
	t.Helper()
	cfg, err := loadConfig(envMap(map[string]string{"STANDIN_SERVICE": name}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Calls, cfg.Watch = calls, calls
	buf := &syncBuffer{}
	s := newService(cfg, newLogger(buf, name, levelDebug))
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return s, srv, buf
}

func addr(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", url, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode
}

func TestHealthTurnsUnhealthy(t *testing.T) {
	s, srv, buf := startService(t, "geolocation-service")
	var h healthBody
	if code := getJSON(t, srv.URL+"/health", &h); code != 200 || h.Status != "healthy" ||
		h.Service != "geolocation-service" || h.Version == "" || h.Timestamp == "" {
		t.Fatalf("GET /health = %d %+v", code, h)
	}
	s.cfg.UnhealthyAfter = 10 * time.Millisecond
	s.startTimers()
	deadline := time.Now().Add(5 * time.Second)
	for !s.unhealthy.Load() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if code := getJSON(t, srv.URL+"/health", &h); code != http.StatusServiceUnavailable || h.Status != "unhealthy" {
		t.Fatalf("after STANDIN_UNHEALTHY_AFTER: GET /health = %d %+v", code, h)
	}
	found := false
	for _, l := range buf.lines(t) {
		if l["level"] == "error" && strings.Contains(l["message"].(string), "Health check failing") {
			found = true
		}
	}
	if !found {
		t.Error("turning unhealthy was not logged at error")
	}
}

func TestCrashAfterExitsOne(t *testing.T) {
	codes := make(chan int, 1)
	exit = func(code int) { codes <- code }
	t.Cleanup(func() { exit = osExit })
	s, _, buf := startService(t, "audit-consumer-service")
	s.cfg.CrashAfter = 10 * time.Millisecond
	s.startTimers()
	select {
	case code := <-codes:
		if code != 1 {
			t.Fatalf("exit code %d, want 1", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("STANDIN_CRASH_AFTER did not exit")
	}
	lines := buf.lines(t)
	if len(lines) == 0 || lines[len(lines)-1]["level"] != "error" {
		t.Fatalf("crash not logged at error before exit: %v", lines)
	}
}

// TestCorrelationIDTravels chains three stand-ins over real HTTP
// (survey -> analytics -> analytics-consumer) and checks that the ID of one
// simulated user request is logged by all three.
func TestCorrelationIDTravels(t *testing.T) {
	_, consumer, consumerLog := startService(t, "analytics-consumer-service")
	_, analytics, analyticsLog := startService(t, "analytics-service",
		downstream{"analytics-consumer-service", addr(consumer)})
	survey, _, surveyLog := startService(t, "survey-service", downstream{"analytics-service", addr(analytics)})

	// Seeds chosen so the request passes validation (4 % fail on purpose).
	var cid string
	for seed := uint64(1); cid == "" && seed < 50; seed++ {
		before := len(surveyLog.lines(t))
		survey.originate(context.Background(), mrand.New(mrand.NewPCG(seed, seed)))
		for _, l := range surveyLog.lines(t)[before:] {
			if l["statusCode"] == float64(200) || l["statusCode"] == float64(201) {
				cid = l["correlationId"].(string)
			}
		}
	}
	if cid == "" {
		t.Fatal("no simulated request completed successfully")
	}
	for name, log := range map[string]*syncBuffer{"analytics": analyticsLog, "consumer": consumerLog} {
		found := false
		for _, l := range log.lines(t) {
			if l["correlationId"] == cid && l["level"] == "info" && l["path"] == "/api/events" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s did not log correlationId %s", name, cid)
		}
	}
	if got := survey.stats.originated.Load(); got < 1 {
		t.Errorf("originated = %d", got)
	}
}

func TestDownstreamFailureLogged(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := addr(dead)
	dead.Close() // connection refused from now on
	s, srv, buf := startService(t, "notification-service", downstream{"audit-consumer-service", deadAddr})

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/events",
		strings.NewReader(`{"from":"survey-service","action":"response.submitted","userId":"user-3"}`))
	req.Header.Set(correlationHeader, "11111111-2222-4333-8444-555555555555")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502 when a downstream is down", resp.StatusCode)
	}
	var sawError bool
	for _, l := range buf.lines(t) {
		if l["level"] == "error" && l["message"] == "Downstream call failed" &&
			l["downstream"] == "audit-consumer-service" && l["correlationId"] == "11111111-2222-4333-8444-555555555555" {
			sawError = true
		}
	}
	if !sawError {
		t.Fatalf("no error line with the correlation ID naming the failed downstream: %v", buf.lines(t))
	}
	if s.stats.downstreamFails.Load() != 1 || s.stats.errors.Load() != 1 {
		t.Errorf("downstreamFails=%d errors=%d, want 1 and 1", s.stats.downstreamFails.Load(), s.stats.errors.Load())
	}
}

func TestEventRejectsMalformedBody(t *testing.T) {
	_, srv, buf := startService(t, "project-service")
	resp, err := http.Post(srv.URL+"/api/events", "application/json", strings.NewReader("{not json"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	lines := buf.lines(t)
	if len(lines) != 1 || lines[0]["level"] != "warn" || lines[0]["correlationId"] == "" {
		t.Fatalf("want one warn line with a generated correlation ID, got %v", lines)
	}
}

func TestAdminEndpoints(t *testing.T) {
	_, up, _ := startService(t, "survey-service")
	sick, sickSrv, _ := startService(t, "project-service")
	sick.unhealthy.Store(true)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := addr(dead)
	dead.Close()
	_, admin, _ := startService(t, "admin-service",
		downstream{"survey-service", addr(up)}, downstream{"project-service", addr(sickSrv)},
		downstream{"websocket-service", deadAddr})

	var health struct {
		Status   string                 `json:"status"`
		Services map[string]probeResult `json:"services"`
	}
	if code := getJSON(t, admin.URL+"/admin/health", &health); code != 200 || health.Status != "degraded" {
		t.Fatalf("/admin/health = %d %s, want 200 degraded", code, health.Status)
	}
	want := map[string]string{"survey-service": "healthy", "project-service": "unhealthy", "websocket-service": "unreachable"}
	for name, status := range want {
		if got := health.Services[name]; got.Status != status {
			t.Errorf("/admin/health %s = %+v, want %s", name, got, status)
		}
	}
	if health.Services["project-service"].StatusCode != 503 || health.Services["websocket-service"].Error == "" {
		t.Errorf("details missing: %+v", health.Services)
	}

	var list struct {
		Count    int           `json:"count"`
		Services []probeResult `json:"services"`
	}
	getJSON(t, admin.URL+"/admin/services", &list)
	if list.Count != 3 || len(list.Services) != 3 || list.Services[0].Name != "project-service" {
		t.Fatalf("/admin/services = %+v, want 3 sorted by name", list)
	}

	var stats map[string]any
	getJSON(t, admin.URL+"/admin/stats", &stats)
	if stats["service"] != "admin-service" || stats["requests"].(float64) < 3 {
		t.Fatalf("/admin/stats = %v", stats)
	}
	var metrics struct {
		Goroutines int            `json:"goroutines"`
		Memory     map[string]any `json:"memory"`
		Requests   map[string]int `json:"requests"`
	}
	getJSON(t, admin.URL+"/admin/health/metrics", &metrics)
	if metrics.Goroutines < 1 || metrics.Memory["sysBytes"].(float64) <= 0 || metrics.Requests["total"] < 4 {
		t.Fatalf("/admin/health/metrics = %+v", metrics)
	}
}

func TestOverall(t *testing.T) {
	h, u := probeResult{Status: "healthy"}, probeResult{Status: "unreachable"}
	tests := []struct {
		in   []probeResult
		want string
	}{
		{[]probeResult{h, h}, "healthy"},
		{[]probeResult{h, u}, "degraded"},
		{[]probeResult{u, u}, "unhealthy"},
		{nil, "healthy"},
	}
	for _, tt := range tests {
		if got := overall(tt.in); got != tt.want {
			t.Errorf("overall(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestInfraServesHealthOnly(t *testing.T) {
	_, srv, _ := startService(t, "kafka")
	var h healthBody
	if code := getJSON(t, srv.URL+"/health", &h); code != 200 || h.Service != "kafka" {
		t.Fatalf("GET /health = %d %+v", code, h)
	}
	resp, err := http.Post(srv.URL+"/api/events", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("infra stand-in answered /api/events with %d, want 404", resp.StatusCode)
	}
}
