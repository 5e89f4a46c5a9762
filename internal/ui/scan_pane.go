package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/survey-platform/surveytui/internal/ops/scan"
)

// Scanner runs security scans for the UI (Trivy and the hardening audit). cmd/surveytui adapts
// scan.Run to it; UI tests hand in a fake.
type Scanner interface {
	// Scan runs one scan; progress is called from other goroutines and must not block long.
	Scan(ctx context.Context, progress func(scan.Progress)) (*scan.Summary, error)
	// Last returns the newest saved scan; an error wrapping scan.ErrNoScan means none yet.
	Last() (*scan.Summary, error)
}

// scanPane shows the last scan: counts per service and per image, a drill-down into one row's
// findings (with how to fix them) and a minimum-severity filter. A scan runs in the background
// with one progress line per image. It is a Pane: the App hands it keys while it has focus,
// s from any pane (GlobalKeys), and every other message.
type scanPane struct {
	scanner Scanner
	keys    KeyMap
	height  int // body height at the last render, for page up/down

	last    *scan.Summary
	lastErr error
	loaded  bool

	running bool
	req     int               // tags the running scan's messages; older ones are dropped
	images  map[string]string // image -> progress state while running
	order   []string
	stage   string

	cursor  int
	offset  int
	minSev  scan.Severity // filter: show items at this severity or above
	drill   *scanRow      // the row whose findings are open, nil for the table
	dscroll int
}

// NewScanPane is the Scan tab, running scans through s (nil: the tab says scans are not
// available).
func NewScanPane(s Scanner) Pane { return &scanPane{scanner: s} }

var _ Pane = (*scanPane)(nil)

// Title is the tab label; it says when a scan is running.
func (p *scanPane) Title() string {
	if p.running {
		return "Scan…"
	}
	return "Scan"
}

// Init loads the last saved scan.
func (p *scanPane) Init(ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	return p.init(p.scanner)
}

// Update handles the pane's results, and keys while it has focus (s from anywhere).
func (p *scanPane) Update(msg tea.Msg, ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	if cmd, ok := p.update(msg); ok {
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if key.Matches(k, ctx.Keys.Scan) {
			return p.start(p.scanner)
		}
		cmd, _ := p.key(k, ctx.Keys, max(1, p.height))
		return cmd
	}
	return nil
}

// Render draws the pane.
func (p *scanPane) Render(ctx PaneContext, width, height int) string {
	p.height = height
	return p.render(ctx.Styles, width, height, ctx.Now)
}

// Bindings are the pane's keys for the help line.
func (p *scanPane) Bindings() []key.Binding { return p.bindings(p.keys) }

// GlobalKeys: s starts a scan from any pane.
func (p *scanPane) GlobalKeys() []key.Binding { return []key.Binding{p.keys.Scan} }

// Capturing is false: the pane takes no text input.
func (p *scanPane) Capturing() bool { return false }

// scanRow is one table row: a service or an image.
type scanRow struct {
	service string // set for a service row
	image   string // set for an image row
}

// Messages of the scan pane; req ties them to one scan so stale ones are dropped.
type (
	scanLoadedMsg struct {
		sum *scan.Summary
		err error
	}
	scanEventMsg struct {
		req int
		msg tea.Msg // scanProgressMsg or scanDoneMsg
		ch  <-chan tea.Msg
	}
	scanProgressMsg scan.Progress
	scanDoneMsg     struct {
		sum *scan.Summary
		err error
	}
)

// init loads the last saved scan, so its results (and their age) show from the start.
func (p *scanPane) init(s Scanner) tea.Cmd {
	if s == nil {
		return nil
	}
	return func() tea.Msg {
		sum, err := s.Last()
		return scanLoadedMsg{sum: sum, err: err}
	}
}

// start begins a background scan. The work runs in the returned command; the model keeps only
// the request number. The Scanner ties the scan to the session, so quitting stops it.
func (p *scanPane) start(s Scanner) tea.Cmd {
	if s == nil {
		return setStatus(levelWarn, "security scan is not available in this session")
	}
	if p.running {
		return setStatus(levelWarn, "a security scan is already running")
	}
	p.req++
	p.running, p.images, p.order, p.stage = true, map[string]string{}, nil, "starting"
	req := p.req
	return tea.Batch(setStatus(levelInfo, "security scan started (results below when done)"), func() tea.Msg {
		ch := make(chan tea.Msg, 32)
		go func() {
			defer close(ch)
			// The reader drains ch until it is closed, so these sends cannot block for long.
			sum, err := s.Scan(context.Background(), func(pr scan.Progress) { ch <- scanProgressMsg(pr) })
			ch <- scanDoneMsg{sum: sum, err: err}
		}()
		return scanEventMsg{req: req, msg: <-ch, ch: ch}
	})
}

func waitScanEvent(req int, ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		m, ok := <-ch
		if !ok {
			return nil
		}
		return scanEventMsg{req: req, msg: m, ch: ch}
	}
}

// update handles the pane's own messages; ok is false for every other message.
func (p *scanPane) update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case scanLoadedMsg:
		p.loaded = true
		if !p.running || p.last == nil {
			p.last, p.lastErr = msg.sum, msg.err
		}
		if msg.err != nil && !errors.Is(msg.err, scan.ErrNoScan) {
			return setStatus(levelWarn, "last scan: "+oneLine(msg.err.Error())), true
		}
		return nil, true
	case scanEventMsg:
		if msg.req != p.req {
			return nil, true // a cancelled or superseded scan
		}
		switch m := msg.msg.(type) {
		case scanProgressMsg:
			p.progress(scan.Progress(m))
			return waitScanEvent(msg.req, msg.ch), true
		case scanDoneMsg:
			p.running = false
			if m.sum == nil {
				return setStatus(levelError, "security scan failed: "+oneLine(errString(m.err))), true
			}
			p.last, p.lastErr, p.loaded = m.sum, nil, true
			p.cursor, p.drill = min(p.cursor, max(0, len(p.rows())-1)), nil
			text := fmt.Sprintf("security scan done: vulnerabilities %s, hardening %s", m.sum.Vulnerabilities, m.sum.FindingCounts)
			level := levelSuccess
			if m.sum.Vulnerabilities.AtLeast(scan.SeverityHigh)+m.sum.FindingCounts.AtLeast(scan.SeverityHigh) > 0 {
				level = levelWarn
			}
			if m.err != nil {
				text, level = text+"; "+oneLine(m.err.Error()), levelWarn
			}
			return setStatus(level, text), true
		}
		return waitScanEvent(msg.req, msg.ch), true
	}
	return nil, false
}

func errString(err error) string {
	if err == nil {
		return "no result"
	}
	return err.Error()
}

func (p *scanPane) progress(pr scan.Progress) {
	if pr.Image == nil {
		p.stage = pr.Message
		return
	}
	im := pr.Image
	if _, seen := p.images[im.Image]; !seen {
		p.order = append(p.order, im.Image)
	}
	switch {
	case !im.Done:
		p.images[im.Image] = "scanning"
	case im.Err != nil:
		p.images[im.Image] = "failed: " + oneLine(im.Err.Error())
	default:
		p.images[im.Image] = im.Counts.String()
	}
	p.stage = fmt.Sprintf("images %d/%d", p.doneImages(), im.Total)
}

func (p *scanPane) doneImages() int {
	n := 0
	for _, st := range p.images {
		if st != "scanning" {
			n++
		}
	}
	return n
}

// rows are the table's lines: every service, then every image.
func (p *scanPane) rows() []scanRow {
	if p.last == nil {
		return nil
	}
	var out []scanRow
	for _, sc := range p.last.ByService() {
		out = append(out, scanRow{service: sc.Service})
	}
	for _, img := range p.last.Images {
		out = append(out, scanRow{image: img.Image})
	}
	return out
}

// scanKeys are the pane's own bindings besides navigation: the severity filter.

// bindings are shown in the short help when the pane has focus.
func (p *scanPane) bindings(k KeyMap) []key.Binding {
	if p.drill != nil {
		return []key.Binding{k.Up, k.Down, p.keys.SeverityFilter, k.Back}
	}
	return []key.Binding{k.Up, k.Down, k.Enter, k.Scan, p.keys.SeverityFilter}
}

// key handles a key while the pane has focus; ok is false for keys the app handles.
func (p *scanPane) key(msg tea.KeyPressMsg, k KeyMap, height int) (tea.Cmd, bool) {
	n := len(p.rows())
	move := func(d int) {
		if p.drill != nil {
			p.dscroll = max(0, p.dscroll+d)
			return
		}
		p.cursor = min(max(p.cursor+d, 0), max(0, n-1))
	}
	switch {
	case key.Matches(msg, p.keys.SeverityFilter):
		p.minSev = (p.minSev + 1) % (scan.SeverityCritical + 1)
		p.dscroll = 0
		return setStatus(levelInfo, "showing "+sevFilterName(p.minSev)), true
	case key.Matches(msg, k.Up):
		move(-1)
	case key.Matches(msg, k.Down):
		move(1)
	case key.Matches(msg, k.PageUp):
		move(-height)
	case key.Matches(msg, k.PageDown):
		move(height)
	case key.Matches(msg, k.Top):
		move(-1 << 20)
	case key.Matches(msg, k.Bottom):
		move(1 << 20)
	case key.Matches(msg, k.Enter) && p.drill == nil && n > 0:
		row := p.rows()[p.cursor]
		p.drill, p.dscroll = &row, 0
	case key.Matches(msg, k.Back) && p.drill != nil:
		p.drill = nil
	default:
		return nil, false
	}
	return nil, true
}

func sevFilterName(s scan.Severity) string {
	if s == scan.SeverityUnknown {
		return "every severity"
	}
	if s == scan.SeverityCritical {
		return "CRITICAL only"
	}
	return s.String() + " and above"
}

func (p *scanPane) render(st Styles, width, height int, now time.Time) string {
	out := []string{p.headline(st, width, now)}
	if p.running {
		out = append(out, p.progressLines(st, width)...)
	}
	switch {
	case p.last == nil && !p.loaded:
		out = append(out, st.Muted.Render("reading the last scan…"))
	case p.last == nil:
		out = append(out, st.Muted.Render(fit("no scan yet: press s to scan images (Trivy) and audit the containers", width)))
	case p.drill != nil:
		out = append(out, p.drillLines(st, width, max(1, height-len(out)))...)
	default:
		out = append(out, p.tableLines(st, width, max(1, height-len(out)))...)
	}
	if len(out) > height {
		out = out[:height]
	}
	return strings.Join(out, "\n")
}

func (p *scanPane) headline(st Styles, width int, now time.Time) string {
	filter := st.Muted.Render("  [f] " + sevFilterName(p.minSev))
	if p.last == nil {
		return fit(st.Title.Render("Security scan")+filter, width)
	}
	s := p.last
	age := "just now"
	if d := now.Sub(s.FinishedAt).Round(time.Second); d > 0 {
		age = humanDuration(d) + " ago"
	}
	text := fmt.Sprintf("last scan %s (%s) · vulnerabilities %s · hardening %s", age,
		s.FinishedAt.Local().Format("Jan 2 15:04"), s.Vulnerabilities, s.FindingCounts)
	style := st.OK
	switch {
	case s.Vulnerabilities.Critical+s.FindingCounts.Critical > 0:
		style = st.Critical
	case s.Vulnerabilities.High+s.FindingCounts.High > 0:
		style = st.Warn
	}
	line := style.Render(fit(text, max(10, width-lipgloss.Width(filter)))) + filter
	if s.Trivy != "" && s.Trivy != scan.TrivyRan {
		line += "\n" + st.Warn.Render(fit(clean(oneLine(s.Trivy)), width))
	}
	return line
}

func (p *scanPane) progressLines(st Styles, width int) []string {
	out := []string{st.Info.Render(fit("scanning… "+clean(p.stage), width))}
	for _, img := range p.order {
		out = append(out, st.Muted.Render(fit("  "+clean(img)+"  "+clean(p.images[img]), width)))
	}
	return out
}
