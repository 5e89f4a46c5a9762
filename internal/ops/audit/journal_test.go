package audit

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestRecordWritesStartAndEndWithOutcome(t *testing.T) {
	j, err := Open(filepath.Join(t.TempDir(), "state", "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tick := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	j.now = func() time.Time { tick = tick.Add(250 * time.Millisecond); return tick }

	if err := j.Record(context.Background(), Entry{Action: "restart", Target: "survey-service"}, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("engine said no")
	err = j.Record(context.Background(), Entry{Action: "restart", Target: "redis"}, func(context.Context) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("want the action's error back, got %v", err)
	}
	got, err := j.Read()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("want 4 lines, got %d: %+v", len(got), got)
	}
	if got[0].Phase != "start" || got[1].Phase != "end" || got[1].Outcome != "ok" || got[1].DurationMS <= 0 {
		t.Errorf("first action journaled wrong: %+v %+v", got[0], got[1])
	}
	if got[3].Outcome != "failed" || got[3].Error != "engine said no" || got[3].Target != "redis" {
		t.Errorf("failed action journaled wrong: %+v", got[3])
	}
	if got[0].User == "" || got[0].Host == "" {
		t.Errorf("user and host must be filled: %+v", got[0])
	}
}
