package compose_test

import (
	"encoding/json"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// The console's Elasticsearch defaults (see the brief / internal/logs): the shipped
// pipeline must produce documents these find.
var (
	consoleIndexPatterns = []string{"filebeat-*", "logstash-*", "logs-*"}
	consoleServiceField  = "container.labels.com_docker_compose_service"
	consoleCorrelation   = "correlationId"
)

// matchesConsolePattern reports whether an index name is covered by the console's defaults.
func matchesConsolePattern(index string) bool {
	for _, p := range consoleIndexPatterns {
		if ok, _ := path.Match(p, index); ok {
			return true
		}
	}
	return false
}

// yamlFile decodes a YAML config file into a generic map.
func yamlFile(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

func TestFilebeatDecodesJSONAndAddsTheServiceLabel(t *testing.T) {
	fb := yamlFile(t, "config/filebeat/filebeat.yml")

	inputs, _ := fb["filebeat.inputs"].([]any)
	if len(inputs) != 1 {
		t.Fatalf("filebeat.inputs: %v, want one input", fb["filebeat.inputs"])
	}
	in := inputs[0].(map[string]any)
	if paths, _ := in["paths"].([]any); !slices.Contains(paths, any("/var/lib/docker/containers/*/*.log")) {
		t.Errorf("input paths %v do not read the containers' json-file logs", in["paths"])
	}

	procs := map[string]map[string]any{}
	var order []string
	for _, p := range fb["processors"].([]any) {
		for name, cfg := range p.(map[string]any) {
			c, _ := cfg.(map[string]any)
			procs[name] = c
			order = append(order, name)
		}
	}
	dm, ok := procs["add_docker_metadata"]
	if !ok || dm["labels.dedot"] != true {
		t.Errorf("add_docker_metadata with labels.dedot: true is needed for %s; got %v", consoleServiceField, dm)
	}
	dj, ok := procs["decode_json_fields"]
	if !ok {
		t.Fatal("no decode_json_fields: the services' JSON lines would stay opaque strings")
	}
	if fields, _ := dj["fields"].([]any); !slices.Contains(fields, any("message")) || dj["target"] != "" || dj["overwrite_keys"] != true {
		t.Errorf("decode_json_fields %v must decode message into the event root (target \"\", overwrite_keys)", dj)
	}
	drop, ok := procs["drop_event"]
	if !ok || !strings.Contains(stringify(drop), "com_docker_compose_project") {
		t.Errorf("drop_event %v must keep only this Compose project's containers", drop)
	}
	// Metadata first: the project filter reads the labels it adds.
	if slices.Index(order, "add_docker_metadata") > slices.Index(order, "drop_event") {
		t.Errorf("processors %v: add_docker_metadata must run before drop_event", order)
	}
	if hosts, _ := fb["output.logstash"].(map[string]any)["hosts"].([]any); !slices.Contains(hosts, any("logstash:5044")) {
		t.Errorf("output.logstash hosts %v, want logstash:5044", hosts)
	}
	if fb["http.host"] != "127.0.0.1" || fb["http.port"] != 5066 {
		t.Errorf("filebeat's HTTP endpoint (healthcheck) must be 127.0.0.1:5066, got %v:%v", fb["http.host"], fb["http.port"])
	}
}

// stringify renders any decoded YAML value for substring checks.
func stringify(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLogstashWritesIndicesTheConsoleFinds(t *testing.T) {
	conf, err := os.ReadFile("config/logstash/logstash.conf")
	if err != nil {
		t.Fatal(err)
	}
	text := string(conf)
	for _, want := range []string{"port => 5044", `hosts => ["http://elasticsearch:9200"]`, `password => "${LOGSTASH_WRITER_PASSWORD}"`, "data_stream => false"} {
		if !strings.Contains(text, want) {
			t.Errorf("logstash.conf lacks %s", want)
		}
	}
	m := regexp.MustCompile(`index => "([^"%]+)%\{\+YYYY\.MM\.dd\}"`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("logstash.conf: no daily index => \"<prefix>%{+YYYY.MM.dd}\"")
	}
	index := m[1] + "2026.01.02"
	if !matchesConsolePattern(index) {
		t.Errorf("index %s is not covered by the console's default patterns %v", index, consoleIndexPatterns)
	}

	var tmpl struct {
		IndexPatterns []string `json:"index_patterns"`
		Template      struct {
			Mappings struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"mappings"`
		} `json:"template"`
	}
	data, err := os.ReadFile("config/logstash/survey-logs-template.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatalf("survey-logs-template.json: %v", err)
	}
	covered := false
	for _, p := range tmpl.IndexPatterns {
		if ok, _ := path.Match(p, index); ok {
			covered = true
		}
	}
	if !covered {
		t.Errorf("template patterns %v do not cover the index %s: correlationId would be mapped as text", tmpl.IndexPatterns, index)
	}
	props := tmpl.Template.Mappings.Properties
	for field, want := range map[string]string{consoleCorrelation: "keyword", "level": "keyword", "@timestamp": "date", "message": "text"} {
		var f struct{ Type string }
		_ = json.Unmarshal(props[field], &f)
		if f.Type != want {
			t.Errorf("template maps %s as %q, want %q", field, f.Type, want)
		}
	}
	var container struct {
		Properties struct {
			Labels struct {
				Properties map[string]struct{ Type string }
			}
		}
	}
	_ = json.Unmarshal(props["container"], &container)
	if got := container.Properties.Labels.Properties["com_docker_compose_service"].Type; got != "keyword" {
		t.Errorf("template maps %s as %q, want keyword", consoleServiceField, got)
	}

	// The file names the template; the compose file mounts it where logstash.conf looks.
	if !strings.Contains(text, `template => "/usr/share/logstash/templates/survey-logs-template.json"`) {
		t.Error("logstash.conf does not load the mounted survey-logs-template.json")
	}
	p := mustLoad(t, stage(t), loggingFile)
	if !slices.ContainsFunc(p.Services["logstash"].Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Target == "/usr/share/logstash/templates/survey-logs-template.json" && v.ReadOnly
	}) {
		t.Error("logstash does not mount the template read-only at the path logstash.conf names")
	}
}

func TestElasticsearchRolesLetTheConsoleReadItsPatterns(t *testing.T) {
	roles := yamlFile(t, "config/elasticsearch/roles.yml")
	reader, _ := roles["survey_logs_reader"].(map[string]any)
	if reader == nil {
		t.Fatal("roles.yml has no survey_logs_reader role")
	}
	var names []string
	var privs []string
	for _, ix := range reader["indices"].([]any) {
		m := ix.(map[string]any)
		for _, n := range m["names"].([]any) {
			names = append(names, n.(string))
		}
		for _, p := range m["privileges"].([]any) {
			privs = append(privs, p.(string))
		}
	}
	for _, p := range consoleIndexPatterns {
		if !slices.Contains(names, p) {
			t.Errorf("survey_logs_reader cannot read %s", p)
		}
	}
	for _, p := range privs {
		if p != "read" && p != "view_index_metadata" {
			t.Errorf("survey_logs_reader has %q; the console only reads", p)
		}
	}
	if _, ok := roles["survey_logs_writer"]; !ok {
		t.Error("roles.yml has no survey_logs_writer role for logstash")
	}
	// The entrypoint gives each user the role roles.yml defines.
	compose, err := os.ReadFile(loggingFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{"survey_logs_reader", "survey_logs_writer", "kibana_system"} {
		if !strings.Contains(string(compose), role) {
			t.Errorf("%s creates no user with role %s", loggingFile, role)
		}
	}
}
