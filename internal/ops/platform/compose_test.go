package platform

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLoadReadsServicesRolesLimitsAndVolumes(t *testing.T) {
	d, err := Load(context.Background(), LoadOptions{Files: []string{"testdata/small.yml"}, Project: "stt"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Project != "stt" {
		t.Errorf("project = %q", d.Project)
	}
	var names []string
	for _, s := range d.Services {
		names = append(names, s.Name+"="+string(s.Role))
	}
	want := "survey-service=app kafka-ui=infrastructure mongodb=infrastructure kibana=logging"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("services = %s, want %s", got, want)
	}
	s, _ := d.Service("survey-service")
	if s.CPULimit != 0.5 || s.MemLimit != 128<<20 || s.Restart != "unless-stopped" {
		t.Errorf("limits/restart wrong: cpu %v mem %v restart %q", s.CPULimit, s.MemLimit, s.Restart)
	}
	if s.Healthcheck == nil || s.Healthcheck.Interval.Seconds() != 5 {
		t.Errorf("healthcheck not read: %+v", s.Healthcheck)
	}
	if len(s.Ports) != 1 || s.Ports[0].HostIP != "127.0.0.1" || s.Ports[0].Published != "3001" {
		t.Errorf("ports = %+v", s.Ports)
	}
	if len(s.Volumes) != 1 || s.Volumes[0].Volume != "survey-uploads" {
		t.Errorf("volumes = %+v", s.Volumes)
	}
	if d.Volumes["mongodb-data"] != "stt_mongodb-data" {
		t.Errorf("engine volume name = %q", d.Volumes["mongodb-data"])
	}
}

func TestLoadProjectNameDefaultsToDirectory(t *testing.T) {
	t.Setenv("COMPOSE_PROJECT_NAME", "")
	d, err := Load(context.Background(), LoadOptions{Files: []string{"testdata/small.yml"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Project != "testdata" {
		t.Errorf("project = %q, want the directory name as Compose does", d.Project)
	}
}

func TestLoadBrokenFilesGiveFileLineAndReason(t *testing.T) {
	cases := []struct {
		file, wantLine, wantReason string
	}{
		{"testdata/syntax-error.yml", "syntax-error.yml:3", "did not find expected key"},
		{"testdata/unknown-dependency.yml", "unknown-dependency.yml", `depends on undefined service "geolocation-service"`},
		{"testdata/nope.yml", "nope.yml", "no such file or directory"},
	}
	for _, c := range cases {
		_, err := Load(context.Background(), LoadOptions{Files: []string{c.file}, Project: "stt"})
		var ce *ComposeError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: want *ComposeError, got %T %v", c.file, err, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, c.wantLine) || !strings.Contains(msg, c.wantReason) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q lacks %q / %q or is not one line", c.file, msg, c.wantLine, c.wantReason)
		}
	}
}

func TestClassifyRole(t *testing.T) {
	cases := []struct {
		name, image string
		labels      map[string]string
		want        Role
	}{
		{"survey-service", "survey-platform/survey-service:1", nil, RoleApp},
		{"analytics-consumer-service", "", nil, RoleApp},
		{"mongodb", "mongo:7.0", nil, RoleInfrastructure},
		{"zookeeper", "confluentinc/cp-zookeeper:7.5.0", nil, RoleInfrastructure},
		{"kafka-ui", "provectuslabs/kafka-ui:latest", nil, RoleInfrastructure},
		{"es", "docker.elastic.co/elasticsearch/elasticsearch:8.15.0", nil, RoleLogging},
		{"filebeat", "", nil, RoleLogging},
		{"cache", "valkey", map[string]string{RoleLabel: "infrastructure"}, RoleInfrastructure},
		{"worker", "busybox", nil, RoleApp},
	}
	for _, c := range cases {
		if got := ClassifyRole(c.name, c.image, c.labels); got != c.want {
			t.Errorf("ClassifyRole(%q, %q) = %s, want %s", c.name, c.image, got, c.want)
		}
	}
}
