package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// esWithDocs answers _field_caps and _search in Elasticsearch 8's format (with the product
// header the client insists on): the history request gets docs, every later search nothing.
func esWithDocs(t *testing.T, docs ...string) string {
	t.Helper()
	searches := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_field_caps"):
			searches = 0 // a new run of the command
			fmt.Fprint(w, `{"indices":["logs-x"],"fields":{"correlationId":{"keyword":{"type":"keyword","metadata_field":false,"searchable":true,"aggregatable":true}}}}`)
		case strings.HasSuffix(r.URL.Path, "/_search"):
			searches++
			var hits []string
			if searches == 1 {
				for i, d := range docs {
					// History is newest first: the i-th doc is one second older each.
					ts := time.Now().Add(-time.Duration(i+1) * time.Second).UTC().Format("2006-01-02T15:04:05.000000000Z")
					hits = append(hits, fmt.Sprintf(`{"_index":"logs-x","_id":"%d","_score":null,"_source":%s,"sort":[%q,%d]}`, i, d, ts, i))
				}
			}
			fmt.Fprintf(w, `{"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"max_score":null,"hits":[%s]}}`, strings.Join(hits, ","))
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLogsCLIFromElasticsearchIsSanitized(t *testing.T) {
	url := esWithDocs(t,
		`{"message":"{\"level\":\"error\",\"message\":\"db down \\u001b]52;c;ZXZpbA==\\u0007\",\"correlationId\":\"c-1\"}","container":{"name":"stt-survey-1","labels":{"com_docker_compose_service":"survey-service"}}}`,
		`{"message":"plain \u009b2J text \u001b[31m","log":{"level":"warn"},"container":{"name":"stt-gw-1","labels":{"com_docker_compose_service":"gateway"}}}`,
	)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	code, stdout, stderr := runCLI(t, "logs", "--source", "es", "--es-url", url)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", stdout)
	}
	// Oldest first: the gateway line is one second older.
	if !strings.Contains(lines[0], ` gateway WARN plain \u009b2J text \x1b[31m`) ||
		!strings.Contains(lines[1], ` survey-service ERROR db down \x1b]52;c;ZXZpbA==\x07 cid=c-1`) {
		t.Fatalf("output:\n%s", stdout)
	}
	assertTerminalSafe(t, stdout)

	code, stdout, _ = runCLI(t, "logs", "--source", "es", "--es-url", url, "--json", "--level", "error")
	if code != 0 {
		t.Fatalf("--json exit %d", code)
	}
	lines = strings.Split(strings.TrimSpace(stdout), "\n")
	var e map[string]any
	if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &e) != nil || e["correlationId"] != "c-1" || e["level"] != "error" {
		t.Fatalf("--json --level error output: %q", stdout)
	}
	assertTerminalSafe(t, stdout)

	// The same from the config file's logs section instead of flags.
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "logs:\n  source: es\n  since: 1h\n  es:\n    urls: [" + url + "]\n    index: logs-*\n    fields:\n      correlation: correlationId\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "--config", cfg, "logs", "cid:c-1")
	if code != 0 || strings.Count(stdout, "\n") != 1 || !strings.Contains(stdout, "cid=c-1") {
		t.Fatalf("from config: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "--config", cfg, "logs", "--since", "0s")
	if code != exitUsage || !strings.Contains(stderr, `--since="0s"`) {
		t.Fatalf("--since 0s: exit %d, %q", code, stderr)
	}
}

func assertTerminalSafe(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatal("output is not valid UTF-8")
	}
	for _, r := range s {
		if r == 0x1b || r >= 0x80 && r <= 0x9f || r < 0x20 && r != '\n' || r == 0x7f {
			t.Fatalf("control character %U in output %q", r, s)
		}
	}
}

func TestLogsCLIBadQueryAndBadSettings(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"logs", "--source", "es", "--es-url", "http://127.0.0.1:9", "/(/"}, "bad regex /(/"},
		{[]string{"logs", "--source", "es", "--es-url", "http://127.0.0.1:9", "--level", "loud"}, `unknown level "loud"`},
		{[]string{"logs", "--source", "es", "--es-url", "http://127.0.0.1:9", "--since", "yesterday"}, `--since="yesterday"`},
		{[]string{"logs", "--source", "kafka", "--es-url", "http://127.0.0.1:9", "--project", "x", "--docker-host", "unix:///nonexistent.sock"}, `unknown log source "kafka"`},
		{[]string{"logs", "--source", "engine", "--project", "x", "--docker-host", "unix:///nonexistent.sock"}, "cannot reach Docker"},
	} {
		code, stdout, stderr := runCLI(t, tt.args...)
		if code == 0 || !strings.Contains(stderr, tt.want) || strings.Count(stderr, "\n") != 1 || stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q on one line", tt.args, code, stderr, tt.want)
		}
	}
}

func TestLogsCLIElasticsearchUnreachableExits3(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	code, _, stderr := runCLI(t, "logs", "--source", "es", "--es-url", "http://"+addr)
	if code != exitUnreachable || !strings.Contains(stderr, "elasticsearch unreachable") {
		t.Fatalf("exit %d, stderr %q; want 3 naming the unreachable cluster", code, stderr)
	}
}

// TestLogsCLIFollowsOneRequestAcrossServices runs the stand-ins, finds a correlation ID in
// the engine's logs, and asks for that request only: at least three services, in time order.
func TestLogsCLIFollowsOneRequestAcrossServices(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project := testenv.UniqueName("stt-logscli")
	file, _ := filepath.Abs("../../internal/logs/testdata/trace-compose.yml")
	env := map[string]string{"TESTENV_STANDIN_IMAGE": image}
	testenv.ComposeUp(t, file, project, env)
	testenv.WaitHealthy(t, project, []string{"survey-service", "analytics-service", "notification-service", "audit-consumer-service"}, 90*time.Second)
	t.Setenv("TESTENV_STANDIN_IMAGE", image)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	base := []string{"logs", "--compose", file, "--project", project, "--source", "engine"}

	var cid string
	deadline := time.Now().Add(60 * time.Second)
	for cid == "" && time.Now().Before(deadline) {
		code, stdout, stderr := runCLI(t, append(base, "--json")...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		services := map[string]map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var e struct{ Service, CorrelationID string }
			if json.Unmarshal([]byte(line), &e) != nil || e.CorrelationID == "" {
				continue
			}
			if services[e.CorrelationID] == nil {
				services[e.CorrelationID] = map[string]bool{}
			}
			services[e.CorrelationID][e.Service] = true
			if len(services[e.CorrelationID]) >= 3 {
				cid = e.CorrelationID
				break
			}
		}
		if cid == "" {
			time.Sleep(time.Second)
		}
	}
	if cid == "" {
		t.Fatal("no correlation ID reached three services")
	}
	code, stdout, stderr := runCLI(t, append(base, "--correlation-id", cid)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	seen := map[string]bool{}
	var last string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasSuffix(line, "cid="+cid) {
			t.Fatalf("line without the correlation ID: %q", line)
		}
		if f[0] < last {
			t.Fatalf("lines out of time order: %s after %s", f[0], last)
		}
		last = f[0]
		seen[f[1]] = true
	}
	if len(seen) < 3 {
		t.Fatalf("request %s seen in %v, want at least three services:\n%s", cid, seen, stdout)
	}
}
