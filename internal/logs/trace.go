package logs

import (
	"slices"
	"time"
)

// Trace is every line of one correlation ID across services, in time order:
// what the trace view and `surveytui logs --correlation-id` show.
type Trace struct {
	CorrelationID string
	Entries       []Entry
	// Services in the order the request reached them (first line each).
	Services []string
	Start    time.Time
	Duration time.Duration // last line minus first line
}

// TraceOf collects the entries with correlation ID cid from b.
func TraceOf(b *Buffer, cid string) Trace {
	var es []Entry
	if cid != "" {
		b.Each(nil, 0, func(e *Entry) bool {
			if e.CorrelationID == cid {
				es = append(es, *e)
			}
			return true
		})
	}
	return NewTrace(cid, es)
}

// NewTrace orders entries by time (stable, so lines with equal times keep
// their arrival order) and summarizes them.
func NewTrace(cid string, entries []Entry) Trace {
	slices.SortStableFunc(entries, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	t := Trace{CorrelationID: cid, Entries: entries}
	if len(entries) == 0 {
		return t
	}
	t.Start = entries[0].Time
	t.Duration = entries[len(entries)-1].Time.Sub(t.Start)
	for _, e := range entries {
		if e.Service != "" && !slices.Contains(t.Services, e.Service) {
			t.Services = append(t.Services, e.Service)
		}
	}
	return t
}

// Offset is e's time relative to the trace's first line ("+12ms" in the
// trace view).
func (t Trace) Offset(e *Entry) time.Duration { return e.Time.Sub(t.Start) }
