package compose_test

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// checkService holds the invariants every service of every compose file must meet; it
// returns one message per violation so a test lists them all at once.
func checkService(svc types.ServiceConfig) []string {
	var bad []string
	hc := svc.HealthCheck
	if hc == nil || hc.Disable || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
		bad = append(bad, "no healthcheck")
	} else if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil {
		bad = append(bad, "healthcheck without interval, timeout and retries")
	}
	if svc.Deploy == nil {
		bad = append(bad, "no deploy.resources")
	} else {
		r := svc.Deploy.Resources
		if r.Limits == nil || r.Limits.NanoCPUs <= 0 || r.Limits.MemoryBytes <= 0 {
			bad = append(bad, "no CPU and memory limits")
		}
		if r.Reservations == nil || r.Reservations.NanoCPUs <= 0 || r.Reservations.MemoryBytes <= 0 {
			bad = append(bad, "no CPU and memory reservations")
		}
		if r.Limits != nil && r.Reservations != nil &&
			(r.Reservations.MemoryBytes > r.Limits.MemoryBytes || r.Reservations.NanoCPUs > r.Limits.NanoCPUs) {
			bad = append(bad, "reservation above limit")
		}
	}
	if !slices.Contains([]string{"always", "unless-stopped", "on-failure"}, strings.SplitN(svc.Restart, ":", 2)[0]) {
		bad = append(bad, fmt.Sprintf("restart policy %q", svc.Restart))
	}
	if !slices.Contains(svc.SecurityOpt, "no-new-privileges:true") {
		bad = append(bad, "no no-new-privileges")
	}
	if svc.Privileged {
		bad = append(bad, "privileged")
	}
	if svc.Logging == nil || svc.Logging.Driver != "json-file" || svc.Logging.Options["max-size"] == "" || svc.Logging.Options["max-file"] == "" {
		bad = append(bad, "no json-file logging with rotation")
	}
	role := roleOf(svc)
	if role == "" {
		bad = append(bad, "no role")
	} else if svc.Labels[roleLabel] != role {
		bad = append(bad, fmt.Sprintf("label %s=%q, want %q", roleLabel, svc.Labels[roleLabel], role))
	}
	for _, p := range svc.Ports {
		if p.Published == "" {
			continue
		}
		addr, err := netip.ParseAddr(p.HostIP)
		if err != nil || !addr.IsLoopback() {
			what := "port"
			if dataStores[svc.Name] {
				what = "data store port"
			}
			bad = append(bad, fmt.Sprintf("%s %s published on %q, not a loopback address", what, p.Published, p.HostIP))
		}
	}
	if role == "app" {
		bad = append(bad, checkApp(svc)...)
	}
	return bad
}

// checkApp holds what only the ten app services must meet.
func checkApp(svc types.ServiceConfig) []string {
	var bad []string
	if svc.User != "1001" && svc.User != "1001:1001" {
		bad = append(bad, fmt.Sprintf("user %q, want 1001", svc.User))
	}
	if !svc.ReadOnly {
		bad = append(bad, "root filesystem not read-only")
	}
	if !slices.ContainsFunc(svc.Tmpfs, func(s string) bool { return strings.HasPrefix(s, "/tmp") }) {
		bad = append(bad, "no tmpfs on /tmp for a read-only root")
	}
	if !slices.Contains(svc.CapDrop, "ALL") {
		bad = append(bad, "capabilities not dropped")
	}
	if want := "survey-platform/" + svc.Name + ":"; !strings.HasPrefix(svc.Image, want) || strings.HasSuffix(svc.Image, ":") {
		bad = append(bad, fmt.Sprintf("image %q, want %s${VERSION}", svc.Image, want))
	}
	port := appPorts[svc.Name]
	published := fmt.Sprint(port)
	if len(svc.Ports) != 1 || svc.Ports[0].Target != port || svc.Ports[0].Published != published || svc.Ports[0].HostIP != "127.0.0.1" {
		bad = append(bad, fmt.Sprintf("ports %+v, want 127.0.0.1:%d:%d", svc.Ports, port, port))
	}
	health := "/health"
	if svc.Name == "admin-service" {
		health = "/admin/health"
	}
	if url := fmt.Sprintf("http://127.0.0.1:%d%s", port, health); svc.HealthCheck == nil || !strings.Contains(strings.Join(svc.HealthCheck.Test, " "), url) {
		bad = append(bad, "healthcheck does not probe "+url)
	}
	for _, dep := range []string{"mongodb", "redis", "kafka"} {
		if d, ok := svc.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
			bad = append(bad, "does not wait for "+dep+" to be healthy")
		}
	}
	if len(svc.EnvFiles) != 1 || !strings.HasSuffix(filepath.ToSlash(svc.EnvFiles[0].Path), "/services/"+svc.Name+"/.env.production") {
		bad = append(bad, fmt.Sprintf("env_file %+v, want ./services/%s/.env.production", svc.EnvFiles, svc.Name))
	}
	return bad
}

// volumeUsers maps each named volume to the services mounting it, sorted.
func volumeUsers(p *types.Project) map[string][]string {
	users := map[string][]string{}
	for _, name := range p.ServiceNames() {
		for _, v := range p.Services[name].Volumes {
			if v.Type == types.VolumeTypeVolume {
				users[v.Source] = append(users[v.Source], name)
			}
		}
	}
	for k := range users {
		slices.Sort(users[k])
	}
	return users
}

func TestComposeFilesLoadAndMeetInvariants(t *testing.T) {
	dir := stage(t)
	for _, tc := range []struct {
		files    []string
		services []string
		volumes  []string
	}{
		{[]string{productionFile}, append(sortedKeys(appPorts), infraServices...), sortedKeys(productionVolumes)},
		{[]string{loggingFile}, loggingServices, loggingVolumes},
		{[]string{productionFile, loggingFile},
			append(append(sortedKeys(appPorts), infraServices...), loggingServices...),
			append(sortedKeys(productionVolumes), loggingVolumes...)},
	} {
		t.Run(strings.Join(tc.files, "+"), func(t *testing.T) {
			p := mustLoad(t, dir, tc.files...)
			if p.Name != projectName {
				t.Errorf("project name %q, want %q (COMPOSE_PROJECT_NAME in %s)", p.Name, projectName, rootEnvExample)
			}
			got := p.ServiceNames()
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.services))
			if !slices.Equal(got, want) {
				t.Errorf("services %v, want %v", got, want)
			}
			gotVolumes := sortedKeys(p.Volumes)
			wantVolumes := slices.Sorted(slices.Values(tc.volumes))
			if !slices.Equal(gotVolumes, wantVolumes) {
				t.Errorf("named volumes %v, want exactly %v", gotVolumes, wantVolumes)
			}
			for _, name := range got {
				for _, msg := range checkService(p.Services[name]) {
					t.Errorf("%s: %s", name, msg)
				}
			}
		})
	}
}

func TestProductionVolumesNetworksAndDependencies(t *testing.T) {
	p := mustLoad(t, stage(t), productionFile)

	users := volumeUsers(p)
	for _, v := range sortedKeys(productionVolumes) {
		if !slices.Equal(users[v], productionVolumes[v]) {
			t.Errorf("volume %s is mounted by %v, want %v", v, users[v], productionVolumes[v])
		}
	}
	for _, m := range []struct{ svc, vol, target string }{
		{"mongodb", "mongodb-data", "/data/db"},
		{"mongodb", "mongodb-config", "/data/configdb"},
		{"redis", "redis-data", "/data"},
	} {
		if !slices.ContainsFunc(p.Services[m.svc].Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Source == m.vol && v.Target == m.target
		}) {
			t.Errorf("%s does not mount %s at %s", m.svc, m.vol, m.target)
		}
	}

	data, ok := p.Networks["survey-data"]
	if !ok || !data.Internal {
		t.Errorf("network survey-data missing or not internal: %+v", data)
	}
	if n, ok := p.Networks["survey-network"]; !ok || n.Driver != "bridge" {
		t.Errorf("network survey-network missing or not a bridge: %+v", n)
	}
	for _, name := range p.ServiceNames() {
		nets := sortedKeys(p.Services[name].Networks)
		want := []string{"survey-data", "survey-network"}
		if dataStores[name] {
			// Data stores are reachable only from containers on the internal network.
			want = []string{"survey-data"}
		}
		if !slices.Equal(nets, want) {
			t.Errorf("%s is on networks %v, want %v", name, nets, want)
		}
		if dataStores[name] && len(p.Services[name].Ports) > 0 {
			t.Errorf("%s publishes %v: a port on an internal-only network is never reachable; remove it", name, p.Services[name].Ports)
		}
	}

	if d := p.Services["kafka"].DependsOn["zookeeper"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("kafka does not wait for zookeeper to be healthy")
	}
	if d := p.Services["kafka-ui"].DependsOn["kafka"]; d.Condition != types.ServiceConditionHealthy {
		t.Errorf("kafka-ui does not wait for kafka to be healthy")
	}
	if got := p.Services["redis"].Command; !strings.Contains(strings.Join(got, " "), "--appendonly yes") {
		t.Errorf("redis command %v does not enable AOF persistence", got)
	}
	mongo := p.Services["mongodb"]
	if mongo.Image != "mongo:7.0" || !slices.Contains(mongo.Command, "--auth") {
		t.Errorf("mongodb: image %q command %v, want mongo:7.0 with --auth", mongo.Image, mongo.Command)
	}
	for _, k := range []string{"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"} {
		if v := mongo.Environment[k]; v == nil || *v == "" {
			t.Errorf("mongodb: %s not set from the env file", k)
		}
	}
	for _, name := range sortedKeys(appPorts) {
		if img := p.Services[name].Image; img != "survey-platform/"+name+":1.0.0" {
			t.Errorf("%s: image %q, want the VERSION of the env example", name, img)
		}
	}
}

func TestLoadWithoutEnvFailsNamingTheVariable(t *testing.T) {
	dir := stage(t)
	// The per-service env files exist, the root one is not given: the first required
	// variable must be named, with where to set it.
	_, err := load(t, dir, "", productionFile)
	if err == nil {
		t.Fatal("loading the production file without .env.production succeeded; required variables must fail")
	}
	if !regexp.MustCompile(`set [A-Z_]+ in \.env\.production`).MatchString(err.Error()) {
		t.Errorf("error %q does not say which variable to set where", err)
	}
}

func TestRequiredVariablesHaveNoEmptyDefault(t *testing.T) {
	// A secret with a default would let the platform start with a known password.
	ref := regexp.MustCompile(`\$\{([A-Z0-9_]+)(:?[-?])?([^}]*)\}`)
	for _, f := range []string{productionFile, loggingFile} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(data), -1) {
			name, op := m[1], m[2]
			secret := strings.Contains(name, "PASSWORD") || strings.Contains(name, "SECRET") || strings.Contains(name, "KEY")
			if secret && op != ":?" {
				t.Errorf("%s: ${%s} must be required (${%s:?...}), not %q", f, name, name, m[0])
			}
		}
	}
}
