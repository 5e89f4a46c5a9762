package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// sortColumn is what the services pane orders by within each role group.
type sortColumn int

const (
	sortName sortColumn = iota
	sortState
	sortCPU
	sortMemory
	sortRestarts
	sortProbe
	sortColumns
)

func (c sortColumn) String() string {
	return [...]string{"name", "state", "cpu", "memory", "restarts", "probe"}[c]
}

// servicesPane lists services grouped by role. The selection follows the service's name, not
// its row, so it stays put while snapshots reorder rows.
type servicesPane struct {
	selected string
	sortBy   sortColumn
	reverse  bool
	filter   string
	offset   int
}

// line is one rendered line: a group header (service empty) or a service row.
type line struct {
	group   platform.Role
	service *monitor.ServiceStatus
}

// lines lays the pane out: role headers, then that role's services, filtered and sorted.
func (p *servicesPane) lines(snap *monitor.Snapshot) []line {
	byRole := map[platform.Role][]*monitor.ServiceStatus{}
	var roles []platform.Role
	for i := range snap.Services {
		s := &snap.Services[i]
		if p.filter != "" && !strings.Contains(strings.ToLower(s.Name+" "+string(s.State)+" "+string(s.Role)), strings.ToLower(p.filter)) {
			continue
		}
		if _, ok := byRole[s.Role]; !ok {
			roles = append(roles, s.Role)
		}
		byRole[s.Role] = append(byRole[s.Role], s)
	}
	var out []line
	for _, r := range roles {
		svcs := byRole[r]
		sort.SliceStable(svcs, func(i, j int) bool {
			less := p.less(svcs[i], svcs[j])
			if p.reverse {
				return p.less(svcs[j], svcs[i])
			}
			return less
		})
		out = append(out, line{group: r})
		for _, s := range svcs {
			out = append(out, line{group: r, service: s})
		}
	}
	return out
}

func (p *servicesPane) less(a, b *monitor.ServiceStatus) bool {
	switch p.sortBy {
	case sortState:
		if a.State != b.State {
			return stateRank(a.State) > stateRank(b.State)
		}
	case sortCPU:
		if a.CPUPercent != b.CPUPercent {
			return a.CPUPercent > b.CPUPercent
		}
	case sortMemory:
		if a.MemUsage != b.MemUsage {
			return a.MemUsage > b.MemUsage
		}
	case sortRestarts:
		if a.Restarts != b.Restarts {
			return a.Restarts > b.Restarts
		}
	case sortProbe:
		if la, lb := probeLatency(a), probeLatency(b); la != lb {
			return la > lb
		}
	}
	return a.Name < b.Name
}

func probeLatency(s *monitor.ServiceStatus) time.Duration {
	if s.Probe == nil {
		return -1
	}
	if !s.Probe.OK() {
		return time.Hour
	}
	return s.Probe.Latency
}

func stateRank(s platform.State) int {
	order := []platform.State{platform.StateHealthy, platform.StateRunning, platform.StateStarting, platform.StatePaused,
		platform.StateCreated, platform.StateUnhealthy, platform.StateRestarting, platform.StateExited, platform.StateDead, platform.StateMissing}
	for i, o := range order {
		if o == s {
			return i
		}
	}
	return len(order)
}

// rowsOnly returns the service names in display order.
func (p *servicesPane) rowsOnly(snap *monitor.Snapshot) []string {
	var names []string
	for _, l := range p.lines(snap) {
		if l.service != nil {
			names = append(names, l.service.Name)
		}
	}
	return names
}

// move shifts the selection by delta rows (clamped), or to the top/bottom.
func (p *servicesPane) move(snap *monitor.Snapshot, delta int) {
	names := p.rowsOnly(snap)
	if len(names) == 0 {
		p.selected = ""
		return
	}
	idx := indexOf(names, p.selected)
	if idx < 0 {
		idx = 0
	} else {
		idx = min(max(idx+delta, 0), len(names)-1)
	}
	p.selected = names[idx]
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// ensureSelection keeps a valid selection after a snapshot or filter change.
func (p *servicesPane) ensureSelection(snap *monitor.Snapshot) {
	names := p.rowsOnly(snap)
	if indexOf(names, p.selected) < 0 {
		p.selected = ""
		if len(names) > 0 {
			p.selected = names[0]
		}
	}
}

// clickRow selects the service drawn at body line y (0 = the column header line).
func (p *servicesPane) clickRow(snap *monitor.Snapshot, y int) {
	ls := p.lines(snap)
	i := y - 1 + p.offset
	if i >= 0 && i < len(ls) && ls[i].service != nil {
		p.selected = ls[i].service.Name
	}
}

type column struct {
	title string
	width int
	right bool
}

func servicesColumns(width int) (cols []column, sparks bool) {
	sparks = width >= 120
	cols = []column{{"SERVICE", 32, false}, {"STATE", 10, false}, {"PROBE", 6, true}, {"CPU%", 5, true}}
	if sparks {
		cols = append(cols, column{"", 12, false})
	}
	cols = append(cols, column{"MEM/LIMIT", 11, true})
	if sparks {
		cols = append(cols, column{"", 12, false})
	}
	cols = append(cols, column{"RST", 3, true}, column{"UPTIME", 6, true})
	used := 0
	for _, c := range cols {
		used += c.width + 1
	}
	if extra := width - used; extra > 0 {
		cols[0].width += min(extra, 20)
	} else if extra < 0 {
		cols[0].width = max(12, cols[0].width+extra)
	}
	return cols, sparks
}

// Render draws the pane into width x height cells.
func (p *servicesPane) Render(snap *monitor.Snapshot, st Styles, width, height int, now time.Time, focused bool) string {
	cols, sparks := servicesColumns(width)
	var header []string
	for _, c := range cols {
		if c.right {
			header = append(header, fitRight(c.title, c.width))
		} else {
			header = append(header, fit(c.title, c.width))
		}
	}
	out := []string{st.ColumnHeader.Render(fit(strings.Join(header, " "), width))}
	ls := p.lines(snap)
	if len(ls) == 0 {
		msg := "no services"
		if p.filter != "" {
			msg = fmt.Sprintf("no service matches %q (esc clears the filter)", p.filter)
		}
		out = append(out, st.Muted.Render(msg))
	}
	alerting := alertedServices(snap.Alerts)
	visible := max(1, height-1)
	sel := -1
	for i, l := range ls {
		if l.service != nil && l.service.Name == p.selected {
			sel = i
		}
	}
	if sel >= 0 {
		if sel < p.offset {
			p.offset = sel
		}
		if sel >= p.offset+visible {
			p.offset = sel - visible + 1
		}
	}
	p.offset = min(p.offset, max(0, len(ls)-visible))
	for i := p.offset; i < len(ls) && i < p.offset+visible; i++ {
		l := ls[i]
		if l.service == nil {
			out = append(out, st.GroupHeader.Render(fit("▾ "+strings.ToUpper(string(l.group)), width)))
			continue
		}
		row := p.row(l.service, cols, sparks, now, st, l.service.Name == p.selected && focused)
		rendered := fit(row, width)
		switch {
		case l.service.Name == p.selected && focused:
			rendered = st.Selected.Render(rendered)
		case alerting[l.service.Name] == monitor.SeverityCritical:
			rendered = st.Critical.Render(rendered)
		case alerting[l.service.Name] == monitor.SeverityWarning:
			rendered = st.Warn.Render(rendered)
		}
		out = append(out, rendered)
	}
	return strings.Join(out, "\n")
}

func (p *servicesPane) row(s *monitor.ServiceStatus, cols []column, sparks bool, now time.Time, st Styles, selected bool) string {
	// The marker keeps the selection visible without colour (NO_COLOR, plain terminals).
	name := "  " + clean(s.Name)
	if selected {
		name = "▸ " + clean(s.Name)
	}
	if s.Extra {
		name += " (extra)"
	}
	probe := "-"
	if s.Probe != nil {
		if s.Probe.OK() {
			probe = fmt.Sprintf("%dms", s.Probe.Latency.Milliseconds())
		} else {
			probe = "fail"
		}
	}
	cpu, mem := "-", "-"
	if s.State.OK() || s.State == platform.StateUnhealthy || s.State == platform.StateStarting {
		cpu = fmt.Sprintf("%.1f", s.CPUPercent)
		mem = humanBytes(s.MemUsage)
		if s.MemLimit > 0 {
			mem += "/" + humanBytes(s.MemLimit)
		}
	}
	cells := []string{name, string(s.State), probe, cpu}
	if sparks {
		ceiling := 100.0
		if s.Spec != nil && s.Spec.CPULimit > 0 {
			ceiling = s.Spec.CPULimit * 100
		}
		cells = append(cells, sparkline(s.CPUHistory, 12, ceiling))
	}
	cells = append(cells, mem)
	if sparks {
		cells = append(cells, sparkline(s.MemHistory, 12, float64(s.MemLimit)))
	}
	cells = append(cells, fmt.Sprint(s.Restarts), humanDuration(s.Uptime(now)))
	parts := make([]string, len(cols))
	for i, c := range cols {
		if c.right {
			parts[i] = fitRight(cells[i], c.width)
		} else {
			parts[i] = fit(cells[i], c.width)
		}
	}
	return strings.Join(parts, " ")
}

func alertedServices(alerts []monitor.Alert) map[string]monitor.Severity {
	m := map[string]monitor.Severity{}
	for _, a := range alerts {
		if a.Service != "" && a.Severity > m[a.Service] {
			m[a.Service] = a.Severity
		}
	}
	return m
}
