package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "trivy", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseTrivyReportCounts(t *testing.T) {
	tests := []struct {
		fixture  string
		artifact string
		results  int
		counts   Counts
	}{
		{"alpine-multi.json", "survey/api:1.4.2", 3, Counts{Critical: 1, High: 3, Medium: 1, Low: 1, Unknown: 1}},
		{"clean.json", "survey/frontend:2.0.0", 1, Counts{}},
		{"scratch-noresults.json", "stt-standin:latest", 0, Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			r, err := ParseTrivyReport(readFixture(t, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if r.ArtifactName != tt.artifact {
				t.Errorf("ArtifactName = %q, want %q", r.ArtifactName, tt.artifact)
			}
			if len(r.Results) != tt.results {
				t.Errorf("%d results, want %d", len(r.Results), tt.results)
			}
			if got := r.Counts(); got != tt.counts {
				t.Errorf("counts = %v, want %v", got, tt.counts)
			}
		})
	}
}

func TestParseTrivyReportFields(t *testing.T) {
	r, err := ParseTrivyReport(readFixture(t, "alpine-multi.json"))
	if err != nil {
		t.Fatal(err)
	}
	vulns := r.Vulnerabilities("survey/api:1.4.2")
	if len(vulns) != 7 {
		t.Fatalf("%d vulnerabilities, want 7", len(vulns))
	}
	// Highest severity first, across results.
	first := vulns[0]
	want := Vulnerability{
		VulnerabilityID: "CVE-2021-44906", PkgName: "minimist", InstalledVersion: "1.2.5", FixedVersion: "1.2.6",
		Severity: SeverityCritical, Title: "minimist: prototype pollution",
		PrimaryURL: "https://avd.aquasec.com/nvd/cve-2021-44906", Target: "app/package-lock.json", Image: "survey/api:1.4.2",
	}
	if first != want {
		t.Errorf("first vulnerability = %+v\nwant %+v", first, want)
	}
	for i := 1; i < len(vulns); i++ {
		if vulns[i].Severity > vulns[i-1].Severity {
			t.Errorf("vulnerability %d (%s) ranks above %d (%s)", i, vulns[i].Severity, i-1, vulns[i-1].Severity)
		}
	}
	var noFix, unknown int
	for _, v := range vulns {
		if v.FixedVersion == "" {
			noFix++
		}
		if v.Severity == SeverityUnknown {
			unknown++
			if v.Title != "" || v.PrimaryURL != "" {
				t.Errorf("fields invented for %s: %+v", v.VulnerabilityID, v)
			}
		}
	}
	if noFix != 2 || unknown != 1 {
		t.Errorf("without FixedVersion: %d (want 2); UNKNOWN: %d (want 1)", noFix, unknown)
	}
	// The OS result's target is kept on its own vulnerabilities.
	for _, v := range vulns {
		if v.PkgName == "libssl3" && v.Target != "survey/api:1.4.2 (alpine 3.18.4)" {
			t.Errorf("libssl3 target = %q", v.Target)
		}
	}
}

func TestParseTrivyReportErrors(t *testing.T) {
	full := readFixture(t, "alpine-multi.json")
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty output"},
		{"blank", []byte("  \n"), "empty output"},
		{"garbage", []byte("2026-11-20T10:12:44Z FATAL image scan error"), "not a JSON report"},
		{"truncated", full[:len(full)/2], "truncated"},
		{"schema 1 array", readFixture(t, "schema1.json"), "old report format"},
		{"schema version 1", readFixture(t, "schemaversion1.json"), "SchemaVersion 1"},
		{"bad syntax", []byte(`{"SchemaVersion": 2, "Results": [}`), "not valid JSON"},
		{"wrong shape", []byte(`{"SchemaVersion": 2, "Results": {"a": 1}}`), "unexpected shape"},
		{"two documents", append(append([]byte{}, full...), full...), "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTrivyReport(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestSeverityParsing(t *testing.T) {
	for _, s := range []string{"critical", " HIGH", "Medium", "low", "UNKNOWN"} {
		if _, err := ParseSeverity(s); err != nil {
			t.Errorf("ParseSeverity(%q): %v", s, err)
		}
	}
	if _, err := ParseSeverity("CRIT"); err == nil || !strings.Contains(err.Error(), "CRITICAL, HIGH") {
		t.Errorf("ParseSeverity(CRIT) error = %v", err)
	}
	set, err := ParseSeverityList("CRITICAL,high")
	if err != nil {
		t.Fatal(err)
	}
	if !set.Has(SeverityCritical) || !set.Has(SeverityHigh) || set.Has(SeverityMedium) {
		t.Errorf("set = %v", set)
	}
	all, _ := ParseSeverityList("")
	if len(all) != 5 {
		t.Errorf("empty list gives %d severities, want all 5", len(all))
	}
	if _, err := ParseSeverityList("CRITICAL,bogus"); err == nil {
		t.Error("bogus severity accepted in a list")
	}
}
