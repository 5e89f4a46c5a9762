package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/survey-platform/surveytui/internal/ops/scan"
)

// scanCountCols are the severity columns of the table, highest first.
var scanCountCols = []struct {
	title string
	sev   scan.Severity
}{{"CRIT", scan.SeverityCritical}, {"HIGH", scan.SeverityHigh}, {"MED", scan.SeverityMedium}, {"LOW", scan.SeverityLow}, {"UNK", scan.SeverityUnknown}}

func countCells(c scan.Counts, n int) string {
	cells := make([]string, 0, n)
	for _, col := range scanCountCols[:n] {
		v := c.Get(col.sev)
		s := "·"
		if v > 0 {
			s = fmt.Sprint(v)
		}
		cells = append(cells, fitRight(s, 4))
	}
	return strings.Join(cells, " ")
}

func countHeader(n int) string {
	cells := make([]string, 0, n)
	for _, col := range scanCountCols[:n] {
		cells = append(cells, fitRight(col.title, 4))
	}
	return strings.Join(cells, " ")
}

// tableLines: per-service counts (vulnerabilities of its images and audit findings), then
// per-image counts with where the raw report is or why the image failed.
func (p *scanPane) tableLines(st Styles, width, height int) []string {
	s := p.last
	byService := s.ByService()
	const nameW = 30
	header := fit("SERVICE", nameW) + " " + st.Muted.Render("vulns ") + countHeader(5) + "  " + st.Muted.Render("audit ") + countHeader(4)
	type entry struct {
		text string
		row  int // -1 for a section line
	}
	var entries []entry
	entries = append(entries, entry{st.ColumnHeader.Render(fit(header, width)), -1})
	row := 0
	for _, sc := range byService {
		line := fit(clean(sc.Service), nameW) + " " + "      " + countCells(sc.Vulnerabilities, 5) + "  " + "      " + countCells(sc.Findings, 4)
		entries = append(entries, entry{p.styleRow(st, fit(line, width), row, sc.Vulnerabilities.AtLeast(p.minSev)+sc.Findings.AtLeast(p.minSev), sc.Vulnerabilities.Plus(sc.Findings)), row})
		row++
	}
	if len(s.Images) > 0 {
		entries = append(entries, entry{"", -1}, entry{st.ColumnHeader.Render(fit(fit("IMAGE", nameW)+" "+"      "+countHeader(5)+"  RESULT", width)), -1})
	}
	for _, img := range s.Images {
		result := img.ReportFile
		if img.Error != "" {
			result = "failed: " + oneLine(img.Error)
		}
		line := fit(clean(img.Image), nameW) + " " + "      " + countCells(img.Counts, 5) + "  " + clean(result)
		styled := p.styleRow(st, fit(line, width), row, img.Counts.AtLeast(p.minSev), img.Counts)
		if img.Error != "" && row != p.cursor {
			styled = st.Warn.Render(fit(line, width))
		}
		entries = append(entries, entry{styled, row})
		row++
	}
	for _, e := range s.AuditErrors {
		entries = append(entries, entry{st.Warn.Render(fit("not audited: "+clean(oneLine(e)), width)), -1})
	}
	entries = append(entries, entry{st.Muted.Render(fit("enter: findings and fixes · s: scan again · f: minimum severity", width)), -1})

	// Scroll so the cursor's line is visible.
	cursorLine := 0
	for i, e := range entries {
		if e.row == p.cursor {
			cursorLine = i
		}
	}
	if cursorLine < p.offset {
		p.offset = cursorLine
	}
	if cursorLine >= p.offset+height {
		p.offset = cursorLine - height + 1
	}
	p.offset = min(p.offset, max(0, len(entries)-height))
	out := make([]string, 0, height)
	for i := p.offset; i < len(entries) && len(out) < height; i++ {
		out = append(out, entries[i].text)
	}
	return out
}

func (p *scanPane) styleRow(st Styles, line string, row, shown int, c scan.Counts) string {
	switch {
	case row == p.cursor:
		return st.Selected.Render(line)
	case shown == 0:
		return st.Muted.Render(line)
	case c.Critical > 0:
		return st.Critical.Render(line)
	case c.High > 0:
		return st.Warn.Render(line)
	}
	return line
}

// drillLines lists one row's findings (with evidence and fix) and vulnerabilities at or
// above the filter, scrolled by dscroll.
func (p *scanPane) drillLines(st Styles, width, height int) []string {
	s, row := p.last, p.drill
	var lines []string
	title := "image " + row.image
	if row.service != "" {
		title = "service " + row.service
	}
	lines = append(lines, st.Title.Render(fit(clean(title)+"  ("+sevFilterName(p.minSev)+"; esc back)", width)))
	sevStyle := func(sev scan.Severity) string {
		text := fit(sev.String(), 9)
		switch sev {
		case scan.SeverityCritical:
			return st.Critical.Render(text)
		case scan.SeverityHigh:
			return st.Warn.Render(text)
		}
		return text
	}
	indent := strings.Repeat(" ", 9)
	if row.service != "" {
		n := 0
		for _, f := range s.Findings {
			if !findingOf(f, row.service) || f.Severity < p.minSev {
				continue
			}
			n++
			where := f.Source
			if f.Container != "" {
				where += ", " + f.Container
			}
			lines = append(lines,
				sevStyle(f.Severity)+fit(fmt.Sprintf("%-5s %s [%s]", f.CheckID, clean(f.Title), clean(where)), width-9),
				indent+st.Muted.Render(fit("evidence: "+clean(oneLine(f.Evidence)), width-9)),
				indent+st.OK.Render(fit("fix: "+clean(oneLine(f.Fix)), width-9)))
		}
		if n == 0 {
			lines = append(lines, st.Muted.Render("no hardening findings at this filter"))
		}
	}
	for _, img := range s.Images {
		if row.image != img.Image && (row.service == "" || !slices.Contains(img.Services, row.service)) {
			continue
		}
		lines = append(lines, "", st.GroupHeader.Render(fit("vulnerabilities of "+clean(img.Image), width)))
		if img.Error != "" {
			lines = append(lines, st.Warn.Render(fit("scan failed: "+clean(oneLine(img.Error)), width)))
		}
		n := 0
		for _, v := range img.Vulnerabilities {
			if v.Severity < p.minSev {
				continue
			}
			n++
			fixed := v.FixedVersion
			if fixed == "" {
				fixed = "no fix yet"
			}
			lines = append(lines, sevStyle(v.Severity)+fit(fmt.Sprintf("%s  %s %s → %s  %s", clean(v.VulnerabilityID), clean(v.PkgName),
				clean(v.InstalledVersion), clean(fixed), clean(oneLine(v.Title))), width-9))
		}
		if n == 0 && img.Error == "" {
			lines = append(lines, st.Muted.Render("none at this filter"))
		}
	}
	p.dscroll = min(p.dscroll, max(0, len(lines)-height))
	end := min(len(lines), p.dscroll+height)
	return lines[p.dscroll:end]
}

// findingOf says whether a finding belongs to the service row (a finding without a service
// is listed under its container's name, as Summary.ByService does).
func findingOf(f scan.Finding, service string) bool {
	if f.Service != "" {
		return f.Service == service
	}
	return f.Container == service
}
