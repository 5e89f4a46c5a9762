package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/platform"
	"github.com/survey-platform/surveytui/internal/ops/scan"
	"github.com/survey-platform/surveytui/internal/ui"
)

// scanFlags are `surveytui scan`'s own settings.
type scanFlags struct {
	images, audit bool
	severity      string
	failOn        string
	asJSON        bool
	reportsDir    string
	trivy         scan.TrivyOptions
}

func newScanCmd(g *globals) *cobra.Command {
	cmd, _ := newScanCmdFlags(g)
	return cmd
}

// newScanCmdFlags builds the command and returns its flag values too, so the TUI can read the
// same settings (SURVEYTUI_* environment, config file) without parsing a command line.
func newScanCmdFlags(g *globals) (*cobra.Command, *scanFlags) {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Scan images with Trivy and audit container hardening; exit 1 when a finding reaches --fail-on, 3 engine unreachable",
		Long: "scan runs Trivy on every image of the project (from the compose file and the running containers)\n" +
			"and audits every container (inspect data) and the compose file against the CIS Docker Benchmark.\n" +
			"With neither --images nor --audit it does both. Raw Trivy reports and a summary JSON go to\n" +
			"--reports-dir. Trivy missing: the audit still runs and the message says how to install it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runScan(cmd.Context(), g, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.images, "images", false, "scan images for vulnerabilities with Trivy")
	fl.BoolVar(&f.audit, "audit", false, "audit container and compose hardening")
	fl.StringVar(&f.severity, "severity", "", "show only these severities, e.g. CRITICAL,HIGH (default all; counts and --fail-on still see everything)")
	fl.StringVar(&f.failOn, "fail-on", "CRITICAL", "exit 1 when any vulnerability or finding is at this severity or above")
	fl.BoolVar(&f.asJSON, "json", false, "print the summary with every finding as JSON")
	fl.StringVar(&f.reportsDir, "reports-dir", scan.DefaultReportsDir, "where raw Trivy reports and the summary JSON are written")
	fl.StringVar(&f.trivy.Binary, "trivy", "trivy", "trivy executable")
	fl.StringVar(&f.trivy.Server, "trivy-server", "", "Trivy server URL (client/server mode)")
	fl.BoolVar(&f.trivy.SkipDBUpdate, "skip-db-update", false, "pass --skip-db-update to Trivy")
	fl.BoolVar(&f.trivy.OfflineScan, "offline-scan", false, "pass --offline-scan to Trivy")
	fl.StringVar(&f.trivy.CacheDir, "trivy-cache-dir", "", "Trivy cache directory")
	fl.DurationVar(&f.trivy.Timeout, "image-timeout", scan.DefaultImageTimeout, "time limit for one image's scan")
	fl.IntVar(&f.trivy.Concurrency, "concurrency", scan.DefaultTrivyConcurrency, "images scanned at once")
	return cmd, f
}

func runScan(ctx context.Context, g *globals, f *scanFlags, stdout, stderr io.Writer) error {
	failOn, err := scan.ParseSeverity(f.failOn)
	if err != nil {
		return &exitError{code: exitUsage, msg: "--fail-on: " + err.Error()}
	}
	show, err := scan.ParseSeverityList(f.severity)
	if err != nil {
		return &exitError{code: exitUsage, msg: "--severity: " + err.Error()}
	}
	if f.trivy.Concurrency < 1 || f.trivy.Timeout <= 0 {
		return &exitError{code: exitUsage, msg: "--concurrency must be at least 1 and --image-timeout positive"}
	}
	if !f.images && !f.audit {
		f.images, f.audit = true, true
	}
	decl, eng, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer eng.Close()
	opts := scan.Options{Project: decl.Project, Images: f.images, Audit: f.audit, Compose: decl.Raw,
		Trivy: f.trivy, ReportsDir: f.reportsDir}
	sum, err := scan.Run(ctx, eng, opts, func(p scan.Progress) { printProgress(stderr, p) })
	if sum == nil {
		return err
	}
	if err != nil {
		// The scan ran; only its summary could not be kept. Say so, and still decide.
		fmt.Fprintln(stderr, "surveytui: "+err.Error())
	}
	if sum.Trivy != "" && sum.Trivy != scan.TrivyRan {
		fmt.Fprintln(stderr, "surveytui: "+sum.Trivy)
	}
	shown := sum.Filter(show)
	if f.asJSON {
		err = writeJSON(stdout, shown, true)
	} else {
		err = writeScanText(stdout, shown, f.reportsDir)
	}
	if err != nil {
		return err
	}
	if code, reason := scan.Decide(sum, failOn); code != scan.ExitOK {
		return &exitError{code: code, msg: reason}
	}
	return nil
}

// printProgress writes one line per step to stderr, so stdout stays the report (or JSON).
func printProgress(w io.Writer, p scan.Progress) {
	switch {
	case p.Image != nil && !p.Image.Done:
		fmt.Fprintf(w, "[%d/%d] scanning %s\n", p.Image.Index+1, p.Image.Total, logs.Sanitize(p.Image.Image))
	case p.Image != nil && p.Image.Err != nil:
		fmt.Fprintf(w, "[%d/%d] %s failed: %s\n", p.Image.Index+1, p.Image.Total, logs.Sanitize(p.Image.Image), logs.Sanitize(p.Image.Err.Error()))
	case p.Image != nil:
		fmt.Fprintf(w, "[%d/%d] %s: %s\n", p.Image.Index+1, p.Image.Total, logs.Sanitize(p.Image.Image), p.Image.Counts)
	case p.Stage != scan.StageTrivy: // the Trivy message is printed once, after the scan
		fmt.Fprintln(w, logs.Sanitize(p.Message))
	}
}

func writeScanText(w io.Writer, s *scan.Summary, reportsDir string) error {
	P := logs.Sanitize
	fmt.Fprintf(w, "scan of project %s, %s\n", P(s.Project), s.FinishedAt.Local().Format(time.DateTime))
	if len(s.Images) > 0 {
		fmt.Fprintln(w, "\nIMAGES")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "IMAGE\tSERVICES\tCRIT\tHIGH\tMED\tLOW\tUNK\tRESULT")
		for _, img := range s.Images {
			result := img.ReportFile
			if img.Error != "" {
				result = "error: " + img.Error
			}
			c := img.Counts
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", P(img.Image), P(strings.Join(img.Services, ",")),
				c.Critical, c.High, c.Medium, c.Low, c.Unknown, P(result))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, img := range s.Images {
			for _, v := range img.Vulnerabilities {
				fixed := v.FixedVersion
				if fixed == "" {
					fixed = "no fix yet"
				}
				fmt.Fprintf(w, "  %-8s %s %s %s -> %s (%s) %s\n", v.Severity, P(v.VulnerabilityID), P(v.PkgName),
					P(v.InstalledVersion), P(fixed), P(img.Image), P(v.Title))
			}
		}
	}
	if len(s.Findings) > 0 {
		fmt.Fprintln(w, "\nHARDENING")
		for _, f := range s.Findings {
			where := f.Service
			if f.Container != "" {
				where += " (" + f.Container + ")"
			}
			fmt.Fprintf(w, "  %-8s %-5s %s [%s] %s: %s\n           fix: %s\n", f.Severity, f.CheckID, P(where), f.Source,
				P(f.Title), P(f.Evidence), P(f.Fix))
		}
	}
	for _, e := range s.AuditErrors {
		fmt.Fprintln(w, "  not audited: "+P(e))
	}
	fmt.Fprintf(w, "\nvulnerabilities %s; hardening findings %s", s.Vulnerabilities, s.FindingCounts)
	if reportsDir != "" {
		fmt.Fprintf(w, "; reports in %s", P(reportsDir))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// uiScanner adapts scan.Run to the TUI's Scanner: every scan does images and audit with the
// scan command's settings. Close cancels a running scan and waits (briefly) for Trivy to be
// killed, so quitting the TUI leaves no trivy process behind.
type uiScanner struct {
	base   context.Context
	cancel context.CancelFunc
	eng    scan.Engine
	opts   scan.Options
	wg     sync.WaitGroup
	// fullModel loads compose-go's full model for the audit when the console started from
	// the cache (which keeps none); nil when there is nothing to load.
	fullModel func(context.Context) (*types.Project, error)
	mu        sync.Mutex
}

var _ ui.Scanner = (*uiScanner)(nil)

// newUIScanner reads the scan settings from SURVEYTUI_* variables and the config file (the
// same keys as `surveytui scan`'s flags, e.g. reports-dir, trivy-server).
func newUIScanner(ctx context.Context, g *globals, eng scan.Engine, decl *platform.Declared) (*uiScanner, error) {
	cmd, f := newScanCmdFlags(g)
	if err := applyLayers(cmd.Flags(), g.file); err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	base, cancel := context.WithCancel(ctx)
	s := &uiScanner{base: base, cancel: cancel, eng: eng, opts: scan.Options{
		Project: decl.Project, Images: true, Audit: true, Compose: decl.Raw, Trivy: f.trivy, ReportsDir: f.reportsDir,
	}}
	if decl.Raw == nil && len(g.composeFiles()) > 0 {
		s.fullModel = func(ctx context.Context) (*types.Project, error) {
			d, err := g.load(ctx, true)
			if err != nil {
				return nil, err
			}
			return d.Raw, nil
		}
	}
	return s, nil
}

// options are the scan options with the full compose model, loaded on the first scan.
func (s *uiScanner) options(ctx context.Context) (scan.Options, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Compose == nil && s.fullModel != nil {
		p, err := s.fullModel(ctx)
		if err != nil {
			return s.opts, err
		}
		s.opts.Compose, s.fullModel = p, nil
	}
	return s.opts, nil
}

// Scan runs images and audit; it stops when ctx or the TUI session ends.
func (s *uiScanner) Scan(ctx context.Context, progress func(scan.Progress)) (*scan.Summary, error) {
	s.wg.Add(1)
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.base, cancel)()
	opts, err := s.options(ctx)
	if err != nil {
		return nil, err
	}
	return scan.Run(ctx, s.eng, opts, progress)
}

// Last is the newest summary in the reports directory.
func (s *uiScanner) Last() (*scan.Summary, error) { return scan.LoadLast(s.opts.ReportsDir) }

// Close stops a running scan and waits up to 5 s for it to end.
func (s *uiScanner) Close() {
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}
