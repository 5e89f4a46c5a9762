package ui

import (
	"image/color"
	"os"

	"charm.land/lipgloss/v2"
)

// Styles are the semantic styles of the console. Panes ask for "ok" or "critical", never for a
// colour, so dark, light and no-colour terminals are one switch here.
type Styles struct {
	Title, Header, Muted, Selected, OK, Warn, Critical, Info lipgloss.Style
	TabActive, TabInactive, StatusBar, Dialog, DialogTitle   lipgloss.Style
	GroupHeader, ColumnHeader, AlertRow                      lipgloss.Style
	// Palette gives per-service colours (logs, traces).
	Palette []color.Color
}

// NewStyles builds the styles for a dark or light background. With NO_COLOR set, only bold,
// reverse and faint remain, so selection and severity still read.
func NewStyles(dark bool) Styles {
	if os.Getenv("NO_COLOR") != "" {
		plain := lipgloss.NewStyle()
		return Styles{
			Title: plain.Bold(true), Header: plain.Bold(true), Muted: plain.Faint(true),
			Selected: plain.Reverse(true), OK: plain, Warn: plain.Bold(true), Critical: plain.Bold(true).Underline(true),
			Info: plain, TabActive: plain.Reverse(true).Padding(0, 1), TabInactive: plain.Padding(0, 1),
			StatusBar: plain.Reverse(true), Dialog: plain.Border(lipgloss.NormalBorder()).Padding(0, 1),
			DialogTitle: plain.Bold(true), GroupHeader: plain.Bold(true), ColumnHeader: plain.Bold(true).Underline(true),
			AlertRow: plain.Bold(true),
		}
	}
	ld := lipgloss.LightDark(dark)
	fg := ld(lipgloss.Color("#1f2328"), lipgloss.Color("#e6edf3"))
	muted := ld(lipgloss.Color("#6e7781"), lipgloss.Color("#8b949e"))
	green := ld(lipgloss.Color("#1a7f37"), lipgloss.Color("#3fb950"))
	yellow := ld(lipgloss.Color("#9a6700"), lipgloss.Color("#d29922"))
	red := ld(lipgloss.Color("#cf222e"), lipgloss.Color("#f85149"))
	blue := ld(lipgloss.Color("#0969da"), lipgloss.Color("#58a6ff"))
	selBg := ld(lipgloss.Color("#ddf4ff"), lipgloss.Color("#1f3b5c"))
	barBg := ld(lipgloss.Color("#eaeef2"), lipgloss.Color("#21262d"))
	s := lipgloss.NewStyle()
	return Styles{
		Title:        s.Bold(true).Foreground(blue),
		Header:       s.Foreground(fg),
		Muted:        s.Foreground(muted),
		Selected:     s.Background(selBg).Bold(true),
		OK:           s.Foreground(green),
		Warn:         s.Foreground(yellow),
		Critical:     s.Foreground(red).Bold(true),
		Info:         s.Foreground(blue),
		TabActive:    s.Bold(true).Foreground(fg).Background(selBg).Padding(0, 1),
		TabInactive:  s.Foreground(muted).Padding(0, 1),
		StatusBar:    s.Foreground(fg).Background(barBg),
		Dialog:       s.Border(lipgloss.RoundedBorder()).BorderForeground(blue).Padding(0, 1),
		DialogTitle:  s.Bold(true).Foreground(blue),
		GroupHeader:  s.Bold(true).Foreground(muted),
		ColumnHeader: s.Bold(true).Foreground(muted),
		AlertRow:     s.Foreground(red),
		Palette: []color.Color{
			lipgloss.Color("#58a6ff"), lipgloss.Color("#3fb950"), lipgloss.Color("#d29922"), lipgloss.Color("#bc8cff"),
			lipgloss.Color("#39c5cf"), lipgloss.Color("#ff7b72"), lipgloss.Color("#e3b341"), lipgloss.Color("#79c0ff"),
			lipgloss.Color("#56d364"), lipgloss.Color("#f778ba"),
		},
	}
}
