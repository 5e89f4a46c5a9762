package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// TrivyOptions say how to run Trivy. The zero value runs `trivy` from PATH against its own
// local database, with DefaultImageTimeout and DefaultTrivyConcurrency.
type TrivyOptions struct {
	// Binary is the trivy executable; empty means "trivy" looked up on PATH.
	Binary string
	// Server is a Trivy server URL (client/server mode: the database lives on the server).
	Server string
	// SkipDBUpdate and OfflineScan make Trivy use the database it already has.
	SkipDBUpdate bool
	OfflineScan  bool
	// CacheDir is Trivy's cache (database and layers) directory.
	CacheDir string
	// Timeout bounds one image's scan; default 5 minutes.
	Timeout time.Duration
	// Concurrency is how many images are scanned at once; default 2 (Trivy is CPU-heavy).
	Concurrency int
}

// Defaults for TrivyOptions.
const (
	DefaultImageTimeout     = 5 * time.Minute
	DefaultTrivyConcurrency = 2
)

// TrivyInstallHint is what to do when Trivy is missing. Debian has no trivy package, hence the
// pointers to the official ways.
const TrivyInstallHint = "install it from https://trivy.dev/latest/getting-started/installation/ " +
	"(Aqua's apt/rpm repository or a release binary from https://github.com/aquasecurity/trivy/releases), " +
	"or point --trivy-server at a running `trivy server`; the hardening audit runs without it"

// ErrTrivyMissing says the trivy executable could not be found.
var ErrTrivyMissing = errors.New("trivy is not installed (not found on PATH)")

// LookupTrivy returns the path of the trivy executable, or an error wrapping ErrTrivyMissing
// that says how to install it.
func LookupTrivy(binary string) (string, error) {
	if binary == "" {
		binary = "trivy"
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("%w: %s", ErrTrivyMissing, TrivyInstallHint)
	}
	return path, nil
}

// Args returns the command line (without the program) that scans image.
func (o TrivyOptions) Args(image string) []string {
	args := []string{"image", "--format", "json", "--quiet"}
	if o.Server != "" {
		args = append(args, "--server", o.Server)
	}
	if o.SkipDBUpdate {
		args = append(args, "--skip-db-update")
	}
	if o.OfflineScan {
		args = append(args, "--offline-scan")
	}
	if o.CacheDir != "" {
		args = append(args, "--cache-dir", o.CacheDir)
	}
	return append(args, image)
}

// ImageResult is the outcome of scanning one image. Exactly one of Report and Err is set.
type ImageResult struct {
	Image    string
	Report   *TrivyReport
	Raw      []byte // Trivy's output as it came, saved to the reports directory
	Err      error
	Duration time.Duration
}

// ImageProgress reports one image starting (Done false) or finishing (Done true).
type ImageProgress struct {
	Image string
	Index int // 0-based position in the list given to ScanImages
	Total int
	Done  bool
	Err   error
	// Counts is set when Done and Err is nil.
	Counts Counts
}

// ScanImages runs Trivy on every image, Concurrency at a time, each bounded by Timeout. One
// image's failure (timeout, exit status, unreadable output) is recorded in its result and
// never stops the others. progress, when not nil, is called from the worker goroutines, once
// when an image starts and once when it ends; it must not block for long. The only error
// returned is a missing Trivy (wrapping ErrTrivyMissing); results come back in input order.
func ScanImages(ctx context.Context, opts TrivyOptions, images []string, progress func(ImageProgress)) ([]ImageResult, error) {
	bin, err := LookupTrivy(opts.Binary)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultImageTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultTrivyConcurrency
	}
	if progress == nil {
		progress = func(ImageProgress) {}
	}
	results := make([]ImageResult, len(images))
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, image := range images {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = ImageResult{Image: image, Err: fmt.Errorf("scan of %s cancelled before it started", image)}
				progress(ImageProgress{Image: image, Index: i, Total: len(images), Done: true, Err: results[i].Err})
				return
			}
			defer func() { <-sem }()
			progress(ImageProgress{Image: image, Index: i, Total: len(images)})
			results[i] = scanOne(ctx, bin, opts, image)
			p := ImageProgress{Image: image, Index: i, Total: len(images), Done: true, Err: results[i].Err}
			if results[i].Report != nil {
				p.Counts = results[i].Report.Counts()
			}
			progress(p)
		}()
	}
	wg.Wait()
	return results, nil
}

// maxStderr bounds how much of Trivy's stderr is kept for the error message.
const maxStderr = 8 << 10

func scanOne(ctx context.Context, bin string, opts TrivyOptions, image string) ImageResult {
	start := time.Now()
	res := ImageResult{Image: image}
	defer func() { res.Duration = time.Since(start) }()
	// An image name starting with "-" would be read by Trivy as a flag.
	if image == "" || strings.HasPrefix(image, "-") {
		res.Err = fmt.Errorf("image name %q is not valid", image)
		return res
	}
	ictx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ictx, bin, opts.Args(image)...)
	killGroup(cmd)
	// A child that keeps the pipes open after the kill must not hang the scan.
	cmd.WaitDelay = 2 * time.Second
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: maxStderr}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	err := cmd.Run()
	res.Raw = stdout.Bytes()
	switch {
	case ictx.Err() == context.DeadlineExceeded && ctx.Err() == nil:
		res.Err = fmt.Errorf("trivy timed out after %s scanning %s: raise --image-timeout, or use --trivy-server / --skip-db-update", opts.Timeout, image)
	case ctx.Err() != nil:
		res.Err = fmt.Errorf("scan of %s cancelled", image)
	case err != nil:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			res.Err = fmt.Errorf("trivy exited with status %d scanning %s: %s", exit.ExitCode(), image, lastLine(stderr.String()))
		} else {
			res.Err = fmt.Errorf("trivy could not run for %s: %v", image, err)
		}
	default:
		rep, perr := ParseTrivyReport(res.Raw)
		if perr != nil {
			res.Err = fmt.Errorf("%s: %w", image, perr)
		} else {
			res.Report = rep
		}
	}
	return res
}

// lastLine returns the last non-empty line of s (Trivy prints its fatal error last), or a
// placeholder when there is none.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "(no error message on stderr)"
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

// Write keeps p's bytes, dropping the oldest beyond max.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

// String is what is kept.
func (t *tailBuffer) String() string { return string(t.buf) }
