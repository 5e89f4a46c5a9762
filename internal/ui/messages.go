package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// snapshotMsg carries one monitor snapshot.
type snapshotMsg monitor.Snapshot

// statusLevel ranks status-bar messages.
type statusLevel int

const (
	levelInfo statusLevel = iota
	levelSuccess
	levelWarn
	levelError
)

// statusMsg puts a message in the status bar for a while.
type statusMsg struct {
	level statusLevel
	text  string
	ttl   time.Duration
}

// restartDoneMsg is the outcome of a restart started from the UI.
type restartDoneMsg struct {
	service string
	err     error
	took    time.Duration
}

// detailMsg is the answer to a detail request; req tags it so a stale answer is dropped.
type detailMsg struct {
	req     int
	service string
	infos   []monitor.ContainerInfo
	err     error
}

// StatusError is a message that puts an error in the status bar, for work started outside
// the UI (a background check of the compose files).
func StatusError(text string) tea.Msg {
	return statusMsg{level: levelError, text: text, ttl: 30 * time.Second}
}

func waitSnapshot(ch <-chan monitor.Snapshot) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return nil
		}
		return snapshotMsg(s)
	}
}

func setStatus(level statusLevel, text string) tea.Cmd {
	return func() tea.Msg { return statusMsg{level: level, text: text, ttl: 6 * time.Second} }
}
