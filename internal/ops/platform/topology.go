package platform

import (
	"context"
	"sort"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// State is a service's condition, from the worst of its containers.
type State string

// Service states. Missing: declared but no container. A container whose service the file
// lacks keeps its own state and is flagged Extra.
const (
	StateHealthy    State = "healthy"
	StateRunning    State = "running" // running, no healthcheck
	StateStarting   State = "starting"
	StateUnhealthy  State = "unhealthy"
	StateRestarting State = "restarting"
	StatePaused     State = "paused"
	StateCreated    State = "created" // created but never started
	StateExited     State = "exited"
	StateDead       State = "dead"
	StateMissing    State = "missing"
)

// severity orders states from fine to worst so a service with several containers shows the
// worst one.
func (s State) severity() int {
	switch s {
	case StateHealthy, StateRunning:
		return 0
	case StateStarting:
		return 1
	case StatePaused, StateCreated:
		return 2
	case StateUnhealthy:
		return 3
	case StateRestarting:
		return 4
	case StateExited:
		return 5
	case StateDead:
		return 6
	case StateMissing:
		return 7
	}
	return 8
}

// OK reports whether the state needs no attention.
func (s State) OK() bool { return s.severity() == 0 }

// Service is one service as declared and as found.
type Service struct {
	Name string
	Role Role
	// Extra is true for a container with the project's label whose service the file lacks.
	Extra      bool
	Spec       *ServiceSpec
	Containers []engine.Container
	State      State
}

// Topology is the whole project, services sorted by role then name.
type Topology struct {
	Project  string
	Services []Service
}

// ContainerLister is the part of the engine the topology needs.
type ContainerLister interface {
	ListProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
}

var _ ContainerLister = (*engine.Client)(nil)

// Discover lists the project's containers and merges them with the declared services.
func Discover(ctx context.Context, eng ContainerLister, decl *Declared) (Topology, error) {
	cs, err := eng.ListProjectContainers(ctx, decl.Project)
	if err != nil {
		return Topology{Project: decl.Project}, err
	}
	return Merge(decl, cs), nil
}

// Merge matches containers to declared services by their compose service label.
func Merge(decl *Declared, containers []engine.Container) Topology {
	byService := map[string][]engine.Container{}
	for _, c := range containers {
		byService[c.Service] = append(byService[c.Service], c)
	}
	topo := Topology{Project: decl.Project}
	for i := range decl.Services {
		spec := &decl.Services[i]
		cs := byService[spec.Name]
		delete(byService, spec.Name)
		topo.Services = append(topo.Services, Service{Name: spec.Name, Role: spec.Role, Spec: spec, Containers: cs, State: stateOf(cs)})
	}
	extras := make([]string, 0, len(byService))
	for name := range byService {
		extras = append(extras, name)
	}
	sort.Strings(extras)
	for _, name := range extras {
		cs := byService[name]
		role := ClassifyRole(name, cs[0].Image, cs[0].Labels)
		topo.Services = append(topo.Services, Service{Name: name, Role: role, Extra: true, Containers: cs, State: stateOf(cs)})
	}
	return topo
}

func stateOf(cs []engine.Container) State {
	if len(cs) == 0 {
		return StateMissing
	}
	worst := ContainerState(cs[0])
	for _, c := range cs[1:] {
		if s := ContainerState(c); s.severity() > worst.severity() {
			worst = s
		}
	}
	return worst
}

// ContainerState maps Docker's state and health to the console's.
func ContainerState(c engine.Container) State {
	switch c.State {
	case "running":
		switch c.Health {
		case "healthy":
			return StateHealthy
		case "unhealthy":
			return StateUnhealthy
		case "starting":
			return StateStarting
		}
		return StateRunning
	case "restarting":
		return StateRestarting
	case "paused":
		return StatePaused
	case "created":
		return StateCreated
	case "dead", "removing":
		return StateDead
	}
	return StateExited
}
