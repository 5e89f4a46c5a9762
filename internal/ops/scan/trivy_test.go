package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTrivy puts testdata/faketrivy.sh first on PATH under the name trivy and returns the
// file where it logs its command lines.
func fakeTrivy(t *testing.T) (logFile string) {
	t.Helper()
	dir := t.TempDir()
	script, err := os.ReadFile(filepath.Join("testdata", "faketrivy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trivy"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	fixtures, err := filepath.Abs(filepath.Join("testdata", "trivy"))
	if err != nil {
		t.Fatal(err)
	}
	logFile = filepath.Join(dir, "args.log")
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_TRIVY_LOG", logFile)
	t.Setenv("FAKE_TRIVY_FIXTURES", fixtures)
	return logFile
}

func TestTrivyArgs(t *testing.T) {
	tests := []struct {
		name string
		opts TrivyOptions
		want string
	}{
		{"defaults", TrivyOptions{}, "image --format json --quiet survey/api:1"},
		{"server", TrivyOptions{Server: "http://127.0.0.1:4954"}, "image --format json --quiet --server http://127.0.0.1:4954 survey/api:1"},
		{"offline", TrivyOptions{SkipDBUpdate: true, OfflineScan: true, CacheDir: "/var/cache/trivy"},
			"image --format json --quiet --skip-db-update --offline-scan --cache-dir /var/cache/trivy survey/api:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.opts.Args("survey/api:1"), " "); got != tt.want {
				t.Errorf("args = %q\nwant   %q", got, tt.want)
			}
		})
	}
}

func TestScanImagesWithFakeTrivy(t *testing.T) {
	logFile := fakeTrivy(t)
	opts := TrivyOptions{Server: "http://127.0.0.1:4954", SkipDBUpdate: true, CacheDir: "/tmp/trivy-cache",
		Timeout: time.Second, Concurrency: 2}
	images := []string{"survey/api:1", "survey/slow:1", "survey/fail:1", "survey/garbage:1", "survey/truncated:1", "survey/clean:1", "-rm"}

	var mu sync.Mutex
	active, maxActive, starts, dones := 0, 0, 0, 0
	start := time.Now()
	results, err := ScanImages(context.Background(), opts, images, func(p ImageProgress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Total != len(images) || images[p.Index] != p.Image {
			t.Errorf("progress %+v does not match the input list", p)
		}
		if p.Done {
			dones++
			active--
		} else {
			starts++
			active++
			maxActive = max(maxActive, active)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The slow image is killed at its 1 s timeout; its sleep 30 child must not keep it alive.
	if elapsed := time.Since(start); elapsed > 15*time.Second {
		t.Errorf("scan took %s: the timed-out trivy was not killed", elapsed)
	}
	if starts != len(images) || dones != len(images) {
		t.Errorf("progress: %d starts, %d dones, want %d each", starts, dones, len(images))
	}
	if maxActive > opts.Concurrency {
		t.Errorf("%d scans ran at once, limit %d", maxActive, opts.Concurrency)
	}

	wantErr := map[string]string{
		"survey/slow:1":      "timed out after 1s",
		"survey/fail:1":      "exited with status 1 scanning survey/fail:1: 2026-11-20T10:00:01.000Z\tFATAL\tFatal error\timage scan error: unable to find the specified image",
		"survey/garbage:1":   "survey/garbage:1: trivy output is not a JSON report",
		"survey/truncated:1": "survey/truncated:1: trivy report is truncated",
		"-rm":                "image name \"-rm\" is not valid",
	}
	for i, r := range results {
		if r.Image != images[i] {
			t.Fatalf("result %d is %s, want %s (input order)", i, r.Image, images[i])
		}
		want, bad := wantErr[r.Image]
		switch {
		case bad && (r.Err == nil || !strings.Contains(r.Err.Error(), want)):
			t.Errorf("%s: error = %v, want one containing %q", r.Image, r.Err, want)
		case bad && r.Report != nil:
			t.Errorf("%s: has a report despite the error", r.Image)
		case !bad && r.Err != nil:
			t.Errorf("%s: unexpected error %v", r.Image, r.Err)
		case !bad && r.Report == nil:
			t.Errorf("%s: no report", r.Image)
		}
		if r.Err != nil && strings.Contains(r.Err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", r.Image, r.Err)
		}
	}
	if c := results[0].Report.Counts(); c.Critical != 1 || c.High != 3 {
		t.Errorf("survey/api:1 counts = %v", c)
	}
	if c := results[5].Report.Counts(); c.Total() != 0 {
		t.Errorf("survey/clean:1 counts = %v, want none", c)
	}
	if !strings.HasPrefix(string(results[4].Raw), `{`) || len(results[4].Raw) != 300 {
		t.Errorf("truncated raw output not kept as it came: %d bytes", len(results[4].Raw))
	}

	logged, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(logged)), "\n")
	if len(lines) != len(images)-1 {
		t.Errorf("trivy ran %d times, want %d (the invalid name must not run):\n%s", len(lines), len(images)-1, logged)
	}
	wantLine := "image --format json --quiet --server http://127.0.0.1:4954 --skip-db-update --cache-dir /tmp/trivy-cache survey/api:1"
	if !strings.Contains(string(logged), wantLine+"\n") {
		t.Errorf("trivy was not called with %q; log:\n%s", wantLine, logged)
	}
}

func TestScanImagesTrivyMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := ScanImages(context.Background(), TrivyOptions{}, []string{"survey/api:1"}, nil)
	if !errors.Is(err, ErrTrivyMissing) {
		t.Fatalf("error = %v, want ErrTrivyMissing", err)
	}
	for _, want := range []string{"trivy.dev", "github.com/aquasecurity/trivy/releases", "--trivy-server", "audit runs without it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
}

func TestScanImagesCancelled(t *testing.T) {
	fakeTrivy(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(300 * time.Millisecond); cancel() }()
	results, err := ScanImages(ctx, TrivyOptions{Timeout: time.Minute, Concurrency: 1}, []string{"a/slow:1", "b/slow:2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Err == nil || !strings.Contains(r.Err.Error(), "cancelled") {
			t.Errorf("%s: error = %v, want cancelled", r.Image, r.Err)
		}
	}
}
