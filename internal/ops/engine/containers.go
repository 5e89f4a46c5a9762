package engine

import (
	"context"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
)

// Compose labels that tie a container to its project and service.
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
	LabelNumber  = "com.docker.compose.container-number"
	LabelOneOff  = "com.docker.compose.oneoff"
)

// Container is what the list call says about one container: enough to place it in the
// topology without an inspect per container.
type Container struct {
	ID      string
	Name    string
	Project string
	Service string
	Number  string
	Image   string
	// State is Docker's: created, running, paused, restarting, removing, exited, dead.
	State string
	// Health is healthy, unhealthy, starting, or empty when there is no healthcheck. The list
	// call only says it inside Status ("Up 3 minutes (healthy)").
	Health  string
	Status  string
	Created time.Time
	Labels  map[string]string
	Ports   []container.Port
	Mounts  []container.MountPoint
}

// ListProjectContainers lists every container (running or not) labelled with the compose
// project, one-off `run` containers excluded.
func (c *Client) ListProjectContainers(ctx context.Context, project string) ([]Container, error) {
	args := filters.NewArgs(filters.Arg("label", LabelProject+"="+project))
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, c.wrap(err)
	}
	out := make([]Container, 0, len(list))
	for _, s := range list {
		if s.Labels[LabelOneOff] == "True" {
			continue
		}
		out = append(out, fromSummary(s))
	}
	return out, nil
}

func fromSummary(s container.Summary) Container {
	name := s.ID
	if len(s.Names) > 0 {
		name = strings.TrimPrefix(s.Names[0], "/")
	}
	return Container{
		ID:      s.ID,
		Name:    name,
		Project: s.Labels[LabelProject],
		Service: s.Labels[LabelService],
		Number:  s.Labels[LabelNumber],
		Image:   s.Image,
		State:   s.State,
		Health:  healthFromStatus(s.Status),
		Status:  s.Status,
		Created: time.Unix(s.Created, 0),
		Labels:  s.Labels,
		Ports:   s.Ports,
		Mounts:  s.Mounts,
	}
}

func healthFromStatus(status string) string {
	switch {
	case strings.Contains(status, "(healthy)"):
		return "healthy"
	case strings.Contains(status, "(unhealthy)"):
		return "unhealthy"
	case strings.Contains(status, "(health: starting)"):
		return "starting"
	}
	return ""
}

// Inspect returns the engine's full description of one container.
func (c *Client) Inspect(ctx context.Context, id string) (container.InspectResponse, error) {
	resp, err := c.api.ContainerInspect(ctx, id)
	return resp, c.wrap(err)
}

// Restart stops (waiting up to timeout for a clean exit) and starts one container.
func (c *Client) Restart(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	return c.wrap(c.api.ContainerRestart(ctx, id, container.StopOptions{Timeout: &secs}))
}

// Stop stops one container, waiting up to timeout before it is killed.
func (c *Client) Stop(ctx context.Context, id string, timeout time.Duration) error {
	secs := int(timeout.Seconds())
	return c.wrap(c.api.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs}))
}

// Start starts one stopped container.
func (c *Client) Start(ctx context.Context, id string) error {
	return c.wrap(c.api.ContainerStart(ctx, id, container.StartOptions{}))
}
