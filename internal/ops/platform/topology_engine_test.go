package platform

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// TestTopologyAgainstRealEngine runs a compose project of stand-ins and checks the topology
// follows what happens to it: all found, one stopped, one removed, one extra.
func TestTopologyAgainstRealEngine(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-topo")
	file, _ := filepath.Abs("testdata/standins.yml")
	env := map[string]string{"STANDIN_IMAGE": image}
	testenv.ComposeUp(t, file, project, env)
	testenv.WaitHealthy(t, project, []string{"survey-service", "geolocation-service", "redis"}, 60*time.Second)

	t.Setenv("STANDIN_IMAGE", image)
	decl, err := Load(context.Background(), LoadOptions{Files: []string{file}, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	states := func() map[string]Service {
		t.Helper()
		topo, err := Discover(context.Background(), eng, decl)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Service{}
		for _, s := range topo.Services {
			out[s.Name] = s
		}
		return out
	}

	got := states()
	for name, role := range map[string]Role{"survey-service": RoleApp, "geolocation-service": RoleApp, "redis": RoleInfrastructure} {
		if got[name].State != StateHealthy || got[name].Role != role {
			t.Errorf("%s: state %s role %s, want healthy %s", name, got[name].State, got[name].Role, role)
		}
	}

	// By ID, not by name: Compose v1 and v2 name containers differently.
	docker(t, "stop", "-t", "1", got["geolocation-service"].Containers[0].ID)
	docker(t, "rm", "-f", got["redis"].Containers[0].ID)
	extra := project + "-debug"
	docker(t, "run", "-d", "--name", extra, "--label", engine.LabelProject+"="+project,
		"--label", engine.LabelService+"=debug-shell", "-e", "STANDIN_SERVICE=debug-shell", image)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", extra).Run() })

	got = states()
	if s := got["geolocation-service"]; s.State != StateExited {
		t.Errorf("stopped service: state %s, want exited", s.State)
	}
	if s := got["redis"]; s.State != StateMissing || len(s.Containers) != 0 {
		t.Errorf("removed service: state %s with %d containers, want missing", s.State, len(s.Containers))
	}
	if s := got["debug-shell"]; !s.Extra || s.Spec != nil {
		t.Errorf("container with the project label but not in the file: %+v, want extra", s)
	}
}

func docker(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		t.Fatalf("docker %v: %v\n%s", args, err, out)
	}
}
