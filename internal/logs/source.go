package logs

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Source streams log entries from a backend. Entries arrive in batches on
// Batches (never one message per line); the channel is closed when the
// source stops (Close, its context ending, or a fatal error reported in the
// last Status). A Source keeps what it has and reports trouble through
// Status instead of failing: callers keep showing their buffer.
type Source interface {
	// Name is "es" or "engine".
	Name() string
	// Batches delivers entries in time order within a batch, and status
	// changes. Reading slowly never blocks the source: entries coalesce
	// into the next batch (the oldest are dropped beyond a bound, counted
	// in Batch.Dropped).
	Batches() <-chan Batch
	// Status returns the current state.
	Status() Status
	// Close stops the source and waits for its goroutines.
	Close() error
}

// Batch is one delivery from a Source.
type Batch struct {
	// Entries are new, sanitized entries (may be empty for a pure status
	// change).
	Entries []Entry
	// Status is set when the source's state changed since the last batch:
	// the current state, which is what a status bar shows.
	Status *Status
	// Transitions lists every state change since the last batch, oldest
	// first (at most 16), so a short backoff between two deliveries is
	// still visible in a debug log.
	Transitions []Status
	// Dropped counts entries lost since the last batch because the reader
	// fell behind by more than the pending bound.
	Dropped int
	// HistoryDone is set on the batch that completes the initial history
	// (what existed before following started): a one-shot reader such as
	// `surveytui logs` without --follow stops there.
	HistoryDone bool
}

// State is a source's condition.
type State uint8

// Source states.
const (
	StateConnecting State = iota
	StateOK
	StateBackoff     // a request failed; retrying after a delay
	StateUnreachable // repeated failures; still retrying
	StateStopped
)

// String names the state for status bars.
func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateOK:
		return "ok"
	case StateBackoff:
		return "backing off"
	case StateUnreachable:
		return "unreachable"
	case StateStopped:
		return "stopped"
	}
	return "unknown"
}

// Status is what a pane shows about its source.
type Status struct {
	Source  string
	State   State
	Message string // one line, sanitized; empty when OK
	Since   time.Time
}

// String renders "es: backing off: 503 ...".
func (s Status) String() string {
	out := s.Source + ": " + s.State.String()
	if s.Message != "" {
		out += ": " + s.Message
	}
	return out
}

// Default emitter settings: a batch at most every 50 ms (20/s is enough for
// smooth redraws at any input rate) and at most 50k pending entries.
const (
	defaultFlushEvery = 50 * time.Millisecond
	defaultMaxPending = 50_000
)

// emitter decouples a producer goroutine from a slow reader: add never
// blocks, pending entries coalesce, and a pump goroutine delivers them.
type emitter struct {
	name       string
	flushEvery time.Duration
	maxPending int

	mu       sync.Mutex
	pending  []Entry
	dropped  int
	status   Status
	statusCh bool // status changed since last delivery
	changes  []Status
	histDone bool // history completed, not yet delivered
	wake     chan struct{}
	out      chan Batch
}

func newEmitter(name string) *emitter {
	return &emitter{
		name:       name,
		flushEvery: defaultFlushEvery,
		maxPending: defaultMaxPending,
		status:     Status{Source: name, State: StateConnecting, Since: time.Now()},
		statusCh:   true,
		changes:    []Status{{Source: name, State: StateConnecting, Since: time.Now()}},
		wake:       make(chan struct{}, 1),
		out:        make(chan Batch),
	}
}

func (e *emitter) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// add queues entries; if more than maxPending wait, the oldest are dropped.
func (e *emitter) add(entries []Entry) {
	if len(entries) == 0 {
		return
	}
	e.mu.Lock()
	e.pending = append(e.pending, entries...)
	if over := len(e.pending) - e.maxPending; over > 0 {
		e.dropped += over
		e.pending = append(e.pending[:0:0], e.pending[over:]...)
	}
	e.mu.Unlock()
	e.signal()
}

// setStatus records a state change; repeated identical states are not
// re-sent.
func (e *emitter) setStatus(st State, msg string) {
	msg = Sanitize(msg)
	e.mu.Lock()
	if e.status.State == st && e.status.Message == msg {
		e.mu.Unlock()
		return
	}
	e.status = Status{Source: e.name, State: st, Message: msg, Since: time.Now()}
	e.statusCh = true
	if len(e.changes) < 16 {
		e.changes = append(e.changes, e.status)
	}
	e.mu.Unlock()
	e.signal()
}

// historyDone marks the end of the initial history; it travels with the
// next batch.
func (e *emitter) historyDone() {
	e.mu.Lock()
	e.histDone = true
	e.mu.Unlock()
	e.signal()
}

func (e *emitter) rename(name string) {
	e.mu.Lock()
	e.name = name
	e.mu.Unlock()
}

func (e *emitter) getStatus() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

func (e *emitter) take() (Batch, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.pending) == 0 && !e.statusCh && e.dropped == 0 && !e.histDone {
		return Batch{}, false
	}
	b := Batch{Entries: e.pending, Dropped: e.dropped, HistoryDone: e.histDone}
	e.histDone = false
	if e.statusCh {
		st := e.status
		b.Status = &st
		b.Transitions = e.changes
	}
	e.pending, e.dropped, e.statusCh, e.changes = nil, 0, false, nil
	return b, true
}

// run delivers batches until ctx ends or, once workDone is closed, until
// everything pending has been delivered; then it closes out.
func (e *emitter) run(ctx context.Context, workDone <-chan struct{}) {
	defer close(e.out)
	finishing := false
	for {
		if !finishing {
			select {
			case <-ctx.Done():
				return
			case <-e.wake:
			case <-workDone:
				finishing = true
			}
		}
		b, ok := e.take()
		if !ok {
			if finishing {
				return
			}
			continue
		}
		select {
		case e.out <- b:
		case <-ctx.Done():
			return
		}
		if finishing {
			continue
		}
		// Coalesce whatever arrives in the next interval into one batch.
		select {
		case <-time.After(e.flushEvery):
		case <-ctx.Done():
			return
		}
	}
}

// base holds what every Source shares: emitter, cancel and wait group.
type base struct {
	em     *emitter
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

func (b *base) start(ctx context.Context, name string, work func(ctx context.Context)) {
	ctx, b.cancel = context.WithCancel(ctx)
	b.em = newEmitter(name)
	workDone := make(chan struct{})
	b.wg.Add(2)
	go func() { defer b.wg.Done(); b.em.run(ctx, workDone) }()
	go func() {
		defer b.wg.Done()
		defer close(workDone)
		work(ctx)
		if b.em.getStatus().State != StateStopped {
			b.em.setStatus(StateStopped, "")
		}
	}()
}

// Batches implements Source.
func (b *base) Batches() <-chan Batch { return b.em.out }

// Status implements Source.
func (b *base) Status() Status { return b.em.getStatus() }

// Close implements Source.
func (b *base) Close() error {
	b.once.Do(func() {
		b.cancel()
		b.wg.Wait()
	})
	return nil
}

var errNoEngine = errors.New("no container engine available for logs (check DOCKER_HOST or configure es.urls)")
