package compose_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// The invariant checks must catch each violation they claim to: start from a service of the
// real production file that passes, break one thing, and expect that one complaint.
func TestInvariantChecksCatchEachViolation(t *testing.T) {
	p := mustLoad(t, stage(t), productionFile)
	for _, tc := range []struct {
		name, service, want string
		mutate              func(*types.ServiceConfig)
	}{
		{"no healthcheck", "redis", "no healthcheck", func(s *types.ServiceConfig) { s.HealthCheck = nil }},
		{"healthcheck disabled", "survey-service", "no healthcheck", func(s *types.ServiceConfig) { s.HealthCheck.Disable = true }},
		{"no limits", "mongodb", "no CPU and memory limits", func(s *types.ServiceConfig) { s.Deploy.Resources.Limits = nil }},
		{"no memory reservation", "kafka", "no CPU and memory reservations", func(s *types.ServiceConfig) { s.Deploy.Resources.Reservations.MemoryBytes = 0 }},
		{"reservation above limit", "kafka", "reservation above limit", func(s *types.ServiceConfig) {
			s.Deploy.Resources.Reservations.MemoryBytes = s.Deploy.Resources.Limits.MemoryBytes + 1
		}},
		{"no restart", "zookeeper", "restart policy", func(s *types.ServiceConfig) { s.Restart = "no" }},
		{"new privileges", "kafka-ui", "no no-new-privileges", func(s *types.ServiceConfig) { s.SecurityOpt = nil }},
		{"no log rotation", "redis", "rotation", func(s *types.ServiceConfig) { delete(s.Logging.Options, "max-size") }},
		{"wrong role label", "redis", "label " + roleLabel, func(s *types.ServiceConfig) { s.Labels = types.Labels{roleLabel: "app"} }},
		{"no role", "redis", "no role", func(s *types.ServiceConfig) { s.Name = "memcached"; s.Image = "memcached:1" }},
		{"data store on all addresses", "mongodb", "data store port 27017 published on \"0.0.0.0\"", func(s *types.ServiceConfig) {
			s.Ports = []types.ServicePortConfig{{HostIP: "0.0.0.0", Target: 27017, Published: "27017"}}
		}},
		{"data store on no address", "redis", "data store port 6379 published on \"\"", func(s *types.ServiceConfig) {
			s.Ports = []types.ServicePortConfig{{Target: 6379, Published: "6379"}}
		}},
		{"app as root", "analytics-service", "user \"\"", func(s *types.ServiceConfig) { s.User = "" }},
		{"app writable root", "admin-service", "not read-only", func(s *types.ServiceConfig) { s.ReadOnly = false }},
		{"app without tmpfs", "project-service", "no tmpfs", func(s *types.ServiceConfig) { s.Tmpfs = nil }},
		{"app keeps capabilities", "websocket-service", "capabilities not dropped", func(s *types.ServiceConfig) { s.CapDrop = nil }},
		{"app latest image", "survey-service", "image", func(s *types.ServiceConfig) { s.Image = "survey-platform/survey-service:" }},
		{"app wrong port", "geolocation-service", "ports", func(s *types.ServiceConfig) { s.Ports[0].Published = "3999" }},
		{"app public port", "geolocation-service", "not a loopback address", func(s *types.ServiceConfig) { s.Ports[0].HostIP = "0.0.0.0" }},
		{"admin probes /health", "admin-service", "/admin/health", func(s *types.ServiceConfig) {
			s.HealthCheck.Test = []string{"CMD", "true", "http://127.0.0.1:3010/health"}
		}},
		{"app does not wait for mongodb", "audit-consumer-service", "mongodb", func(s *types.ServiceConfig) { delete(s.DependsOn, "mongodb") }},
		{"app without env file", "notification-service", "env_file", func(s *types.ServiceConfig) { s.EnvFiles = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := p.GetService(tc.service)
			if err != nil {
				t.Fatal(err)
			}
			if bad := checkService(svc); len(bad) != 0 {
				t.Fatalf("%s fails before the change: %v", tc.service, bad)
			}
			svc = deepCopy(t, svc)
			if bad := checkService(svc); len(bad) != 0 {
				t.Fatalf("the copy of %s fails before the change: %v", tc.service, bad)
			}
			tc.mutate(&svc)
			bad := checkService(svc)
			if !slices.ContainsFunc(bad, func(m string) bool { return strings.Contains(m, tc.want) }) {
				t.Errorf("after %q, complaints %q lack %q", tc.name, bad, tc.want)
			}
		})
	}
}

// deepCopy detaches a service from the loaded project through a JSON round trip, so a
// mutation cannot leak into the next case through shared maps or pointers.
func deepCopy(t *testing.T, svc types.ServiceConfig) types.ServiceConfig {
	t.Helper()
	data, err := json.Marshal(svc)
	if err != nil {
		t.Fatal(err)
	}
	var c types.ServiceConfig
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	c.Name = svc.Name // not serialized: it is the key in the services map
	return c
}
