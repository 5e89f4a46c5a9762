package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// loadDemo parses the demo compose file with compose-go, the parser
// surveytui itself uses, with env as the only environment.
func loadDemo(t *testing.T, env []string) *types.Project {
	t.Helper()
	file := filepath.Join(testenv.RepoRoot(t), "compose", "demo", "docker-compose.yml")
	opts, err := cli.NewProjectOptions([]string{file}, cli.WithName("surveydemo"), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose-go rejects the demo compose file: %v", err)
	}
	return p
}

// TestComposeFileTopology checks the demo matches the production topology
// the TUI expects: service names, roles, one network, the 12 named volumes
// and their owners, healthchecks and limits everywhere.
func TestComposeFileTopology(t *testing.T) {
	p := loadDemo(t, nil)
	names := p.ServiceNames()
	slices.Sort(names)
	want := slices.Clone(demoServices)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("services = %v\nwant %v", names, want)
	}
	if len(p.Networks) != 1 || p.Networks["survey-network"].Driver != "bridge" {
		t.Errorf("networks = %v, want only survey-network (bridge)", p.Networks)
	}
	owners := map[string][]string{
		"mongodb-data":      {"mongodb"},
		"mongodb-config":    {"mongodb"},
		"redis-data":        {"redis"},
		"zookeeper-data":    {"zookeeper"},
		"zookeeper-log":     {"zookeeper"},
		"kafka-data":        {"kafka"},
		"survey-uploads":    {"survey-service"},
		"analytics-data":    {"analytics-consumer-service", "analytics-service"},
		"notification-data": {"notification-consumer-service", "notification-service"},
		"audit-data":        {"audit-consumer-service"},
		"geolocation-cache": {"geolocation-service"},
		"admin-data":        {"admin-service"},
	}
	if len(p.Volumes) != len(owners) {
		t.Errorf("%d named volumes, want %d", len(p.Volumes), len(owners))
	}
	got := map[string][]string{}
	for _, svc := range p.Services {
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeVolume {
				got[v.Source] = append(got[v.Source], svc.Name)
			}
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("%s has no healthcheck", svc.Name)
		}
		if svc.Deploy == nil || svc.Deploy.Resources.Limits == nil ||
			svc.Deploy.Resources.Limits.NanoCPUs <= 0 || svc.Deploy.Resources.Limits.MemoryBytes <= 0 {
			t.Errorf("%s has no CPU and memory limits", svc.Name)
		}
		if svc.Restart != "unless-stopped" {
			t.Errorf("%s restart = %q", svc.Name, svc.Restart)
		}
		if _, ok := svc.Networks["survey-network"]; !ok || len(svc.Networks) != 1 {
			t.Errorf("%s networks = %v", svc.Name, svc.Networks)
		}
		if !svc.ReadOnly || !slices.Contains(svc.CapDrop, "ALL") ||
			!slices.Contains(svc.SecurityOpt, "no-new-privileges:true") || len(svc.Tmpfs) != 1 {
			t.Errorf("%s lacks production's hardening (read_only, cap_drop ALL, no-new-privileges, tmpfs /tmp)", svc.Name)
		}
		role := svc.Labels["com.survey-platform.role"]
		if wantRole := roleOf(svc.Name); role != wantRole {
			t.Errorf("%s role label = %q, want %q", svc.Name, role, wantRole)
		}
	}
	for vol, want := range owners {
		slices.Sort(got[vol])
		if !slices.Equal(got[vol], want) {
			t.Errorf("volume %s mounted by %v, want %v", vol, got[vol], want)
		}
	}
}

func roleOf(service string) string {
	if strings.HasSuffix(service, "-service") {
		return "app"
	}
	return "infrastructure"
}

// TestComposeFilePorts checks host ports bind to 127.0.0.1 by default on the
// production numbers, move with their variables, and become ephemeral when
// a variable is set empty (how the stack test avoids clashes).
func TestComposeFilePorts(t *testing.T) {
	wantDefault := map[string]string{
		"survey-service": "3001", "geolocation-service": "3002", "analytics-service": "3003",
		"analytics-consumer-service": "3004", "notification-service": "3005",
		"notification-consumer-service": "3006", "audit-consumer-service": "3007",
		"websocket-service": "3008", "project-service": "3009", "admin-service": "3010",
		"mongodb": "27017", "redis": "6379", "kafka": "9092", "zookeeper": "2181", "kafka-ui": "8080",
	}
	p := loadDemo(t, nil)
	for _, svc := range p.Services {
		if len(svc.Ports) != 1 {
			t.Fatalf("%s ports = %v", svc.Name, svc.Ports)
		}
		port := svc.Ports[0]
		if port.HostIP != "127.0.0.1" || port.Published != wantDefault[svc.Name] ||
			port.Target != mustAtoi(t, wantDefault[svc.Name]) {
			t.Errorf("%s port = %+v, want 127.0.0.1:%s:%s", svc.Name, port, wantDefault[svc.Name], wantDefault[svc.Name])
		}
	}
	p = loadDemo(t, []string{"SURVEYDEMO_SURVEY_PORT=4001", "SURVEYDEMO_REDIS_PORT=", "SURVEYDEMO_BIND=127.0.0.2"})
	if port := p.Services["survey-service"].Ports[0]; port.Published != "4001" || port.HostIP != "127.0.0.2" {
		t.Errorf("survey-service port with overrides = %+v", port)
	}
	if port := p.Services["redis"].Ports[0]; port.Published != "" || port.Target != 6379 {
		t.Errorf("redis port with empty variable = %+v, want ephemeral host port", port)
	}
}

func mustAtoi(t *testing.T, s string) uint32 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(n)
}
