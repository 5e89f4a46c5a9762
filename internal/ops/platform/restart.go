package platform

import (
	"context"
	"fmt"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// Restarter is the part of the engine a restart needs.
type Restarter interface {
	ContainerLister
	Restart(ctx context.Context, id string, timeout time.Duration) error
}

var _ Restarter = (*engine.Client)(nil)

// RestartService restarts every container of one service, journaled before it starts and when
// it ends. progress receives one line per step. A service without containers is an error that
// says so (restart cannot create containers; `docker-compose up -d SERVICE` does).
func RestartService(ctx context.Context, eng Restarter, j *audit.Journal, project, service string, progress func(string)) error {
	if progress == nil {
		progress = func(string) {}
	}
	return j.Record(ctx, audit.Entry{Action: "restart", Target: project + "/" + service}, func(ctx context.Context) error {
		cs, err := eng.ListProjectContainers(ctx, project)
		if err != nil {
			return err
		}
		var mine []engine.Container
		for _, c := range cs {
			if c.Service == service {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			return fmt.Errorf("service %q has no container in project %q; check the name with `surveytui status` or create it with docker-compose up -d %s", service, project, service)
		}
		for i, c := range mine {
			progress(fmt.Sprintf("restarting %s (%d/%d)", c.Name, i+1, len(mine)))
			if err := eng.Restart(ctx, c.ID, 10*time.Second); err != nil {
				return fmt.Errorf("restarting %s: %w", c.Name, err)
			}
		}
		progress(fmt.Sprintf("restarted %s", service))
		return nil
	})
}
