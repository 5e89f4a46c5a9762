package scan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// DefaultReportsDir is where reports go when --reports-dir is not given (the platform's old
// script used the same place, so existing CI artefact paths keep working).
const DefaultReportsDir = "./security-reports"

// stampFormat names report files so that they sort by time; UTC so two hosts agree.
const stampFormat = "20060102T150405Z"

// ErrNoScan says the reports directory holds no summary yet.
var ErrNoScan = errors.New("no previous scan")

// reportFileName is the raw Trivy report's name for one image of the scan started at t.
func reportFileName(t time.Time, image string) string {
	return fmt.Sprintf("trivy-%s-%s.json", t.UTC().Format(stampFormat), safeName(image))
}

func summaryFileName(t time.Time) string {
	return fmt.Sprintf("summary-%s.json", t.UTC().Format(stampFormat))
}

// safeName turns an image reference into a file-name part: registry/ns/name:tag becomes
// registry_ns_name_tag; nothing in it can climb out of the directory.
func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			b[i] = '_'
		}
	}
	out := strings.Trim(string(b), ".")
	if out == "" {
		out = "image"
	}
	if len(out) > 120 {
		out = out[:120]
	}
	return out
}

// SaveRaw writes one image's raw Trivy output under dir and returns the file name. Empty
// output is not saved (there is nothing to keep).
func SaveRaw(dir string, started time.Time, image string, raw []byte) (string, error) {
	if len(raw) == 0 {
		return "", nil
	}
	name := reportFileName(started, image)
	if err := writeAtomic(filepath.Join(dir, name), raw); err != nil {
		return "", err
	}
	return name, nil
}

// SaveSummary writes the summary as summary-<time>.json under dir and returns its path.
func SaveSummary(dir string, s *Summary) (string, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode scan summary: %v", err)
	}
	p := filepath.Join(dir, summaryFileName(s.StartedAt))
	if err := writeAtomic(p, append(data, '\n')); err != nil {
		return "", err
	}
	return p, nil
}

// writeAtomic writes under a temporary name, syncs, then renames, so a crash never leaves a
// half report that looks whole. Reports can name weak spots, hence 0640 / 0750.
func writeAtomic(p string, data []byte) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create reports directory %s: %v (set --reports-dir to a writable place)", dir, err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot write in reports directory %s: %v (set --reports-dir to a writable place)", dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %v", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %v", p, err)
	}
	if err := f.Chmod(0o640); err != nil {
		f.Close()
		return fmt.Errorf("chmod %s: %v", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %v", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("rename %s: %v", p, err)
	}
	return nil
}

// LoadLast reads the newest summary in dir. It returns an error wrapping ErrNoScan when there
// is none (or the directory does not exist), so a first start shows "no scan yet", not an
// error. A newest summary that cannot be read is an error: it is not silently skipped.
func LoadLast(dir string) (*Summary, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "summary-*.json"))
	if err != nil {
		return nil, err
	}
	if len(matches) == 0 {
		if _, statErr := os.Stat(dir); statErr != nil && !errors.Is(statErr, fs.ErrNotExist) {
			return nil, fmt.Errorf("reports directory %s: %v", dir, statErr)
		}
		return nil, fmt.Errorf("%w in %s", ErrNoScan, dir)
	}
	// The names embed a sortable UTC time stamp.
	sort.Strings(matches)
	last := matches[len(matches)-1]
	data, err := os.ReadFile(last)
	if err != nil {
		return nil, fmt.Errorf("read last scan %s: %v", last, err)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("last scan %s is not a readable summary: %v (remove it or run a new scan)", last, err)
	}
	if s.Version != SummaryVersion {
		return nil, fmt.Errorf("last scan %s has format version %d, this surveytui reads %d: run a new scan", last, s.Version, SummaryVersion)
	}
	return &s, nil
}
