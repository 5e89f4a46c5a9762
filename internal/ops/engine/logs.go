package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/survey-platform/surveytui/internal/logs"
)

// maxLogLine caps one reassembled line; the log parser keeps even less, so
// a runaway line costs bounded memory here.
const maxLogLine = 1 << 20

// LogStreamer reads container logs for internal/logs' engine source.
type LogStreamer struct{ c *Client }

var _ logs.ContainerLogStreamer = LogStreamer{}

// LogStreamer returns the adapter through which internal/logs follows
// container logs without importing the Docker client.
func (c *Client) LogStreamer() LogStreamer { return LogStreamer{c: c} }

// ProjectContainers implements logs.ContainerLogStreamer.
func (s LogStreamer) ProjectContainers(ctx context.Context, project string) ([]logs.ContainerInfo, error) {
	list, err := s.c.ListProjectContainers(ctx, project)
	if err != nil {
		return nil, err
	}
	out := make([]logs.ContainerInfo, 0, len(list))
	for _, c := range list {
		out = append(out, logs.ContainerInfo{ID: c.ID, Name: c.Name, Service: c.Service, Running: c.State == "running"})
	}
	return out, nil
}

// ContainerLogs implements logs.ContainerLogStreamer: stdout and stderr with
// the engine's timestamps, demultiplexed with stdcopy unless the container
// has a TTY (then there is one raw stream). Lines the engine split into
// partial messages (over 16 KiB) are joined again.
func (s LogStreamer) ContainerLogs(ctx context.Context, id string, opts logs.LogOptions, fn func(logs.LogLine)) error {
	info, err := s.c.api.ContainerInspect(ctx, id)
	if err != nil {
		return s.c.wrap(err)
	}
	lo := container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Follow: opts.Follow, Tail: "all"}
	if !opts.Since.IsZero() {
		lo.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	if opts.Tail > 0 {
		lo.Tail = strconv.Itoa(opts.Tail)
	}
	rc, err := s.c.api.ContainerLogs(ctx, id, lo)
	if err != nil {
		return s.c.wrap(err)
	}
	defer rc.Close()
	stdout := &lineWriter{stream: "stdout", fn: fn, framed: true}
	stderr := &lineWriter{stream: "stderr", fn: fn, framed: true}
	if info.Config != nil && info.Config.Tty {
		stdout.framed = false
		_, err = io.Copy(stdout, rc)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
	}
	stdout.flush()
	stderr.flush()
	if err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
		return s.c.wrap(err)
	}
	return ctx.Err()
}

// lineWriter turns the engine's "TIMESTAMP text\n" stream into LogLines.
// With framed (stdcopy) input each Write is one log message; a message
// without a newline is a partial line whose continuation comes with its own
// timestamp prefix, which is dropped when joining.
type lineWriter struct {
	stream string
	fn     func(logs.LogLine)
	framed bool
	buf    []byte
	ts     time.Time
	mid    bool // a partial line is pending
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	if w.framed {
		ts, rest := splitTimestamp(p)
		if !w.mid {
			w.ts = ts
		}
		w.add(rest)
		return n, nil
	}
	w.add(p)
	return n, nil
}

// add appends data and emits each complete line.
func (w *lineWriter) add(p []byte) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := maxLogLine - len(w.buf); room > 0 {
			w.buf = append(w.buf, chunk[:min(room, len(chunk))]...)
		}
		if i < 0 {
			w.mid = true
			return
		}
		w.emit()
		p = p[i+1:]
	}
}

func (w *lineWriter) emit() {
	line := w.buf
	ts := w.ts
	if !w.framed {
		ts, line = splitTimestamp(line)
	}
	w.fn(logs.LogLine{Time: ts, Stream: w.stream, Line: line})
	w.buf = w.buf[:0]
	w.mid = false
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit()
	}
}

// splitTimestamp splits "2026-11-26T22:00:00.123456789Z rest". Without a
// valid timestamp the whole input is the line, at the zero time.
func splitTimestamp(p []byte) (time.Time, []byte) {
	i := bytes.IndexByte(p, ' ')
	if i < 20 || i > 40 {
		return time.Time{}, p
	}
	t, err := time.Parse(time.RFC3339Nano, string(p[:i]))
	if err != nil {
		return time.Time{}, p
	}
	return t, p[i+1:]
}
