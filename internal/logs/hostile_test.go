package logs

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hostileLines returns the committed corpus plus generated large inputs
// (a 1 MiB line, 10k-deep JSON) that are too big to commit.
func hostileLines(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	files, err := filepath.Glob("testdata/hostile/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile corpus in testdata/hostile: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for i := 1; sc.Scan(); i++ {
			out[filepath.Base(f)+":"+strconv.Itoa(i)] = append([]byte(nil), sc.Bytes()...)
		}
	}
	big := bytes.Repeat([]byte("A\x1b[2J\x9b"), (1<<20)/7+1)
	out["generated:1MiB-line"] = big
	out["generated:1MiB-json"] = []byte(`{"level":"error","message":"` + strings.Repeat(`\u001b]52;c;eA==\u0007`, 50000) + `"}`)
	deep := strings.Repeat(`{"a":`, 10000) + `"\u001b[2J"` + strings.Repeat("}", 10000)
	out["generated:10k-deep-object"] = []byte(deep)
	out["generated:10k-deep-array"] = []byte(`{"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}")
	return out
}

func TestHostileCorpusIsNeutralized(t *testing.T) {
	p := NewParser(nil, 0)
	for name, line := range hostileLines(t) {
		e := p.Parse(line, Meta{Time: time.Unix(1, 0), Service: "svc\x1b[31m", Container: "c\x9b"})
		assertSafe(t, name, &e)
		if len(e.Raw) > DefaultMaxLineBytes*4+100 {
			t.Errorf("%s: raw kept %d bytes, want the line capped near %d", name, len(e.Raw), DefaultMaxLineBytes)
		}
		if len(line) > DefaultMaxLineBytes && !e.Truncated {
			t.Errorf("%s: %d-byte line not marked truncated", name, len(line))
		}
	}
}

func TestDeepJSONFallsBackToPlainText(t *testing.T) {
	line := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	e := Parse([]byte(line), Meta{})
	if e.Format != FormatPlain {
		t.Fatalf("10k-deep JSON parsed as %v, want plain text fallback", e.Format)
	}
	if e.Message == "" {
		t.Fatal("deep JSON line lost its text")
	}
	ok := strings.Repeat(`{"a":`, maxJSONDepth-1) + "1" + strings.Repeat("}", maxJSONDepth-1)
	if e := Parse([]byte(ok), Meta{}); e.Format != FormatJSON {
		t.Fatalf("JSON nested %d deep parsed as %v, want json", maxJSONDepth-1, e.Format)
	}
}

func TestLongLineIsTruncatedAndMarked(t *testing.T) {
	line := strings.Repeat("é", 40000) // 80000 bytes, 2-byte runes
	e := NewParser(nil, 1000).Parse([]byte(line), Meta{})
	if !e.Truncated {
		t.Fatal("not marked truncated")
	}
	if !strings.HasSuffix(e.Raw, "…[truncated 79000 bytes]") {
		t.Fatalf("raw does not end with the truncation mark: …%q", e.Raw[len(e.Raw)-40:])
	}
	assertSafe(t, "long", &e)
}
