package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/survey-platform/surveytui/internal/logs"
)

// clean makes a string from a container, log or file safe for the screen (logs.Sanitize: no
// control sequence can start) and turns tabs into spaces, which the cell layout cannot measure.
func clean(s string) string {
	s = logs.Sanitize(s)
	if strings.IndexByte(s, '\t') >= 0 {
		s = strings.ReplaceAll(s, "\t", "    ")
	}
	return s
}

// cellWidth is the width of s in terminal cells. Most of what the panes draw is plain ASCII,
// whose width is its length; only the rest pays for grapheme segmentation (it was a third of
// the console's CPU when every cell went through it).
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}

// fit pads or truncates (with …) to exactly w cells; styled text keeps its escape sequences
// intact when cut.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := cellWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = cellWidth(s)
	}
	return s + strings.Repeat(" ", max(0, w-sw))
}

// fitRight right-aligns s in w cells.
func fitRight(s string, w int) string {
	sw := cellWidth(s)
	if sw >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last w values scaled to ceiling (or to their own max when ceiling is 0).
func sparkline(values []float64, w int, ceiling float64) string {
	if len(values) > w {
		values = values[len(values)-w:]
	}
	top := ceiling
	if top <= 0 {
		for _, v := range values {
			top = max(top, v)
		}
	}
	var sb strings.Builder
	sb.WriteString(strings.Repeat(" ", w-len(values)))
	for _, v := range values {
		idx := 0
		if top > 0 {
			idx = int(v / top * float64(len(sparkBlocks)-1))
		}
		idx = min(max(idx, 0), len(sparkBlocks)-1)
		sb.WriteRune(sparkBlocks[idx])
	}
	return sb.String()
}

// humanBytes formats bytes compactly (12M, 1.5G).
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v >= 100 {
		return fmt.Sprintf("%.0f%c", v, "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f%c", v, "KMGTPE"[exp])
}

// humanDuration formats an uptime like docker ps (3d4h, 5h12m, 42s).
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}
