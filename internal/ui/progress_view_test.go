package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/survey-platform/surveytui/internal/ops/backup"
)

func stamped(at time.Time, p backup.Progress) []stampedProgress {
	return []stampedProgress{{Progress: p, At: at}}
}

func renderView(v *progressView, width int) string {
	return ansi.Strip(strings.Join(v.render(NewStyles(true), width), "\n"))
}

func TestProgressViewBarRateAndETA(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	v := newProgressView(t0, nil)
	if got := renderView(v, 80); !strings.Contains(got, "starting") {
		t.Fatalf("before any report: %q", got)
	}
	// 250 of 1000 documents 2 s in: 125 docs/s, 750 left, ETA 6 s.
	v.apply(stamped(t0.Add(2*time.Second), backup.Progress{Phase: "dump", Item: "survey.responses", Docs: 250, TotalDocs: 1000, Bytes: 250 << 10}))
	got := renderView(v, 80)
	for _, want := range []string{"dump survey.responses", "█", "░", " 25%", "250/1000 docs", "250K", "125 docs/s", "ETA 6s"} {
		if !strings.Contains(got, want) {
			t.Errorf("at 25%% the view lacks %q:\n%s", want, got)
		}
	}
	if w := lipgloss.Width(strings.Split(got, "\n")[1]); w != 60 {
		t.Errorf("bar is %d cells wide, want 60 (capped)", w)
	}
	v.apply(stamped(t0.Add(4*time.Second), backup.Progress{Phase: "dump", Item: "survey.responses", Docs: 1000, TotalDocs: 1000, Bytes: 1000 << 10, TotalBytes: 1000 << 10}))
	got = renderView(v, 80)
	if !strings.Contains(got, "100%") || !strings.Contains(got, "1000/1000 docs") || strings.Contains(got, "ETA") {
		t.Fatalf("a finished item shows 100%% and no ETA:\n%s", got)
	}
	if strings.Contains(got, "░") {
		t.Fatalf("a full bar has no empty cell:\n%s", got)
	}
	// The next item moves the finished one to the history and into the running totals; its rate
	// is measured from when the previous item ended.
	v.apply(stamped(t0.Add(5*time.Second), backup.Progress{Phase: "dump", Item: "survey.answers", Docs: 100, TotalDocs: 400}))
	got = renderView(v, 80)
	for _, want := range []string{"✓ dump survey.responses · 1000 docs · 1000K", "dump survey.answers", " 25%", "100 docs/s", "ETA 3s", "done so far: 1 items, 1000 docs"} {
		if !strings.Contains(got, want) {
			t.Errorf("after the second item the view lacks %q:\n%s", want, got)
		}
	}
}

func TestProgressViewUnknownTotalAndPlanTotals(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	// Without a total there is no bar and no ETA, but the count and the rate still show.
	v := newProgressView(t0, nil)
	v.apply(stamped(t0.Add(time.Second), backup.Progress{Phase: "restore", Item: "survey.responses", Docs: 300}))
	if got := renderView(v, 80); strings.Contains(got, "%") || strings.Contains(got, "ETA") || !strings.Contains(got, "300 docs · 300 docs/s") {
		t.Fatalf("no total: %q", got)
	}
	// The restore's reports carry no total until a collection is done; the plan knows it.
	plan := &backup.Plan{Collections: []backup.CollectionChange{{DB: "survey", Name: "responses", DocsThen: 1200}}}
	v = newProgressView(t0, planTotals(plan))
	v.apply(stamped(t0.Add(time.Second), backup.Progress{Phase: "restore", Item: "survey.responses", Docs: 300}))
	if got := renderView(v, 80); !strings.Contains(got, " 25%") || !strings.Contains(got, "300/1200 docs") || !strings.Contains(got, "ETA 3s") {
		t.Fatalf("plan totals: %q", got)
	}
}

func TestProgressViewVerifyCountsOn(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	v := newProgressView(t0, nil)
	// verify reports the bytes checked so far over every file, one file after another.
	v.apply(stamped(t0.Add(time.Second), backup.Progress{Phase: "verify", Item: "mongo/a.bson", Bytes: 10 << 20}))
	v.apply(stamped(t0.Add(2*time.Second), backup.Progress{Phase: "verify", Item: "mongo/b.bson", Bytes: 30 << 20}))
	got := renderView(v, 80)
	if !strings.Contains(got, "verify mongo/b.bson") || !strings.Contains(got, "30.0M · 20.0M/s") || strings.Contains(got, "✓") {
		t.Fatalf("verify: %q", got)
	}
}

type feedDone struct{}

func TestProgressFeedCoalescesAndEndsWithTheResult(t *testing.T) {
	f := newProgressFeed()
	const last = 200000
	pushed := make(chan time.Duration, 1)
	cmd := f.start(func(progress backup.ProgressFunc) tea.Msg {
		began := time.Now()
		for i := int64(1); i <= last; i++ {
			progress(backup.Progress{Phase: "restore", Item: "survey.responses", Docs: i})
			if i%20000 == 0 {
				time.Sleep(30 * time.Millisecond) // a report stream that lasts a while
			}
		}
		pushed <- time.Since(began)
		return feedDone{}
	})
	var batches int
	var lastDocs int64
	for {
		msg := cmd()
		if _, done := msg.(feedDone); done {
			break
		}
		b, ok := msg.(progressBatchMsg)
		if !ok || b.feed != f {
			t.Fatalf("unexpected %T", msg)
		}
		batches++
		for _, it := range b.items {
			if it.Docs < lastDocs {
				t.Fatalf("reports out of order: %d after %d", it.Docs, lastDocs)
			}
			lastDocs = it.Docs
		}
		cmd = f.next()
	}
	took := <-pushed
	if lastDocs != last {
		t.Fatalf("the last report delivered was %d documents, want %d: the result overtook it", lastDocs, last)
	}
	// One batch per 100 ms at most (plus the first, sent at once, and the one after the end).
	if limit := int(took/progressEvery) + 2; batches > limit {
		t.Fatalf("%d batches for %d reports over %v; want at most %d", batches, last, took, limit)
	}
	t.Logf("%d reports in %v became %d batches", last, took, batches)
}

func TestProgressFeedNeverBlocksAndStaysBounded(t *testing.T) {
	f := newProgressFeed()
	for i := range 10000 { // nobody reads: every item differs, so nothing coalesces
		f.push(backup.Progress{Phase: "verify", Item: fmt.Sprint("file", i)})
	}
	if len(f.pending) != maxPendingProgress || f.pending[maxPendingProgress-1].Item != "file9999" {
		t.Fatalf("pending %d, newest %q", len(f.pending), f.pending[len(f.pending)-1].Item)
	}
}

// runFeed runs cmd and every command its messages lead to, feeding the messages back as the
// program loop would and rendering after each one, until nothing is left to run.
func runFeed(t *testing.T, cmd tea.Cmd, update func(tea.Msg) tea.Cmd, render func() string) (frames []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the operation did not end")
		}
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
		queue = append(queue, update(msg))
		frames = append(frames, render())
	}
	return frames
}

func anyFrame(frames []string, want ...string) bool {
	for _, f := range frames {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(f, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestRestoreWizardRunShowsBarETAAndReaches100(t *testing.T) {
	ops := &fakeBackupOps{steps: []int64{250, 500, 750}, delay: 150 * time.Millisecond}
	w := newRestoreWizard(ops, "/b/"+archiveName)
	plan, _ := ops.PrepareRestore(t.Context(), w.archive)
	w.update(planMsg{w: w, plan: plan})
	w.update(keyMsg("enter"))
	for _, r := range "surveydemo" {
		w.update(keyMsg(string(r)))
	}
	cmd, _ := w.update(keyMsg("enter"))
	render := func() string { return ansi.Strip(w.render(NewStyles(true), 100, 40)) }
	frames := runFeed(t, cmd, func(m tea.Msg) tea.Cmd { c, _ := w.update(m); return c }, render)
	if !anyFrame(frames, "Step 4 of 4", "restore survey.responses", "/1000 docs", "docs/s", "ETA") {
		t.Errorf("no frame shows the bar with rate and ETA:\n%s", strings.Join(frames, "\n---\n"))
	}
	if !anyFrame(frames, "restore survey.responses", "100%", "1000/1000 docs") {
		t.Errorf("the bar never reached 100%%:\n%s", strings.Join(frames, "\n---\n"))
	}
	if w.step != stepDone || !strings.Contains(frames[len(frames)-1], "Restore complete") {
		t.Fatalf("step %d, last frame:\n%s", w.step, frames[len(frames)-1])
	}
	// 3 reports 150 ms apart plus the first and last: a handful of batches, not one per report.
	if len(frames) > 8 {
		t.Errorf("%d frames for 5 reports", len(frames))
	}
}

func TestBackupTabShowsBarETAAndReaches100(t *testing.T) {
	ops := &fakeBackupOps{steps: []int64{250, 500, 750}, delay: 150 * time.Millisecond}
	a := newTestApp(&fakeOps{}, false)
	p := NewRestorePane(ops)
	a.panes = []Pane{p}
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "tab", "tab")
	_, cmd := a.Update(keyMsg("b"))
	render := func() string { return ansi.Strip(a.render()) }
	frames := runFeed(t, cmd, func(m tea.Msg) tea.Cmd { _, c := a.Update(m); return c }, render)
	if !anyFrame(frames, "a backup is running", "dump survey.responses", "/1000 docs", "docs/s", "ETA") {
		t.Errorf("no frame shows the backup's bar with rate and ETA:\n%s", strings.Join(frames, "\n---\n"))
	}
	if !anyFrame(frames, "dump survey.responses", "100%", "1000/1000 docs") {
		t.Errorf("the backup's bar never reached 100%%:\n%s", strings.Join(frames, "\n---\n"))
	}
	last := frames[len(frames)-1]
	if strings.Contains(last, "is running") || !strings.Contains(a.status.text, "backup written: /b/new.tar.gz") {
		t.Fatalf("after the backup: status %q, frame:\n%s", a.status.text, last)
	}
}

// TestRestoreWizardProgressInProgram runs the real program loop: the run step's bar, rate and
// ETA reach the terminal.
func TestRestoreWizardProgressInProgram(t *testing.T) {
	ops := &fakeBackupOps{steps: []int64{200, 400, 600, 800}, delay: 150 * time.Millisecond}
	tm := wizardProgram(t, ops)
	tm.Send(keyMsg("R"))
	waitScreen(t, tm, "what will change")
	tm.Send(keyMsg("enter"))
	tm.Type("surveydemo")
	tm.Send(keyMsg("enter"))
	waitScreen(t, tm, "restore survey.responses", "/1000 docs", "docs/s", "ETA", "█")
	waitScreen(t, tm, "Restore complete")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// TestGoldenProgressFrames pins the Backups tab while a backup runs and the wizard's run step,
// with reports stamped at fixed times so rate and ETA are fixed too.
func TestGoldenProgressFrames(t *testing.T) {
	t0 := fixedNow
	ops := &fakeBackupOps{}
	plan, _ := ops.PrepareRestore(t.Context(), "/b/"+archiveName)
	for _, sz := range [][2]int{{80, 24}, {160, 45}} {
		a := newTestApp(&fakeOps{}, false)
		p := NewRestorePane(ops)
		a.panes = []Pane{p}
		a.Update(snapshotMsg(fixtureSnapshot()))
		press(a, "tab", "tab")
		drain(a, p.reload())

		p.busy, p.feed = "a backup", newProgressFeed()
		p.prog = newProgressView(t0, nil)
		p.prog.apply(stamped(t0.Add(3*time.Second), backup.Progress{Phase: "dump", Item: "survey.responses", Docs: 1000, TotalDocs: 1000, Bytes: 3 << 20, TotalBytes: 3 << 20}))
		p.prog.apply(stamped(t0.Add(7*time.Second), backup.Progress{Phase: "dump", Item: "survey.answers", Docs: 20000, TotalDocs: 50000, Bytes: 40 << 20}))
		golden(t, fmt.Sprintf("backup-running-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))

		p.busy, p.feed = "", nil
		w := newRestoreWizard(ops, "/b/"+archiveName)
		w.plan, w.step, w.feed = plan, stepRunning, newProgressFeed()
		w.prog = newProgressView(t0, planTotals(plan))
		w.prog.apply(stamped(t0.Add(2*time.Second), backup.Progress{Phase: "safety", Message: "saving the current state of what will be replaced"}))
		w.prog.apply(stamped(t0.Add(3*time.Second), backup.Progress{Phase: "stop", Item: "surveydemo_survey-service_1", Message: "stopping surveydemo_survey-service_1"}))
		w.prog.apply(stamped(t0.Add(5*time.Second), backup.Progress{Phase: "restore", Item: "survey.responses", Docs: 400}))
		p.wizard = w
		golden(t, fmt.Sprintf("restore-running-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))
		for _, f := range []string{"backup-running", "restore-running"} {
			data, _ := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("%s-%dx%d.golden", f, sz[0], sz[1])))
			for i, l := range strings.Split(string(data), "\n") {
				if w := lipgloss.Width(l); w > sz[0] {
					t.Errorf("%s %dx%d: line %d is %d cells: %q", f, sz[0], sz[1], i, w, l)
				}
			}
		}
	}
}
