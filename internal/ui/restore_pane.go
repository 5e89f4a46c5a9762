package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/ops/backup"
)

// BackupOps is what the Backups pane needs; cmd/surveytui implements it with ops/backup.
type BackupOps interface {
	// ListArchives lists the project's archives, newest first.
	ListArchives(ctx context.Context) ([]backup.Archive, error)
	// CreateBackup takes a full backup and returns the archive's path.
	CreateBackup(ctx context.Context, progress backup.ProgressFunc) (string, error)
	// PrepareRestore verifies an archive and says what restoring it would change.
	PrepareRestore(ctx context.Context, archive string) (*backup.Plan, error)
	// ExecuteRestore carries out a confirmed plan.
	ExecuteRestore(ctx context.Context, plan *backup.Plan, progress backup.ProgressFunc) (backup.RestoreOutcome, error)
}

// RestorePane is the Backups tab: the archives, a backup key, and the guided restore wizard.
type RestorePane struct {
	ops      BackupOps
	archives []backup.Archive
	cursor   int
	listErr  string
	req      int // tags list answers; a stale one is dropped
	busy     string
	feed     *progressFeed // the running backup's progress; its messages carry it
	prog     *progressView
	wizard   *restoreWizard
	keys     KeyMap // the app's (remapped, read-only aware), from the last context
}

// NewRestorePane makes the Backups tab over ops.
func NewRestorePane(ops BackupOps) *RestorePane {
	return &RestorePane{ops: ops}
}

var _ Pane = (*RestorePane)(nil)

// archivesMsg answers a list request.
type archivesMsg struct {
	req      int
	archives []backup.Archive
	err      error
}

// backupDoneMsg ends a backup started from the pane.
type backupDoneMsg struct {
	feed *progressFeed
	path string
	err  error
}

// Title is the tab label.
func (p *RestorePane) Title() string { return "Backups" }

// Init loads the archive list.
func (p *RestorePane) Init(ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	return p.reload()
}

func (p *RestorePane) reload() tea.Cmd {
	p.req++
	req, ops := p.req, p.ops
	return func() tea.Msg {
		list, err := ops.ListArchives(context.Background())
		return archivesMsg{req: req, archives: list, err: err}
	}
}

// Bindings are the pane's keys (the wizard's while it is open).
func (p *RestorePane) Bindings() []key.Binding {
	if p.wizard != nil {
		return p.wizard.bindings()
	}
	return []key.Binding{p.keys.Restore, p.keys.Backup, p.keys.ReloadBackups}
}

// GlobalKeys: the backup key, from any tab, brings the Backups tab and takes a backup.
func (p *RestorePane) GlobalKeys() []key.Binding { return []key.Binding{p.keys.Backup} }

// Capturing is true while the wizard asks for the project's name to be typed.
func (p *RestorePane) Capturing() bool { return p.wizard != nil && p.wizard.capturing() }

// Update handles keys while focused, and the results of the pane's own commands always.
func (p *RestorePane) Update(msg tea.Msg, ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	if p.wizard != nil {
		cmd, done := p.wizard.update(msg)
		if done {
			p.wizard = nil
			return tea.Batch(cmd, p.reload())
		}
		if _, isKey := msg.(tea.KeyPressMsg); isKey || cmd != nil {
			return cmd
		}
	}
	switch m := msg.(type) {
	case archivesMsg:
		if m.req != p.req {
			return nil
		}
		p.archives, p.listErr = m.archives, ""
		if m.err != nil {
			p.listErr = m.err.Error()
		}
		p.cursor = min(p.cursor, max(0, len(p.archives)-1))
	case progressBatchMsg:
		if m.feed != p.feed || p.feed == nil {
			return nil
		}
		p.prog.apply(m.items)
		return p.feed.next()
	case backupDoneMsg:
		if m.feed != p.feed {
			return nil
		}
		p.busy, p.feed = "", nil
		if m.err != nil {
			return tea.Batch(setStatus(levelError, "backup failed: "+m.err.Error()), p.reload())
		}
		return tea.Batch(setStatus(levelSuccess, "backup written: "+m.path), p.reload())
	case tea.KeyPressMsg:
		if !ctx.Focused {
			return nil
		}
		switch {
		case key.Matches(m, ctx.Keys.Down):
			p.cursor = min(p.cursor+1, max(0, len(p.archives)-1))
		case key.Matches(m, ctx.Keys.Up):
			p.cursor = max(p.cursor-1, 0)
		case key.Matches(m, p.keys.ReloadBackups):
			return p.reload()
		case key.Matches(m, ctx.Keys.Backup): // the app's remappable, read-only-aware backup key
			if ctx.ReadOnly {
				return setStatus(levelWarn, "backups are disabled under --read-only")
			}
			if p.busy != "" {
				return setStatus(levelWarn, p.busy+" is already running")
			}
			p.busy = "a backup"
			p.feed = newProgressFeed()
			p.prog = newProgressView(p.feed.began, nil)
			ops, feed := p.ops, p.feed
			return tea.Batch(setStatus(levelInfo, "backup started"), feed.start(func(progress backup.ProgressFunc) tea.Msg {
				path, err := ops.CreateBackup(context.Background(), progress)
				return backupDoneMsg{feed: feed, path: path, err: err}
			}))
		case key.Matches(m, p.keys.Restore, p.keys.Enter):
			if ctx.ReadOnly {
				return setStatus(levelWarn, "restore is disabled under --read-only")
			}
			if len(p.archives) == 0 {
				return setStatus(levelWarn, "no archive to restore; press b to take one")
			}
			a := p.archives[p.cursor]
			p.wizard = newRestoreWizard(p.ops, a.Path)
			return p.wizard.start()
		}
	}
	return nil
}

// Render draws the archive list, or the wizard while it is open.
func (p *RestorePane) Render(ctx PaneContext, width, height int) string {
	st := ctx.Styles
	if p.wizard != nil {
		return p.wizard.render(st, width, height)
	}
	out := []string{st.ColumnHeader.Render(fit(fmt.Sprintf("%-52s %9s %6s %-30s %s", "ARCHIVE", "SIZE", "AGE", "CONTENTS", "VERIFIED"), width))}
	if p.listErr != "" {
		out = append(out, st.Critical.Render(fit("cannot list archives: "+clean(p.listErr), width)))
	}
	for i, a := range p.archives {
		if len(out) >= height {
			break
		}
		verified := "no"
		if a.Verified {
			verified = "yes"
		}
		contents := a.Contents.String()
		if a.Problem != "" {
			contents = "UNREADABLE"
		}
		marker := "  "
		if i == p.cursor && ctx.Focused {
			marker = "▸ "
		}
		row := fit(fmt.Sprintf("%s%-50s %9s %6s %-30s %s", marker, clean(a.Name), humanBytes(uint64(a.Size)),
			humanDuration(a.Age(ctx.Now)), clean(contents), verified), width)
		if i == p.cursor && ctx.Focused {
			row = st.Selected.Render(row)
		}
		out = append(out, row)
	}
	if len(p.archives) == 0 && p.listErr == "" {
		out = append(out, st.Muted.Render("no archives yet: b takes one"))
	}
	if p.busy != "" {
		out = append(out, "", st.Info.Render(p.busy+" is running…"))
		if p.prog != nil {
			out = append(out, p.prog.render(st, width)...)
		}
		if height > 1 && len(out) > height { // the progress matters more than the oldest rows
			out = append(out[:1], out[len(out)-height+1:]...)
		}
	}
	return strings.Join(out, "\n")
}
