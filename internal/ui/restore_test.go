package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/survey-platform/surveytui/internal/ops/backup"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// fakeBackupOps records what the wizard asks for; the ops themselves are tested in ops/backup
// against FerretDB and the engine.
type fakeBackupOps struct {
	mu       sync.Mutex
	prepared []string
	executed []*backup.Plan
	backups  int
	fail     error
	// steps are the document counts reported, delay apart, before a collection's last report;
	// the real operations report every insert batch or every 5000 documents.
	steps []int64
	delay time.Duration
}

const archiveName = "surveytui-surveydemo-20260101T020000Z-full.tar.gz"

func (f *fakeBackupOps) ListArchives(context.Context) ([]backup.Archive, error) {
	return []backup.Archive{
		{Path: "/b/" + archiveName, Name: archiveName, Project: "surveydemo", Kind: "full", Created: fixedNow.Add(-26 * time.Hour),
			Size: 5 << 20, Contents: backup.Contents{Databases: []string{"survey"}, Volumes: []string{"surveydemo_uploads"}}, Verified: true},
	}, nil
}

func (f *fakeBackupOps) CreateBackup(_ context.Context, progress backup.ProgressFunc) (string, error) {
	f.mu.Lock()
	f.backups++
	f.mu.Unlock()
	for _, n := range f.steps {
		time.Sleep(f.delay)
		progress(backup.Progress{Phase: "dump", Item: "survey.responses", Docs: n, TotalDocs: 1000, Bytes: n << 10})
	}
	progress(backup.Progress{Phase: "dump", Item: "survey.responses", Docs: 1000, TotalDocs: 1000, Bytes: 1000 << 10, TotalBytes: 1000 << 10})
	if f.delay > 0 {
		time.Sleep(2 * f.delay) // long enough for the full bar to get a batch of its own
	}
	progress(backup.Progress{Phase: "write", Message: "finishing new.tar.gz"})
	return "/b/new.tar.gz", nil
}

func (f *fakeBackupOps) PrepareRestore(_ context.Context, archive string) (*backup.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prepared = append(f.prepared, archive)
	return &backup.Plan{Target: "surveydemo",
		Collections: []backup.CollectionChange{{DB: "survey", Name: "responses", DocsNow: 1200, DocsThen: 1000}},
		Volumes:     []backup.VolumeChange{{Name: "surveydemo_uploads", BytesNow: 3 << 20, BytesThen: 2 << 20}},
		Writers:     []string{"surveydemo_survey-service_1"}}, nil
}

func (f *fakeBackupOps) ExecuteRestore(_ context.Context, plan *backup.Plan, progress backup.ProgressFunc) (backup.RestoreOutcome, error) {
	f.mu.Lock()
	f.executed = append(f.executed, plan)
	f.mu.Unlock()
	progress(backup.Progress{Phase: "safety", Message: "saving the current state"})
	for _, n := range f.steps { // no total: the wizard takes it from the plan, as with the real restore
		time.Sleep(f.delay)
		progress(backup.Progress{Phase: "restore", Item: "survey.responses", Docs: n})
	}
	progress(backup.Progress{Phase: "restore", Item: "survey.responses", Docs: 1000, TotalDocs: 1000})
	if f.fail != nil {
		return backup.RestoreOutcome{Safety: "/b/safety.tar.gz"}, f.fail
	}
	return backup.RestoreOutcome{Safety: "/b/surveytui-surveydemo-20260101T030000Z-safety.tar.gz"}, nil
}

func (f *fakeBackupOps) calls() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.prepared), len(f.executed)
}

var _ BackupOps = (*fakeBackupOps)(nil)

// wizardProgram runs the real program loop with the Backups tab focused on its first archive.
func wizardProgram(t *testing.T, ops *fakeBackupOps) *teatest.TestModel {
	snaps := make(chan monitor.Snapshot, 1)
	snaps <- fixtureSnapshot()
	a := newTestApp(&fakeOps{}, false)
	a.deps.Snapshots = snaps
	a.panes = []Pane{NewRestorePane(ops)}
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm, "survey-service")
	tm.Send(keyMsg("tab"))
	tm.Send(keyMsg("tab"))
	waitScreen(t, tm, archiveName)
	return tm
}

func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second))
}

func TestRestoreWizardCancel(t *testing.T) {
	ops := &fakeBackupOps{}
	tm := wizardProgram(t, ops)
	tm.Send(keyMsg("R"))
	waitScreen(t, tm, "what will change", "1200", "1000", "3.0M", "surveydemo_survey-service_1")
	tm.Send(keyMsg("enter")) // on to the typed confirmation
	waitScreen(t, tm, "Step 3 of 4")
	tm.Type("surveyd")
	tm.Send(keyMsg("esc"))
	waitScreen(t, tm, "restore cancelled; nothing was changed")
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if prepared, executed := ops.calls(); prepared != 1 || executed != 0 {
		t.Fatalf("prepared %d executed %d; a cancelled wizard must not restore", prepared, executed)
	}
}

func TestRestoreWizardWrongNameThenSuccess(t *testing.T) {
	ops := &fakeBackupOps{}
	tm := wizardProgram(t, ops)
	tm.Send(keyMsg("R"))
	waitScreen(t, tm, "what will change")
	tm.Send(keyMsg("enter"))
	tm.Type("qtab") // q and tab are typed into the name, not obeyed
	tm.Send(keyMsg("enter"))
	waitScreen(t, tm, "the name does not match")
	if _, executed := ops.calls(); executed != 0 {
		t.Fatal("a wrong name started the restore")
	}
	tm.Type("surveydemo")
	tm.Send(keyMsg("enter"))
	waitScreen(t, tm, "Restore complete", "20260101T030000Z-safety")
	tm.Send(keyMsg("enter"))
	waitScreen(t, tm, archiveName)
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if _, executed := ops.calls(); executed != 1 || ops.executed[0].Target != "surveydemo" {
		t.Fatalf("executed %d", executed)
	}
}

func TestRestoreWizardFailureShowsPutBackCommand(t *testing.T) {
	cmd := "surveytui restore /b/safety.tar.gz --mongo --yes"
	ops := &fakeBackupOps{fail: &backup.RestoreFailedError{Err: errors.New("inserting into survey.responses failed"), Safety: "/b/safety.tar.gz", Command: cmd}}
	tm := wizardProgram(t, ops)
	tm.Send(keyMsg("R"))
	waitScreen(t, tm, "what will change")
	tm.Send(keyMsg("enter"))
	tm.Type("surveydemo")
	tm.Send(keyMsg("enter"))
	// the renderer repaints only changed cells: look for the part of the command that is new
	waitScreen(t, tm, "Restore stopped", "inserting into survey.responses failed", "restore /b/safety.tar.gz --mongo --yes")
	tm.Send(keyMsg("enter"))
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestRestoreDisabledReadOnly(t *testing.T) {
	ops := &fakeBackupOps{}
	a := newTestApp(&fakeOps{}, true)
	a.panes = []Pane{NewRestorePane(ops)}
	a.Update(snapshotMsg(fixtureSnapshot()))
	drain(a, a.panes[0].Init(a.paneContext(builtinPanes)))
	press(a, "tab", "tab", "R")
	if prepared, _ := ops.calls(); prepared != 0 || !strings.Contains(a.status.text, "restore is disabled") {
		t.Fatalf("prepared %d, status %q", prepared, a.status.text)
	}
}

func TestBackupKeyTakesABackup(t *testing.T) {
	ops := &fakeBackupOps{}
	a := newTestApp(&fakeOps{}, false)
	a.panes = []Pane{NewRestorePane(ops)}
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "tab", "tab", "b")
	if ops.backups != 1 || !strings.Contains(a.status.text, "backup written: /b/new.tar.gz") {
		t.Fatalf("backups %d, status %q", ops.backups, a.status.text)
	}
}
