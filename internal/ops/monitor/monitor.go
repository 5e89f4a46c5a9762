package monitor

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// Engine is what the monitor needs from the Docker engine.
type Engine interface {
	platform.ContainerLister
	Events(ctx context.Context, project string) (<-chan engine.Event, <-chan error)
	Details(ctx context.Context, id string) (engine.Details, error)
	VolumeUsages(ctx context.Context) ([]engine.VolumeUsage, error)
	Ping(ctx context.Context) error
	Host() string
	APIVersion() string
}

var _ Engine = (*engine.Client)(nil)

// Options tune the monitor; zero values take the defaults.
type Options struct {
	Interval       time.Duration // CPU/memory sampling, default 2 s
	ProbeInterval  time.Duration // HTTP /health probes, default 10 s
	VolumeInterval time.Duration // volume sizes, default 60 s
	RelistInterval time.Duration // full re-list that repairs drift, default 30 s
	Thresholds     Thresholds
	// Sampler reads CPU/memory figures (nil: none). Run closes it when it returns if it is an
	// io.Closer (the cgroup sampler keeps the containers' counter files open).
	Sampler    Sampler
	HTTPClient *http.Client
	// ProbeHost replaces 0.0.0.0 and empty host IPs of published ports, default 127.0.0.1.
	ProbeHost string
	// ProbePaths overrides the health path per service (default /health).
	ProbePaths map[string]string
	History    int // sparkline points kept, default 30
	Now        func() time.Time
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = 2 * time.Second
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = 10 * time.Second
	}
	if o.VolumeInterval <= 0 {
		o.VolumeInterval = 60 * time.Second
	}
	if o.RelistInterval <= 0 {
		o.RelistInterval = 30 * time.Second
	}
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 3 * time.Second}
	}
	if o.ProbeHost == "" {
		o.ProbeHost = "127.0.0.1"
	}
	if o.History <= 0 {
		o.History = 30
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Monitor produces snapshots. Create it with New, start Run in a goroutine, read Updates.
type Monitor struct {
	eng     Engine
	decl    *platform.Declared
	opts    Options
	updates chan Snapshot
	volReq  chan struct{}

	mu     sync.Mutex
	latest Snapshot
}

// New prepares a monitor of the declared project.
func New(eng Engine, decl *platform.Declared, opts Options) *Monitor {
	opts.defaults()
	return &Monitor{eng: eng, decl: decl, opts: opts, updates: make(chan Snapshot, 1), volReq: make(chan struct{}, 1)}
}

// Updates delivers snapshots; a slow reader only ever misses intermediate ones (the channel
// holds the newest).
func (m *Monitor) Updates() <-chan Snapshot { return m.updates }

// Latest is the newest snapshot published.
func (m *Monitor) Latest() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest
}

// RefreshVolumes asks for volume sizes now rather than at the next slow round.
func (m *Monitor) RefreshVolumes() {
	select {
	case m.volReq <- struct{}{}:
	default:
	}
}

func (m *Monitor) publish(s Snapshot) {
	m.mu.Lock()
	m.latest = s
	m.mu.Unlock()
	for {
		select {
		case m.updates <- s:
			return
		default:
		}
		select {
		case <-m.updates: // drop the stale one
		default:
		}
	}
}
