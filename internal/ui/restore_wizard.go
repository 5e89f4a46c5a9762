package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/survey-platform/surveytui/internal/ops/backup"
)

// The guided restore is a sequence of steps: verify → review the changes → type the project's
// name → run (safety backup, stop, restore, start, health, counts) → outcome. Cancel is the
// default everywhere before the run; during the run keys are ignored, as a restore must not
// be left half-way from the keyboard.
type wizardStep int

const (
	stepVerify wizardStep = iota
	stepReview
	stepConfirm
	stepRunning
	stepDone
	stepFailed
)

type restoreWizard struct {
	ops     BackupOps
	archive string
	step    wizardStep
	plan    *backup.Plan
	typed   string
	feed    *progressFeed // the run's progress; its batches carry it
	prog    *progressView
	outcome backup.RestoreOutcome
	err     error
	cancel  context.CancelFunc
}

// Messages of one wizard carry it, so a message of a closed wizard is dropped.
type (
	planMsg struct {
		w    *restoreWizard
		plan *backup.Plan
		err  error
	}
	restoreResultMsg struct {
		w   *restoreWizard
		out backup.RestoreOutcome
		err error
	}
)

func newRestoreWizard(ops BackupOps, archive string) *restoreWizard {
	return &restoreWizard{ops: ops, archive: archive}
}

// start verifies the archive and computes the plan; nothing is changed.
func (w *restoreWizard) start() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	ops, archive := w.ops, w.archive
	return func() tea.Msg {
		plan, err := ops.PrepareRestore(ctx, archive)
		return planMsg{w: w, plan: plan, err: err}
	}
}

func (w *restoreWizard) capturing() bool { return w.step == stepConfirm }

func (w *restoreWizard) bindings() []key.Binding {
	b := func(k, help string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, help)) }
	switch w.step {
	case stepVerify:
		return []key.Binding{b("esc", "cancel")}
	case stepReview:
		return []key.Binding{b("enter", "continue"), b("esc", "cancel")}
	case stepConfirm:
		return []key.Binding{b("enter", "restore"), b("esc", "cancel")}
	case stepDone, stepFailed:
		return []key.Binding{b("enter", "close")}
	}
	return nil
}

// update handles one message; done says the wizard closed.
func (w *restoreWizard) update(msg tea.Msg) (tea.Cmd, bool) {
	switch m := msg.(type) {
	case planMsg:
		if m.w != w || w.step != stepVerify {
			return nil, false
		}
		if m.err != nil {
			w.step, w.err = stepFailed, m.err
			return nil, false
		}
		w.plan, w.step = m.plan, stepReview
		return nil, false
	case progressBatchMsg:
		if m.feed != w.feed || w.feed == nil {
			return nil, false
		}
		w.prog.apply(m.items)
		return w.feed.next(), false
	case restoreResultMsg:
		if m.w != w {
			return nil, false
		}
		w.outcome, w.err = m.out, m.err
		if m.err != nil {
			w.step = stepFailed
			return setStatus(levelError, "restore failed; see the Backups tab"), false
		}
		w.step = stepDone
		return setStatus(levelSuccess, "restore complete"), false
	case tea.KeyPressMsg:
		return w.key(m)
	}
	return nil, false
}

func (w *restoreWizard) key(m tea.KeyPressMsg) (tea.Cmd, bool) {
	k := m.String()
	switch w.step {
	case stepVerify, stepReview:
		switch k {
		case "esc", "ctrl+c", "q", "n":
			w.cancel()
			return setStatus(levelInfo, "restore cancelled; nothing was changed"), true
		case "enter":
			if w.step == stepReview {
				w.step = stepConfirm
			}
		}
	case stepConfirm:
		switch k {
		case "esc", "ctrl+c":
			w.cancel()
			return setStatus(levelInfo, "restore cancelled; nothing was changed"), true
		case "enter":
			if w.typed != w.plan.Target {
				w.typed = ""
				return setStatus(levelWarn, "the name does not match; type "+w.plan.Target+" exactly"), false
			}
			return w.run(), false
		case "backspace":
			if w.typed != "" {
				w.typed = w.typed[:len(w.typed)-1]
			}
		default:
			w.typed += m.Key().Text
		}
	case stepDone, stepFailed:
		if k == "enter" || k == "esc" || k == "q" {
			return nil, true
		}
	}
	return nil, false
}

// run executes the plan in a command whose progress goes through a feed (batched, never
// blocking the restore) and whose result comes after the last batch.
func (w *restoreWizard) run() tea.Cmd {
	w.step = stepRunning
	w.feed = newProgressFeed()
	w.prog = newProgressView(w.feed.began, planTotals(w.plan))
	ops, plan := w.ops, w.plan
	return w.feed.start(func(progress backup.ProgressFunc) tea.Msg {
		out, err := ops.ExecuteRestore(context.Background(), plan, progress)
		return restoreResultMsg{w: w, out: out, err: err}
	})
}

// planTotals gives the restore's reports the document count each collection will hold, which
// the plan knows and the reports do not repeat until a collection is done.
func planTotals(plan *backup.Plan) func(backup.Progress) (int64, int64) {
	docs := map[string]int64{}
	for _, c := range plan.Collections {
		if c.DocsThen > 0 {
			docs[c.DB+"."+c.Name] = c.DocsThen
		}
	}
	return func(p backup.Progress) (int64, int64) {
		if p.Phase == "restore" {
			return docs[p.Item], 0
		}
		return 0, 0
	}
}

func (w *restoreWizard) render(st Styles, width, height int) string {
	title := st.DialogTitle.Render("Restore " + clean(w.archive))
	var body []string
	switch w.step {
	case stepVerify:
		body = append(body, "Step 1 of 4: verifying the archive (checksums, every document)…", "", st.Muted.Render("esc cancels"))
	case stepReview, stepConfirm:
		body = append(body, "Step 2 of 4: what will change", "")
		body = append(body, w.planLines(st, width)...)
		body = append(body, "", "A safety backup of everything listed is taken before anything is replaced.")
		if w.step == stepReview {
			body = append(body, "", st.Muted.Render("enter continues · esc cancels (cancel is the default)"))
		} else {
			body = append(body, "", "Step 3 of 4: type "+st.Warn.Render(w.plan.Target)+" and press enter to restore (esc cancels):", "> "+clean(w.typed)+"█")
		}
	case stepRunning:
		body = append(body, wrapText("Step 4 of 4: restoring — safety backup, stop writers, restore, start, health, counts", width), "")
		body = append(body, w.prog.render(st, width)...)
	case stepDone:
		body = append(body, st.OK.Render("Restore complete: counts checked, services healthy."), "",
			"The state from before is kept in "+clean(w.outcome.Safety), "", st.Muted.Render("enter closes"))
	case stepFailed:
		body = append(body, st.Critical.Render("Restore stopped."), "")
		var failed *backup.RestoreFailedError
		if errors.As(w.err, &failed) {
			body = append(body, wrapText("Error: "+clean(failed.Err.Error()), width),
				"", "Nothing further was restored. Put the previous state back with:", st.Warn.Render(clean(failed.Command)))
		} else {
			body = append(body, wrapText(clean(w.err.Error()), width), "", "Nothing was changed.")
		}
		body = append(body, "", st.Muted.Render("enter closes"))
	}
	out := strings.Join(append([]string{title, ""}, body...), "\n")
	lines := strings.Split(out, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines { // a long archive path or error must not widen the frame
		if lipgloss.Width(l) > width {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func (w *restoreWizard) planLines(st Styles, width int) []string {
	var out []string
	if len(w.plan.Collections) > 0 {
		out = append(out, st.ColumnHeader.Render(fit(fmt.Sprintf("%-40s %14s %14s", "COLLECTION", "DOCS NOW", "AFTER"), width)))
		for _, c := range w.plan.Collections {
			out = append(out, fit(fmt.Sprintf("%-40s %14s %14s", clean(c.DB+"."+c.Name), docCount(c.DocsNow, "absent"), docCount(c.DocsThen, "dropped")), width))
		}
	}
	if len(w.plan.Volumes) > 0 {
		out = append(out, st.ColumnHeader.Render(fit(fmt.Sprintf("%-40s %14s %14s", "VOLUME", "BYTES NOW", "AFTER"), width)))
		for _, v := range w.plan.Volumes {
			now := "absent"
			if v.BytesNow >= 0 {
				now = humanBytes(uint64(v.BytesNow))
			}
			out = append(out, fit(fmt.Sprintf("%-40s %14s %14s", clean(v.Name), now, humanBytes(uint64(v.BytesThen))), width))
		}
	}
	if len(w.plan.Writers) > 0 {
		out = append(out, "Stopped during the restore: "+clean(strings.Join(w.plan.Writers, ", ")))
	}
	return out
}

func docCount(n int64, negative string) string {
	if n < 0 {
		return negative
	}
	return fmt.Sprint(n)
}

// wrapText breaks s into lines of at most width cells at spaces.
func wrapText(s string, width int) string {
	if width < 20 {
		return s
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
