package compose_test

import (
	"testing"

	"github.com/survey-platform/surveytui/internal/ops/scan"
)

// TestProductionFilesPassTheHardeningAudit runs the security scan's static audit (the same
// checks `surveytui scan --audit` applies to live containers) on the compose files. The
// production file has nothing at HIGH or above. The logging file has exactly one accepted
// exception: Filebeat mounts the Docker socket read-only, because add_docker_metadata needs it
// to label each line with its compose service; the test pins that so nothing else slips in.
func TestProductionFilesPassTheHardeningAudit(t *testing.T) {
	dir := stage(t)
	accepted := func(f scan.Finding) bool {
		return f.Service == "filebeat" && f.CheckID == "5.31"
	}
	for _, files := range [][]string{{productionFile}, {loggingFile}, {productionFile, loggingFile}} {
		p := mustLoad(t, dir, files...)
		findings := scan.AuditProject(p)
		if len(findings) == 0 {
			t.Errorf("%v: no finding at all; the audit did not run (the files have known MEDIUM findings)", files)
		}
		withLogging := files[len(files)-1] == loggingFile
		for _, f := range findings {
			if f.Severity >= scan.SeverityHigh && !(withLogging && accepted(f)) {
				t.Errorf("%v: %s %s on %s: %s (%s)", files, f.Severity, f.CheckID, f.Service, f.Title, f.Evidence)
			}
		}
	}
}
