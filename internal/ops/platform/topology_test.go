package platform

import (
	"context"
	"testing"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

func TestMergeStatesMissingAndExtra(t *testing.T) {
	d, err := Load(context.Background(), LoadOptions{Files: []string{"testdata/small.yml"}, Project: "stt"})
	if err != nil {
		t.Fatal(err)
	}
	cs := []engine.Container{
		{Service: "survey-service", State: "running", Health: "healthy"},
		{Service: "survey-service", State: "running", Health: "unhealthy"},
		{Service: "mongodb", State: "exited"},
		{Service: "kibana", State: "running"},
		{Service: "debug-shell", State: "running", Image: "busybox"},
	}
	topo := Merge(d, cs)
	got := map[string]Service{}
	for _, s := range topo.Services {
		got[s.Name] = s
	}
	checks := map[string]State{
		"survey-service": StateUnhealthy, // the worst of its two containers
		"mongodb":        StateExited,
		"kibana":         StateRunning,
		"kafka-ui":       StateMissing,
		"debug-shell":    StateRunning,
	}
	for name, want := range checks {
		if got[name].State != want {
			t.Errorf("%s: state %s, want %s", name, got[name].State, want)
		}
	}
	if !got["debug-shell"].Extra || got["mongodb"].Extra {
		t.Errorf("extra flags wrong: %+v", got)
	}
	if last := topo.Services[len(topo.Services)-1]; last.Name != "debug-shell" {
		t.Errorf("extras come last, got %s", last.Name)
	}
}

func TestContainerState(t *testing.T) {
	cases := map[[2]string]State{
		{"running", ""}:          StateRunning,
		{"running", "starting"}:  StateStarting,
		{"restarting", ""}:       StateRestarting,
		{"created", ""}:          StateCreated,
		{"dead", ""}:             StateDead,
		{"exited", "unhealthy"}:  StateExited,
		{"paused", "healthy"}:    StatePaused,
		{"running", "unhealthy"}: StateUnhealthy,
	}
	for in, want := range cases {
		if got := ContainerState(engine.Container{State: in[0], Health: in[1]}); got != want {
			t.Errorf("%v -> %s, want %s", in, got, want)
		}
	}
}
