package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// volumesPane lists the project's named volumes with size, growth and owners.
type volumesPane struct {
	cursor int
	offset int
}

func (p *volumesPane) move(snap *monitor.Snapshot, delta int) {
	p.cursor = min(max(p.cursor+delta, 0), max(0, len(snap.Volumes)-1))
}

// Render draws the pane into width x height cells.
func (p *volumesPane) Render(snap *monitor.Snapshot, st Styles, width, height int, now time.Time, focused bool) string {
	cols := []column{{"VOLUME", 24, false}, {"SIZE", 9, true}, {"GROWTH", 10, true}, {"DRIVER", 7, false}, {"OWNERS", 0, false}}
	// Owners take what the other columns leave.
	cols[4].width = max(10, width-(24+9+10+7+4))
	var header []string
	for _, c := range cols {
		if c.right {
			header = append(header, fitRight(c.title, c.width))
		} else {
			header = append(header, fit(c.title, c.width))
		}
	}
	measured := "not measured yet (v measures now)"
	if !snap.VolumesAt.IsZero() {
		measured = fmt.Sprintf("measured %s ago (v measures now)", humanDuration(now.Sub(snap.VolumesAt).Round(time.Second)))
	}
	out := []string{st.Muted.Render(fit(measured, width)), st.ColumnHeader.Render(fit(strings.Join(header, " "), width))}
	visible := max(1, height-2)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+visible {
		p.offset = p.cursor - visible + 1
	}
	for i := p.offset; i < len(snap.Volumes) && i < p.offset+visible; i++ {
		v := snap.Volumes[i]
		size, growth := "-", "-"
		if v.Missing {
			size = "missing"
		} else if v.Size >= 0 {
			size = humanBytes(uint64(v.Size))
			growth = signedBytes(v.Growth)
		}
		marker := "  "
		if i == p.cursor && focused {
			marker = "▸ "
		}
		cells := []string{marker + clean(v.Name), size, growth, clean(v.Driver), clean(strings.Join(v.Owners, ", "))}
		parts := make([]string, len(cols))
		for j, c := range cols {
			if c.right {
				parts[j] = fitRight(cells[j], c.width)
			} else {
				parts[j] = fit(cells[j], c.width)
			}
		}
		row := fit(strings.Join(parts, " "), width)
		switch {
		case i == p.cursor && focused:
			row = st.Selected.Render(row)
		case v.Missing:
			row = st.Critical.Render(row)
		}
		out = append(out, row)
	}
	if len(snap.Volumes) == 0 {
		out = append(out, st.Muted.Render("no volumes measured yet"))
	}
	return strings.Join(out, "\n")
}

func signedBytes(n int64) string {
	if n < 0 {
		return "-" + humanBytes(uint64(-n))
	}
	return "+" + humanBytes(uint64(n))
}
