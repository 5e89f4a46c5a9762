package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEngine is an in-memory ContainerLogStreamer for the source's merge,
// resume and restart logic; the real engine adapter is tested against the
// Docker engine in internal/ops/engine.
type fakeEngine struct {
	mu         sync.Mutex
	containers []ContainerInfo
	lines      map[string][]LogLine
	live       map[string]chan LogLine
	calls      []fakeCall
	listErr    error
}

type fakeCall struct {
	id   string
	opts LogOptions
}

func newFakeEngine(cs ...ContainerInfo) *fakeEngine {
	return &fakeEngine{containers: cs, lines: map[string][]LogLine{}, live: map[string]chan LogLine{}}
}

func (f *fakeEngine) ProjectContainers(ctx context.Context, project string) ([]ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	return slices.Clone(f.containers), nil
}

func (f *fakeEngine) ContainerLogs(ctx context.Context, id string, opts LogOptions, fn func(LogLine)) error {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{id, opts})
	var old []LogLine
	for _, l := range f.lines[id] {
		if !l.Time.Before(opts.Since) {
			old = append(old, l)
		}
	}
	if opts.Tail > 0 && len(old) > opts.Tail {
		old = old[len(old)-opts.Tail:]
	}
	var ch chan LogLine
	running := false
	for _, c := range f.containers {
		if c.ID == id {
			running = c.Running
		}
	}
	if opts.Follow && running {
		ch = make(chan LogLine, 100)
		f.live[id] = ch
	}
	f.mu.Unlock()
	for _, l := range old {
		fn(l)
	}
	if ch == nil {
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case l, ok := <-ch:
			if !ok {
				return nil
			}
			fn(l)
		}
	}
}

func (f *fakeEngine) emit(id string, ts time.Time, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := LogLine{Time: ts, Stream: "stdout", Line: []byte(text)}
	f.lines[id] = append(f.lines[id], l)
	if ch := f.live[id]; ch != nil {
		ch <- l
	}
}

func (f *fakeEngine) setRunning(id string, running bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.containers {
		if f.containers[i].ID == id {
			f.containers[i].Running = running
		}
	}
	if !running && f.live[id] != nil {
		close(f.live[id])
		delete(f.live, id)
	}
}

func (f *fakeEngine) following(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live[id] != nil
}

func (f *fakeEngine) followCalls(id string) []LogOptions {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []LogOptions
	for _, c := range f.calls {
		if c.id == id && c.opts.Follow {
			out = append(out, c.opts)
		}
	}
	return out
}

func testEngineConfig(f *fakeEngine) EngineConfig {
	return EngineConfig{Streamer: f, Project: "stt", Reconcile: 10 * time.Millisecond, Holdback: 20 * time.Millisecond}
}

func TestEngineSourceMergesHistoryAndFollowsInTimeOrder(t *testing.T) {
	f := newFakeEngine(
		ContainerInfo{ID: "a", Name: "stt-survey-1", Service: "survey-service", Running: true},
		ContainerInfo{ID: "b", Name: "stt-auth-1", Service: "auth-service", Running: true},
		ContainerInfo{ID: "c", Name: "stt-mongo-1", Service: "mongo", Running: true},
	)
	t0 := time.Now().Add(-time.Minute)
	f.emit("a", t0.Add(1*time.Millisecond), `{"level":"info","message":"a1","correlationId":"X"}`)
	f.emit("b", t0.Add(2*time.Millisecond), `{"level":"info","message":"b1","correlationId":"X"}`)
	f.emit("a", t0.Add(3*time.Millisecond), `{"level":"warn","message":"a2","correlationId":"X"}`)
	f.emit("b", t0.Add(4*time.Millisecond), `plain b2`)
	cfg := testEngineConfig(f)
	cfg.Services = []string{"survey-service", "auth-service"} // mongo is not chosen
	f.emit("c", t0, "mongo noise")
	src, err := NewEngineSource(context.Background(), cfg, nil)
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
	waitFor(t, "followers", func() bool { return f.following("a") && f.following("b") })

	// Live lines from two containers arriving out of time order are
	// merged by time within the holdback.
	now := time.Now()
	f.emit("b", now.Add(2*time.Millisecond), "b3")
	f.emit("a", now.Add(1*time.Millisecond), "a3")
	waitFor(t, "live", func() bool { return c.count() >= 6 })
	got, _ := c.snapshot()
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message)
		if e.Service == "mongo" {
			t.Fatal("a container outside the chosen services was read")
		}
	}
	want := []string{"a1", "b1", "a2", "plain b2", "a3", "b3"}
	if !slices.Equal(msgs, want) {
		t.Fatalf("order %v, want %v", msgs, want)
	}
	if got[2].Level != LevelWarn || got[2].CorrelationID != "X" || got[2].Container != "stt-survey-1" || got[2].Source != "engine" {
		t.Fatalf("entry mapping: %+v", got[2])
	}
	// The follower resumes right after the newest history line, so nothing
	// is delivered twice.
	if calls := f.followCalls("a"); len(calls) == 0 || !calls[0].Since.Equal(t0.Add(3*time.Millisecond+time.Nanosecond)) {
		t.Fatalf("follow calls for a: %+v", calls)
	}
}

func TestEngineSourceReattachesAfterRestart(t *testing.T) {
	f := newFakeEngine(ContainerInfo{ID: "a", Name: "stt-survey-1", Service: "survey-service", Running: true})
	src, err := NewEngineSource(context.Background(), testEngineConfig(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "follower", func() bool { return f.following("a") })
	f.emit("a", time.Now(), "before restart")
	waitFor(t, "first line", func() bool { return c.count() >= 1 })

	f.setRunning("a", false) // the stream ends as the container stops
	last := time.Now()
	f.emit("a", last, "last words while stopping")
	f.setRunning("a", true)
	waitFor(t, "re-attach", func() bool { return f.following("a") })
	f.emit("a", time.Now(), "after restart")
	waitFor(t, "lines after restart", func() bool { return c.count() >= 3 })
	got, _ := c.snapshot()
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message)
	}
	want := []string{"before restart", "last words while stopping", "after restart"}
	if !slices.Equal(msgs, want) {
		t.Fatalf("got %v, want %v (each once, in order)", msgs, want)
	}
	if n := len(f.followCalls("a")); n < 2 {
		t.Fatalf("follow called %d times, want a re-attach", n)
	}
}

func TestEngineSourceReportsEngineTrouble(t *testing.T) {
	f := newFakeEngine()
	f.listErr = errors.New("cannot reach Docker at unix:///var/run/docker.sock: no such file")
	src, err := NewEngineSource(context.Background(), testEngineConfig(f), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := collect(src)
	waitFor(t, "unreachable", func() bool { return c.hasStatus(StateUnreachable, "cannot reach Docker") })
	f.mu.Lock()
	f.listErr = nil
	f.mu.Unlock()
	waitFor(t, "recovery", func() bool { return src.Status().State == StateOK })
	if _, err := NewEngineSource(context.Background(), EngineConfig{}, nil); err == nil {
		t.Fatal("a source without an engine was accepted")
	}
}

func TestOpenFallsBackFromESToEngine(t *testing.T) {
	f := newFakeEngine(ContainerInfo{ID: "a", Name: "stt-survey-1", Service: "survey-service", Running: true})
	f.emit("a", time.Now().Add(-time.Second), `{"level":"error","message":"from the engine"}`)
	src, err := Open(context.Background(), Config{
		ES: ESConfig{URLs: []string{closedPort(t)}, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
			RequestTimeout: time.Second, UnreachableAfter: 2},
		Engine: testEngineConfig(f),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if src.Name() != KindES {
		t.Fatalf("starts on %q, want es", src.Name())
	}
	c := collect(src)
	waitFor(t, "engine entries", func() bool { return c.count() >= 1 })
	if src.Name() != KindEngine {
		t.Fatalf("Name() = %q after fallback", src.Name())
	}
	got, _ := c.snapshot()
	if got[0].Message != "from the engine" {
		t.Fatalf("entry %q", got[0].Message)
	}
	if !c.hasStatus(StateOK, "elasticsearch unreachable") {
		_, st := c.snapshot()
		t.Fatalf("statuses %v: want one saying ES is unreachable and the engine is shown", st)
	}
}

func TestOpenChoosesSource(t *testing.T) {
	f := newFakeEngine()
	for _, tt := range []struct {
		cfg  Config
		want string
		err  string
	}{
		{Config{Engine: EngineConfig{Streamer: f}}, KindEngine, ""},
		{Config{Kind: KindES, ES: ESConfig{URLs: []string{"http://127.0.0.1:9"}}}, KindES, ""},
		{Config{ES: ESConfig{URLs: []string{"http://127.0.0.1:9"}}}, KindES, ""},
		{Config{Kind: "kafka"}, "", `unknown log source "kafka"`},
		{Config{Kind: KindEngine}, "", "no container engine"},
	} {
		t.Run(fmt.Sprint(tt.cfg.Kind, tt.want), func(t *testing.T) {
			src, err := Open(context.Background(), tt.cfg)
			if tt.err != "" {
				if err == nil || !contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if src.Name() != tt.want {
				t.Fatalf("Name() = %q, want %q", src.Name(), tt.want)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
