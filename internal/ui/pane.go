package ui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// Pane is a tab of the console beyond the built-in services and volumes (logs, scan, backups).
// A pane is a plain struct in its own file; it is handed to the App through Deps.Panes.
//
// The App sends a pane every key while it has focus (after the global keys: quit, help, tab,
// unless Capturing), and every non-key message always, so results of its own commands reach
// it while another pane is shown. Panes tag their result messages and drop stale ones.
type Pane interface {
	// Title is the tab label.
	Title() string
	// Init starts the pane's streams, if any; it runs once when the program starts.
	Init(ctx PaneContext) tea.Cmd
	// Update handles one message.
	Update(msg tea.Msg, ctx PaneContext) tea.Cmd
	// Render draws the pane into width x height cells.
	Render(ctx PaneContext, width, height int) string
	// Bindings are the pane's keys, for the short help line and the help view.
	Bindings() []key.Binding
	// GlobalKeys are keys that, pressed on any pane, bring this pane to the front and are
	// then handed to it (s starts a scan from anywhere).
	GlobalKeys() []key.Binding
	// Capturing is true while the pane takes text input, so q or tab are typed, not obeyed.
	Capturing() bool
}

// ServiceOpener is a pane that can focus on one service (the logs pane: `l` on a service).
type ServiceOpener interface {
	OpenService(service string, ctx PaneContext) tea.Cmd
}

// PaneContext is what a pane may read from the App while handling a message or rendering.
type PaneContext struct {
	Snap     *monitor.Snapshot
	Styles   Styles
	Keys     KeyMap
	Now      time.Time
	Focused  bool
	ReadOnly bool
	// Selected is the service selected in the services pane.
	Selected string
}
