package ui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

func frame(a *App, w, h int) string {
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return a.render()
}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func press(a *App, keys ...string) {
	for _, k := range keys {
		_, cmd := a.Update(keyMsg(k))
		drain(a, cmd)
	}
}

// drain runs a command and feeds its messages back, as the runtime would (ticks and snapshot
// waits are skipped: they block).
func drain(a *App, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	msg := cmd()
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			drain(a, c)
		}
	case nil:
	default:
		_, next := a.Update(m)
		drain(a, next)
	}
}

func TestGoldenFrames(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 45}}
	for _, sz := range sizes {
		a := newTestApp(&fakeOps{}, false)
		a.Update(snapshotMsg(fixtureSnapshot()))
		golden(t, fmt.Sprintf("services-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))

		press(a, "tab")
		golden(t, fmt.Sprintf("volumes-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))

		press(a, "?")
		golden(t, fmt.Sprintf("help-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))
	}
}

func TestFramesFitTheTerminal(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {160, 45}, {60, 15}, {200, 60}} {
		a := newTestApp(&fakeOps{}, false)
		a.Update(snapshotMsg(fixtureSnapshot()))
		lines := strings.Split(ansi.Strip(frame(a, sz[0], sz[1])), "\n")
		if len(lines) > sz[1] {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := len([]rune(l)); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d cells: %q", sz[0], sz[1], i, w, l)
			}
		}
	}
}

// TestTeatestFirstScreen drives the real program loop: the snapshot arrives over the channel,
// the screen lists every service, q quits; the final frame is the golden one.
func TestTeatestFirstScreen(t *testing.T) {
	snaps := make(chan monitor.Snapshot, 1)
	snaps <- fixtureSnapshot()
	a := newTestApp(&fakeOps{}, false)
	a.deps.Snapshots = snaps
	tm := teatest.NewTestModel(t, a, teatest.WithInitialTermSize(80, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("survey-service")) && bytes.Contains(b, []byte("zookeeper"))
	}, teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App)
	final.now = fixedNow
	golden(t, "teatest-first-screen-80x24", final.render())
}

func TestHostileNamesAreSanitized(t *testing.T) {
	snap := fixtureSnapshot()
	snap.Services[0].Name = "evil\x1b]0;pwned\x07\x1b[2J\u009b31m\xff-service"
	snap.Alerts[0].Message = "alert \x1b]52;c;ZWNobyBoaQ==\x07 clipboard"
	snap.Volumes[0].Owners = []string{"\x1b]8;;http://x\x1b\\link"}
	a := newTestApp(&fakeOps{}, false)
	a.Update(snapshotMsg(snap))
	for _, f := range []string{frame(a, 160, 45), func() string { press(a, "tab"); return frame(a, 160, 45) }()} {
		if strings.ContainsAny(f, "\x1b\x07\u009b") || strings.Contains(f, "\xff") {
			t.Fatalf("control bytes reached the frame: %q", f)
		}
	}
	press(a, "tab")
	if f := frame(a, 160, 45); !strings.Contains(f, `evil\x1b]0;pwned\x07`) {
		t.Errorf("the hostile name should be shown escaped, frame:\n%s", f)
	}
}

// Status texts quote compose files and engine replies; they reach the screen sanitized.
func TestStatusTextIsSanitized(t *testing.T) {
	a := newTestApp(&fakeOps{}, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	a.Update(StatusError("compose file x.yml: validating services.\x1b]0;pwned\x07\x1b[2Jweb: bad"))
	f := frame(a, 160, 45)
	// (the frame keeps the status line's own bold: only the text's sequences must not pass)
	if strings.Contains(f, "\x1b]") || strings.Contains(f, "\x07") || strings.Contains(f, "\x1b[2J") {
		t.Fatalf("control bytes from a status text reached the frame: %q", f)
	}
	if !strings.Contains(f, `validating services.\x1b]0;pwned\x07`) {
		t.Fatalf("status text missing:\n%s", f)
	}
}

func TestRestartAsksAndCancelIsTheDefault(t *testing.T) {
	ops := &fakeOps{}
	a := newTestApp(ops, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "/", "s", "u", "r", "v", "enter") // filter to survey-service
	if a.services.selected != "survey-service" {
		t.Fatalf("selected %q", a.services.selected)
	}
	press(a, "r")
	if f := frame(a, 80, 24); !strings.Contains(f, "Restart survey-service?") {
		t.Fatalf("no confirmation dialog:\n%s", f)
	}
	press(a, "enter") // enter alone cancels
	if len(ops.restarts()) != 0 || len(a.dialogs) != 0 {
		t.Fatalf("enter must cancel; restarts %v", ops.restarts())
	}
	press(a, "r", "y")
	if got := ops.restarts(); len(got) != 1 || got[0] != "survey-service" {
		t.Fatalf("restarts %v", got)
	}
	if !strings.Contains(a.status.text, "restarted survey-service") {
		t.Errorf("status %q", a.status.text)
	}
}

func TestRestartFailureShowsInStatusBar(t *testing.T) {
	ops := &fakeOps{fail: fmt.Errorf("engine said no\nsecond line")}
	a := newTestApp(ops, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "r", "y")
	if a.status.level != levelError || !strings.Contains(a.status.text, "engine said no second line") {
		t.Errorf("status %+v", a.status)
	}
}

func TestReadOnlyDisablesRestart(t *testing.T) {
	ops := &fakeOps{}
	a := newTestApp(ops, true)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "r", "y")
	if len(ops.restarts()) != 0 || len(a.dialogs) != 0 {
		t.Fatalf("read-only restarted %v", ops.restarts())
	}
	if !strings.Contains(a.status.text, "read-only") {
		t.Errorf("status %q", a.status.text)
	}
	if f := frame(a, 160, 45); !strings.Contains(f, "READ-ONLY") || strings.Contains(f, "restart service") {
		t.Errorf("read-only frame should say so and hide restart:\n%s", f)
	}
}

func TestDetailViewShowsMaskedEnvironment(t *testing.T) {
	ops := &fakeOps{infos: []monitor.ContainerInfo{{ID: "abc", Name: "surveydemo_survey-service_1", Image: "surveydemo/standin",
		Env: monitor.MaskEnv([]string{"DB_PASSWORD=hunter2", "MONGODB_URI=mongodb://u:p@h/db", "PORT=3001"})}}}
	a := newTestApp(ops, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "enter")
	f := frame(a, 160, 45)
	for _, want := range []string{"DB_PASSWORD=********", "MONGODB_URI=********", "PORT=3001", "surveydemo/standin"} {
		if !strings.Contains(f, want) {
			t.Errorf("detail lacks %q:\n%s", want, f)
		}
	}
	if strings.Contains(f, "hunter2") {
		t.Error("a secret reached the screen")
	}
	press(a, "esc")
	if a.detail != nil {
		t.Error("esc should close the detail view")
	}
}

func TestSortFilterAndMouse(t *testing.T) {
	a := newTestApp(&fakeOps{}, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "o", "o") // order by cpu
	if a.services.sortBy != sortCPU {
		t.Fatalf("sort %v", a.services.sortBy)
	}
	press(a, "g")
	if a.services.selected != "survey-service" {
		t.Errorf("top by cpu should be survey-service, got %q", a.services.selected)
	}
	// Click the third body line: header (0), APP group (1), first app row (2)...
	a.Update(tea.MouseClickMsg{X: 3, Y: a.headerHeight() + 3, Button: tea.MouseLeft})
	if a.services.selected == "survey-service" {
		t.Errorf("click should move the selection, still %q", a.services.selected)
	}
	press(a, "/", "z", "o", "o")
	if names := a.services.rowsOnly(&a.snap); len(names) != 1 || names[0] != "zookeeper" {
		t.Errorf("filter rows %v", names)
	}
}
