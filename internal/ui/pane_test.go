package ui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// recordingPane is a minimal Pane that records what reaches it.
type recordingPane struct {
	keys      []string
	others    int
	capturing bool
	opened    string
}

type pingMsg struct{}

func (p *recordingPane) Title() string                       { return "Fake" }
func (p *recordingPane) Init(PaneContext) tea.Cmd            { return nil }
func (p *recordingPane) Bindings() []key.Binding             { return nil }
func (p *recordingPane) Capturing() bool                     { return p.capturing }
func (p *recordingPane) Render(PaneContext, int, int) string { return "fake pane body" }
func (p *recordingPane) GlobalKeys() []key.Binding {
	return []key.Binding{key.NewBinding(key.WithKeys("F"))}
}
func (p *recordingPane) Update(msg tea.Msg, _ PaneContext) tea.Cmd {
	switch m := msg.(type) {
	case tea.KeyPressMsg:
		p.keys = append(p.keys, m.String())
	case pingMsg:
		p.others++
	}
	return nil
}
func (p *recordingPane) OpenService(s string, _ PaneContext) tea.Cmd { p.opened = s; return nil }

var _ Pane = (*recordingPane)(nil)
var _ ServiceOpener = (*recordingPane)(nil)

func TestPaneRouting(t *testing.T) {
	p := &recordingPane{}
	a := newTestApp(&fakeOps{}, false)
	a.panes = []Pane{p}
	a.Update(snapshotMsg(fixtureSnapshot()))

	a.Update(pingMsg{})
	if p.others != 1 {
		t.Error("a non-key message must reach an unfocused pane")
	}
	press(a, "j")
	if len(p.keys) != 0 {
		t.Error("keys go to the focused pane only")
	}
	press(a, "F") // its global key brings it forward and is handed to it
	if a.extra() != p || len(p.keys) != 1 || p.keys[0] != "F" {
		t.Fatalf("global key: focus %v keys %v", a.focus, p.keys)
	}
	if !strings.Contains(frame(a, 80, 24), "fake pane body") {
		t.Error("the focused pane is rendered")
	}
	p.capturing = true
	press(a, "q")
	if len(p.keys) != 2 || p.keys[1] != "q" {
		t.Errorf("a capturing pane gets q instead of quitting: %v", p.keys)
	}
	p.capturing = false
	press(a, "tab")
	if a.focus != focusServices {
		t.Errorf("tab wraps to services, focus %v", a.focus)
	}
	press(a, "l")
	if p.opened != a.services.selected || a.extra() != p {
		t.Errorf("l opens the logs pane on the selected service: %q", p.opened)
	}
}

func TestCommandLine(t *testing.T) {
	a := newTestApp(&fakeOps{}, false)
	a.panes = []Pane{&recordingPane{}}
	a.Update(snapshotMsg(fixtureSnapshot()))
	press(a, ":", "v", "o", "l", "enter")
	if a.focus != focusVolumes {
		t.Errorf(":vol focus %v", a.focus)
	}
	press(a, ":", "f", "a", "k", "e", "enter")
	if a.extra() == nil {
		t.Errorf(":fake should focus the pane titled Fake")
	}
	typeText(a, ":restart redis")
	press(a, "enter")
	if len(a.dialogs) != 1 || a.services.selected != "redis" {
		t.Errorf(":restart redis should ask about redis; dialogs %d selected %q", len(a.dialogs), a.services.selected)
	}
	press(a, "esc")
	typeText(a, ":bogus")
	press(a, "enter")
	if a.status.level != levelError || !strings.Contains(a.status.text, `unknown command "bogus"`) {
		t.Errorf("status %+v", a.status)
	}
	typeText(a, ":q")
	_, cmd := a.Update(keyMsg("enter"))
	if cmd == nil {
		t.Fatal(":q should quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error(":q should quit")
	}
}

func typeText(a *App, s string) {
	for _, r := range s {
		press(a, string(r))
	}
}
