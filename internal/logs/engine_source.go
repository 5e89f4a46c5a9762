package logs

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ContainerInfo describes one container of the compose project, as the
// engine source needs it.
type ContainerInfo struct {
	ID, Name, Service string
	Running           bool
}

// LogLine is one line of a container's output, demultiplexed, with the
// engine's timestamp split off.
type LogLine struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	Line   []byte // without the trailing newline; valid only during the callback
}

// LogOptions selects what ContainerLogs reads.
type LogOptions struct {
	Since  time.Time // zero: from the start
	Tail   int       // last N lines before following; <= 0: all since Since
	Follow bool
}

// ContainerLogStreamer is what the engine source needs from the container
// engine. Package internal/ops/engine implements it (the only package that
// imports the Docker client); tests may use a fake.
type ContainerLogStreamer interface {
	// ProjectContainers lists the containers (running or not) that carry
	// the compose project label, whether or not the compose file knows
	// them.
	ProjectContainers(ctx context.Context, project string) ([]ContainerInfo, error)
	// ContainerLogs calls fn for each line (stdout and stderr, with
	// timestamps). With Follow it returns when the container stops, ctx
	// ends, or the stream fails.
	ContainerLogs(ctx context.Context, id string, opts LogOptions, fn func(LogLine)) error
}

// EngineConfig configures the engine source.
type EngineConfig struct {
	Streamer ContainerLogStreamer
	Project  string
	// Services restricts to these compose services (all when empty).
	Services []string
	// Since bounds the history read at start (default 15 minutes); Tail
	// caps it per container (default 1000 lines).
	Since time.Duration
	Tail  int
	// Reconcile is how often the container list is re-read to attach to
	// new or restarted containers (default 2 s).
	Reconcile time.Duration
	// Holdback delays live lines this long so that lines from different
	// containers can be merged in time order (default 250 ms).
	Holdback time.Duration
}

func (c *EngineConfig) setDefaults() {
	if c.Since <= 0 {
		c.Since = 15 * time.Minute
	}
	if c.Tail <= 0 {
		c.Tail = 1000
	}
	if c.Reconcile <= 0 {
		c.Reconcile = 2 * time.Second
	}
	if c.Holdback <= 0 {
		c.Holdback = 250 * time.Millisecond
	}
}

// EngineSource follows the logs of every container of a compose project,
// merged in time order. It re-attaches when a container restarts (same ID)
// or is recreated (new ID), resuming after the last line it saw so nothing
// is repeated.
type EngineSource struct {
	base
	cfg    EngineConfig
	parser *Parser

	mu        sync.Mutex
	following map[string]bool      // container ID -> a follower runs
	last      map[string]time.Time // container ID -> newest line time seen
	pending   []pendingEntry
	fails     int
}

type pendingEntry struct {
	arrived time.Time
	e       Entry
}

var _ Source = (*EngineSource)(nil)

// NewEngineSource starts following. parser nil means DefaultParser.
func NewEngineSource(ctx context.Context, cfg EngineConfig, parser *Parser) (*EngineSource, error) {
	if cfg.Streamer == nil {
		return nil, errNoEngine
	}
	cfg.setDefaults()
	if parser == nil {
		parser = DefaultParser
	}
	s := &EngineSource{cfg: cfg, parser: parser, following: map[string]bool{}, last: map[string]time.Time{}}
	s.start(ctx, "engine", s.run)
	return s, nil
}

// Name implements Source.
func (s *EngineSource) Name() string { return "engine" }

func (s *EngineSource) wanted(c ContainerInfo) bool {
	return len(s.cfg.Services) == 0 || slices.Contains(s.cfg.Services, c.Service)
}

func (s *EngineSource) run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	historyDone := false
	since := time.Now().Add(-s.cfg.Since)
	flush := time.NewTicker(s.cfg.Holdback / 2)
	defer flush.Stop()
	reconcile := time.NewTimer(0)
	defer reconcile.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			s.flush(time.Now().Add(-s.cfg.Holdback))
			continue
		case <-reconcile.C:
		}
		list, err := s.cfg.Streamer.ProjectContainers(ctx, s.cfg.Project)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.fails++
			st := StateBackoff
			if s.fails >= 3 {
				st = StateUnreachable
			}
			s.em.setStatus(st, "container engine: "+oneLine(err.Error()))
			reconcile.Reset(min(time.Duration(s.fails)*s.cfg.Reconcile, 30*time.Second))
			continue
		}
		s.fails = 0
		var mine []ContainerInfo
		for _, c := range list {
			if s.wanted(c) {
				mine = append(mine, c)
			}
		}
		if !historyDone {
			s.history(ctx, mine, since)
			historyDone = true
		}
		if len(mine) == 0 {
			s.em.setStatus(StateOK, "no containers of project "+s.cfg.Project+" yet")
		} else {
			s.em.setStatus(StateOK, "")
		}
		for _, c := range mine {
			s.mu.Lock()
			start := c.Running && !s.following[c.ID]
			if start {
				s.following[c.ID] = true
			}
			from, seen := s.last[c.ID]
			s.mu.Unlock()
			if !start {
				continue
			}
			if seen {
				from = from.Add(time.Nanosecond)
			} else {
				from = since
			}
			wg.Add(1)
			go func(c ContainerInfo, from time.Time) {
				defer wg.Done()
				s.follow(ctx, c, from)
			}(c, from)
		}
		reconcile.Reset(s.cfg.Reconcile)
	}
}

// history reads each container's recent lines, merges them by time and
// delivers them as one batch before live lines start.
func (s *EngineSource) history(ctx context.Context, cs []ContainerInfo, since time.Time) {
	var all []Entry
	for _, c := range cs {
		var got []Entry
		err := s.cfg.Streamer.ContainerLogs(ctx, c.ID, LogOptions{Since: since, Tail: s.cfg.Tail}, func(l LogLine) {
			got = append(got, s.entry(c, l))
		})
		if err != nil && ctx.Err() == nil {
			s.em.setStatus(StateOK, "history of "+c.Name+": "+oneLine(err.Error()))
		}
		all = append(all, got...)
	}
	slices.SortStableFunc(all, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	s.em.add(all)
	s.em.historyDone()
}

func (s *EngineSource) entry(c ContainerInfo, l LogLine) Entry {
	s.mu.Lock()
	if l.Time.After(s.last[c.ID]) {
		s.last[c.ID] = l.Time
	}
	s.mu.Unlock()
	return s.parser.Parse(l.Line, Meta{Time: l.Time, Service: c.Service, Container: c.Name, Source: "engine", Stream: l.Stream})
}

func (s *EngineSource) follow(ctx context.Context, c ContainerInfo, from time.Time) {
	defer func() {
		s.mu.Lock()
		s.following[c.ID] = false
		s.mu.Unlock()
	}()
	_ = s.cfg.Streamer.ContainerLogs(ctx, c.ID, LogOptions{Since: from, Follow: true}, func(l LogLine) {
		e := s.entry(c, l)
		s.mu.Lock()
		s.pending = append(s.pending, pendingEntry{arrived: time.Now(), e: e})
		s.mu.Unlock()
	})
	// The stream ended: the container stopped or restarts. The next
	// reconcile re-attaches from the last line seen if it runs again.
}

// flush delivers, in time order, the live entries that arrived before
// cutoff; younger ones wait so that a line from a slower stream can still be
// sorted in before them.
func (s *EngineSource) flush(cutoff time.Time) {
	s.mu.Lock()
	var ready []Entry
	keep := s.pending[:0]
	for _, p := range s.pending {
		if p.arrived.Before(cutoff) {
			ready = append(ready, p.e)
		} else {
			keep = append(keep, p)
		}
	}
	clear(s.pending[len(keep):])
	s.pending = keep
	s.mu.Unlock()
	if len(ready) == 0 {
		return
	}
	slices.SortStableFunc(ready, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	s.em.add(ready)
}
