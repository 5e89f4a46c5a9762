package logs

import (
	"strings"
	"sync"
	"testing"
)

func lines(n int, prefix string) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Raw: prefix + strings.Repeat("x", 8), Message: prefix}
	}
	return out
}

func TestBufferEvictsByLines(t *testing.T) {
	b := NewBuffer(10, 1<<30)
	b.Append(lines(7, "a"))
	b.Append(lines(7, "b"))
	if b.Len() != 10 {
		t.Fatalf("len = %d, want 10", b.Len())
	}
	first, _ := b.At(0)
	last, _ := b.At(9)
	if first.Seq != 5 || last.Seq != 14 {
		t.Fatalf("kept seq %d..%d, want 5..14", first.Seq, last.Seq)
	}
	if b.Evicted() != 4 {
		t.Fatalf("evicted = %d, want 4", b.Evicted())
	}
	snap := b.Snapshot()
	for i := 1; i < len(snap); i++ {
		if snap[i].Seq != snap[i-1].Seq+1 {
			t.Fatalf("snapshot out of order at %d: %d after %d", i, snap[i].Seq, snap[i-1].Seq)
		}
	}
}

func TestBufferEvictsByBytes(t *testing.T) {
	e := Entry{Raw: strings.Repeat("y", 1000)}
	size := e.Size()
	b := NewBuffer(1000, 5*size)
	for i := 0; i < 12; i++ {
		b.Append([]Entry{e})
		if b.Bytes() > 5*size {
			t.Fatalf("bytes %d over the %d limit", b.Bytes(), 5*size)
		}
	}
	if b.Len() != 5 {
		t.Fatalf("len = %d, want 5", b.Len())
	}
	// Mixed sizes after wrap: small entries fill the ring past its old
	// length, forcing growth while wrapped.
	for i := 0; i < 50; i++ {
		b.Append(lines(1, "s"))
	}
	snap := b.Snapshot()
	if len(snap) != b.Len() || snap[len(snap)-1].Seq != 62 {
		t.Fatalf("after growth: %d entries, last seq %d", len(snap), snap[len(snap)-1].Seq)
	}
	for i := 1; i < len(snap); i++ {
		if snap[i].Seq != snap[i-1].Seq+1 {
			t.Fatalf("order broken after growth at %d", i)
		}
	}
}

func TestBufferSelectAfterSeq(t *testing.T) {
	b := NewBuffer(100, 0)
	in := lines(10, "m")
	in[3].CorrelationID, in[8].CorrelationID = "c", "c"
	b.Append(in)
	got := b.Select(MustCompileFilter("cid:c"), 0)
	if len(got) != 2 || got[0].Seq != 4 || got[1].Seq != 9 {
		t.Fatalf("select cid:c = %+v", got)
	}
	if got := b.Select(nil, 7); len(got) != 3 || got[0].Seq != 8 {
		t.Fatalf("select after 7 = %d entries", len(got))
	}
	if n := b.Count(MustCompileFilter("cid:c")); n != 2 {
		t.Fatalf("count = %d", n)
	}
}

func TestBufferConcurrentWriterAndReaders(t *testing.T) {
	b := NewBuffer(1000, 0)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			b.Append(lines(50, "w"))
		}
	}()
	for r := 0; r < 2; r++ {
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				snap := b.Snapshot()
				for j := 1; j < len(snap); j++ {
					if snap[j].Seq != snap[j-1].Seq+1 {
						t.Errorf("torn snapshot")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if b.Len() != 1000 {
		t.Fatalf("len = %d", b.Len())
	}
}
