package scan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		vulns    Counts
		findings Counts
		failOn   Severity
		want     int
	}{
		{"nothing", Counts{}, Counts{}, SeverityCritical, ExitOK},
		{"high below critical", Counts{High: 4}, Counts{High: 2, Medium: 9}, SeverityCritical, ExitOK},
		{"critical vulnerability", Counts{Critical: 1}, Counts{}, SeverityCritical, ExitFindings},
		{"critical finding", Counts{}, Counts{Critical: 1}, SeverityCritical, ExitFindings},
		{"fail on high, high finding", Counts{}, Counts{High: 1}, SeverityHigh, ExitFindings},
		{"fail on high, only medium", Counts{Medium: 3}, Counts{Medium: 1, Low: 7}, SeverityHigh, ExitOK},
		{"fail on low counts above it", Counts{}, Counts{Critical: 1}, SeverityLow, ExitFindings},
		{"fail on unknown counts unknown", Counts{Unknown: 1}, Counts{}, SeverityUnknown, ExitFindings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, reason := Decide(&Summary{Vulnerabilities: tt.vulns, FindingCounts: tt.findings}, tt.failOn)
			if code != tt.want {
				t.Errorf("exit = %d, want %d (%s)", code, tt.want, reason)
			}
			if (code == ExitOK) != (reason == "") {
				t.Errorf("reason %q with exit %d", reason, code)
			}
			if code != ExitOK && !strings.Contains(reason, "--fail-on "+tt.failOn.String()) {
				t.Errorf("reason %q does not name the threshold", reason)
			}
		})
	}
}

func TestSaveAndLoadLast(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "security-reports")
	if _, err := LoadLast(dir); !errors.Is(err, ErrNoScan) {
		t.Fatalf("LoadLast on a missing dir = %v, want ErrNoScan", err)
	}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	for i, project := range []string{"older", "newest", "middle"} {
		started := t0.Add(time.Duration([]int{0, 2, 1}[i]) * time.Hour)
		s := &Summary{Version: SummaryVersion, Project: project, StartedAt: started, FinishedAt: started.Add(time.Minute),
			Findings: []Finding{{CheckID: "5.4", Severity: SeverityCritical, Service: "mongodb", Evidence: "privileged \x1b[31m"}}}
		if _, err := SaveSummary(dir, s); err != nil {
			t.Fatal(err)
		}
	}
	last, err := LoadLast(dir)
	if err != nil {
		t.Fatal(err)
	}
	if last.Project != "newest" {
		t.Errorf("LoadLast = %q, want the newest", last.Project)
	}
	if got := last.Age(t0.Add(3 * time.Hour)); got != 59*time.Minute {
		t.Errorf("age = %s, want 59m", got)
	}
	// Evidence is data: kept byte for byte in the file, sanitized only on display.
	if last.Findings[0].Evidence != "privileged \x1b[31m" || last.Findings[0].Severity != SeverityCritical {
		t.Errorf("finding did not round-trip: %+v", last.Findings[0])
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	// A newest summary that cannot be read is reported, never skipped for an older one.
	bad := filepath.Join(dir, "summary-29991231T000000Z.json")
	if err := os.WriteFile(bad, []byte(`{"version": 1, "findings": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLast(dir); err == nil || !strings.Contains(err.Error(), "not a readable summary") {
		t.Errorf("LoadLast with a broken newest = %v", err)
	}
	if err := os.WriteFile(bad, []byte(`{"version": 99}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLast(dir); err == nil || !strings.Contains(err.Error(), "format version 99") {
		t.Errorf("LoadLast with a future version = %v", err)
	}
}

func TestSaveRawNames(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	name, err := SaveRaw(dir, t0, "registry.example:5000/survey/../api:1.4", []byte(`{"SchemaVersion":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if name != "trivy-20261120T090000Z-registry.example_5000_survey_.._api_1.4.json" {
		t.Errorf("name = %q", name)
	}
	if filepath.Base(name) != name {
		t.Errorf("name %q climbs out of the reports dir", name)
	}
	if name, err := SaveRaw(dir, t0, "x", nil); err != nil || name != "" {
		t.Errorf("empty output saved as %q (%v)", name, err)
	}
}

func TestSummaryFilterAndByService(t *testing.T) {
	s := &Summary{
		Images: []ImageSummary{
			{Image: "survey/api:1", Services: []string{"api", "worker"}, Counts: Counts{Critical: 1, Low: 2},
				Vulnerabilities: []Vulnerability{{VulnerabilityID: "C", Severity: SeverityCritical}, {VulnerabilityID: "L", Severity: SeverityLow}}},
			{Image: "mongo:7", Counts: Counts{High: 1}},
		},
		Findings: []Finding{
			{CheckID: "5.4", Severity: SeverityCritical, Service: "api"},
			{CheckID: "5.12", Severity: SeverityMedium, Service: "mongodb"},
		},
	}
	f := s.Filter(SeveritySet{SeverityCritical: true})
	if len(f.Findings) != 1 || len(f.Images[0].Vulnerabilities) != 1 || f.Images[0].Vulnerabilities[0].VulnerabilityID != "C" {
		t.Errorf("filter kept %+v", f)
	}
	if len(s.Findings) != 2 || len(s.Images[0].Vulnerabilities) != 2 {
		t.Error("filter changed the original summary")
	}
	by := s.ByService()
	got, _ := json.Marshal(by)
	want := `[{"Service":"api","Vulnerabilities":{"critical":1,"high":0,"medium":0,"low":2,"unknown":0},"Findings":{"critical":1,"high":0,"medium":0,"low":0,"unknown":0}},` +
		`{"Service":"mongo:7","Vulnerabilities":{"critical":0,"high":1,"medium":0,"low":0,"unknown":0},"Findings":{"critical":0,"high":0,"medium":0,"low":0,"unknown":0}},` +
		`{"Service":"mongodb","Vulnerabilities":{"critical":0,"high":0,"medium":0,"low":0,"unknown":0},"Findings":{"critical":0,"high":0,"medium":1,"low":0,"unknown":0}},` +
		`{"Service":"worker","Vulnerabilities":{"critical":1,"high":0,"medium":0,"low":2,"unknown":0},"Findings":{"critical":0,"high":0,"medium":0,"low":0,"unknown":0}}]`
	if string(got) != want {
		t.Errorf("ByService =\n%s\nwant\n%s", got, want)
	}
}

func TestDropShadowed(t *testing.T) {
	fs := []Finding{
		{CheckID: "5.4", Title: "privileged container", Source: SourceCompose, Service: "mongodb"},
		{CheckID: "5.4", Title: "privileged container", Source: SourceRuntime, Service: "mongodb", Container: "p-mongodb-1"},
		{CheckID: "5.4", Title: "privileged container", Source: SourceCompose, Service: "redis"},           // not deployed
		{CheckID: "5.12", Title: "root filesystem is writable", Source: SourceCompose, Service: "mongodb"}, // fixed at runtime only
		{CheckID: "5.3", Title: "dangerous capabilities added", Source: SourceRuntime, Service: "api"},
		{CheckID: "5.3", Title: "default capabilities kept", Source: SourceCompose, Service: "api"}, // same check, other finding
	}
	got := dropShadowed(fs)
	if len(got) != 5 || got[0] != fs[1] || got[1] != fs[2] || got[2] != fs[3] || got[4] != fs[5] {
		t.Errorf("dropShadowed kept:\n%s", dump(got))
	}
}
