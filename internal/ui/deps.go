// Package ui is surveytui's terminal interface: one root bubbletea model (App) with panes and a
// dialog stack. It talks to the platform only through the small interfaces in Deps, runs all
// I/O in tea.Cmds, and never calls Docker itself.
package ui

import (
	"context"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// Operations are the actions the UI can ask for. Each runs inside a tea.Cmd.
type Operations interface {
	// Restart restarts every container of a service; progress gets one line per step.
	Restart(ctx context.Context, service string, progress func(string)) error
	// Describe returns the detail view of a service's containers (secrets masked).
	Describe(ctx context.Context, service string) ([]monitor.ContainerInfo, error)
	// RefreshVolumes asks the monitor to measure volumes now.
	RefreshVolumes()
}

// Deps is everything the UI is handed at construction.
type Deps struct {
	Project    string
	Version    string
	EngineHost string
	// Snapshots delivers the monitor's snapshots; the UI re-arms a read after each.
	Snapshots <-chan monitor.Snapshot
	Ops       Operations
	ReadOnly  bool
	Keys      KeyMap
	Styles    Styles
	Now       func() time.Time
	// Panes are the tabs after Services and Volumes (logs, scan, backups), in order.
	Panes []Pane
}
