package logs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// TestEngineSourceAgainstStandins runs four demo stand-ins that pass a
// correlation ID from service to service, follows their logs through the
// real engine adapter, finds one request in at least three services in
// time order, then restarts a container and checks its logs keep coming
// without repeats.
func TestEngineSourceAgainstStandins(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-logs")
	file := filepath.Join(testenv.RepoRoot(t), "internal", "logs", "testdata", "trace-compose.yml")
	env := map[string]string{"TESTENV_STANDIN_IMAGE": image}
	testenv.ComposeUp(t, file, project, env)
	testenv.WaitHealthy(t, project, []string{"survey-service", "analytics-service", "notification-service", "audit-consumer-service"}, 90*time.Second)

	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := logs.NewEngineSource(ctx, logs.EngineConfig{Streamer: eng.LogStreamer(), Project: project, Reconcile: 300 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	buf := logs.NewBuffer(0, 0)
	pump := func(until func() bool, what string) {
		t.Helper()
		deadline := time.After(90 * time.Second)
		for !until() {
			select {
			case b, ok := <-src.Batches():
				if !ok {
					t.Fatalf("source stopped: %v", src.Status())
				}
				buf.Append(b.Entries)
			case <-deadline:
				t.Fatalf("timed out waiting for %s; status %v, %d lines", what, src.Status(), buf.Len())
			}
		}
	}

	var trace logs.Trace
	pump(func() bool {
		seen := map[string]bool{}
		found := false
		buf.Each(nil, 0, func(e *logs.Entry) bool {
			if e.CorrelationID == "" || seen[e.CorrelationID] {
				return true
			}
			seen[e.CorrelationID] = true
			if tr := logs.TraceOf(buf, e.CorrelationID); len(tr.Services) >= 3 {
				trace, found = tr, true
				return false
			}
			return true
		})
		return found
	}, "a correlation ID in three services")
	if trace.Services[0] != "survey-service" {
		t.Errorf("trace starts at %q, want survey-service (it originates requests): %v", trace.Services[0], trace.Services)
	}
	for i := 1; i < len(trace.Entries); i++ {
		if trace.Entries[i].Time.Before(trace.Entries[i-1].Time) {
			t.Fatalf("trace not in time order at %d", i)
		}
	}
	for _, e := range trace.Entries {
		if e.Source != "engine" || e.Container == "" || e.Format != logs.FormatJSON {
			t.Fatalf("entry not mapped from the engine: %+v", e)
		}
	}
	t.Logf("trace %s: %d lines over %v through %v", trace.CorrelationID, len(trace.Entries), trace.Duration, trace.Services)

	// Restart one container: its logs must keep streaming, with no line
	// delivered twice.
	restartedAt := time.Now()
	testenv.Compose(t, file, project, env, "restart", "-t", "1", "analytics-service")
	pump(func() bool {
		n := 0
		buf.Each(logs.MustCompileFilter("svc:analytics-service"), 0, func(e *logs.Entry) bool {
			if e.Time.After(restartedAt.Add(time.Second)) && e.CorrelationID != "" {
				n++
			}
			return true
		})
		return n >= 3
	}, "analytics-service lines after its restart")
	type key struct {
		ctr, raw string
		t        time.Time
	}
	dups := map[key]int{}
	buf.Each(nil, 0, func(e *logs.Entry) bool {
		dups[key{e.Container, e.Raw, e.Time}]++
		return true
	})
	for k, n := range dups {
		if n > 1 {
			t.Fatalf("line delivered %d times: %s %q", n, k.ctr, k.raw)
		}
	}
}
