package logs

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Source kinds accepted by Config.Kind.
const (
	KindAuto   = "auto"
	KindES     = "es"
	KindEngine = "engine"
)

// Config says which source to open. It is what the CLI flags and the
// config file fill in.
type Config struct {
	// Kind is "auto" (default: Elasticsearch when URLs are configured,
	// falling back to the engine when it is unreachable; the engine
	// otherwise), "es" or "engine".
	Kind   string
	ES     ESConfig
	Engine EngineConfig
	// Parser (default DefaultParser) and Filter (optional push-down hints)
	// are shared by both sources.
	Parser *Parser
	Filter *Filter
}

// Open builds and starts the configured source. Errors are configuration
// errors (unknown kind, missing URL or engine, unreadable CA file);
// connection problems show up later in Status instead.
func Open(ctx context.Context, cfg Config) (Source, error) {
	switch cfg.Kind {
	case KindES:
		return NewESSource(ctx, cfg.ES, cfg.Parser, cfg.Filter)
	case KindEngine:
		return NewEngineSource(ctx, withEngineSince(cfg), cfg.Parser)
	case "", KindAuto:
		if len(cfg.ES.URLs) == 0 {
			return NewEngineSource(ctx, withEngineSince(cfg), cfg.Parser)
		}
		if cfg.Engine.Streamer == nil {
			return NewESSource(ctx, cfg.ES, cfg.Parser, cfg.Filter)
		}
		return newFallbackSource(ctx, cfg)
	}
	return nil, fmt.Errorf("unknown log source %q (use es, engine or auto)", cfg.Kind)
}

func withEngineSince(cfg Config) EngineConfig {
	e := cfg.Engine
	if e.Since <= 0 && cfg.ES.Since > 0 {
		e.Since = cfg.ES.Since
	}
	return e
}

// fallbackSource reads Elasticsearch and switches, once and for good, to
// the engine's logs when Elasticsearch becomes unreachable, so that an ELK
// outage never leaves the pane empty during an incident.
type fallbackSource struct {
	base
	cfg  Config
	name atomic.Value // string: current inner source
}

var _ Source = (*fallbackSource)(nil)

func newFallbackSource(ctx context.Context, cfg Config) (*fallbackSource, error) {
	es, err := NewESSource(ctx, cfg.ES, cfg.Parser, cfg.Filter)
	if err != nil {
		return nil, err
	}
	f := &fallbackSource{cfg: cfg}
	f.name.Store(KindES)
	f.start(ctx, "es", func(ctx context.Context) { f.run(ctx, es) })
	return f, nil
}

// Name implements Source: the source currently read.
func (f *fallbackSource) Name() string { return f.name.Load().(string) }

func (f *fallbackSource) run(ctx context.Context, es *ESSource) {
	reason, ok := f.forward(ctx, es, true)
	_ = es.Close()
	if !ok {
		return
	}
	eng, err := NewEngineSource(ctx, withEngineSince(f.cfg), f.cfg.Parser)
	if err != nil {
		f.em.setStatus(StateStopped, "elasticsearch unreachable and "+err.Error())
		return
	}
	defer eng.Close()
	f.name.Store(KindEngine)
	f.em.rename(KindEngine)
	f.em.setStatus(StateOK, "elasticsearch unreachable ("+reason+"); showing container engine logs")
	f.forward(ctx, eng, false)
}

// forward copies batches of src into this source's emitter. With
// watchUnreachable it returns (reason, true) as soon as src reports
// StateUnreachable, so the caller can fall back.
func (f *fallbackSource) forward(ctx context.Context, src Source, watchUnreachable bool) (string, bool) {
	for {
		select {
		case <-ctx.Done():
			return "", false
		case b, ok := <-src.Batches():
			if !ok {
				return "", false
			}
			f.em.add(b.Entries)
			if b.HistoryDone {
				f.em.historyDone()
			}
			if b.Dropped > 0 {
				f.em.mu.Lock()
				f.em.dropped += b.Dropped
				f.em.mu.Unlock()
			}
			if b.Status == nil {
				continue
			}
			if watchUnreachable && b.Status.State == StateUnreachable {
				return b.Status.Message, true
			}
			msg := b.Status.Message
			if !watchUnreachable && b.Status.State == StateOK && msg == "" {
				msg = "elasticsearch unreachable; showing container engine logs"
			}
			f.em.setStatus(b.Status.State, msg)
		}
	}
}
