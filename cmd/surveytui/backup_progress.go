package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/backup"
)

// printBackupProgress shows progress: on a terminal one line redrawn in place with a bar and an ETA
// when the total is known; otherwise plain lines, at most one a second per item plus every
// change of phase or item. done ends the last line.
func printBackupProgress(w io.Writer) (progress backup.ProgressFunc, done func()) {
	tty := isTerminal(w)
	var (
		last      backup.Progress
		lastAt    time.Time
		itemStart time.Time
		open      bool
	)
	interval := time.Second
	if tty {
		interval = 100 * time.Millisecond
	}
	progress = func(p backup.Progress) {
		same := p.Phase == last.Phase && p.Item == last.Item
		if !same {
			itemStart = time.Now()
		}
		if same && time.Since(lastAt) < interval {
			return
		}
		line := progressLine(p, time.Since(itemStart))
		if tty {
			if open && !same {
				fmt.Fprintln(w)
			}
			fmt.Fprint(w, "\r\x1b[K"+line)
			open = true
		} else {
			fmt.Fprintln(w, line)
		}
		last, lastAt = p, time.Now()
	}
	done = func() {
		if open {
			fmt.Fprintln(w)
		}
		open, last = false, backup.Progress{}
	}
	return progress, done
}

// progressLine is "phase item [bar] 45% 1200/2600 docs 12 MiB ETA 8s: message".
func progressLine(p backup.Progress, elapsed time.Duration) string {
	line := p.Phase
	if p.Item != "" {
		line += " " + logs.Sanitize(p.Item)
	}
	frac := -1.0
	switch {
	case p.TotalDocs > 0:
		frac = float64(p.Docs) / float64(p.TotalDocs)
	case p.TotalBytes > 0:
		frac = float64(p.Bytes) / float64(p.TotalBytes)
	}
	if frac >= 0 {
		frac = min(frac, 1)
		n := int(frac * 20)
		line += fmt.Sprintf(" [%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(".", 20-n), int(frac*100))
	}
	if p.Docs > 0 {
		line += fmt.Sprintf(" %d", p.Docs)
		if p.TotalDocs > 0 {
			line += fmt.Sprintf("/%d", p.TotalDocs)
		}
		line += " docs"
	}
	if p.Bytes > 0 {
		line += " " + humanize.IBytes(uint64(p.Bytes))
	}
	if frac > 0.01 && frac < 1 && elapsed > time.Second {
		eta := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
		line += " ETA " + eta.String()
	}
	if p.Message != "" && !strings.Contains(line, p.Message) {
		line += ": " + logs.Sanitize(p.Message)
	}
	return line
}
