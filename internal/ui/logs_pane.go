package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/logs"
)

// LogSources opens the logs pane's stream. cmd/surveytui builds it from the configuration
// (Elasticsearch with the engine as fallback, or the engine alone) and ties the stream to the
// session, so quitting stops it; UI tests hand in a fake.
type LogSources interface {
	Open(ctx context.Context) (logs.Source, error)
}

// LogsPaneOptions tune the logs pane; zero values take defaults.
type LogsPaneOptions struct {
	BufferLines, BufferBytes int
	// SaveDir is where ctrl+s writes (default: the working directory).
	SaveDir string
}

// logsPane shows one stream of log entries in a bounded buffer: follow mode (scrolling up
// pauses and counts new lines), a `/` filter in the query syntax of package logs, a trace view
// of one correlation ID across services, and expanded JSON fields. Entries are sanitized by
// package logs before they get here; the pane only styles them.
type logsPane struct {
	sources LogSources
	opts    LogsPaneOptions
	keys    KeyMap

	buf     *logs.Buffer
	src     logs.Source
	gen     int // tags stream messages; a re-opened stream drops the old one's
	status  logs.Status
	openErr string
	dropped int
	lastSeq uint64

	query     string
	filter    *logs.Filter
	filterErr string
	editing   bool
	input     string

	view     []uint64 // Seq of the entries passing the filter, oldest first
	cursor   int      // index into view
	offset   int      // first row shown
	follow   bool
	newLines int
	height   int

	wrap, times, noMouse bool
	expanded             bool
	trace                *logs.Trace
	traceScroll          int
}

// NewLogsPane is the Logs tab reading from s (nil: the tab says logs are not available).
func NewLogsPane(s LogSources, opts LogsPaneOptions) Pane {
	return &logsPane{sources: s, opts: opts, buf: logs.NewBuffer(opts.BufferLines, opts.BufferBytes),
		follow: true, times: true}
}

var (
	_ Pane          = (*logsPane)(nil)
	_ ServiceOpener = (*logsPane)(nil)
)

// Messages of the logs pane, tagged with the stream generation.
type (
	logsOpenedMsg struct {
		gen int
		src logs.Source
		err error
	}
	logsBatchMsg struct {
		gen   int
		batch logs.Batch
		ok    bool
	}
	logsSavedMsg struct {
		path string
		n    int
		err  error
	}
)

// Title is the tab label; it flags a source in trouble.
func (p *logsPane) Title() string {
	if p.status.State == logs.StateBackoff || p.status.State == logs.StateUnreachable {
		return "Logs!"
	}
	return "Logs"
}

// Init opens the stream.
func (p *logsPane) Init(ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	if p.sources == nil {
		p.openErr = "logs are not available in this session"
		return nil
	}
	p.gen++
	gen, s := p.gen, p.sources
	return func() tea.Msg {
		src, err := s.Open(context.Background())
		return logsOpenedMsg{gen: gen, src: src, err: err}
	}
}

// nextBatch waits for the stream's next batch; the pane re-arms it after each.
func nextBatch(gen int, src logs.Source) tea.Cmd {
	return func() tea.Msg {
		b, ok := <-src.Batches()
		return logsBatchMsg{gen: gen, batch: b, ok: ok}
	}
}

// OpenService shows the logs of one service (l on the services pane).
func (p *logsPane) OpenService(service string, ctx PaneContext) tea.Cmd {
	p.trace, p.expanded, p.editing = nil, false, false
	return p.setQuery("svc:" + service)
}

// Update handles stream messages always, keys while focused.
func (p *logsPane) Update(msg tea.Msg, ctx PaneContext) tea.Cmd {
	p.keys = ctx.Keys
	switch msg := msg.(type) {
	case logsOpenedMsg:
		if msg.gen != p.gen {
			if msg.src != nil {
				_ = msg.src.Close()
			}
			return nil
		}
		if msg.err != nil {
			p.openErr = oneLine(msg.err.Error())
			return setStatus(levelError, "logs: "+p.openErr)
		}
		p.src, p.openErr = msg.src, ""
		return nextBatch(msg.gen, msg.src)
	case logsBatchMsg:
		if msg.gen != p.gen {
			return nil
		}
		if !msg.ok {
			p.status.State = logs.StateStopped
			return nil
		}
		p.addBatch(msg.batch)
		return nextBatch(msg.gen, p.src)
	case logsSavedMsg:
		if msg.err != nil {
			return setStatus(levelError, "save failed: "+oneLine(msg.err.Error()))
		}
		return setStatus(levelSuccess, fmt.Sprintf("saved %d lines to %s", msg.n, msg.path))
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return nil
}

// addBatch buffers entries and extends the filtered view with those that match.
func (p *logsPane) addBatch(b logs.Batch) {
	if b.Status != nil {
		p.status = *b.Status
	}
	p.dropped += b.Dropped
	if len(b.Entries) == 0 {
		return
	}
	prev := p.lastSeq
	p.lastSeq = p.buf.Append(b.Entries)
	added := 0
	p.buf.Each(p.filter, prev, func(e *logs.Entry) bool {
		p.view = append(p.view, e.Seq)
		added++
		return true
	})
	p.trimEvicted()
	if p.follow {
		p.cursor = max(0, len(p.view)-1)
	} else {
		p.newLines += added
	}
}

// trimEvicted drops view rows whose entries the bounded buffer has let go.
func (p *logsPane) trimEvicted() {
	first := p.buf.FirstSeq()
	n := 0
	for n < len(p.view) && p.view[n] < first {
		n++
	}
	if n == 0 {
		return
	}
	p.view = append(p.view[:0], p.view[n:]...)
	p.cursor = max(0, p.cursor-n)
	p.offset = max(0, p.offset-n)
}

// setQuery compiles q; a bad query keeps the previous filter and says why.
func (p *logsPane) setQuery(q string) tea.Cmd {
	f, err := logs.CompileFilter(q, time.Now())
	if err != nil {
		p.filterErr = err.Error()
		return setStatus(levelError, "filter: "+p.filterErr)
	}
	p.query, p.filter, p.filterErr = q, f, ""
	p.rebuildView()
	return nil
}

// rebuildView re-filters the whole buffer (a compiled filter over 100k entries takes a few ms).
func (p *logsPane) rebuildView() {
	p.view = p.view[:0]
	p.buf.Each(p.filter, 0, func(e *logs.Entry) bool {
		p.view = append(p.view, e.Seq)
		return true
	})
	p.follow, p.newLines, p.offset = true, 0, 0
	p.cursor = max(0, len(p.view)-1)
}

func (p *logsPane) current() (logs.Entry, bool) {
	if p.cursor < 0 || p.cursor >= len(p.view) {
		return logs.Entry{}, false
	}
	return p.buf.BySeq(p.view[p.cursor])
}

func (p *logsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	if p.editing {
		return p.editKey(msg)
	}
	k := p.keys
	page := max(1, p.height-2)
	if p.trace != nil {
		switch {
		case key.Matches(msg, k.Back, p.keys.Trace):
			p.trace = nil
		case key.Matches(msg, k.Up):
			p.traceScroll = max(0, p.traceScroll-1)
		case key.Matches(msg, k.Down):
			p.traceScroll++
		case key.Matches(msg, k.PageUp):
			p.traceScroll = max(0, p.traceScroll-page)
		case key.Matches(msg, k.PageDown):
			p.traceScroll += page
		case key.Matches(msg, k.Top):
			p.traceScroll = 0
		case key.Matches(msg, k.Bottom):
			p.traceScroll = len(p.trace.Entries)
		case key.Matches(msg, p.keys.SaveLogs):
			return p.save(p.trace.Entries)
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		p.editing, p.input = true, p.query
	case key.Matches(msg, k.Back):
		switch {
		case p.expanded:
			p.expanded = false
		case p.query != "":
			return p.setQuery("")
		}
	case key.Matches(msg, k.Enter):
		p.expanded = !p.expanded
	case key.Matches(msg, k.Up):
		p.move(-1)
	case key.Matches(msg, k.Down):
		p.move(1)
	case key.Matches(msg, k.PageUp):
		p.move(-page)
	case key.Matches(msg, k.PageDown):
		p.move(page)
	case key.Matches(msg, k.Top):
		p.move(-len(p.view))
	case key.Matches(msg, k.Bottom):
		p.move(len(p.view))
	case key.Matches(msg, p.keys.Wrap):
		p.wrap = !p.wrap
	case key.Matches(msg, p.keys.Timestamps):
		p.times = !p.times
	case key.Matches(msg, p.keys.Mouse):
		p.noMouse = !p.noMouse
		if p.noMouse {
			return setStatus(levelInfo, "mouse capture off: select text with the mouse; m turns it back on")
		}
		return setStatus(levelInfo, "mouse capture on")
	case key.Matches(msg, p.keys.FilterCID):
		e, ok := p.current()
		if !ok || e.CorrelationID == "" {
			return setStatus(levelWarn, "this line has no correlation ID")
		}
		return p.setQuery("cid:" + e.CorrelationID)
	case key.Matches(msg, p.keys.Trace):
		e, ok := p.current()
		if !ok || e.CorrelationID == "" {
			return setStatus(levelWarn, "this line has no correlation ID to trace")
		}
		tr := logs.TraceOf(p.buf, e.CorrelationID)
		p.trace, p.traceScroll = &tr, 0
	case key.Matches(msg, p.keys.SaveLogs):
		var es []logs.Entry
		for _, seq := range p.view {
			if e, ok := p.buf.BySeq(seq); ok {
				es = append(es, e)
			}
		}
		return p.save(es)
	}
	return nil
}

// move shifts the cursor; leaving the last line pauses follow, reaching it resumes.
func (p *logsPane) move(delta int) {
	if len(p.view) == 0 {
		return
	}
	p.cursor = min(max(0, p.cursor+delta), len(p.view)-1)
	p.follow = p.cursor == len(p.view)-1
	if p.follow {
		p.newLines = 0
	}
}

func (p *logsPane) editKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.editing = false
	case "enter":
		p.editing = false
		return p.setQuery(strings.TrimSpace(p.input))
	case "backspace":
		if r := []rune(p.input); len(r) > 0 {
			p.input = string(r[:len(r)-1])
		}
	case "ctrl+u":
		p.input = ""
	default:
		p.input += msg.Key().Text
	}
	return nil
}

// save writes entries as plain lines to a new file, off the UI goroutine.
func (p *logsPane) save(es []logs.Entry) tea.Cmd {
	dir := p.opts.SaveDir
	return func() tea.Msg {
		name := "surveytui-logs-" + time.Now().Format("20060102-150405") + ".log"
		if dir != "" {
			name = dir + string(os.PathSeparator) + name
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return logsSavedMsg{err: err}
		}
		var b strings.Builder
		for i := range es {
			b.WriteString(logs.PlainLine(&es[i], true))
			b.WriteByte('\n')
		}
		_, err = f.WriteString(b.String())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return logsSavedMsg{path: name, n: len(es), err: err}
	}
}

// Bindings are the pane's keys for the help line.
func (p *logsPane) Bindings() []key.Binding {
	k := p.keys
	return []key.Binding{k.Filter, p.keys.FilterCID, p.keys.Trace, k.Enter, p.keys.Wrap, p.keys.Timestamps, p.keys.SaveLogs, p.keys.Mouse, k.Bottom}
}

// GlobalKeys: none; l on the services pane reaches the pane through OpenService.
func (p *logsPane) GlobalKeys() []key.Binding { return nil }

// Capturing is true while the filter bar takes text.
func (p *logsPane) Capturing() bool { return p.editing }

// MouseCapture is false after m, so the terminal can select and copy text.
func (p *logsPane) MouseCapture() bool { return !p.noMouse }
