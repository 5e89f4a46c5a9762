package engine

import (
	"context"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// Event is a container event of the project.
type Event struct {
	Time        time.Time
	ContainerID string
	Service     string
	// Action is Docker's: start, die, oom, kill, restart, stop, destroy, create,
	// "health_status: healthy"...
	Action   string
	ExitCode string
}

// Events streams the project's container events until ctx ends or the connection breaks; the
// error channel then says why (an *UnreachableError when the engine went away).
func (c *Client) Events(ctx context.Context, project string) (<-chan Event, <-chan error) {
	args := filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelProject+"="+project),
	)
	// Only state changes: healthchecks alone cause three exec events per container per
	// interval, which would otherwise wake the monitor for nothing. The engine matches
	// health_status by prefix ("health_status: healthy").
	for _, a := range []string{"create", "start", "restart", "stop", "kill", "die", "oom", "pause", "unpause", "destroy", "health_status"} {
		args.Add("event", a)
	}
	msgs, errs := c.api.Events(ctx, events.ListOptions{Filters: args})
	out := make(chan Event, 64)
	outErr := make(chan error, 1)
	go func() {
		defer close(out)
		for {
			select {
			case m := <-msgs:
				ev := Event{
					Time:        time.Unix(0, m.TimeNano),
					ContainerID: m.Actor.ID,
					Service:     m.Actor.Attributes[LabelService],
					Action:      string(m.Action),
					ExitCode:    m.Actor.Attributes["exitCode"],
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			case err := <-errs:
				outErr <- c.wrap(err)
				return
			case <-ctx.Done():
				outErr <- ctx.Err()
				return
			}
		}
	}()
	return out, outErr
}

// Details are the inspect facts the monitor keeps per container.
type Details struct {
	ID           string
	Restarts     int
	StartedAt    time.Time
	FinishedAt   time.Time
	ExitCode     int
	OOMKilled    bool
	PID          int
	HealthStatus string
	HealthLog    []HealthRun
	Env          []string
	Inspect      container.InspectResponse
}

// HealthRun is one healthcheck execution.
type HealthRun struct {
	Start    time.Time
	ExitCode int
	Output   string
}

// Details inspects one container and keeps what the monitor shows.
func (c *Client) Details(ctx context.Context, id string) (Details, error) {
	r, err := c.api.ContainerInspect(ctx, id)
	if err != nil {
		return Details{}, c.wrap(err)
	}
	d := Details{ID: r.ID, Restarts: r.RestartCount, Inspect: r}
	if r.Config != nil {
		d.Env = r.Config.Env
	}
	if st := r.State; st != nil {
		d.StartedAt, _ = time.Parse(time.RFC3339Nano, st.StartedAt)
		d.FinishedAt, _ = time.Parse(time.RFC3339Nano, st.FinishedAt)
		d.ExitCode, d.OOMKilled, d.PID = st.ExitCode, st.OOMKilled, st.Pid
		if h := st.Health; h != nil {
			d.HealthStatus = h.Status
			for _, l := range h.Log {
				if l == nil {
					continue
				}
				d.HealthLog = append(d.HealthLog, HealthRun{Start: l.Start, ExitCode: l.ExitCode, Output: l.Output})
			}
		}
	}
	return d, nil
}
