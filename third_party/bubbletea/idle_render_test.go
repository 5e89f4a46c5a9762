package tea

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// surveytui patch: the renderer stops ticking when nothing changes, so a view
// that changes after an idle stretch must still reach the terminal.

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type wordModel string

func (m wordModel) Init() Cmd { return nil }

func (m wordModel) Update(msg Msg) (Model, Cmd) {
	switch msg := msg.(type) {
	case wordModel:
		return msg, nil
	case KeyPressMsg:
		return m, Quit
	}
	return m, nil
}

func (m wordModel) View() View { return NewView(string(m)) }

func waitForOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never reached the output; got %q", want, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestViewAfterIdleIsDrawn(t *testing.T) {
	var in bytes.Buffer
	out := &syncBuffer{}
	p := NewProgram(wordModel("first"), WithInput(&in), WithOutput(out), WithFPS(60), WithWindowSize(40, 5))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()

	waitForOutput(t, out, "first")
	// Several frames with nothing new: the ticker stops here.
	time.Sleep(200 * time.Millisecond)
	p.Send(wordModel("second"))
	waitForOutput(t, out, "second")
	// And again, to cover a restart of a stopped ticker more than once.
	time.Sleep(200 * time.Millisecond)
	p.Send(wordModel("third"))
	waitForOutput(t, out, "third")

	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestBurstIsDrawnToItsLastView(t *testing.T) {
	var in bytes.Buffer
	out := &syncBuffer{}
	p := NewProgram(wordModel("start"), WithInput(&in), WithOutput(out), WithFPS(10), WithWindowSize(40, 5))
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()

	waitForOutput(t, out, "start")
	for _, w := range []string{"b1", "b2", "b3", "b4", "last"} {
		p.Send(wordModel(w))
	}
	waitForOutput(t, out, "last")

	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
