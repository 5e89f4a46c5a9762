package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// focus is the pane that gets keys: the two built-in panes, then Deps.Panes in order.
type focus int

const (
	focusServices focus = iota
	focusVolumes
	builtinPanes
)

// App is the root model.
type App struct {
	deps   Deps
	keys   KeyMap
	st     Styles
	help   help.Model
	width  int
	height int

	snap    monitor.Snapshot
	hasSnap bool

	focus    focus
	panes    []Pane
	services servicesPane
	volumes  volumesPane
	detail   *detailView
	detailID int

	dialogs   []dialog
	command   *commandLine
	showHelp  bool
	filtering bool
	status    statusMsg
	statusAt  time.Time
	busy      map[string]bool
	now       time.Time
}

// New builds the root model from its dependencies.
func New(d Deps) *App {
	if d.Now == nil {
		d.Now = time.Now
	}
	keys := d.Keys
	if d.ReadOnly {
		keys.SetReadOnly()
	}
	h := help.New()
	h.Styles = help.Styles{ShortKey: d.Styles.Header, ShortDesc: d.Styles.Muted, ShortSeparator: d.Styles.Muted,
		Ellipsis: d.Styles.Muted, FullKey: d.Styles.Header, FullDesc: d.Styles.Muted, FullSeparator: d.Styles.Muted}
	return &App{deps: d, keys: keys, st: d.Styles, help: h, width: 80, height: 24, busy: map[string]bool{}, now: d.Now(), panes: d.Panes}
}

// Init starts reading snapshots, the clock, and every pane's streams.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{waitSnapshot(a.deps.Snapshots)}
	for i, p := range a.panes {
		cmds = append(cmds, p.Init(a.paneContext(builtinPanes+focus(i))))
	}
	return tea.Batch(cmds...)
}

func (a *App) paneCount() focus { return builtinPanes + focus(len(a.panes)) }

func (a *App) title(f focus) string {
	switch f {
	case focusServices:
		return "Services"
	case focusVolumes:
		return "Volumes"
	}
	return a.panes[f-builtinPanes].Title()
}

// setFocus brings a pane to the front and tells it so (FocusedMsg): a pane may wait for that
// before it starts streaming.
func (a *App) setFocus(f focus) tea.Cmd {
	a.focus, a.detail = f, nil
	if p := a.extra(); p != nil {
		return p.Update(FocusedMsg{}, a.paneContext(f))
	}
	return nil
}

// extra is the focused pane when it is one of Deps.Panes.
func (a *App) extra() Pane {
	if a.focus >= builtinPanes && int(a.focus-builtinPanes) < len(a.panes) {
		return a.panes[a.focus-builtinPanes]
	}
	return nil
}

func (a *App) paneContext(f focus) PaneContext {
	return PaneContext{Snap: &a.snap, Styles: a.st, Keys: a.keys, Now: a.now, Focused: f == a.focus && a.detail == nil,
		ReadOnly: a.deps.ReadOnly, Selected: a.services.selected}
}

// toPanes hands a non-key message to every extra pane: their own results arrive whatever is
// on screen.
func (a *App) toPanes(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range a.panes {
		cmds = append(cmds, p.Update(msg, a.paneContext(builtinPanes+focus(i))))
	}
	return tea.Batch(cmds...)
}

// Update handles one message. It does no I/O: work is returned as commands.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.help.SetWidth(msg.Width)
		return a, nil
	case snapshotMsg:
		a.snap, a.hasSnap = monitor.Snapshot(msg), true
		// The clock moves with the snapshots (every sampling round): no timer of its own wakes
		// the console between them.
		if !a.snap.Time.IsZero() {
			a.now = a.snap.Time
		}
		// Status messages expire on the same beat.
		if a.status.text != "" && a.deps.Now().Sub(a.statusAt) > a.status.ttl {
			a.status = statusMsg{}
		}
		a.services.ensureSelection(&a.snap)
		a.volumes.move(&a.snap, 0)
		return a, tea.Batch(waitSnapshot(a.deps.Snapshots), a.toPanes(msg))
	case statusMsg:
		a.status, a.statusAt = msg, a.deps.Now()
		return a, nil
	case restartStarted:
		a.busy[msg.service] = true
		return a, tea.Batch(setStatus(levelInfo, "restarting "+msg.service+"…"), restartCmd(a.deps.Ops, msg.service, a.deps.Now))
	case restartDoneMsg:
		delete(a.busy, msg.service)
		if msg.err != nil {
			return a, setStatus(levelError, fmt.Sprintf("restart %s failed: %s", msg.service, oneLine(msg.err.Error())))
		}
		return a, setStatus(levelSuccess, fmt.Sprintf("restarted %s in %s", msg.service, msg.took.Round(100*time.Millisecond)))
	case detailMsg:
		if a.detail != nil && msg.req == a.detailID {
			a.detail.infos, a.detail.err, a.detail.loading = msg.infos, msg.err, false
		}
		return a, nil
	case tea.MouseClickMsg:
		return a, a.click(msg.Mouse())
	case tea.MouseWheelMsg:
		if msg.Mouse().Button == tea.MouseWheelUp {
			a.moveSelection(-1)
		} else {
			a.moveSelection(1)
		}
		return a, nil
	case tea.KeyPressMsg:
		return a, a.key(msg)
	}
	return a, a.toPanes(msg)
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	if n := len(a.dialogs); n > 0 {
		next, cmd := a.dialogs[n-1].Update(msg)
		if next == nil {
			a.dialogs = a.dialogs[:n-1]
		} else {
			a.dialogs[n-1] = next
		}
		return cmd
	}
	if a.filtering {
		return a.filterKey(msg)
	}
	if a.command != nil {
		return a.commandKey(msg)
	}
	if a.showHelp {
		a.showHelp = false
		return nil
	}
	k := a.keys
	if p := a.extra(); p != nil && p.Capturing() {
		return p.Update(msg, a.paneContext(a.focus))
	}
	if action := a.keys.disabledAction(msg.String()); action != "" {
		return setStatus(levelWarn, "read-only mode: "+action+" is disabled (started with --read-only)")
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		a.showHelp = true
		return nil
	case key.Matches(msg, k.NextPane):
		return a.setFocus((a.focus + 1) % a.paneCount())
	case key.Matches(msg, k.PrevPane):
		return a.setFocus((a.focus + a.paneCount() - 1) % a.paneCount())
	case key.Matches(msg, k.Command):
		a.command = &commandLine{}
		return nil
	}
	for i, p := range a.panes {
		f := builtinPanes + focus(i)
		if f != a.focus && key.Matches(msg, p.GlobalKeys()...) {
			return tea.Batch(a.setFocus(f), p.Update(msg, a.paneContext(f)))
		}
	}
	if p := a.extra(); p != nil {
		return p.Update(msg, a.paneContext(a.focus))
	}
	if key.Matches(msg, k.Logs) && a.services.selected != "" && a.focus == focusServices {
		return a.openLogs(a.services.selected)
	}
	switch {
	case a.detail != nil && key.Matches(msg, k.Back):
		a.detail = nil
	case key.Matches(msg, k.Up):
		a.moveSelection(-1)
	case key.Matches(msg, k.Down):
		a.moveSelection(1)
	case key.Matches(msg, k.PageUp):
		a.moveSelection(-a.bodyHeight())
	case key.Matches(msg, k.PageDown):
		a.moveSelection(a.bodyHeight())
	case key.Matches(msg, k.Top):
		a.moveSelection(-1 << 20)
	case key.Matches(msg, k.Bottom):
		a.moveSelection(1 << 20)
	case key.Matches(msg, k.Filter) && a.focus == focusServices:
		a.filtering = true
	case key.Matches(msg, k.Back) && a.services.filter != "":
		a.services.filter = ""
		a.services.ensureSelection(&a.snap)
	case key.Matches(msg, k.Sort) && a.focus == focusServices:
		a.services.sortBy = (a.services.sortBy + 1) % sortColumns
		return setStatus(levelInfo, "ordered by "+a.services.sortBy.String())
	case key.Matches(msg, k.Reverse) && a.focus == focusServices:
		a.services.reverse = !a.services.reverse
	case key.Matches(msg, k.RefreshVolumes):
		if a.deps.Ops != nil {
			a.deps.Ops.RefreshVolumes()
		}
		return setStatus(levelInfo, "measuring volumes…")
	case key.Matches(msg, k.Enter) && a.focus == focusServices && a.services.selected != "":
		return a.openDetail(a.services.selected)
	case key.Matches(msg, k.Restart) && a.focus == focusServices:
		return a.askRestart()
	}
	return nil
}

func (a *App) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		a.filtering, a.services.filter = false, ""
	case "enter":
		a.filtering = false
	case "backspace":
		if f := a.services.filter; f != "" {
			a.services.filter = f[:len(f)-1]
		}
	default:
		a.services.filter += msg.Key().Text
	}
	a.services.ensureSelection(&a.snap)
	return nil
}

func (a *App) moveSelection(delta int) {
	switch {
	case a.detail != nil:
		a.detail.scroll = max(0, a.detail.scroll+delta)
	case a.focus == focusServices:
		a.services.move(&a.snap, delta)
	case a.focus == focusVolumes:
		a.volumes.move(&a.snap, delta)
	}
}

// click selects the row under the mouse (body starts below the header lines).
func (a *App) click(m tea.Mouse) tea.Cmd {
	y := m.Y - a.headerHeight()
	if y < 0 || a.detail != nil || len(a.dialogs) > 0 {
		return nil
	}
	switch a.focus {
	case focusServices:
		a.services.clickRow(&a.snap, y)
	case focusVolumes:
		a.volumes.cursor = min(max(0, y-2+a.volumes.offset), max(0, len(a.snap.Volumes)-1))
	}
	return nil
}

func (a *App) askRestart() tea.Cmd {
	svc := a.services.selected
	if svc == "" || a.deps.Ops == nil {
		return nil
	}
	if a.busy[svc] {
		return setStatus(levelWarn, svc+" is already restarting")
	}
	a.dialogs = append(a.dialogs, &confirmDialog{
		title: "Restart " + svc + "?",
		body:  fmt.Sprintf("Every container of %s will be stopped (10 s grace) and started again.\nRequests in flight to it will fail.", svc),
		onYes: func() tea.Msg {
			return restartStarted{service: svc}
		},
	})
	return nil
}

// restartCmd runs the restart off the UI goroutine and reports its outcome.
func restartCmd(ops Operations, service string, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		start := now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := ops.Restart(ctx, service, nil)
		return restartDoneMsg{service: service, err: err, took: now().Sub(start)}
	}
}

// restartStarted is sent when the user confirmed a restart; the App marks the service busy and
// runs the restart as a command.
type restartStarted struct{ service string }

func (a *App) bodyHeight() int {
	return max(1, a.height-a.headerHeight()-2)
}

func (a *App) headerHeight() int {
	h := 2 // title line and tabs
	if len(a.snap.Alerts) > 0 {
		h++
	}
	return h
}

func (a *App) openDetail(service string) tea.Cmd {
	a.detailID++
	a.detail = &detailView{service: service, loading: true}
	req, ops := a.detailID, a.deps.Ops
	if ops == nil {
		return nil
	}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		infos, err := ops.Describe(ctx, service)
		return detailMsg{req: req, service: service, infos: infos, err: err}
	}
}

// StatusText is the status bar's current message (for tests driving the real program).
func (a *App) StatusText() string { return a.status.text }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// View renders the screen.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	if m, ok := a.extra().(interface{ MouseCapture() bool }); ok && !m.MouseCapture() {
		v.MouseMode = tea.MouseModeNone // the logs pane's m: let the terminal select text
	}
	v.WindowTitle = "surveytui · " + a.deps.Project
	return v
}

func (a *App) render() string {
	w, h := a.width, a.height
	parts := []string{a.headerLine(), a.tabsLine()}
	if len(a.snap.Alerts) > 0 {
		parts = append(parts, a.alertsLine())
	}
	body := a.bodyHeight()
	var content string
	switch {
	case a.showHelp:
		content = a.helpView()
	case a.detail != nil:
		content = a.detail.Render(&a.snap, a.st, w, body, a.now)
	case a.extra() != nil:
		// Panes with their own data (scan results, logs) work before the first snapshot.
		content = a.extra().Render(a.paneContext(a.focus), w, body)
	case !a.hasSnap:
		content = a.st.Muted.Render("connecting to " + clean(a.deps.EngineHost) + " …")
	case a.focus == focusServices:
		content = a.services.Render(&a.snap, a.st, w, body, a.now, true)
	case a.focus == focusVolumes:
		content = a.volumes.Render(&a.snap, a.st, w, body, a.now, true)
	}
	if n := len(a.dialogs); n > 0 {
		content = lipgloss.Place(w, body, lipgloss.Center, lipgloss.Center, a.dialogs[n-1].View(a.st, w))
	}
	parts = append(parts, lipgloss.NewStyle().Height(body).MaxHeight(body).Render(content))
	parts = append(parts, a.statusLine(), a.shortHelp())
	return lipgloss.NewStyle().MaxHeight(h).Render(strings.Join(parts, "\n"))
}
