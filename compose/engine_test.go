package compose_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// sh runs a command in dir and fails the test with its output when it fails.
func sh(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// container is the part of `docker inspect` the deployment settings show up in.
type container struct {
	Name   string
	Config struct {
		User        string
		Labels      map[string]string
		Healthcheck *struct{ Test []string }
	}
	HostConfig struct {
		Memory            int64
		MemoryReservation int64
		NanoCpus          int64
		ReadonlyRootfs    bool
		Tmpfs             map[string]string
		CapDrop           []string
		SecurityOpt       []string
		RestartPolicy     struct{ Name string }
		LogConfig         struct {
			Type   string
			Config map[string]string
		}
		PortBindings map[string][]struct{ HostIp, HostPort string }
	}
	NetworkSettings struct {
		Networks map[string]json.RawMessage
	}
}

// TestDockerComposeCreatesHardenedContainers hands both files to docker-compose 1.29 and
// lets it create (never start) every container, network and volume on the real engine,
// with every image swapped for an empty FROM-scratch one (the platform's images cannot be
// pulled here). What the engine then reports is what production would get: limits,
// users, read-only roots, loopback-only ports, the internal network.
func TestDockerComposeCreatesHardenedContainers(t *testing.T) {
	testenv.RequireEngine(t)
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose is not installed: apt-get install docker-compose (.ci/run does)")
	}
	dir := stage(t)
	project := testenv.UniqueName("stt-compose-")

	// An image with one file is enough to create containers from.
	ctx := t.TempDir()
	writeFile(t, filepath.Join(ctx, "Dockerfile"), "FROM scratch\nCOPY probe /probe\nENTRYPOINT [\"/probe\"]\n")
	writeFile(t, filepath.Join(ctx, "probe"), "probe\n")
	img := project + ":probe"
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "--force", img).Run() })
	cmd := exec.Command("docker", "build", "--quiet", "--tag", img, ".")
	cmd.Dir, cmd.Env = ctx, append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v\n%s", err, out)
	}
	imageLine := regexp.MustCompile(`(?m)^(\s+image: ).*$`)
	for _, f := range []string{productionFile, loggingFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), imageLine.ReplaceAllString(string(data), "${1}"+img))
	}

	args := []string{"--env-file", ".env.production", "--project-name", project, "-f", productionFile, "-f", loggingFile}
	t.Cleanup(func() {
		cmd := exec.Command("docker-compose", append(args, "down", "--volumes", "--remove-orphans", "--timeout", "1")...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("docker-compose down: %v\n%s", err, out)
		}
	})
	sh(t, dir, "docker-compose", append(args, "up", "--no-start")...)

	want := mustLoad(t, dir, productionFile, loggingFile)
	ids := strings.Fields(sh(t, dir, "docker", "ps", "--all", "--quiet", "--filter", "label=com.docker.compose.project="+project))
	if len(ids) != len(want.Services) {
		t.Fatalf("%d containers created, want %d", len(ids), len(want.Services))
	}
	var got []container
	if err := json.Unmarshal([]byte(sh(t, dir, "docker", append([]string{"inspect"}, ids...)...)), &got); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range got {
		name := c.Config.Labels["com.docker.compose.service"]
		seen[name] = true
		for _, msg := range checkContainer(c, want.Services[name].Deploy.Resources.Limits.MemoryBytes, project) {
			t.Errorf("%s: %s", name, msg)
		}
	}
	if missing := slices.DeleteFunc(want.ServiceNames(), func(s string) bool { return seen[s] }); len(missing) > 0 {
		t.Errorf("no container for %v", missing)
	}

	internal := strings.TrimSpace(sh(t, dir, "docker", "network", "inspect", "--format", "{{.Internal}}", project+"_survey-data"))
	if internal != "true" {
		t.Errorf("network %s_survey-data: Internal=%s, want true", project, internal)
	}
	volumes := strings.Fields(sh(t, dir, "docker", "volume", "ls", "--quiet", "--filter", "label=com.docker.compose.project="+project))
	var wantVolumes []string
	for _, v := range append(sortedKeys(productionVolumes), loggingVolumes...) {
		wantVolumes = append(wantVolumes, project+"_"+v)
	}
	slices.Sort(volumes)
	slices.Sort(wantVolumes)
	if !slices.Equal(volumes, wantVolumes) {
		t.Errorf("volumes created %v, want %v", volumes, wantVolumes)
	}
}

// checkContainer compares one created container with what the compose files ask for.
func checkContainer(c container, memLimit types.UnitBytes, project string) []string {
	var bad []string
	name := c.Config.Labels["com.docker.compose.service"]
	h := c.HostConfig
	if h.Memory != int64(memLimit) || h.Memory == 0 {
		bad = append(bad, fmt.Sprintf("memory limit %d, want %d", h.Memory, memLimit))
	}
	// docker-compose 1.29 applies CPU limits and memory reservations; a CPU reservation has
	// no equivalent outside Swarm and is not applied.
	if h.NanoCpus == 0 || h.MemoryReservation == 0 {
		bad = append(bad, fmt.Sprintf("NanoCpus %d, MemoryReservation %d: limits not applied", h.NanoCpus, h.MemoryReservation))
	}
	if h.RestartPolicy.Name != "unless-stopped" {
		bad = append(bad, "restart policy "+h.RestartPolicy.Name)
	}
	if !slices.Contains(h.SecurityOpt, "no-new-privileges:true") {
		bad = append(bad, fmt.Sprintf("security options %v", h.SecurityOpt))
	}
	if c.Config.Healthcheck == nil || len(c.Config.Healthcheck.Test) == 0 {
		bad = append(bad, "no healthcheck")
	}
	if h.LogConfig.Type != "json-file" || h.LogConfig.Config["max-size"] == "" {
		bad = append(bad, fmt.Sprintf("log config %+v", h.LogConfig))
	}
	for port, bindings := range h.PortBindings {
		for _, b := range bindings {
			if b.HostIp != "127.0.0.1" {
				bad = append(bad, fmt.Sprintf("port %s bound on %q", port, b.HostIp))
			}
		}
	}
	nets := sortedKeys(c.NetworkSettings.Networks)
	if dataStores[name] && name != "elasticsearch" && !slices.Equal(nets, []string{project + "_survey-data"}) {
		bad = append(bad, fmt.Sprintf("data store on networks %v, want only %s_survey-data", nets, project))
	}
	if c.Config.Labels[roleLabel] == "app" {
		if c.Config.User != "1001:1001" || !h.ReadonlyRootfs || !slices.Contains(h.CapDrop, "ALL") {
			bad = append(bad, fmt.Sprintf("user %q, read-only %v, cap drop %v", c.Config.User, h.ReadonlyRootfs, h.CapDrop))
		}
		if _, ok := h.Tmpfs["/tmp"]; !ok {
			bad = append(bad, fmt.Sprintf("tmpfs %v lacks /tmp", h.Tmpfs))
		}
	}
	return bad
}
