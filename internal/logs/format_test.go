package logs

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestFormatPlainAndJSON(t *testing.T) {
	e := Parse([]byte(`{"level":"warn","message":"slow\tquery \u001b[2J","correlationId":"c1","n":12,"obj":{"a":[1,"x"]}}`),
		Meta{Time: time.Date(2026, 11, 26, 10, 0, 0, 5e6, time.UTC), Service: "survey-service"})
	got := PlainLine(&e, true)
	want := `2026-11-26T10:00:00.005Z survey-service WARN slow    query \x1b[2J cid=c1`
	if got != want {
		t.Fatalf("plain = %q\nwant    %q", got, want)
	}
	js := JSONLine(&e)
	var back map[string]any
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("JSONLine is not JSON: %v: %s", err, js)
	}
	if back["level"] != "warn" || back["correlationId"] != "c1" || back["service"] != "survey-service" {
		t.Fatalf("json = %s", js)
	}
	if !strings.Contains(string(js), `"fields":{"level":"warn","message":`) || !strings.Contains(string(js), `"obj":{"a":[1,"x"]}`) {
		t.Fatalf("fields not kept in order: %s", js)
	}
	if strings.ContainsRune(string(js), 0x1b) {
		t.Fatal("ESC in JSON output")
	}
}
