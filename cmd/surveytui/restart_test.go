package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
	"github.com/survey-platform/surveytui/internal/ops/platform"
	"github.com/survey-platform/surveytui/internal/testenv"
	"github.com/survey-platform/surveytui/internal/ui"
)

// restartProject starts the three-service stand-in project and returns what the tests need.
func restartProject(t *testing.T) (file, project string) {
	t.Helper()
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	project = testenv.UniqueName("stt-restart")
	file, _ = filepath.Abs("../../internal/ops/platform/testdata/standins.yml")
	testenv.ComposeUp(t, file, project, map[string]string{"STANDIN_IMAGE": image})
	testenv.WaitHealthy(t, project, []string{"survey-service", "geolocation-service", "redis"}, 60*time.Second)
	t.Setenv("STANDIN_IMAGE", image)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	return file, project
}

func journalEntries(t *testing.T) []audit.Entry {
	t.Helper()
	j, err := audit.Open(audit.DefaultPath())
	if err != nil {
		t.Fatal(err)
	}
	es, err := j.Read()
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestRestartFromTheCLIIsJournaled(t *testing.T) {
	file, project := restartProject(t)
	code, stdout, stderr := runCLI(t, "--compose", file, "--project", project, "restart", "redis", "--yes")
	if code != 0 || !strings.Contains(stdout, "restarted redis") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	es := journalEntries(t)
	if len(es) != 2 || es[1].Action != "restart" || es[1].Target != project+"/redis" || es[1].Outcome != "ok" || es[1].DurationMS <= 0 {
		t.Errorf("journal %+v", es)
	}

	code, _, stderr = runCLI(t, "--compose", file, "--project", project, "restart", "nope", "--yes")
	if code != exitUsage || !strings.Contains(stderr, `service "nope" is not in`) {
		t.Errorf("unknown service: exit %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "--compose", file, "--project", project, "--read-only", "restart", "redis", "--yes")
	if code != exitUsage || !strings.Contains(stderr, "read-only") {
		t.Errorf("read-only: exit %d %s", code, stderr)
	}
}

// TestRestartFromTheTUIIsJournaled drives the real App with the real monitor and operations
// (as runTUI wires them) through teatest: r, y, and the service restarts for real.
func TestRestartFromTheTUIIsJournaled(t *testing.T) {
	file, project := restartProject(t)
	decl, err := platform.Load(context.Background(), platform.LoadOptions{Files: []string{file}, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	j, err := audit.Open(audit.DefaultPath())
	if err != nil {
		t.Fatal(err)
	}
	mon := monitor.New(eng, decl, monitor.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go mon.Run(ctx)
	app := ui.New(ui.Deps{Project: project, Version: "test", EngineHost: eng.Host(), Snapshots: mon.Updates(),
		Keys: ui.DefaultKeyMap(), Styles: ui.Styles{}, Ops: &uiOps{eng: eng, project: project, journal: j, mon: mon}})
	tm := teatest.NewTestModel(t, app, teatest.WithInitialTermSize(120, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("redis")) }, teatest.WithDuration(20*time.Second))

	// Select redis with the filter, ask to restart, confirm.
	tm.Type("/redis")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Type("r")
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Restart redis?")) }, teatest.WithDuration(5*time.Second))
	tm.Type("y")
	// The renderer only redraws changed cells, so the outcome is read from the journal and
	// the final model rather than from the byte stream.
	deadline := time.Now().Add(30 * time.Second)
	for len(journalEntries(t)) < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let the outcome message reach the model
	tm.Type("q")
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*ui.App)
	if status := final.StatusText(); !strings.Contains(status, "restarted redis") {
		t.Errorf("status bar %q", status)
	}

	es := journalEntries(t)
	if len(es) != 2 || es[0].Phase != "start" || es[1].Target != project+"/redis" || es[1].Outcome != "ok" {
		t.Errorf("journal %+v", es)
	}
}
