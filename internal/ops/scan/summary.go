package scan

import (
	"fmt"
	"sort"
	"time"
)

// SummaryVersion is the format version of the summary JSON; bump it when a field changes
// meaning so an older surveytui refuses a newer file instead of misreading it.
const SummaryVersion = 1

// Summary is one scan: what was scanned, what was found, where the raw reports are. It is
// what `scan --json` prints and what the reports directory keeps as summary-<time>.json.
type Summary struct {
	Version    int       `json:"version"`
	Project    string    `json:"project,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Trivy says whether image scanning ran ("" when it was not asked for) and, when it could
	// not, why and how to fix it.
	Trivy string `json:"trivy,omitempty"`
	// Images holds one entry per image, vulnerabilities included.
	Images []ImageSummary `json:"images,omitempty"`
	// Findings are the hardening audit's, runtime and compose, highest severity first.
	Findings []Finding `json:"findings"`
	// AuditErrors are containers that could not be inspected (the rest were audited).
	AuditErrors []string `json:"audit_errors,omitempty"`
	// Vulnerabilities and FindingCounts are totals over every image / every finding.
	Vulnerabilities Counts `json:"vulnerabilities"`
	FindingCounts   Counts `json:"finding_counts"`
}

// Trivy states.
const (
	TrivyRan     = "ran"
	TrivySkipped = "skipped"
)

// ImageSummary is one image's outcome.
type ImageSummary struct {
	Image    string   `json:"image"`
	Services []string `json:"services,omitempty"`
	Counts   Counts   `json:"counts"`
	// ReportFile is the raw Trivy report's file name inside the reports directory.
	ReportFile      string          `json:"report_file,omitempty"`
	Error           string          `json:"error,omitempty"`
	DurationMS      int64           `json:"duration_ms"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}

// Age is how long ago the scan finished, relative to now.
func (s *Summary) Age(now time.Time) time.Duration { return now.Sub(s.FinishedAt) }

// ServiceCounts is one service's counts: vulnerabilities of its image(s) and audit findings.
type ServiceCounts struct {
	Service         string
	Vulnerabilities Counts
	Findings        Counts
}

// ByService groups the summary's counts per service, in name order. Images with no known
// service are listed under their image name.
func (s *Summary) ByService() []ServiceCounts {
	m := map[string]*ServiceCounts{}
	get := func(name string) *ServiceCounts {
		if m[name] == nil {
			m[name] = &ServiceCounts{Service: name}
		}
		return m[name]
	}
	for _, img := range s.Images {
		services := img.Services
		if len(services) == 0 {
			services = []string{img.Image}
		}
		for _, svc := range services {
			sc := get(svc)
			sc.Vulnerabilities = sc.Vulnerabilities.Plus(img.Counts)
		}
	}
	for _, f := range s.Findings {
		name := f.Service
		if name == "" {
			name = f.Container
		}
		get(name).Findings.Add(f.Severity)
	}
	out := make([]ServiceCounts, 0, len(m))
	for _, sc := range m {
		out = append(out, *sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}

// Filter returns a copy of the summary holding only findings and vulnerabilities whose
// severity is in keep; the counts are left whole, so the totals still say what exists.
func (s *Summary) Filter(keep SeveritySet) *Summary {
	c := *s
	c.Findings = nil
	for _, f := range s.Findings {
		if keep.Has(f.Severity) {
			c.Findings = append(c.Findings, f)
		}
	}
	if c.Findings == nil {
		c.Findings = []Finding{}
	}
	c.Images = make([]ImageSummary, len(s.Images))
	for i, img := range s.Images {
		img.Vulnerabilities = nil
		for _, v := range s.Images[i].Vulnerabilities {
			if keep.Has(v.Severity) {
				img.Vulnerabilities = append(img.Vulnerabilities, v)
			}
		}
		c.Images[i] = img
	}
	return &c
}

// Exit codes of `surveytui scan`.
const (
	ExitOK                = 0
	ExitFindings          = 1
	ExitEngineUnreachable = 3
)

// Decide returns the exit code of a finished scan and, when it is not ExitOK, the one-line
// reason: ExitFindings when any vulnerability or audit finding is at failOn or above.
func Decide(s *Summary, failOn Severity) (int, string) {
	vulns := s.Vulnerabilities.AtLeast(failOn)
	findings := s.FindingCounts.AtLeast(failOn)
	if vulns == 0 && findings == 0 {
		return ExitOK, ""
	}
	return ExitFindings, fmt.Sprintf("%d vulnerabilities and %d hardening findings at %s or above (--fail-on %s)",
		vulns, findings, failOn, failOn)
}
