package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// newCorrelationID returns a random UUID v4 string, the format the
// platform's middleware generates.
func newCorrelationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// scenario is one kind of simulated user request.
type scenario struct {
	Method, Path, Message, Action string
}

// scenarios lists the user requests each originating service simulates; a
// service missing here only serves requests from others.
var scenarios = map[string][]scenario{
	"survey-service": {
		{"POST", "/api/surveys/%s/responses", "Survey response submitted", "response.submitted"},
		{"GET", "/api/surveys/%s", "Survey retrieved", "survey.viewed"},
		{"POST", "/api/surveys", "Survey created", "survey.created"},
		{"PUT", "/api/surveys/%s", "Survey updated", "survey.updated"},
	},
	"websocket-service": {
		{"GET", "/socket.io/?surveyId=%s", "Client subscribed to live results", "ws.subscribed"},
	},
	"project-service": {
		{"PUT", "/api/projects/%s", "Project settings updated", "project.updated"},
		{"POST", "/api/projects/%s/members", "Member added to project", "project.member_added"},
	},
}

// originRate slows the secondary originators down relative to survey-service.
var originRate = map[string]int{"survey-service": 1, "websocket-service": 3, "project-service": 3}

// receiveMessages is what each service logs when a request reaches it.
var receiveMessages = map[string]string{
	"survey-service":                "Survey event processed",
	"geolocation-service":           "Resolved client location",
	"analytics-service":             "Analytics event recorded",
	"analytics-consumer-service":    "Consumed analytics event from topic survey-analytics",
	"notification-service":          "Notification queued",
	"notification-consumer-service": "Notification delivered via email",
	"audit-consumer-service":        "Audit log entry persisted",
	"websocket-service":             "Broadcast update to subscribed clients",
	"project-service":               "Project activity updated",
}

func receiveMessage(service, action string) string {
	if m, ok := receiveMessages[service]; ok {
		return m + " (" + action + ")"
	}
	return "Event received (" + action + ")"
}

// post sends one event downstream with the correlation ID header; any
// transport error or non-2xx answer is an error.
func (s *service) post(ctx context.Context, d downstream, cid string, ev eventBody) error {
	s.stats.downstreamCalls.Add(1)
	body, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+d.Addr+"/api/events", bytes.NewReader(body))
	if err != nil {
		s.stats.downstreamFails.Add(1)
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(correlationHeader, cid)
	resp, err := s.client.Do(req)
	if err != nil {
		s.stats.downstreamFails.Add(1)
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		s.stats.downstreamFails.Add(1)
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, d.Name)
	}
	return nil
}

// originate runs one simulated user request: a fresh correlation ID, the
// incoming request logged, the downstream calls, and the outcome.
func (s *service) originate(ctx context.Context, rng *mrand.Rand) {
	list := scenarios[s.cfg.Service]
	if len(list) == 0 {
		return
	}
	s.stats.originated.Add(1)
	sc := list[rng.IntN(len(list))]
	path := sc.Path
	if strings.Contains(path, "%s") {
		path = fmt.Sprintf(path, fmt.Sprintf("%d", 1+rng.IntN(20)))
	}
	cid := newCorrelationID()
	userID := fmt.Sprintf("user-%d", 1+rng.IntN(12))
	started := s.now()
	s.log.Info("Incoming request", cid, field{"method", sc.Method}, field{"path", path}, field{"userId", userID},
		field{"ip", fmt.Sprintf("10.0.%d.%d", rng.IntN(4), 2+rng.IntN(250))})
	// A few requests fail validation and never go downstream, as in production.
	if rng.IntN(100) < 4 {
		s.log.Warn("Validation failed: answer missing for required question q2", cid, field{"method", sc.Method},
			field{"path", path}, field{"statusCode", http.StatusBadRequest}, field{"userId", userID},
			field{"durationMs", s.now().Sub(started).Milliseconds()})
		return
	}
	if s.unhealthy.Load() {
		s.log.Error("Request failed: database connection pool exhausted", cid, field{"method", sc.Method},
			field{"path", path}, field{"statusCode", http.StatusServiceUnavailable}, field{"userId", userID})
		return
	}
	s.log.Debug(sc.Message, cid, field{"action", sc.Action}, field{"userId", userID})
	failed := s.callDownstreams(ctx, cid, sc.Action, userID)
	fields := []field{{"method", sc.Method}, {"path", path}, {"userId", userID}}
	if failed > 0 {
		s.log.Error("Request failed: downstream service unavailable", cid, append(fields,
			field{"statusCode", http.StatusBadGateway}, field{"durationMs", s.now().Sub(started).Milliseconds()},
			field{"failedDownstreams", failed})...)
		return
	}
	status := http.StatusOK
	if sc.Method == "POST" {
		status = http.StatusCreated
	}
	s.log.Info(sc.Message, cid, append(fields, field{"statusCode", status},
		field{"durationMs", s.now().Sub(started).Milliseconds()})...)
}

// trafficLoop originates user requests until ctx ends.
func (s *service) trafficLoop(ctx context.Context) {
	if len(scenarios[s.cfg.Service]) == 0 || originRate[s.cfg.Service] == 0 {
		return
	}
	every := s.cfg.TrafficInterval * time.Duration(originRate[s.cfg.Service])
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(len(s.cfg.Service))))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			go s.originate(ctx, rng2(rng))
		}
	}
}

// rng2 derives an independent generator for one goroutine: *rand.Rand is
// not safe for concurrent use.
func rng2(r *mrand.Rand) *mrand.Rand { return mrand.New(mrand.NewPCG(r.Uint64(), r.Uint64())) }

// adminPollLoop is admin-service's periodic health poll of the services it
// watches; failures are logged at warn so an outage shows in its logs too.
func (s *service) adminPollLoop(ctx context.Context) {
	every := 5 * s.cfg.TrafficInterval
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cid := newCorrelationID()
			results := s.probeAll(ctx)
			healthy := 0
			for _, r := range results {
				if r.Status == "healthy" {
					healthy++
					continue
				}
				s.log.Warn("Service health check failed", cid, field{"target", r.Name}, field{"status", r.Status},
					field{"statusCode", r.StatusCode}, field{"error", r.Error}, field{"durationMs", r.ResponseTimeMs})
			}
			s.log.Debug("Health poll completed", cid, field{"healthy", healthy}, field{"total", len(results)},
				field{"status", overall(results)})
		}
	}
}
