package ui

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/survey-platform/surveytui/internal/logs"
)

// Render draws the pane: the list (or the trace view) and one status line.
func (p *logsPane) Render(ctx PaneContext, width, height int) string {
	p.height = height
	st := ctx.Styles
	if height < 2 || width < 10 {
		return ""
	}
	var body []string
	switch {
	case p.trace != nil:
		body = p.renderTrace(st, width, height-1)
	case len(p.view) == 0:
		body = []string{st.Muted.Render(fit(p.emptyText(), width))}
	case p.expanded:
		listH := max(1, (height-1)/2)
		body = append(p.renderList(st, width, listH), p.renderFields(st, width, height-1-listH)...)
	default:
		body = p.renderList(st, width, height-1)
	}
	for len(body) < height-1 {
		body = append(body, "")
	}
	return strings.Join(append(body[:height-1], p.statusLine(st, width)), "\n")
}

func (p *logsPane) emptyText() string {
	switch {
	case p.openErr != "":
		return "logs: " + p.openErr
	case p.buf.Len() > 0:
		return "no line matches the filter " + p.query + " (esc clears it)"
	case p.status.State == logs.StateConnecting:
		return "connecting to the log source…"
	}
	return "no log lines yet"
}

// renderList draws rows of the filtered view so that the cursor is visible.
func (p *logsPane) renderList(st Styles, width, rows int) []string {
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	svcW := p.serviceWidth(width)
	lineOf := func(i int) []string {
		e, ok := p.buf.BySeq(p.view[i])
		if !ok {
			return []string{""}
		}
		return p.renderEntry(st, &e, width, svcW, i == p.cursor)
	}
	// Keep the cursor's entry on screen: walk back from it (at most one screen, as every entry
	// takes at least one row) until the rows are full.
	lo := max(p.offset, p.cursor-rows+1, 0)
	if p.follow {
		lo = max(0, p.cursor-rows+1) // following: the newest lines fill the screen
	}
	used := 0
	for i := p.cursor; i >= lo; i-- {
		used += len(lineOf(i))
		if used > rows {
			lo = min(i+1, p.cursor)
			break
		}
	}
	p.offset = lo
	var out []string
	for i := p.offset; i < len(p.view) && len(out) < rows; i++ {
		out = append(out, lineOf(i)...)
	}
	if len(out) > rows {
		out = out[:rows]
	}
	return out
}

func (p *logsPane) serviceWidth(width int) int {
	w := 8
	for _, seq := range p.visibleSample() {
		if e, ok := p.buf.BySeq(seq); ok {
			w = max(w, lipgloss.Width(entryService(&e)))
		}
	}
	return min(w, 26, width/4)
}

// visibleSample is the rows around the cursor, to size the service column.
func (p *logsPane) visibleSample() []uint64 {
	lo := max(0, p.offset)
	hi := min(len(p.view), lo+max(p.height, 50))
	return p.view[lo:hi]
}

func entryService(e *logs.Entry) string {
	if e.Service != "" {
		return e.Service
	}
	return e.Container
}

// renderEntry draws one entry: time, service (in its colour), level (in its colour), message.
// Entry strings are already sanitized; tabs become spaces so columns hold.
func (p *logsPane) renderEntry(st Styles, e *logs.Entry, width, svcW int, selected bool) []string {
	ts := ""
	if p.times {
		ts = "            "
		if !e.Time.IsZero() {
			ts = e.Time.Local().Format("15:04:05.000")
		}
		ts += " "
	}
	svc := fit(entryService(e), svcW) + " "
	lvl := levelLabel(e.Level) + " "
	msg := strings.ReplaceAll(e.Message, "\t", "    ")
	if selected {
		return wrapOrFit(st.Selected, ts+svc+lvl+msg, width, p.wrap)
	}
	line := st.Muted.Render(ts) + serviceStyle(st, entryService(e)).Render(svc) + levelStyle(st, e.Level).Render(lvl) + msg
	return wrapOrFit(lipgloss.NewStyle(), line, width, p.wrap)
}

func wrapOrFit(style lipgloss.Style, s string, width int, wrap bool) []string {
	if !wrap {
		return []string{style.Render(fit(s, width))}
	}
	parts := strings.Split(ansi.Hardwrap(s, width, true), "\n")
	for i := range parts {
		parts[i] = style.Render(fit(parts[i], width))
	}
	return parts
}

func levelLabel(l logs.Level) string {
	if l == logs.LevelUnknown {
		return "  -  "
	}
	return fmt.Sprintf("%-5s", strings.ToUpper(l.String()))
}

func levelStyle(st Styles, l logs.Level) lipgloss.Style {
	switch l {
	case logs.LevelFatal, logs.LevelError:
		return st.Critical
	case logs.LevelWarn:
		return st.Warn
	case logs.LevelInfo:
		return st.OK
	}
	return st.Muted
}

// serviceStyle gives each service a stable colour from the palette.
func serviceStyle(st Styles, svc string) lipgloss.Style {
	if len(st.Palette) == 0 || svc == "" {
		return lipgloss.NewStyle()
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(svc))
	return lipgloss.NewStyle().Foreground(st.Palette[h.Sum32()%uint32(len(st.Palette))])
}

// renderFields shows the selected entry's metadata and structured fields (enter).
func (p *logsPane) renderFields(st Styles, width, rows int) []string {
	e, ok := p.current()
	if !ok || rows <= 0 {
		return nil
	}
	out := []string{st.GroupHeader.Render(fit("── "+entryService(&e)+" · "+e.Container+" · "+e.Source+" "+e.Format.String(), width))}
	meta := []string{"time: " + e.Time.UTC().Format(time.RFC3339Nano), "level: " + e.Level.String()}
	if e.CorrelationID != "" {
		meta = append(meta, "correlation: "+e.CorrelationID)
	}
	if e.Truncated {
		meta = append(meta, "truncated")
	}
	out = append(out, st.Muted.Render(fit(strings.Join(meta, " · "), width)))
	if len(e.Fields) == 0 {
		out = append(out, fit(strings.ReplaceAll(e.Raw, "\t", "    "), width))
	}
	var walk func(fs []logs.Field, indent string)
	walk = func(fs []logs.Field, indent string) {
		for _, f := range fs {
			if sub, ok := f.Value.([]logs.Field); ok {
				out = append(out, st.Header.Render(fit(indent+f.Key+":", width)))
				walk(sub, indent+"  ")
				continue
			}
			val := logs.FieldsString([]logs.Field{{Key: "", Value: f.Value}})
			val = strings.TrimSuffix(strings.TrimPrefix(val, "{:"), "}")
			out = append(out, fit(indent+st.Header.Render(f.Key+": ")+strings.ReplaceAll(val, "\t", "    "), width))
		}
	}
	walk(e.Fields, "  ")
	if len(out) > rows {
		out = out[:rows]
	}
	return out
}

// renderTrace is every line of one correlation ID in time order: offset from the first line,
// service in its colour, level, message; the header names the services and the duration.
func (p *logsPane) renderTrace(st Styles, width, rows int) []string {
	tr := p.trace
	head := fmt.Sprintf("Trace %s · %d lines · %s · %s", tr.CorrelationID, len(tr.Entries), fmtOffset(tr.Duration), strings.Join(tr.Services, " → "))
	out := []string{st.Title.Render(fit(head, width))}
	if len(tr.Entries) == 0 {
		return append(out, st.Muted.Render(fit("no buffered line has this correlation ID", width)))
	}
	svcW := 8
	for _, s := range tr.Services {
		svcW = max(svcW, lipgloss.Width(s))
	}
	svcW = min(svcW, 26, width/4)
	avail := max(1, rows-1)
	p.traceScroll = min(p.traceScroll, max(0, len(tr.Entries)-avail))
	for i := p.traceScroll; i < len(tr.Entries) && len(out) < rows; i++ {
		e := &tr.Entries[i]
		off := fmt.Sprintf("%9s ", "+"+fmtOffset(tr.Offset(e)))
		line := st.Muted.Render(off) + serviceStyle(st, entryService(e)).Render(fit(entryService(e), svcW)+" ") +
			levelStyle(st, e.Level).Render(levelLabel(e.Level)+" ") + strings.ReplaceAll(e.Message, "\t", "    ")
		out = append(out, fit(line, width))
	}
	return out
}

// fmtOffset prints 0ms, 12ms, 1.041s, 2m3s.
func fmtOffset(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.3fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// statusLine: source state, counts, filter, follow state; or the filter bar while typing.
func (p *logsPane) statusLine(st Styles, width int) string {
	if p.editing {
		return st.StatusBar.Render(fit("/"+p.input+"█", width))
	}
	src := "logs"
	if p.status.Source != "" {
		src = p.status.Source
	}
	state := src + " " + p.status.State.String()
	if p.status.Message != "" {
		state += ": " + p.status.Message
	}
	stateStyle := st.Muted
	switch p.status.State {
	case logs.StateBackoff:
		stateStyle = st.Warn
	case logs.StateUnreachable, logs.StateStopped:
		stateStyle = st.Critical
	}
	parts := []string{fmt.Sprintf("%d lines", p.buf.Len())}
	if p.query != "" {
		parts = append(parts, fmt.Sprintf("filter %s (%d)", p.query, len(p.view)))
	}
	if p.dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d dropped", p.dropped))
	}
	switch {
	case p.trace != nil:
		parts = append(parts, "trace (esc back)")
	case p.follow:
		parts = append(parts, "following")
	default:
		parts = append(parts, fmt.Sprintf("paused · %d new (G follows)", p.newLines))
	}
	if p.noMouse {
		parts = append(parts, "mouse off")
	}
	right := strings.Join(parts, " · ")
	if p.filterErr != "" {
		right = st.Critical.Render("filter: "+p.filterErr) + " · " + right
	}
	left := stateStyle.Render(state)
	gap := width - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return fit(left+" · "+right, width)
	}
	return left + strings.Repeat(" ", gap) + right
}
