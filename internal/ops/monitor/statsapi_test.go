package monitor

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// countingReader answers like the engine would for a few known containers and records how many
// requests were in flight at once. (The engine itself is exercised in sampler_engine_test.go;
// this checks the sampler's own bounding and error sorting, which the engine cannot be made to
// produce on demand.)
type countingReader struct {
	known    map[string]engine.Stats
	fail     map[string]error
	inFlight atomic.Int32
	peak     atomic.Int32
	calls    atomic.Int32
}

func (c *countingReader) ContainerStats(ctx context.Context, id string) (engine.Stats, error) {
	c.calls.Add(1)
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(5 * time.Millisecond)
	if err := c.fail[id]; err != nil {
		return engine.Stats{}, err
	}
	if st, ok := c.known[id]; ok {
		return st, nil
	}
	return engine.Stats{}, &engine.NotFoundError{What: "container " + id}
}

func (c *countingReader) HostMemory(context.Context) (uint64, error) { return 8 << 30, nil }

func TestEngineSamplerBoundsRequestsAndSkipsMissing(t *testing.T) {
	r := &countingReader{known: map[string]engine.Stats{}}
	var ids []string
	for i := 0; i < 20; i++ {
		id := string(rune('a'+i)) + "-container"
		ids = append(ids, id)
		if i%5 != 0 {
			r.known[id] = engine.Stats{Read: fixedNow, CPUTotalNs: uint64(i), MemLimit: 8 << 30, MemUsage: 1}
		}
	}
	r.known[ids[1]] = engine.Stats{Read: fixedNow, MemLimit: 256 << 20}
	got, err := NewEngineSampler(r, 3).Sample(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 16 {
		t.Errorf("got %d containers, want the 16 known ones", len(got))
	}
	if p := r.peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak of %d requests in flight, want at most 3 (and some parallelism)", p)
	}
	if got[ids[2]].MemLimit != 0 || got[ids[1]].MemLimit != 256<<20 {
		t.Errorf("limits %d and %d: the host's memory means no limit (0), a real limit stays", got[ids[2]].MemLimit, got[ids[1]].MemLimit)
	}
}

func TestEngineSamplerErrors(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	unreachable := &engine.UnreachableError{Host: "unix:///x.sock", Reason: "connection refused"}
	r := &countingReader{known: map[string]engine.Stats{"b": {Read: fixedNow}}, fail: map[string]error{"a": unreachable}}
	_, err := NewEngineSampler(r, 1).Sample(context.Background(), ids)
	if !engine.IsUnreachable(err) {
		t.Fatalf("err = %v, want the engine unreachable", err)
	}
	if n := r.calls.Load(); n != 1 {
		t.Errorf("%d requests after the engine proved unreachable, want the batch stopped", n)
	}

	other := errors.New("500 internal error")
	r = &countingReader{fail: map[string]error{"a": other, "b": other}}
	if _, err := NewEngineSampler(r, 2).Sample(context.Background(), []string{"a", "b", "c"}); !errors.Is(err, other) {
		t.Fatalf("nothing readable: err = %v, want the engine's error", err)
	}
	r.known = map[string]engine.Stats{"c": {Read: fixedNow}}
	if got, err := NewEngineSampler(r, 2).Sample(context.Background(), []string{"a", "b", "c"}); err != nil || len(got) != 1 {
		t.Fatalf("one readable: %v, %v; want it and no error", got, err)
	}
}

// TestEngineSamplerNoDaemon uses the real client against a socket nobody listens on.
func TestEngineSamplerNoDaemon(t *testing.T) {
	cli, err := engine.New(engine.Options{Host: "unix://" + filepath.Join(t.TempDir(), "docker.sock")})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = NewEngineSampler(cli, 0).Sample(ctx, []string{"x", "y"})
	if !engine.IsUnreachable(err) {
		t.Fatalf("err = %v (%T), want *engine.UnreachableError", err, err)
	}
}
