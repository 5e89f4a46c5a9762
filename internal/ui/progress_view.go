package ui

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/ops/backup"
)

// A backup or restore reports progress from its own goroutine, sometimes thousands of times a
// second (every insert batch, every 5000 documents dumped). The UI must neither block the
// operation nor repaint for each report, so progress goes through a progressFeed: the callback
// only records the newest report per item under a lock and pokes a wake channel that never
// blocks; one re-arming command takes everything recorded so far as one batch, at most once
// per progressEvery, and after the last batch the operation's result.

// progressEvery is the shortest time between two progress batches (10 a second at most).
const progressEvery = 100 * time.Millisecond

// maxPendingProgress bounds the reports kept between two batches (one per item; a batch that
// spans more items than this drops the oldest, which only shortens the history shown).
const maxPendingProgress = 64

// maxProgressHistory bounds the finished items listed above the bar.
const maxProgressHistory = 5

// stampedProgress is one report with the time the operation made it.
type stampedProgress struct {
	backup.Progress
	At time.Time
}

// progressFeed carries one operation's progress and result to the UI. Its pointer tags every
// message it yields, so the batches of an operation whose view is gone are dropped.
type progressFeed struct {
	mu       sync.Mutex
	pending  []stampedProgress
	result   tea.Msg
	lastSent time.Time
	wake     chan struct{}
	began    time.Time
	now      func() time.Time
}

// progressBatchMsg is the progress recorded since the previous batch, oldest first.
type progressBatchMsg struct {
	feed  *progressFeed
	items []stampedProgress
}

func newProgressFeed() *progressFeed {
	return &progressFeed{wake: make(chan struct{}, 1), began: time.Now(), now: time.Now}
}

func sameItem(a, b backup.Progress) bool { return a.Phase == b.Phase && a.Item == b.Item }

// push is the operation's ProgressFunc: it records p (replacing the previous report of the same
// item) and never blocks.
func (f *progressFeed) push(p backup.Progress) {
	f.mu.Lock()
	s := stampedProgress{Progress: p, At: f.now()}
	if n := len(f.pending); n > 0 && sameItem(f.pending[n-1].Progress, p) {
		f.pending[n-1] = s
	} else {
		if n == maxPendingProgress {
			copy(f.pending, f.pending[1:])
			f.pending = f.pending[:n-1]
		}
		f.pending = append(f.pending, s)
	}
	f.mu.Unlock()
	f.poke()
}

// finish records the operation's result, delivered after the last progress batch.
func (f *progressFeed) finish(result tea.Msg) {
	f.mu.Lock()
	f.result = result
	f.mu.Unlock()
	f.poke()
}

func (f *progressFeed) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// start is the command that runs op in its own goroutine (so Update does no I/O, not even
// starting it), with push as op's progress callback and op's result finishing the feed, and
// then yields the first batch.
func (f *progressFeed) start(op func(progress backup.ProgressFunc) tea.Msg) tea.Cmd {
	first := f.next()
	return func() tea.Msg {
		go func() { f.finish(op(f.push)) }()
		return first()
	}
}

// next is the re-arming command: it waits for something new, lets at least progressEvery pass
// since the previous batch, and yields the pending reports as one batch, or the result once
// every report has been delivered. The owner calls next again after each batch.
func (f *progressFeed) next() tea.Cmd {
	return func() tea.Msg {
		for {
			f.mu.Lock()
			if len(f.pending) > 0 {
				if wait := progressEvery - f.now().Sub(f.lastSent); wait > 0 && !f.lastSent.IsZero() {
					f.mu.Unlock()
					time.Sleep(wait)
					continue
				}
				items := f.pending
				f.pending, f.lastSent = nil, f.now()
				f.mu.Unlock()
				return progressBatchMsg{feed: f, items: items}
			}
			if f.result != nil {
				r := f.result
				f.mu.Unlock()
				return r
			}
			f.mu.Unlock()
			<-f.wake
		}
	}
}

// progressView shows an operation's progress: the finished items, then the current one with a
// bar, documents and bytes done, rate and ETA. It is plain state updated from batches; its
// times are the operation's own stamps, so rendering never reads the clock.
type progressView struct {
	start   time.Time
	cur     stampedProgress
	have    bool
	base    stampedProgress // where the current item's rate is measured from
	history []string
	docs    int64 // over finished data items (dump, volume, restore)
	bytes   int64
	items   int
	// totals fills in what a report leaves out (a restore knows each collection's count from
	// its plan, the operation does not repeat it); nil when there is nothing to add.
	totals func(backup.Progress) (docs, bytes int64)
}

func newProgressView(start time.Time, totals func(backup.Progress) (int64, int64)) *progressView {
	return &progressView{start: start, totals: totals}
}

// cumulative phases report bytes counted over all their items (verify: every file of the
// archive); their items are not listed one by one.
func cumulative(phase string) bool { return phase == "verify" }

func dataPhase(phase string) bool { return phase == "dump" || phase == "volume" || phase == "restore" }

// apply takes in one batch.
func (v *progressView) apply(items []stampedProgress) {
	for _, s := range items {
		if v.totals != nil && s.TotalDocs == 0 && s.TotalBytes == 0 {
			s.TotalDocs, s.TotalBytes = v.totals(s.Progress)
		}
		switch {
		case !v.have:
			v.base = stampedProgress{At: v.start}
		case !sameItem(v.cur.Progress, s.Progress) && cumulative(s.Phase) && s.Phase == v.cur.Phase:
			// One file after another of the same check: its bytes count on from the last one's.
			v.base = stampedProgress{At: v.cur.At, Progress: backup.Progress{Bytes: v.cur.Bytes}}
		case !sameItem(v.cur.Progress, s.Progress):
			v.finishItem()
			v.base = stampedProgress{At: v.cur.At}
		}
		v.cur, v.have = s, true
	}
}

func (v *progressView) finishItem() {
	c := v.cur
	line := "✓ " + c.Phase
	if c.Item != "" && !strings.Contains(c.Message, c.Item) { // "stopping X" names X already
		line += " " + c.Item
	}
	if c.Docs > 0 {
		line += fmt.Sprintf(" · %d docs", c.Docs)
	}
	if c.Bytes > 0 {
		line += " · " + humanBytes(uint64(c.Bytes))
	}
	if c.Message != "" && c.Docs == 0 && c.Bytes == 0 {
		line += ": " + c.Message
	}
	v.history = append(v.history, clean(line))
	if len(v.history) > maxProgressHistory {
		v.history = v.history[len(v.history)-maxProgressHistory:]
	}
	if dataPhase(c.Phase) {
		v.docs += c.Docs
		v.bytes += c.Bytes
		v.items++
	}
}

// fraction is the current item's share done, or -1 when its total is unknown.
func (v *progressView) fraction() float64 {
	c := v.cur
	switch {
	case c.TotalDocs > 0:
		return min(float64(c.Docs)/float64(c.TotalDocs), 1)
	case c.TotalBytes > 0:
		return min(float64(c.Bytes)/float64(c.TotalBytes), 1)
	}
	return -1
}

// rateETA is the current item's documents (or bytes) per second and the time left, both zero
// when they cannot be told yet.
func (v *progressView) rateETA() (rate float64, byDocs bool, eta time.Duration) {
	c, b := v.cur, v.base
	secs := c.At.Sub(b.At).Seconds()
	if secs < 0.2 {
		return 0, false, 0
	}
	var done, total int64
	if c.Docs > 0 || c.TotalDocs > 0 {
		done, total, byDocs = c.Docs-b.Docs, c.TotalDocs, true
		rate = float64(done) / secs
		if total > 0 && rate > 0 {
			eta = time.Duration(float64(total-c.Docs) / rate * float64(time.Second))
		}
	} else if c.Bytes > 0 {
		rate = float64(c.Bytes-b.Bytes) / secs
		if c.TotalBytes > 0 && rate > 0 {
			eta = time.Duration(float64(c.TotalBytes-c.Bytes) / rate * float64(time.Second))
		}
	}
	return rate, byDocs, max(eta, 0)
}

// render draws the view in width cells.
func (v *progressView) render(st Styles, width int) []string {
	var out []string
	for _, h := range v.history {
		out = append(out, st.Muted.Render(fit(h, width)))
	}
	if !v.have {
		return append(out, st.Muted.Render("starting…"))
	}
	c := v.cur
	head := c.Phase
	if c.Item != "" {
		head += " " + c.Item
	}
	if c.Message != "" && !strings.Contains(head, c.Message) {
		head += ": " + c.Message
	}
	out = append(out, st.Info.Render(fit(clean(head), width)))
	if f := v.fraction(); f >= 0 {
		bar := progress.New(progress.WithFillCharacters('█', '░'), progress.WithColors(st.OK.GetForeground()),
			progress.WithWidth(min(max(width, 20), 60)))
		bar.EmptyColor = st.Muted.GetForeground()
		out = append(out, bar.ViewAs(f))
	}
	var stats []string
	if c.Docs > 0 || c.TotalDocs > 0 {
		s := fmt.Sprintf("%d", c.Docs)
		if c.TotalDocs > 0 {
			s += fmt.Sprintf("/%d", c.TotalDocs)
		}
		stats = append(stats, s+" docs")
	}
	if c.Bytes > 0 || c.TotalBytes > 0 {
		s := humanBytes(uint64(c.Bytes))
		if c.TotalBytes > 0 {
			s += "/" + humanBytes(uint64(c.TotalBytes))
		}
		stats = append(stats, s)
	}
	rate, byDocs, eta := v.rateETA()
	switch {
	case rate > 0 && byDocs:
		stats = append(stats, fmt.Sprintf("%.0f docs/s", rate))
	case rate > 0:
		stats = append(stats, humanBytes(uint64(rate))+"/s")
	}
	if f := v.fraction(); f >= 0 && f < 1 && rate > 0 {
		stats = append(stats, "ETA "+etaText(eta))
	}
	if len(stats) > 0 {
		out = append(out, fit(strings.Join(stats, " · "), width))
	}
	if v.items > 0 {
		out = append(out, st.Muted.Render(fit(fmt.Sprintf("done so far: %d items, %d docs, %s", v.items, v.docs, humanBytes(uint64(v.bytes))), width)))
	}
	return out
}

func etaText(d time.Duration) string {
	if d < time.Second {
		return "<1s"
	}
	return d.Round(time.Second).String()
}
