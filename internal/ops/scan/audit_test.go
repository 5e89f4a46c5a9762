package scan

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
)

// has reports whether findings hold check id for service at severity sev.
func has(fs []Finding, service, id string, sev Severity) bool {
	for _, f := range fs {
		if f.Service == service && f.CheckID == id && f.Severity == sev {
			return true
		}
	}
	return false
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.Severity.String() + " " + f.CheckID + " " + f.Service + ": " + f.Title + " [" + f.Evidence + "]\n")
	}
	return b.String()
}

func TestAuditComposeFileBad(t *testing.T) {
	fs, err := AuditComposeFile(context.Background(), filepath.Join("testdata", "compose", "bad.yml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		service, id string
		sev         Severity
	}{
		{"mongodb", "5.4", SeverityCritical},
		{"mongodb", "5.31", SeverityCritical},
		{"mongodb", "5.5", SeverityHigh},
		{"mongodb", "5.13", SeverityHigh},
		{"mongodb", "4.10", SeverityHigh},
		{"mongodb", "4.1", SeverityMedium},
		{"mongodb", "5.10", SeverityMedium},
		{"mongodb", "5.11", SeverityLow},
		{"mongodb", "5.28", SeverityMedium},
		{"mongodb", "5.12", SeverityMedium},
		{"mongodb", "5.25", SeverityMedium},
		{"mongodb", "5.26", SeverityLow},
		{"mongodb", "5.14", SeverityLow},
		{"api", "4.1", SeverityMedium},
		{"api", "5.9", SeverityHigh},
		{"api", "5.15", SeverityHigh},
		{"api", "5.3", SeverityHigh},
		{"api", "5.21", SeverityHigh},
		{"api", "4.10", SeverityHigh},
		{"api", "5.26", SeverityMedium},
		{"redis", "5.13", SeverityHigh},
	}
	for _, w := range want {
		if !has(fs, w.service, w.id, w.sev) {
			t.Errorf("missing %s %s %s; got:\n%s", w.service, w.id, w.sev, dump(fs))
		}
	}
	for _, f := range fs {
		if strings.Contains(f.Evidence, "example-password") {
			t.Errorf("secret value copied into evidence: %q", f.Evidence)
		}
		if f.Source != SourceCompose || f.Fix == "" || f.Title == "" {
			t.Errorf("incomplete finding %+v", f)
		}
		if f.Service == "redis" && f.CheckID == "5.13" && !strings.HasPrefix(f.Evidence, "0.0.0.0:16379") {
			t.Errorf("redis 5.13 must be for the 0.0.0.0 port only, got %q", f.Evidence)
		}
		if f.Service == "api" && f.CheckID == "5.3" && f.Severity == SeverityHigh && f.Evidence != "cap_add: SYS_ADMIN" {
			t.Errorf("api 5.3 evidence = %q", f.Evidence)
		}
	}
	var redis513 int
	for _, f := range fs {
		if f.Service == "redis" && f.CheckID == "5.13" {
			redis513++
		}
	}
	if redis513 != 1 {
		t.Errorf("redis: %d 5.13 findings, want 1 (127.0.0.1 is fine)", redis513)
	}
	for i := 1; i < len(fs); i++ {
		if fs[i].Severity > fs[i-1].Severity && fs[i].Service == fs[i-1].Service {
			t.Errorf("findings of %s not sorted by severity", fs[i].Service)
		}
	}
}

func TestAuditComposeFileHardened(t *testing.T) {
	fs, err := AuditComposeFile(context.Background(), filepath.Join("testdata", "compose", "hardened.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Severity >= SeverityMedium {
			t.Errorf("hardened compose has %s %s on %s: %s [%s]", f.Severity, f.CheckID, f.Service, f.Title, f.Evidence)
		}
	}
}

func TestAuditComposeFileErrors(t *testing.T) {
	if _, err := AuditComposeFile(context.Background()); err == nil || !strings.Contains(err.Error(), "-f") {
		t.Errorf("no file: %v", err)
	}
	if _, err := AuditComposeFile(context.Background(), filepath.Join(t.TempDir(), "nope.yml")); err == nil || !strings.Contains(err.Error(), "nope.yml") {
		t.Errorf("missing file: %v", err)
	}
}

// TestAuditContainerTable covers the runtime checks whose inputs are awkward to create on a
// shared engine (host namespaces, seccomp, unhealthy state): inspect data as the engine
// returns it, built by hand.
func TestAuditContainerTable(t *testing.T) {
	pids := int64(64)
	base := func() container.InspectResponse {
		return container.InspectResponse{
			ContainerJSONBase: &container.ContainerJSONBase{
				Name:  "/stt-x",
				State: &container.State{Health: &container.Health{Status: "healthy"}},
				HostConfig: &container.HostConfig{
					ReadonlyRootfs: true, CapDrop: []string{"ALL"}, SecurityOpt: []string{"no-new-privileges"},
					RestartPolicy: container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 3},
					Resources:     container.Resources{Memory: 64 << 20, NanoCPUs: 5e8, PidsLimit: &pids},
				},
			},
			Config: &container.Config{User: "1001", Image: "survey/api:1", Labels: map[string]string{labelService: "api"},
				Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/api", "-check"}}},
		}
	}
	if fs := AuditContainer(base()); len(fs) != 0 {
		t.Fatalf("hardened base has findings:\n%s", dump(fs))
	}
	tests := []struct {
		name   string
		mutate func(*container.InspectResponse)
		id     string
		sev    Severity
	}{
		{"host network", func(c *container.InspectResponse) { c.HostConfig.NetworkMode = "host" }, "5.9", SeverityHigh},
		{"host pid", func(c *container.InspectResponse) { c.HostConfig.PidMode = "host" }, "5.15", SeverityHigh},
		{"host ipc", func(c *container.InspectResponse) { c.HostConfig.IpcMode = "host" }, "5.16", SeverityHigh},
		{"host uts", func(c *container.InspectResponse) { c.HostConfig.UTSMode = "host" }, "5.20", SeverityMedium},
		{"host userns", func(c *container.InspectResponse) { c.HostConfig.UsernsMode = "host" }, "5.30", SeverityMedium},
		{"seccomp", func(c *container.InspectResponse) {
			c.HostConfig.SecurityOpt = append(c.HostConfig.SecurityOpt, "seccomp=unconfined")
		}, "5.21", SeverityHigh},
		{"no nnp", func(c *container.InspectResponse) { c.HostConfig.SecurityOpt = nil }, "5.25", SeverityMedium},
		{"cap ALL", func(c *container.InspectResponse) { c.HostConfig.CapAdd = []string{"ALL"} }, "5.3", SeverityCritical},
		{"cap benign", func(c *container.InspectResponse) { c.HostConfig.CapAdd = []string{"NET_BIND_SERVICE"} }, "5.3", SeverityLow},
		{"unhealthy", func(c *container.InspectResponse) { c.State.Health.Status = "unhealthy" }, "5.26", SeverityMedium},
		{"healthcheck NONE", func(c *container.InspectResponse) { c.Config.Healthcheck.Test = []string{"NONE"} }, "5.26", SeverityMedium},
		{"no healthcheck", func(c *container.InspectResponse) { c.Config.Healthcheck = nil }, "5.26", SeverityMedium},
		{"no restart", func(c *container.InspectResponse) { c.HostConfig.RestartPolicy = container.RestartPolicy{} }, "5.14", SeverityLow},
		{"user 0:0", func(c *container.InspectResponse) { c.Config.User = "0:0" }, "4.1", SeverityMedium},
		{"rw /", func(c *container.InspectResponse) {
			c.Mounts = []container.MountPoint{{Type: mount.TypeBind, Source: "/", Destination: "/host", RW: true}}
		}, "5.5", SeverityHigh},
		{"publish all", func(c *container.InspectResponse) { c.HostConfig.PublishAllPorts = true }, "5.8", SeverityMedium},
		{"jwt by value", func(c *container.InspectResponse) {
			c.Config.Env = []string{"SESSION=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}
		}, "4.10", SeverityMedium},
		{"private key by value", func(c *container.InspectResponse) {
			c.Config.Env = []string{"TLS=-----BEGIN RSA PRIVATE KEY-----\nMIIE..."}
		}, "4.10", SeverityMedium},
		{"published redis on ::", func(c *container.InspectResponse) {
			c.Config.Labels[labelService] = "redis"
			// As the engine sends it (NetworkSettingsBase, which holds Ports in v28, is deprecated).
			c.NetworkSettings = &container.NetworkSettings{}
			if err := json.Unmarshal([]byte(`{"Ports": {"6379/tcp": [{"HostIp": "::", "HostPort": "6379"}, {"HostIp": "127.0.0.1", "HostPort": "6380"}]}}`), c.NetworkSettings); err != nil {
				t.Fatal(err)
			}
		}, "5.13", SeverityHigh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(&c)
			fs := AuditContainer(c)
			if len(fs) != 1 || fs[0].CheckID != tt.id || fs[0].Severity != tt.sev {
				t.Fatalf("want exactly %s %s, got:\n%s", tt.id, tt.sev, dump(fs))
			}
			if fs[0].Container != "stt-x" || fs[0].Source != SourceRuntime {
				t.Errorf("finding not attributed: %+v", fs[0])
			}
			if strings.Contains(fs[0].Evidence, "eyJzdWIi") || strings.Contains(fs[0].Evidence, "MIIE") {
				t.Errorf("secret copied into evidence: %q", fs[0].Evidence)
			}
		})
	}
	// Values that only look like secrets by name but are file paths or empty are fine.
	c := base()
	c.Config.Env = []string{"DB_PASSWORD_FILE=/run/secrets/db", "API_TOKEN=", "PATH=/usr/bin", "MONGO_URL=mongodb://mongodb:27017/survey"}
	if fs := AuditContainer(c); len(fs) != 0 {
		t.Errorf("false positives:\n%s", dump(fs))
	}
	// Inspect data with missing parts is audited with Docker's defaults, not a panic.
	if fs := AuditContainer(container.InspectResponse{}); len(fs) == 0 {
		t.Error("empty inspect data gave no findings")
	}
}

func TestAuditComposeSecretProvenance(t *testing.T) {
	t.Setenv("SMTP_PASSWORD", "from-the-host-env")
	fs, err := AuditComposeFile(context.Background(), filepath.Join("testdata", "compose", "secrets.yml"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Severity{}
	for _, f := range fs {
		if f.CheckID == "4.10" {
			name, _, _ := strings.Cut(f.Evidence, "=")
			name, _, _ = strings.Cut(name, " ")
			got[f.Service+"/"+name] = f.Severity
			if strings.Contains(f.Evidence, "literal-") || strings.Contains(f.Evidence, "from-") {
				t.Errorf("secret value in evidence: %q", f.Evidence)
			}
		}
	}
	want := map[string]Severity{
		"api/MONGO_URL":         SeverityMedium, // password interpolated
		"api/SESSION_SECRET":    SeverityHigh,   // written in the file (list syntax)
		"api/JWT_SECRET":        SeverityMedium, // from env_file
		"worker/REDIS_PASSWORD": SeverityMedium, // ${VAR:-default}
		"worker/SMTP_PASSWORD":  SeverityMedium, // $VAR
		"worker/API_TOKEN":      SeverityHigh,   // written in the file (map syntax)
	}
	if len(got) != len(want) {
		t.Errorf("4.10 findings: %v, want %v", got, want)
	}
	for k, sev := range want {
		if got[k] != sev {
			t.Errorf("%s: %v, want %v (all: %v)", k, got[k], sev, got)
		}
	}
	// AuditService alone cannot see the file: every secret is MEDIUM, none is guessed HIGH.
	p, err := LoadCompose(context.Background(), filepath.Join("testdata", "compose", "secrets.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range AuditService(p.Services["worker"]) {
		if f.CheckID == "4.10" && f.Severity != SeverityMedium {
			t.Errorf("AuditService ranked %s %s", f.Evidence, f.Severity)
		}
	}
}
