package compose_test

import (
	"bufio"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// The platform as the brief and the demo describe it. The tests compare the files against
// these facts, so a renamed service, port or volume fails here and not at deploy time.

const (
	productionFile = "docker-compose.production.yml"
	loggingFile    = "docker-compose.logging.yml"
	demoFile       = "demo/docker-compose.yml"
	rootEnvExample = ".env.production.example"
	roleLabel      = "com.survey-platform.role"
	projectName    = "survey-platform"
)

// appPorts is each app service's HTTP port (container and 127.0.0.1 host port).
var appPorts = map[string]uint32{
	"survey-service":                3001,
	"geolocation-service":           3002,
	"analytics-service":             3003,
	"analytics-consumer-service":    3004,
	"notification-service":          3005,
	"notification-consumer-service": 3006,
	"audit-consumer-service":        3007,
	"websocket-service":             3008,
	"project-service":               3009,
	"admin-service":                 3010,
}

var infraServices = []string{"mongodb", "redis", "kafka", "zookeeper", "kafka-ui"}

var loggingServices = []string{"elasticsearch", "logstash", "kibana", "filebeat"}

// dataStores may be published on a loopback address at most.
var dataStores = map[string]bool{
	"mongodb": true, "redis": true, "kafka": true, "zookeeper": true, "elasticsearch": true,
}

// productionVolumes maps each of the platform's 12 named volumes to the services mounting it.
var productionVolumes = map[string][]string{
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

var loggingVolumes = []string{"elasticsearch-data", "filebeat-data"}

// roleOf classifies a service the way the console groups it: by what it is (its name or
// image), independently of the role label, so the test can check the label against it.
// The lead's internal/ops/platform will own this rule; this copy keeps the test standalone.
func roleOf(svc types.ServiceConfig) string {
	switch {
	case slices.Contains(loggingServices, svc.Name) || strings.HasPrefix(svc.Image, "docker.elastic.co/"):
		return "logging"
	case slices.Contains(infraServices, svc.Name):
		return "infrastructure"
	case strings.HasPrefix(svc.Image, "survey-platform/"):
		return "app"
	case appPorts[svc.Name] != 0:
		return "app"
	}
	return ""
}

// composeDir is this package's directory: the compose files sit beside the tests.
func composeDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// stage copies the compose files, config and env examples into a temporary directory and
// turns every *.example into the file an operator would create from it, which is the
// deployment's first step. The real directory is never written to.
func stage(t testing.TB) string {
	t.Helper()
	src := composeDir(t)
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if rel == "demo" || rel == "testdata" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasSuffix(rel, ".go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, rel), data, 0o644); err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".example") {
			return os.WriteFile(filepath.Join(dst, strings.TrimSuffix(rel, ".example")), data, 0o600)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("staging compose files: %v", err)
	}
	return dst
}

// load parses files (relative to dir) with compose-go the way `docker compose --env-file
// .env.production -f ...` would, with only the env file as environment.
func load(t testing.TB, dir string, envFile string, files ...string) (*types.Project, error) {
	t.Helper()
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f)
	}
	fns := []cli.ProjectOptionsFn{cli.WithWorkingDirectory(dir)}
	if envFile != "" {
		fns = append(fns, cli.WithEnvFiles(filepath.Join(dir, envFile)), cli.WithDotEnv)
	}
	opts, err := cli.NewProjectOptions(paths, fns...)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// mustLoad is load for files that must parse.
func mustLoad(t testing.TB, dir string, files ...string) *types.Project {
	t.Helper()
	p, err := load(t, dir, ".env.production", files...)
	if err != nil {
		t.Fatalf("compose-go cannot load %v with the env examples: %v", files, err)
	}
	return p
}

// envLine is one KEY=VALUE line of an env file and the comment lines just above it.
type envLine struct {
	Key, Value string
	Comment    string
	Line       int
}

// readEnvFile parses the subset of the dotenv format the examples use: comments,
// blank lines and unquoted KEY=VALUE lines.
func readEnvFile(t testing.TB, path string) []envLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var (
		out     []envLine
		comment []string
		n       int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			comment = nil
		case strings.HasPrefix(line, "#"):
			comment = append(comment, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				t.Errorf("%s:%d: %q is not KEY=VALUE", path, n, line)
				continue
			}
			out = append(out, envLine{Key: key, Value: value, Comment: strings.Join(comment, " "), Line: n})
			comment = nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeFile writes a test fixture, failing the test on error.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
