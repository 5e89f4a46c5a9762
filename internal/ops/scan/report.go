package scan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// TrivyReport is the part of Trivy's JSON report (SchemaVersion 2) that surveytui reads. Unknown
// fields are ignored, so newer Trivy releases that add fields still parse.
type TrivyReport struct {
	SchemaVersion int           `json:"SchemaVersion"`
	ArtifactName  string        `json:"ArtifactName"`
	ArtifactType  string        `json:"ArtifactType"`
	Results       []TrivyResult `json:"Results"`
}

// TrivyResult is one scanned target inside an image: the OS packages, or one language
// lock file or binary.
type TrivyResult struct {
	Target          string          `json:"Target"`
	Class           string          `json:"Class"`
	Type            string          `json:"Type"`
	Vulnerabilities []Vulnerability `json:"Vulnerabilities"`
}

// Vulnerability is one known vulnerability of one installed package, as Trivy reports it.
// Target and Image are filled in by surveytui so a flat list still says where each came from.
type Vulnerability struct {
	VulnerabilityID  string   `json:"VulnerabilityID"`
	PkgName          string   `json:"PkgName"`
	InstalledVersion string   `json:"InstalledVersion"`
	FixedVersion     string   `json:"FixedVersion,omitempty"`
	Severity         Severity `json:"Severity"`
	Title            string   `json:"Title,omitempty"`
	PrimaryURL       string   `json:"PrimaryURL,omitempty"`
	Target           string   `json:"Target,omitempty"`
	Image            string   `json:"Image,omitempty"`
}

// ParseTrivyReport reads one `trivy image --format json` report. Each way the output can be
// wrong gets its own message, because the user has to act differently on each.
func ParseTrivyReport(data []byte) (*TrivyReport, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("trivy printed no report (empty output)")
	}
	if trimmed[0] == '[' {
		return nil, errors.New("trivy printed the old report format (a JSON array, before SchemaVersion 2): use trivy 0.20 or newer")
	}
	if trimmed[0] != '{' {
		return nil, fmt.Errorf("trivy output is not a JSON report (starts with %q)", preview(trimmed))
	}
	var r TrivyReport
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&r); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("trivy report is truncated after %d bytes (was trivy killed or out of disk?)", len(trimmed))
		}
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("trivy report is not valid JSON at byte %d: %v", syn.Offset, err)
		}
		return nil, fmt.Errorf("trivy report has an unexpected shape: %v", err)
	}
	if dec.More() {
		return nil, errors.New("trivy output holds more than one JSON document")
	}
	if r.SchemaVersion != 2 {
		return nil, fmt.Errorf("trivy report has SchemaVersion %d, surveytui reads version 2: use trivy 0.20 or newer", r.SchemaVersion)
	}
	for i := range r.Results {
		for j := range r.Results[i].Vulnerabilities {
			r.Results[i].Vulnerabilities[j].Target = r.Results[i].Target
		}
	}
	return &r, nil
}

// Counts counts the report's vulnerabilities by severity.
func (r *TrivyReport) Counts() Counts {
	var c Counts
	for _, res := range r.Results {
		for _, v := range res.Vulnerabilities {
			c.Add(v.Severity)
		}
	}
	return c
}

// Vulnerabilities returns every vulnerability of every result, each tagged with its target
// and the given image, highest severity first (stable within a severity).
func (r *TrivyReport) Vulnerabilities(image string) []Vulnerability {
	var out []Vulnerability
	for _, sev := range Severities {
		for _, res := range r.Results {
			for _, v := range res.Vulnerabilities {
				if v.Severity == sev {
					v.Image = image
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// preview returns the first bytes of b for an error message, without control characters.
func preview(b []byte) string {
	const max = 40
	if len(b) > max {
		b = b[:max]
	}
	out := make([]rune, 0, len(b))
	for _, r := range string(b) {
		if r < 0x20 || r == 0x7f {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
