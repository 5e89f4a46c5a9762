// Package scan finds what is weak in the Survey Platform: known vulnerabilities in its images
// (through Trivy, run as an external program) and hardening gaps in its containers (from the
// engine's inspect data) and in its compose file (statically), with no other tool.
package scan

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Severity orders findings and vulnerabilities on Trivy's scale. The zero value is Unknown, so
// a severity Trivy did not give (or gave in a form we do not know) never ranks above LOW.
type Severity int

// Severities, lowest first.
const (
	SeverityUnknown Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

// Severities lists every severity, highest first: the order of counts and filters.
var Severities = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityUnknown}

var severityNames = [...]string{"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"}

// String is the upper-case name Trivy uses.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "UNKNOWN"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name, in any case. It fails on anything it does not know,
// because a typo in --fail-on must not silently turn the CI gate off.
func ParseSeverity(s string) (Severity, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range severityNames {
		if n == name {
			return Severity(i), nil
		}
	}
	return SeverityUnknown, fmt.Errorf("unknown severity %q: use one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN", s)
}

// trivySeverity maps the severity string of a Trivy report; unknown strings count as UNKNOWN
// rather than failing the whole report.
func trivySeverity(s string) Severity {
	sev, err := ParseSeverity(s)
	if err != nil {
		return SeverityUnknown
	}
	return sev
}

// ParseSeverityList reads a comma-separated list such as "CRITICAL,HIGH". An empty string
// means every severity.
func ParseSeverityList(s string) (SeveritySet, error) {
	set := SeveritySet{}
	if strings.TrimSpace(s) == "" {
		for _, sev := range Severities {
			set[sev] = true
		}
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		sev, err := ParseSeverity(part)
		if err != nil {
			return nil, err
		}
		set[sev] = true
	}
	return set, nil
}

// SeveritySet is a set of severities used to filter what is shown.
type SeveritySet map[Severity]bool

// Has reports whether sev is in the set; a nil set holds every severity.
func (s SeveritySet) Has(sev Severity) bool { return s == nil || s[sev] }

// MarshalJSON writes the severity as its name, as Trivy does.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a severity name; unknown names become UNKNOWN.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("severity must be a string: %w", err)
	}
	*s = trivySeverity(name)
	return nil
}

// Counts holds how many items there are at each severity.
type Counts struct {
	Critical int `json:"critical"`
	High     int `json:"high"`
	Medium   int `json:"medium"`
	Low      int `json:"low"`
	Unknown  int `json:"unknown"`
}

// Add counts one more item at sev.
func (c *Counts) Add(sev Severity) {
	switch sev {
	case SeverityCritical:
		c.Critical++
	case SeverityHigh:
		c.High++
	case SeverityMedium:
		c.Medium++
	case SeverityLow:
		c.Low++
	default:
		c.Unknown++
	}
}

// Get returns the count at sev.
func (c Counts) Get(sev Severity) int {
	switch sev {
	case SeverityCritical:
		return c.Critical
	case SeverityHigh:
		return c.High
	case SeverityMedium:
		return c.Medium
	case SeverityLow:
		return c.Low
	default:
		return c.Unknown
	}
}

// Plus returns the sum of two counts.
func (c Counts) Plus(o Counts) Counts {
	return Counts{c.Critical + o.Critical, c.High + o.High, c.Medium + o.Medium, c.Low + o.Low, c.Unknown + o.Unknown}
}

// Total is the number of items at every severity.
func (c Counts) Total() int { return c.Critical + c.High + c.Medium + c.Low + c.Unknown }

// AtLeast is the number of items at sev or above.
func (c Counts) AtLeast(sev Severity) int {
	n := 0
	for _, s := range Severities {
		if s >= sev {
			n += c.Get(s)
		}
	}
	return n
}

// String renders the counts the way the CLI and the status bar show them: "C1 H2 M0 L3 U0".
func (c Counts) String() string {
	return fmt.Sprintf("C%d H%d M%d L%d U%d", c.Critical, c.High, c.Medium, c.Low, c.Unknown)
}
