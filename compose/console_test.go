package compose_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// The console reads these files through internal/ops/platform. It interpolates them from
// its environment and from the env files (--env-file; by default .env and .env.production
// beside the compose file, as docs/OPERATIONS.md sets them up).
func TestConsoleLoadsTheProductionFiles(t *testing.T) {
	dir := stage(t)
	files := []string{filepath.Join(dir, productionFile), filepath.Join(dir, loggingFile)}

	// Without the variables (an empty env file instead of .env.production), the console must
	// say which variable is missing and where to set it.
	empty := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := platform.Load(context.Background(), platform.LoadOptions{Files: files, EnvFiles: []string{empty}})
	if err == nil || !strings.Contains(err.Error(), "in .env.production") || !strings.Contains(err.Error(), "--env-file") {
		t.Errorf("loading without the env: error %v, want one naming the variable to set in .env.production", err)
	}

	// .env.production beside the file is read by default.
	if _, err := platform.Load(context.Background(), platform.LoadOptions{Files: files}); err != nil {
		t.Errorf("the default env files were not read: %v", err)
	}

	var env []string
	for _, l := range readEnvFile(t, filepath.Join(dir, ".env.production")) {
		env = append(env, l.Key+"="+l.Value)
	}
	d, err := platform.Load(context.Background(), platform.LoadOptions{Files: files, Env: env})
	if err != nil {
		t.Fatalf("the console cannot load the files with .env.production's variables: %v", err)
	}
	if d.Project != projectName {
		t.Errorf("console project %q, want %q", d.Project, projectName)
	}
	if len(d.Services) != len(appPorts)+len(infraServices)+len(loggingServices) {
		t.Errorf("console sees %d services", len(d.Services))
	}
	for _, s := range d.Services {
		if want := roleOf(s.Raw); string(s.Role) != want {
			t.Errorf("%s: console role %q, want %q", s.Name, s.Role, want)
		}
		// The console shows CPU and memory against these limits and probes through the ports.
		if s.CPULimit <= 0 || s.MemLimit <= 0 || s.Healthcheck == nil || s.Healthcheck.Disabled || s.Restart == "" {
			t.Errorf("%s: console sees CPU limit %v, memory limit %d, healthcheck %+v, restart %q",
				s.Name, s.CPULimit, s.MemLimit, s.Healthcheck, s.Restart)
		}
		if port := appPorts[s.Name]; port != 0 && (len(s.Ports) != 1 || s.Ports[0].HostIP != "127.0.0.1" || s.Ports[0].Target != port) {
			t.Errorf("%s: console sees ports %+v, want 127.0.0.1:%d", s.Name, s.Ports, port)
		}
	}
	if got, want := d.Volumes["mongodb-data"], projectName+"_mongodb-data"; got != want {
		t.Errorf("console maps mongodb-data to %q, want %q", got, want)
	}
}
