package logs

import "sync"

// Default buffer limits.
const (
	DefaultBufferLines = 100_000
	DefaultBufferBytes = 64 << 20
)

// Buffer is a bounded ring of entries, limited both by count and by the
// estimated bytes they hold (Entry.Size); the oldest entries are evicted
// first. It is safe for one writer and any number of readers: Append takes
// the write lock once per batch, readers share a read lock. Entries get an
// increasing Seq so that a view can keep its place while old lines go.
type Buffer struct {
	mu       sync.RWMutex
	ring     []Entry // grows up to maxLines, then wraps
	head     int     // index of the oldest entry
	n        int
	bytes    int
	maxLines int
	maxBytes int
	nextSeq  uint64
	evicted  uint64
}

// NewBuffer returns a buffer holding at most maxLines entries and maxBytes
// estimated bytes (defaults when <= 0). Memory grows with use; nothing is
// preallocated for the full limit.
func NewBuffer(maxLines, maxBytes int) *Buffer {
	if maxLines <= 0 {
		maxLines = DefaultBufferLines
	}
	if maxBytes <= 0 {
		maxBytes = DefaultBufferBytes
	}
	return &Buffer{maxLines: maxLines, maxBytes: maxBytes, nextSeq: 1}
}

// Append adds entries in order, assigning Seq, and evicts the oldest entries
// beyond the limits. It returns the Seq of the last appended entry.
func (b *Buffer) Append(entries []Entry) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range entries {
		e := entries[i]
		e.Seq = b.nextSeq
		b.nextSeq++
		size := e.Size()
		for b.n > 0 && (b.n >= b.maxLines || b.bytes+size > b.maxBytes) {
			b.evictOldest()
		}
		if b.n < len(b.ring) {
			b.ring[(b.head+b.n)%len(b.ring)] = e
		} else {
			// The ring is full but below maxLines: grow. head is 0 here
			// whenever n == len(ring) and nothing was evicted; otherwise
			// unwrap first.
			if b.head != 0 {
				b.unwrap()
			}
			if len(b.ring) == cap(b.ring) {
				// Grow by a quarter (as append does for large slices) but
				// never past maxLines, so a full ring has no unused tail.
				grown := make([]Entry, len(b.ring), min(cap(b.ring)+cap(b.ring)/4+1024, b.maxLines))
				copy(grown, b.ring)
				b.ring = grown
			}
			b.ring = append(b.ring, e)
		}
		b.n++
		b.bytes += size
	}
	return b.nextSeq - 1
}

func (b *Buffer) evictOldest() {
	old := &b.ring[b.head]
	b.bytes -= old.Size()
	*old = Entry{} // release the strings for the GC
	b.head = (b.head + 1) % len(b.ring)
	b.n--
	b.evicted++
	if b.n == 0 {
		b.head = 0
	}
}

// unwrap rotates the ring so that the oldest entry is at index 0.
func (b *Buffer) unwrap() {
	out := make([]Entry, b.n, min(b.n+b.n/4+1024, b.maxLines))
	for i := 0; i < b.n; i++ {
		out[i] = b.ring[(b.head+i)%len(b.ring)]
	}
	b.ring = out
	b.head = 0
}

// Len returns the number of buffered entries.
func (b *Buffer) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.n
}

// Bytes returns the estimated bytes held.
func (b *Buffer) Bytes() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.bytes
}

// Evicted returns how many entries have been dropped to respect the limits.
func (b *Buffer) Evicted() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.evicted
}

// At returns the i-th buffered entry, 0 being the oldest.
func (b *Buffer) At(i int) (Entry, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if i < 0 || i >= b.n {
		return Entry{}, false
	}
	return b.ring[(b.head+i)%len(b.ring)], true
}

// Snapshot copies all buffered entries, oldest first.
func (b *Buffer) Snapshot() []Entry {
	return b.Select(nil, 0)
}

// Select returns the entries matching f (all when f is nil) with Seq greater
// than afterSeq, oldest first. Entries are copied out, so the caller may keep
// them after later appends.
func (b *Buffer) Select(f *Filter, afterSeq uint64) []Entry {
	var out []Entry
	b.Each(f, afterSeq, func(e *Entry) bool {
		out = append(out, *e)
		return true
	})
	return out
}

// Count returns how many entries match f.
func (b *Buffer) Count(f *Filter) int {
	n := 0
	b.Each(f, 0, func(*Entry) bool { n++; return true })
	return n
}

// Each calls fn for every entry matching f (all when f is nil) with Seq
// greater than afterSeq, oldest first, until fn returns false. fn runs under
// the read lock: it must not call Append and must not keep the pointer.
func (b *Buffer) Each(f *Filter, afterSeq uint64, fn func(*Entry) bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.n == 0 {
		return
	}
	start := 0
	if first := b.ring[b.head].Seq; afterSeq >= first {
		start = int(afterSeq - first + 1)
	}
	if f != nil && f.IsEmpty() {
		f = nil
	}
	for i := start; i < b.n; i++ {
		e := &b.ring[(b.head+i)%len(b.ring)]
		if f != nil && !f.Match(e) {
			continue
		}
		if !fn(e) {
			return
		}
	}
}

// BySeq returns the entry with sequence number seq, if still buffered.
func (b *Buffer) BySeq(seq uint64) (Entry, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.n == 0 {
		return Entry{}, false
	}
	first := b.ring[b.head].Seq
	if seq < first || seq >= first+uint64(b.n) {
		return Entry{}, false
	}
	return b.ring[(b.head+int(seq-first))%len(b.ring)], true
}

// FirstSeq returns the Seq of the oldest buffered entry (0 when empty).
func (b *Buffer) FirstSeq() uint64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.n == 0 {
		return 0
	}
	return b.ring[b.head].Seq
}
