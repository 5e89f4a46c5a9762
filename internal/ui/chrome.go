package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// headerLine: product, project, engine and its state, sampler, clock.
func (a *App) headerLine() string {
	left := a.st.Title.Render("surveytui") + " " + a.st.Muted.Render(a.deps.Version) + "  project " + a.st.Header.Render(clean(a.deps.Project))
	eng := a.snap.Engine
	var engine string
	switch {
	case !a.hasSnap:
		engine = a.st.Muted.Render("engine " + clean(a.deps.EngineHost) + " …")
	case eng.Reachable:
		engine = a.st.OK.Render("●") + " engine " + clean(eng.Host) + a.st.Muted.Render(" API "+eng.APIVersion)
	default:
		engine = a.st.Critical.Render("● engine unreachable") + a.st.Muted.Render(fmt.Sprintf(" since %s, retrying", eng.Since.Format("15:04:05")))
	}
	if a.deps.ReadOnly {
		engine += "  " + a.st.Warn.Render("READ-ONLY")
	}
	right := a.now.Format("15:04:05")
	gap := a.width - lipgloss.Width(left) - lipgloss.Width(engine) - lipgloss.Width(right) - 4
	if gap < 1 {
		return fit(left+"  "+engine, a.width)
	}
	return left + "  " + engine + strings.Repeat(" ", gap) + "  " + right
}

func (a *App) tabsLine() string {
	var tabs []string
	for f := focus(0); f < a.paneCount(); f++ {
		label := a.title(f)
		if f == focusServices && a.hasSnap {
			ok := 0
			for _, s := range a.snap.Services {
				if s.State.OK() {
					ok++
				}
			}
			label = fmt.Sprintf("%s %d/%d", label, ok, len(a.snap.Services))
		}
		if f == a.focus && a.detail == nil {
			tabs = append(tabs, a.st.TabActive.Render(label))
		} else {
			tabs = append(tabs, a.st.TabInactive.Render(label))
		}
	}
	line := strings.Join(tabs, " ")
	if a.detail != nil {
		line += "  " + a.st.TabActive.Render("Details: "+clean(a.detail.service))
	}
	if a.command != nil {
		line += "  " + a.st.Info.Render(":"+clean(a.command.text)+"█")
	} else if a.filtering || a.services.filter != "" {
		cursor := ""
		if a.filtering {
			cursor = "█"
		}
		line += "  " + a.st.Info.Render("/"+clean(a.services.filter)+cursor)
	}
	return fit(line, a.width)
}

func (a *App) alertsLine() string {
	alerts := a.snap.Alerts
	first := alerts[0]
	style := a.st.Warn
	if first.Severity == monitor.SeverityCritical {
		style = a.st.Critical
	}
	crit := 0
	for _, al := range alerts {
		if al.Severity == monitor.SeverityCritical {
			crit++
		}
	}
	text := fmt.Sprintf("▲ %d alert(s), %d critical: %s", len(alerts), crit, clean(first.Message))
	if len(alerts) > 1 {
		text += fmt.Sprintf("  (+%d more)", len(alerts)-1)
	}
	return style.Render(fit(text, a.width))
}

func (a *App) statusLine() string {
	text := a.status.text
	style := a.st.StatusBar
	switch a.status.level {
	case levelSuccess:
		style = style.Foreground(a.st.OK.GetForeground())
	case levelWarn:
		style = style.Foreground(a.st.Warn.GetForeground())
	case levelError:
		style = style.Foreground(a.st.Critical.GetForeground()).Bold(true)
	}
	if text == "" && a.hasSnap {
		text = fmt.Sprintf("%d services · %d volumes · sampler %s · updated %s", len(a.snap.Services), len(a.snap.Volumes), orDash(a.snap.Sampler), a.snap.Time.Format("15:04:05"))
		style = a.st.StatusBar.Foreground(a.st.Muted.GetForeground())
	}
	return style.Render(fit(" "+clean(text), a.width))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *App) paneBindings() []key.Binding {
	k := a.keys
	if a.detail != nil {
		return []key.Binding{k.Up, k.Down, k.Back, k.Help, k.Quit}
	}
	if p := a.extra(); p != nil {
		return append(p.Bindings(), k.NextPane, k.Help, k.Quit)
	}
	switch a.focus {
	case focusVolumes:
		return []key.Binding{k.Up, k.Down, k.RefreshVolumes, k.NextPane, k.Help, k.Quit}
	}
	return []key.Binding{k.Up, k.Down, k.Enter, k.Restart, k.Filter, k.Sort, k.NextPane, k.Help, k.Quit}
}

func (a *App) shortHelp() string {
	return fit(a.help.ShortHelpView(enabled(a.paneBindings())), a.width)
}

// helpView lists every enabled binding by group, groups side by side as far as the width
// allows.
func (a *App) helpView() string {
	k := a.keys
	groups := []struct {
		title    string
		bindings []key.Binding
	}{
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"Panes", []key.Binding{k.NextPane, k.PrevPane, k.Enter, k.Back, k.Filter, k.Sort, k.Reverse}},
		{"Actions", []key.Binding{k.Restart, k.RefreshVolumes, k.Logs, k.Backup, k.Scan}},
		{"General", []key.Binding{k.Command, k.Help, k.Quit}},
	}
	for _, p := range a.panes {
		groups = append(groups, struct {
			title    string
			bindings []key.Binding
		}{p.Title(), p.Bindings()})
	}
	title := a.st.Title.Render("Keys") + a.st.Muted.Render("  (any key closes; remap them in the config file's keys: section)")
	if a.deps.ReadOnly {
		title += "\n" + a.st.Warn.Render("read-only: actions that change the platform are disabled")
	}
	var blocks []string
	for _, g := range groups {
		lines := []string{a.st.GroupHeader.Render(g.title)}
		for _, b := range enabled(g.bindings) {
			lines = append(lines, a.st.Header.Render(fit(b.Help().Key, 14))+a.st.Muted.Render(b.Help().Desc))
		}
		blocks = append(blocks, lipgloss.NewStyle().Width(36).Render(strings.Join(lines, "\n")))
	}
	perRow := max(1, a.width/36)
	var rows []string
	for i := 0; i < len(blocks); i += perRow {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, blocks[i:min(i+perRow, len(blocks))]...))
	}
	return title + "\n\n" + strings.Join(rows, "\n\n")
}

func enabled(bs []key.Binding) []key.Binding {
	out := bs[:0:0]
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	return out
}
