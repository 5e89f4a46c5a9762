// Package audit keeps the append-only journal of actions that change the platform (restart,
// backup, restore, prune): who did what, to what, and how it ended. Each action is written
// before it starts and again when it ends, so a crash mid-action still leaves a trace.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"
)

// Entry is one line of the journal.
type Entry struct {
	Time       time.Time `json:"time"`
	User       string    `json:"user"`
	Host       string    `json:"host"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Archive    string    `json:"archive,omitempty"`
	Phase      string    `json:"phase"`             // "start" or "end"
	Outcome    string    `json:"outcome,omitempty"` // "ok" or "failed", on "end"
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
}

// Journal appends entries to a JSON-lines file. Safe for concurrent use in one process; lines
// from several processes do not interleave because each is one O_APPEND write.
type Journal struct {
	mu   sync.Mutex
	path string
	user string
	host string
	now  func() time.Time
}

// DefaultPath is $XDG_STATE_HOME/surveytui/journal.jsonl (~/.local/state when unset).
func DefaultPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "surveytui", "journal.jsonl")
}

// Open prepares the journal at path, creating its directory (0700).
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the journal directory %s: %v; set XDG_STATE_HOME to a writable directory", filepath.Dir(path), err)
	}
	host, _ := os.Hostname()
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return &Journal{path: path, user: name, host: host, now: time.Now}, nil
}

// Path is the journal file.
func (j *Journal) Path() string { return j.path }

// Append writes one entry, filling time, user and host.
func (j *Journal) Append(e Entry) error {
	if j == nil {
		return nil
	}
	if e.Time.IsZero() {
		e.Time = j.now().UTC()
	}
	e.User, e.Host = j.user, j.host
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot write the journal %s: %v", j.path, err)
	}
	_, werr := f.Write(line)
	cerr := f.Close()
	return errors.Join(werr, cerr)
}

// Record journals the start of an action, runs it, then journals its outcome and duration.
// The action's own error is returned; a journal write failure is joined to it so it is seen.
func (j *Journal) Record(ctx context.Context, e Entry, action func(ctx context.Context) error) error {
	return j.RecordWith(ctx, e, func(ctx context.Context, _ *Entry) error { return action(ctx) })
}

// RecordWith is Record for actions that learn something the end line should say (the archive
// a backup wrote): they may change the entry before it is journaled again.
func (j *Journal) RecordWith(ctx context.Context, e Entry, action func(ctx context.Context, e *Entry) error) error {
	start := j.clock()
	e.Phase = "start"
	jerr := j.Append(e)
	err := action(ctx, &e)
	e.Phase, e.Time = "end", time.Time{}
	e.DurationMS = j.clock().Sub(start).Milliseconds()
	e.Outcome = "ok"
	if err != nil {
		e.Outcome, e.Error = "failed", err.Error()
	}
	return errors.Join(err, jerr, j.Append(e))
}

func (j *Journal) clock() time.Time {
	if j == nil {
		return time.Now()
	}
	return j.now()
}

// Read returns every entry of the journal, oldest first; a malformed line is skipped.
func (j *Journal) Read() ([]Entry, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var e Entry
		if dec.Decode(&e) != nil {
			break
		}
		out = append(out, e)
	}
	return out, nil
}
