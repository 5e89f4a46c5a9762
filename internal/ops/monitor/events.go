package monitor

import (
	"context"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// followEvents keeps an events subscription open, resubscribing with backoff when the engine
// goes away. It reports each loss (err) and each resubscription (nil) on up.
func (m *Monitor) followEvents(ctx context.Context, out chan<- engine.Event, up chan<- error) {
	backoff := time.Second
	first := true
	for ctx.Err() == nil {
		sctx, cancel := context.WithCancel(ctx)
		evs, errs := m.eng.Events(sctx, m.decl.Project)
		if !first {
			notify(up, nil)
		}
		first = false
		start := time.Now()
		err := pump(ctx, evs, errs, out)
		cancel()
		if ctx.Err() != nil {
			return
		}
		notify(up, err)
		if time.Since(start) > time.Minute {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 15*time.Second {
			backoff *= 2
		}
	}
}

func pump(ctx context.Context, evs <-chan engine.Event, errs <-chan error, out chan<- engine.Event) error {
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				select {
				case err := <-errs:
					return err
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return ctx.Err()
			}
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func notify(up chan<- error, err error) {
	select {
	case up <- err:
	default:
	}
}
