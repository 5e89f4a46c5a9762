package scan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// Engine is what a scan needs from the Docker engine. *engine.Client satisfies it; tests and
// the UI may hand in anything else that does.
type Engine interface {
	ListProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
	Inspect(ctx context.Context, id string) (container.InspectResponse, error)
}

var _ Engine = (*engine.Client)(nil)

// Options choose what a scan does.
type Options struct {
	// Project is the compose project whose containers are audited and whose images are scanned.
	Project string
	// Images runs Trivy on every image; Audit runs the hardening audit.
	Images bool
	Audit  bool
	// Compose, when set, adds its services' images to the scan and audits the file statically.
	Compose *types.Project
	Trivy   TrivyOptions
	// ReportsDir receives the raw reports and the summary; empty means do not save.
	ReportsDir string
	// Now is the clock (tests fix it); nil means time.Now.
	Now func() time.Time
}

// Progress stages.
const (
	StageContainers = "containers" // listing and inspecting the project's containers
	StageAudit      = "audit"      // the hardening audit finished
	StageImage      = "image"      // one image started or finished (Image is set)
	StageTrivy      = "trivy"      // Trivy cannot run (Message says why)
)

// Progress is one step of a scan, for the TUI's progress line or the CLI's stderr.
type Progress struct {
	Stage   string
	Message string
	Image   *ImageProgress
}

// ErrSave says the scan ran but its summary could not be written to the reports directory.
var ErrSave = errors.New("scan summary not saved")

// Run performs a scan: audit (runtime over the project's containers, static over the compose
// project) and Trivy over every image. A missing Trivy is recorded in Summary.Trivy and the
// audit still runs; one image's failure is recorded on that image. The error is non-nil with a
// nil summary only when the engine fails (engine.IsUnreachable tells the CLI to exit 3); with
// a non-nil summary it wraps ErrSave. progress may be nil; it is called from several
// goroutines, one call at a time.
func Run(ctx context.Context, eng Engine, opts Options, progress func(Progress)) (*Summary, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	progress = serialize(progress)
	s := &Summary{Version: SummaryVersion, Project: opts.Project, StartedAt: now().UTC(), Findings: []Finding{}}
	imageServices := map[string]map[string]bool{}
	addImage := func(image, service string) {
		if image == "" {
			return
		}
		if imageServices[image] == nil {
			imageServices[image] = map[string]bool{}
		}
		if service != "" {
			imageServices[image][service] = true
		}
	}
	if opts.Compose != nil {
		for name, svc := range opts.Compose.Services {
			addImage(svc.Image, name)
		}
		if opts.Audit {
			s.Findings = append(s.Findings, AuditProject(opts.Compose)...)
		}
	}
	if eng != nil {
		progress(Progress{Stage: StageContainers, Message: "listing containers of project " + opts.Project})
		list, err := eng.ListProjectContainers(ctx, opts.Project)
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			info, err := eng.Inspect(ctx, c.ID)
			if err != nil {
				if engine.IsUnreachable(err) {
					return nil, err
				}
				s.AuditErrors = append(s.AuditErrors, fmt.Sprintf("%s: %v", c.Name, err))
				continue
			}
			image := c.Image
			if info.Config != nil && info.Config.Image != "" {
				image = info.Config.Image
			}
			addImage(image, c.Service)
			if opts.Audit {
				s.Findings = append(s.Findings, AuditContainer(info)...)
			}
		}
		if opts.Audit {
			progress(Progress{Stage: StageAudit, Message: fmt.Sprintf("audited %d containers", len(list))})
		}
	}
	if opts.Images {
		s.Trivy = TrivyRan
		scanImagesInto(ctx, s, imageServices, opts, progress)
	}
	s.Findings = dropShadowed(s.Findings)
	sort.SliceStable(s.Findings, func(i, j int) bool { return s.Findings[i].Severity > s.Findings[j].Severity })
	for _, f := range s.Findings {
		s.FindingCounts.Add(f.Severity)
	}
	s.FinishedAt = now().UTC()
	if opts.ReportsDir != "" {
		if _, err := SaveSummary(opts.ReportsDir, s); err != nil {
			return s, fmt.Errorf("%w: %v", ErrSave, err)
		}
	}
	return s, nil
}

func scanImagesInto(ctx context.Context, s *Summary, imageServices map[string]map[string]bool, opts Options, progress func(Progress)) {
	images := make([]string, 0, len(imageServices))
	for image := range imageServices {
		images = append(images, image)
	}
	sort.Strings(images)
	results, err := ScanImages(ctx, opts.Trivy, images, func(p ImageProgress) {
		progress(Progress{Stage: StageImage, Image: &p})
	})
	if err != nil {
		s.Trivy = err.Error()
		progress(Progress{Stage: StageTrivy, Message: err.Error()})
		return
	}
	for _, r := range results {
		img := ImageSummary{Image: r.Image, DurationMS: r.Duration.Milliseconds()}
		for svc := range imageServices[r.Image] {
			img.Services = append(img.Services, svc)
		}
		sort.Strings(img.Services)
		if opts.ReportsDir != "" {
			// Kept even when unreadable: the raw output is what explains the failure.
			name, err := SaveRaw(opts.ReportsDir, s.StartedAt, r.Image, r.Raw)
			if err != nil {
				img.Error = err.Error()
			}
			img.ReportFile = name
		}
		if r.Err != nil {
			img.Error = joinErr(img.Error, r.Err.Error())
		} else {
			img.Counts = r.Report.Counts()
			img.Vulnerabilities = r.Report.Vulnerabilities(r.Image)
			s.Vulnerabilities = s.Vulnerabilities.Plus(img.Counts)
		}
		s.Images = append(s.Images, img)
	}
}

// dropShadowed removes compose findings that a runtime finding of the same check on the same
// service repeats: the live container is the better evidence, and counting both would double
// the totals. A compose finding with no live twin (not deployed yet, or fixed at runtime but
// not in the file) stays.
func dropShadowed(fs []Finding) []Finding {
	live := map[[2]string]bool{}
	for _, f := range fs {
		if f.Source == SourceRuntime {
			live[[2]string{f.Service, f.CheckID + "/" + f.Title}] = true
		}
	}
	out := fs[:0:0]
	for _, f := range fs {
		if f.Source == SourceCompose && live[[2]string{f.Service, f.CheckID + "/" + f.Title}] {
			continue
		}
		out = append(out, f)
	}
	return out
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// serialize makes a progress callback safe to call from several goroutines.
func serialize(f func(Progress)) func(Progress) {
	if f == nil {
		return func(Progress) {}
	}
	ch := make(chan struct{}, 1)
	return func(p Progress) {
		ch <- struct{}{}
		defer func() { <-ch }()
		f(p)
	}
}
