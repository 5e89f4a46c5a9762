package main

import (
	"os"
	"strings"
	"testing"

	"github.com/survey-platform/surveytui/internal/ui"
)

// TestReadmeKeyTableIsGenerated keeps the README's key table equal to the key map, so the two
// cannot drift: regenerate it with `go run ./cmd/surveytui keys` between the markers.
func TestReadmeKeyTableIsGenerated(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- keys:begin -->\n", "<!-- keys:end -->"
	s := string(data)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the <!-- keys:begin --> / <!-- keys:end --> markers")
	}
	got := s[i+len(begin) : j]
	want := ui.DefaultKeyMap().MarkdownTable()
	if got != want {
		t.Errorf("README key table is stale; replace it with the output of `go run ./cmd/surveytui keys`:\n%s", want)
	}
}
