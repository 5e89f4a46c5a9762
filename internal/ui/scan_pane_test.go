package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/survey-platform/surveytui/internal/ops/scan"
)

// fakeScanner plays a scan: it reports the given progress, then waits for release (so a test
// can look at the pane mid-scan) and returns result/err.
type fakeScanner struct {
	last     *scan.Summary
	lastErr  error
	progress []scan.Progress
	release  chan struct{}
	result   *scan.Summary
	err      error
	calls    atomic.Int32
}

func (f *fakeScanner) Scan(ctx context.Context, progress func(scan.Progress)) (*scan.Summary, error) {
	f.calls.Add(1)
	for _, p := range f.progress {
		progress(p)
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return f.result, f.err
}

func (f *fakeScanner) Last() (*scan.Summary, error) { return f.last, f.lastErr }

var _ Scanner = (*fakeScanner)(nil)

var testNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func sampleSummary(finished time.Time) *scan.Summary {
	s := &scan.Summary{
		Version: scan.SummaryVersion, Project: "survey", StartedAt: finished.Add(-time.Minute), FinishedAt: finished, Trivy: scan.TrivyRan,
		Images: []scan.ImageSummary{
			{Image: "survey/api:1.4.2", Services: []string{"api"}, Counts: scan.Counts{Critical: 1, Medium: 1},
				ReportFile: "trivy-20261120T100000Z-survey_api_1.4.2.json",
				Vulnerabilities: []scan.Vulnerability{
					{VulnerabilityID: "CVE-2021-44906", PkgName: "minimist", InstalledVersion: "1.2.5", FixedVersion: "1.2.6", Severity: scan.SeverityCritical, Title: "minimist: prototype pollution"},
					{VulnerabilityID: "CVE-2023-5678", PkgName: "libcrypto3", InstalledVersion: "3.1.3-r0", Severity: scan.SeverityMedium, Title: "openssl: slow DH keys"},
				}},
			{Image: "mongo:7.0", Services: []string{"mongodb"}, Error: "trivy timed out after 5m0s scanning mongo:7.0"},
		},
		Findings: []scan.Finding{
			{CheckID: "5.4", Severity: scan.SeverityCritical, Source: scan.SourceRuntime, Service: "mongodb", Container: "survey-mongodb-1",
				Title: "privileged container", Evidence: "privileged: true \x1b[31mEVIL", Fix: "remove `privileged: true`"},
			{CheckID: "5.12", Severity: scan.SeverityMedium, Source: scan.SourceRuntime, Service: "mongodb", Container: "survey-mongodb-1",
				Title: "root filesystem is writable", Evidence: "read_only is not set", Fix: "set `read_only: true`"},
		},
	}
	s.Vulnerabilities = scan.Counts{Critical: 1, Medium: 1}
	s.FindingCounts = scan.Counts{Critical: 1, Medium: 1}
	return s
}

func newScanApp(t *testing.T, sc Scanner) *App {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	a := New(Deps{Project: "survey", Panes: []Pane{NewScanPane(sc)}, Keys: DefaultKeyMap(), Styles: NewStyles(true), Now: func() time.Time { return testNow }})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	// The App shows panes once the monitor's first snapshot is in.
	a.Update(snapshotMsg(fixtureSnapshot()))
	a.now = testNow
	// What Init does for the pane, without the App's clock tick (it would block the test).
	sp(a).keys = a.keys
	return a
}

// sp is the App's scan pane.
func sp(a *App) *scanPane { return a.panes[0].(*scanPane) }

// drain runs a command and every command its messages lead to (batches included), feeding
// each message to the app, until nothing is left or stop says so. Tick commands are not run.
func drainScan(t *testing.T, a *App, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, b...)
			continue
		}
		if msg == nil {
			continue
		}
		_, next := a.Update(msg)
		queue = append(queue, next)
	}
}

func screen(a *App) string { return ansi.Strip(a.render()) }

func pressKey(a *App, k tea.Key) tea.Cmd {
	_, cmd := a.Update(tea.KeyPressMsg(k))
	return cmd
}

var (
	keyS     = tea.Key{Code: 's', Text: "s"}
	keyF     = tea.Key{Code: 'f', Text: "f"}
	keyJ     = tea.Key{Code: 'j', Text: "j"}
	keyTab   = tea.Key{Code: tea.KeyTab}
	keyEnter = tea.Key{Code: tea.KeyEnter}
	keyEsc   = tea.Key{Code: tea.KeyEscape}
)

func focusScanPane(a *App) {
	for a.extra() != a.panes[0] {
		pressKey(a, keyTab)
	}
}

func TestScanPaneShowsLastScanAtStart(t *testing.T) {
	fs := &fakeScanner{last: sampleSummary(testNow.Add(-2 * time.Hour))}
	a := newScanApp(t, fs)
	drainScan(t, a, sp(a).init(fs))
	focusScanPane(a)
	out := screen(a)
	for _, want := range []string{
		"last scan 2h00m ago",
		"vulnerabilities C1 H0 M1 L0 U0 · hardening C1 H0 M1 L0 U0",
		"api", "mongodb",
		"survey/api:1.4.2", "trivy-20261120T100000Z-survey_api_1.4.2.json",
		"failed: trivy timed out after 5m0s scanning mongo:7.0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	if fs.calls.Load() != 0 {
		t.Error("showing the last scan started a new one")
	}
}

func TestScanPaneNoScanYet(t *testing.T) {
	fs := &fakeScanner{lastErr: fmt.Errorf("%w in ./security-reports", scan.ErrNoScan)}
	a := newScanApp(t, fs)
	drainScan(t, a, sp(a).init(fs))
	focusScanPane(a)
	if out := screen(a); !strings.Contains(out, "no scan yet: press s") {
		t.Errorf("screen:\n%s", out)
	}
	// A broken last summary is said in the status bar, not hidden.
	fs = &fakeScanner{lastErr: errors.New("last scan x.json is not a readable summary")}
	a = newScanApp(t, fs)
	drainScan(t, a, sp(a).init(fs))
	if out := screen(a); !strings.Contains(out, "last scan: last scan x.json is not a readable summary") {
		t.Errorf("status lacks the load error:\n%s", out)
	}
}

func TestScanPaneRunsInBackgroundWithProgress(t *testing.T) {
	done := sampleSummary(testNow)
	fs := &fakeScanner{
		release: make(chan struct{}),
		result:  done,
		progress: []scan.Progress{
			{Stage: scan.StageContainers, Message: "listing containers of project survey"},
			{Stage: scan.StageImage, Image: &scan.ImageProgress{Image: "survey/api:1.4.2", Index: 0, Total: 2}},
			{Stage: scan.StageImage, Image: &scan.ImageProgress{Image: "mongo:7.0", Index: 1, Total: 2}},
			{Stage: scan.StageImage, Image: &scan.ImageProgress{Image: "survey/api:1.4.2", Index: 0, Total: 2, Done: true, Counts: scan.Counts{Critical: 1}}},
		},
	}
	a := newScanApp(t, fs)
	// s works from any pane; the scan runs in a command, not in Update.
	cmd := pressKey(a, keyS)
	if fs.calls.Load() != 0 {
		t.Fatal("Update ran the scan itself")
	}
	if a.extra() != a.panes[0] || a.panes[0].Title() != "Scan…" {
		t.Errorf("s did not bring the running scan pane forward: focus %v, title %q", a.focus, a.panes[0].Title())
	}
	msgs := cmd().(tea.BatchMsg)
	// The status command and the scan command; run the scan one event at a time.
	var scanCmd tea.Cmd
	for _, c := range msgs {
		m := c()
		if ev, ok := m.(scanEventMsg); ok {
			_, scanCmd = a.Update(ev)
		} else {
			a.Update(m)
		}
	}
	for i := 0; i < 3; i++ { // the three remaining progress events
		_, scanCmd = a.Update(scanCmd())
	}
	focusScanPane(a)
	out := screen(a)
	for _, want := range []string{"scanning… images 1/2", "survey/api:1.4.2  C1 H0 M0 L0 U0", "mongo:7.0  scanning", "security scan started"} {
		if !strings.Contains(out, want) {
			t.Errorf("mid-scan screen lacks %q:\n%s", want, out)
		}
	}
	// A second s while running does not start another scan.
	drainScan(t, a, pressKey(a, keyS))
	if !strings.Contains(screen(a), "a security scan is already running") {
		t.Errorf("no warning for a second scan:\n%s", screen(a))
	}
	close(fs.release)
	drainScan(t, a, scanCmd)
	out = screen(a)
	if !strings.Contains(out, "security scan done: vulnerabilities C1 H0 M1 L0 U0, hardening C1 H0 M1 L0 U0") || !strings.Contains(out, "last scan just now") {
		t.Errorf("after the scan:\n%s", out)
	}
	if strings.Contains(out, "scanning…") || fs.calls.Load() != 1 {
		t.Errorf("scan still shown as running, or ran %d times", fs.calls.Load())
	}
}

func TestScanPaneFailureAndStaleResults(t *testing.T) {
	fs := &fakeScanner{err: errors.New("cannot reach Docker at unix:///var/run/docker.sock: connection refused")}
	a := newScanApp(t, fs)
	drainScan(t, a, pressKey(a, keyS))
	if out := screen(a); !strings.Contains(out, "security scan failed: cannot reach Docker") {
		t.Errorf("failure not shown:\n%s", out)
	}
	if sp(a).running {
		t.Error("pane still running after a failure")
	}
	// A result tagged with an older request is dropped.
	sp(a).last = nil
	a.Update(scanEventMsg{req: sp(a).req - 1, msg: scanDoneMsg{sum: sampleSummary(testNow)}})
	if sp(a).last != nil {
		t.Error("stale scan result was applied")
	}
}

func TestScanPaneDrillDownAndFilter(t *testing.T) {
	fs := &fakeScanner{last: sampleSummary(testNow.Add(-time.Minute))}
	a := newScanApp(t, fs)
	drainScan(t, a, sp(a).init(fs))
	focusScanPane(a)
	// Rows: api, mongodb, then the images. Open mongodb.
	pressKey(a, keyJ)
	pressKey(a, keyEnter)
	out := screen(a)
	for _, want := range []string{
		"service mongodb", "5.4   privileged container [runtime, survey-mongodb-1]",
		"fix: remove `privileged: true`", "5.12  root filesystem is writable",
		`evidence: privileged: true \x1b[31mEVIL`, // escape shown, not obeyed
		"vulnerabilities of mongo:7.0", "scan failed: trivy timed out",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("drill-down lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(a.render(), "\x1b[31mEVIL") {
		t.Error("a raw escape sequence from the evidence reached the screen")
	}
	// f cycles the minimum severity: LOW, MEDIUM, HIGH, CRITICAL.
	for i := 0; i < 4; i++ {
		drainScan(t, a, pressKey(a, keyF))
	}
	out = screen(a)
	if !strings.Contains(out, "CRITICAL only") || strings.Contains(out, "5.12") || !strings.Contains(out, "5.4 ") {
		t.Errorf("CRITICAL filter:\n%s", out)
	}
	pressKey(a, keyEsc)
	pressKey(a, keyJ) // to the first image row
	pressKey(a, keyEnter)
	out = screen(a)
	if !strings.Contains(out, "image survey/api:1.4.2") || !strings.Contains(out, "CVE-2021-44906  minimist 1.2.5 → 1.2.6") || strings.Contains(out, "CVE-2023-5678") {
		t.Errorf("image drill-down at CRITICAL:\n%s", out)
	}
	drainScan(t, a, pressKey(a, keyF)) // back to every severity
	if out := screen(a); !strings.Contains(out, "CVE-2023-5678  libcrypto3 3.1.3-r0 → no fix yet") {
		t.Errorf("every severity:\n%s", out)
	}
}

func TestScanPaneWithoutScanner(t *testing.T) {
	a := newScanApp(t, nil)
	drainScan(t, a, pressKey(a, keyS))
	if out := screen(a); !strings.Contains(out, "security scan is not available") {
		t.Errorf("screen:\n%s", out)
	}
}

func TestScanPaneFitsTheTerminal(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {60, 15}, {200, 60}, {40, 10}} {
		fs := &fakeScanner{last: sampleSummary(testNow.Add(-time.Minute))}
		a := newScanApp(t, fs)
		drainScan(t, a, sp(a).init(fs))
		focusScanPane(a)
		for _, step := range []tea.Key{keyJ, keyEnter, keyF} {
			pressKey(a, step)
			a.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
			f := a.render()
			if strings.ContainsAny(f, "\x07\u009b") || strings.Contains(f, "\x1b[31mEVIL") {
				t.Errorf("%dx%d: control bytes from data reached the frame", sz[0], sz[1])
			}
			lines := strings.Split(ansi.Strip(f), "\n")
			if len(lines) > sz[1] {
				t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > sz[0] {
					t.Errorf("%dx%d: line %d is %d cells: %q", sz[0], sz[1], i, w, l)
				}
			}
		}
	}
}
