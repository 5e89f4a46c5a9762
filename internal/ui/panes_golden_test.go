package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

var goldenSizes = [][2]int{{80, 24}, {160, 45}}

// paneFrame renders one extra pane inside the App, so the golden shows the whole screen.
func paneFrame(t *testing.T, p Pane, w, h int, now time.Time) string {
	t.Helper()
	a := newTestApp(&fakeOps{}, false)
	a.panes = []Pane{p}
	a.Update(snapshotMsg(fixtureSnapshot()))
	a.now = now
	a.focus = builtinPanes
	return frame(a, w, h)
}

// runCmd runs a command and hands its message (batches too) back to the pane, as the runtime
// would, without the blocking stream reads.
func runCmd(p Pane, ctx PaneContext, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch m := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range m {
			runCmd(p, ctx, c)
		}
	case nil:
	default:
		runCmd(p, ctx, p.Update(m, ctx))
	}
}

func TestGoldenDetailView(t *testing.T) {
	ops := &fakeOps{infos: []monitor.ContainerInfo{{ID: "c1", Name: "surveydemo_survey-service_1", Image: "surveydemo/standin:latest",
		Command: []string{"/standin"}, User: "10001:10001", Ports: []string{"127.0.0.1:3001->3001/tcp"}, CPULimit: 0.5, MemLimit: 128 << 20,
		Restart: "unless-stopped", Mounts: []string{"surveydemo_survey-uploads:/data (volume, rw)"},
		Env: monitor.MaskEnv([]string{"STANDIN_SERVICE=survey-service", "JWT_SECRET=abc", "MONGODB_URI=mongodb://u:p@mongodb/survey"})}}}
	for _, sz := range goldenSizes {
		a := newTestApp(ops, false)
		a.Update(snapshotMsg(fixtureSnapshot()))
		press(a, "/", "s", "u", "r", "v", "enter", "enter")
		golden(t, fmt.Sprintf("detail-%dx%d", sz[0], sz[1]), frame(a, sz[0], sz[1]))
	}
}

func TestGoldenAdminDetail(t *testing.T) {
	a := newTestApp(&fakeOps{infos: []monitor.ContainerInfo{}}, false)
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, "g", "enter")
	f := frame(a, 160, 45)
	for _, want := range []string{"admin-service's own figures", "health.status: degraded", "health.services.healthy: 13", "stats.errors: 7"} {
		if !strings.Contains(f, want) {
			t.Errorf("admin detail lacks %q:\n%s", want, f)
		}
	}
}

func TestGoldenLogsAndTrace(t *testing.T) {
	for _, sz := range goldenSizes {
		p, feed, ctx := startLogsPane(t)
		feed(
			entry(1, "survey-service", logs.LevelInfo, "cid-1", "Incoming request POST /api/surveys"),
			entry(1, "geolocation-service", logs.LevelInfo, "cid-1", "Resolved client location"),
			entry(2, "analytics-service", logs.LevelWarn, "cid-1", "Analytics queue is slow"),
			entry(2, "notification-service", logs.LevelError, "cid-2", "SMTP timeout"),
			entry(3, "survey-service", logs.LevelInfo, "cid-1", "Survey created"),
		)
		golden(t, fmt.Sprintf("logs-%dx%d", sz[0], sz[1]), paneFrame(t, p, sz[0], sz[1], fixedNow))
		runCmd(p, ctx, logsPress(p, ctx, "up", "up", "up", "up", "T"))
		golden(t, fmt.Sprintf("trace-%dx%d", sz[0], sz[1]), paneFrame(t, p, sz[0], sz[1], fixedNow))
	}
}

func TestGoldenScanPane(t *testing.T) {
	for _, sz := range goldenSizes {
		p := NewScanPane(&fakeScanner{last: sampleSummary(testNow.Add(-time.Minute))})
		ctx := PaneContext{Keys: DefaultKeyMap(), Now: testNow, Focused: true}
		runCmd(p, ctx, p.Init(ctx))
		golden(t, fmt.Sprintf("scan-%dx%d", sz[0], sz[1]), paneFrame(t, p, sz[0], sz[1], testNow))
	}
}

func TestGoldenBackupsPane(t *testing.T) {
	for _, sz := range goldenSizes {
		p := NewRestorePane(&fakeBackupOps{})
		ctx := PaneContext{Keys: DefaultKeyMap(), Now: fixedNow, Focused: true}
		runCmd(p, ctx, p.Init(ctx))
		golden(t, fmt.Sprintf("backups-%dx%d", sz[0], sz[1]), paneFrame(t, p, sz[0], sz[1], fixedNow))
	}
}
