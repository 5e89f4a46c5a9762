package ui

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/survey-platform/surveytui/internal/logs"
)

// chanSource is a logs.Source fed by the test.
type chanSource struct {
	ch     chan logs.Batch
	closed bool
}

func (s *chanSource) Name() string               { return "engine" }
func (s *chanSource) Batches() <-chan logs.Batch { return s.ch }
func (s *chanSource) Status() logs.Status        { return logs.Status{Source: "engine", State: logs.StateOK} }
func (s *chanSource) Close() error               { s.closed = true; return nil }

type fakeLogSources struct{ src *chanSource }

func (f fakeLogSources) Open(context.Context) (logs.Source, error) { return f.src, nil }

// startLogsPane opens the pane on a fake stream and returns a feeder that delivers one batch
// through the pane's own commands.
func startLogsPane(t *testing.T) (*logsPane, func(...logs.Entry), PaneContext) {
	t.Helper()
	src := &chanSource{ch: make(chan logs.Batch, 1)}
	p := NewLogsPane(fakeLogSources{src}, LogsPaneOptions{SaveDir: t.TempDir()}).(*logsPane)
	ctx := PaneContext{Keys: DefaultKeyMap(), Styles: Styles{}, Now: fixedNow, Focused: true}
	next := p.Update(p.Init(ctx)(), ctx)
	feed := func(es ...logs.Entry) {
		t.Helper()
		src.ch <- logs.Batch{Entries: es, Status: &logs.Status{Source: "engine", State: logs.StateOK}}
		next = p.Update(next(), ctx)
		if next == nil {
			t.Fatal("the pane did not re-arm its stream read")
		}
	}
	return p, feed, ctx
}

func entry(sec int, svc string, lvl logs.Level, cid, msg string) logs.Entry {
	return logs.Entry{Time: time.Date(2026, 11, 26, 12, 0, sec, 0, time.UTC), Service: svc, Container: "stt-" + svc + "-1",
		Level: lvl, CorrelationID: cid, Message: msg, Raw: msg, Source: "engine"}
}

func logsPress(p *logsPane, ctx PaneContext, keys ...string) tea.Cmd {
	var last tea.Cmd
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "up":
			msg = tea.KeyPressMsg{Code: tea.KeyUp}
		case "ctrl+s":
			msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
		default:
			r, _ := utf8.DecodeRuneInString(k)
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		last = p.Update(msg, ctx)
	}
	return last
}

func logsType(p *logsPane, ctx PaneContext, s string) {
	for _, r := range s {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)}, ctx)
	}
}

func TestLogsPaneFollowPauseAndNewCount(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	feed(entry(1, "survey-service", logs.LevelInfo, "", "one"), entry(2, "auth-service", logs.LevelWarn, "", "two"))
	frame := p.Render(ctx, 100, 10)
	if !strings.Contains(frame, "two") || !strings.Contains(frame, "following") {
		t.Fatalf("frame:\n%s", frame)
	}
	logsPress(p, ctx, "up")
	feed(entry(3, "survey-service", logs.LevelInfo, "", "three"), entry(4, "survey-service", logs.LevelInfo, "", "four"))
	if frame = p.Render(ctx, 100, 10); !strings.Contains(frame, "paused · 2 new") {
		t.Fatalf("after scrolling up, want paused with 2 new:\n%s", frame)
	}
	if p.cursor != 0 {
		t.Fatalf("cursor moved to %d while paused", p.cursor)
	}
	logsPress(p, ctx, "G")
	if frame = p.Render(ctx, 100, 10); !strings.Contains(frame, "following") || p.cursor != 3 {
		t.Fatalf("G should follow again (cursor %d):\n%s", p.cursor, frame)
	}
}

func TestLogsPaneFilterBarAndBadQuery(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	feed(entry(1, "survey-service", logs.LevelInfo, "", "fine"), entry(2, "auth-service", logs.LevelError, "", "broken"))
	logsPress(p, ctx, "/")
	if !p.Capturing() {
		t.Fatal("the filter bar does not capture keys")
	}
	logsType(p, ctx, "level>=warn")
	if frame := p.Render(ctx, 100, 10); !strings.Contains(frame, "/level>=warn") {
		t.Fatalf("filter bar not shown:\n%s", frame)
	}
	logsPress(p, ctx, "enter")
	frame := p.Render(ctx, 100, 10)
	if strings.Contains(frame, "fine") || !strings.Contains(frame, "broken") || !strings.Contains(frame, "filter level>=warn (1)") {
		t.Fatalf("filtered frame:\n%s", frame)
	}
	logsPress(p, ctx, "/")
	p.input = ""
	logsType(p, ctx, "/(/")
	cmd := logsPress(p, ctx, "enter")
	if cmd == nil {
		t.Fatal("a bad query gave no status message")
	}
	if st, ok := cmd().(statusMsg); !ok || st.level != levelError || !strings.Contains(st.text, "bad regex") {
		t.Fatalf("status = %+v", cmd())
	}
	if p.query != "level>=warn" {
		t.Fatalf("a bad query replaced the filter: %q", p.query)
	}
	// New lines are filtered as they arrive.
	feed(entry(3, "gateway", logs.LevelInfo, "", "quiet"), entry(4, "gateway", logs.LevelFatal, "", "loud"))
	if frame = p.Render(ctx, 100, 10); strings.Contains(frame, "quiet") || !strings.Contains(frame, "loud") {
		t.Fatalf("incoming lines not filtered:\n%s", frame)
	}
	logsPress(p, ctx, "esc")
	if p.query != "" || len(p.view) != 4 {
		t.Fatalf("esc should clear the filter: %q, %d rows", p.query, len(p.view))
	}
}

func TestLogsPaneCorrelationFilterAndTrace(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	feed(
		entry(1, "survey-service", logs.LevelInfo, "req-1", "Incoming request"),
		entry(1, "gateway", logs.LevelInfo, "req-2", "other request"),
		entry(3, "audit-consumer-service", logs.LevelInfo, "req-1", "Audit log entry persisted"),
		entry(2, "analytics-service", logs.LevelWarn, "req-1", "Analytics event recorded"),
	)
	// A short screen scrolls the list, so the view below must not keep a stale offset.
	_ = p.Render(ctx, 120, 3)
	// The cursor is on the last line (analytics-service, req-1).
	logsPress(p, ctx, "T")
	frame := p.Render(ctx, 120, 12)
	want := []string{"Trace req-1 · 3 lines · 2.000s · survey-service → analytics-service → audit-consumer-service",
		"+0ms survey-service", "+1.000s analytics-service", "+2.000s audit-consumer-service"}
	for _, w := range want {
		if !strings.Contains(strings.Join(strings.Fields(frame), " "), w) {
			t.Fatalf("trace view lacks %q:\n%s", w, frame)
		}
	}
	if strings.Contains(frame, "other request") {
		t.Fatal("the trace shows another request")
	}
	logsPress(p, ctx, "esc")
	logsPress(p, ctx, "c")
	if p.query != "cid:req-1" || len(p.view) != 3 {
		t.Fatalf("c: query %q, %d rows", p.query, len(p.view))
	}
	frame = p.Render(ctx, 120, 12)
	for _, w := range []string{"Incoming request", "Analytics event recorded", "Audit log entry persisted"} {
		if !strings.Contains(frame, w) {
			t.Fatalf("after c the frame lacks %q:\n%s", w, frame)
		}
	}
	logsPress(p, ctx, "k", "k", "k")
	if cmd := logsPress(p, ctx, "enter"); cmd != nil {
		t.Fatal("enter returned a command")
	}
	if frame = p.Render(ctx, 120, 16); !strings.Contains(frame, "correlation: req-1") {
		t.Fatalf("enter should expand the line:\n%s", frame)
	}
}

func TestLogsPaneSaveWritesVisibleLines(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	feed(entry(1, "a", logs.LevelInfo, "x", "keep me"), entry(2, "b", logs.LevelInfo, "y", "not me"))
	p.setQuery("cid:x")
	msg := logsPress(p, ctx, "ctrl+s")()
	saved, ok := msg.(logsSavedMsg)
	if !ok || saved.err != nil || saved.n != 1 {
		t.Fatalf("save: %+v", msg)
	}
	data, err := os.ReadFile(saved.path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); got != "2026-11-26T12:00:01.000Z a INFO keep me cid=x\n" {
		t.Fatalf("saved %q", got)
	}
	if filepath.Dir(saved.path) != p.opts.SaveDir {
		t.Fatalf("saved to %s", saved.path)
	}
}

func TestLogsPaneShowsSourceTroubleAndMouseToggle(t *testing.T) {
	p, _, ctx := startLogsPane(t)
	p.addBatch(logs.Batch{Status: &logs.Status{Source: "es", State: logs.StateUnreachable, Message: "elasticsearch did not answer in time (request timeout); retrying in 4s"}})
	if p.Title() != "Logs!" {
		t.Fatalf("title %q", p.Title())
	}
	if frame := p.Render(ctx, 160, 5); !strings.Contains(frame, "es unreachable: elasticsearch did not answer in time") {
		t.Fatalf("frame:\n%s", frame)
	}
	if !p.MouseCapture() {
		t.Fatal("mouse capture starts off")
	}
	logsPress(p, ctx, "m")
	if p.MouseCapture() {
		t.Fatal("m did not release the mouse")
	}
}

func TestLogsPaneOpenService(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	feed(entry(1, "survey-service", logs.LevelInfo, "", "mine"), entry(2, "gateway", logs.LevelInfo, "", "theirs"))
	p.OpenService("survey-service", ctx)
	if p.query != "svc:survey-service" || len(p.view) != 1 {
		t.Fatalf("query %q, %d rows", p.query, len(p.view))
	}
}

// TestLogsPaneHostileCorpusNeverReachesTheFrame feeds the hostile corpus of package logs
// through the parser and renders every view: no ESC, C1 or invalid UTF-8 may reach a frame.
func TestLogsPaneHostileCorpusNeverReachesTheFrame(t *testing.T) {
	p, feed, ctx := startLogsPane(t)
	files, _ := filepath.Glob("../logs/testdata/hostile/*.log")
	if len(files) == 0 {
		t.Fatal("hostile corpus not found")
	}
	var es []logs.Entry
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			e := logs.Parse(sc.Bytes(), logs.Meta{Time: fixedNow, Service: "evil\x1b]0;x\x07svc", Container: "c\x9b2J"})
			e.CorrelationID = "cid-hostile"
			es = append(es, e)
		}
	}
	es = append(es, logs.Parse(bytes.Repeat([]byte("\x1b[2J\x9b"), 1<<18), logs.Meta{}))
	es = append(es, logs.Parse([]byte(strings.Repeat(`{"a":`, 10000)+"1"+strings.Repeat("}", 10000)), logs.Meta{}))
	feed(es...)
	check := func(mode, frame string) {
		t.Helper()
		if !utf8.ValidString(frame) {
			t.Fatalf("%s: frame is not valid UTF-8", mode)
		}
		for _, r := range frame {
			if r == 0x1b || r >= 0x80 && r <= 0x9f || r < 0x20 && r != '\n' || r == 0x7f {
				t.Fatalf("%s: control character %U in frame:\n%q", mode, r, frame)
			}
		}
	}
	check("list", p.Render(ctx, 120, 40))
	logsPress(p, ctx, "w")
	check("wrapped", p.Render(ctx, 120, 40))
	for i := 0; i < len(es); i++ {
		logsPress(p, ctx, "k")
		logsPress(p, ctx, "enter")
		check("expanded", p.Render(ctx, 120, 40))
		logsPress(p, ctx, "esc")
	}
	logsPress(p, ctx, "T")
	check("trace", p.Render(ctx, 120, 40))
}

// TestLogsPaneInTheApp checks the wiring through the root model: l on a service opens the
// Logs tab filtered to it, and m there releases the mouse for the terminal's own selection.
func TestLogsPaneInTheApp(t *testing.T) {
	p := NewLogsPane(nil, LogsPaneOptions{}).(*logsPane)
	a := New(Deps{Project: "surveydemo", Keys: DefaultKeyMap(), Styles: Styles{}, Now: func() time.Time { return fixedNow },
		Panes: []Pane{p}})
	a.Update(snapshotMsg(fixtureSnapshot()))
	p.addBatch(logs.Batch{Entries: []logs.Entry{
		entry(1, a.services.selected, logs.LevelInfo, "", "from the selected service"),
		entry(2, "someone-else", logs.LevelInfo, "", "from another service"),
	}})
	press(a, "l")
	if a.extra() != Pane(p) || p.query != "svc:"+a.services.selected {
		t.Fatalf("l: focus %v, query %q", a.focus, p.query)
	}
	f := frame(a, 120, 20)
	if !strings.Contains(f, "from the selected service") || strings.Contains(f, "from another service") {
		t.Fatalf("frame:\n%s", f)
	}
	if a.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("mouse capture should start on")
	}
	press(a, "m")
	if a.View().MouseMode != tea.MouseModeNone {
		t.Fatal("m on the logs pane did not release the mouse")
	}
}
