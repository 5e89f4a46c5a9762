package scan

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/testenv"
)

// TestRealTrivy runs the real trivy CLI, opt-in: SURVEYTUI_TEST_TRIVY=1 with trivy on PATH and
// a vulnerability database it can use (downloaded, in SURVEYTUI_TRIVY_CACHE_DIR, or behind
// SURVEYTUI_TRIVY_SERVER). It scans SURVEYTUI_TRIVY_IMAGE, or by default testenv's FROM scratch
// stand-in image, and checks the report parses.
func TestRealTrivy(t *testing.T) {
	if os.Getenv("SURVEYTUI_TEST_TRIVY") != "1" {
		t.Skip("set SURVEYTUI_TEST_TRIVY=1 to run the real trivy (needs its vulnerability database)")
	}
	if _, err := LookupTrivy(""); err != nil {
		t.Fatalf("SURVEYTUI_TEST_TRIVY=1 but %v", err)
	}
	image := os.Getenv("SURVEYTUI_TRIVY_IMAGE")
	if image == "" {
		testenv.RequireEngine(t)
		image = testenv.StandinImage(t)
	}
	opts := TrivyOptions{
		Server:       os.Getenv("SURVEYTUI_TRIVY_SERVER"),
		CacheDir:     os.Getenv("SURVEYTUI_TRIVY_CACHE_DIR"),
		SkipDBUpdate: os.Getenv("SURVEYTUI_TRIVY_SKIP_DB_UPDATE") == "1",
		Timeout:      10 * time.Minute,
	}
	results, err := ScanImages(context.Background(), opts, []string{image}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := results[0]
	if r.Err != nil {
		t.Fatalf("real trivy on %s: %v", image, r.Err)
	}
	if r.Report.SchemaVersion != 2 || r.Report.ArtifactName != image {
		t.Errorf("report: SchemaVersion %d, ArtifactName %q", r.Report.SchemaVersion, r.Report.ArtifactName)
	}
	t.Logf("%s: %d results, %v in %s", image, len(r.Report.Results), r.Report.Counts(), r.Duration)
}
