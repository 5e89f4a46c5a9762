package logs

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// realisticMix is a log mix like the demo platform's: mostly Winston JSON
// from the Node services, some ECS JSON, logfmt from infrastructure, plain
// text, and a little hostile input.
func realisticMix(n int) [][]byte {
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	out := make([][]byte, 0, n)
	for i := 0; len(out) < n; i++ {
		ts := base.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")
		cid := fmt.Sprintf("%08x-4c1d-4a7e-9f00-%012x", i/7, i/7)
		var line string
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11:
			line = fmt.Sprintf(`{"level":"info","message":"Survey response submitted","timestamp":%q,"service":"survey-service","correlationId":%q,"method":"POST","path":"/api/surveys/%d/responses","statusCode":201,"durationMs":%d,"userId":"user-%d"}`, ts, cid, i%20, i%300, i%12)
		case 12:
			line = fmt.Sprintf(`{"level":"warn","message":"Request completed with downstream failures","timestamp":%q,"service":"analytics-service","correlationId":%q,"failedDownstreams":1}`, ts, cid)
		case 13, 14:
			line = fmt.Sprintf(`{"@timestamp":%q,"log":{"level":"info","logger":"app"},"message":"GET /health 200","service":{"name":"admin-service"},"trace":{"id":%q},"http":{"response":{"status_code":200}}}`, ts, cid)
		case 15, 16:
			line = fmt.Sprintf(`time=%s level=info msg="processed message" topic=survey-analytics partition=%d offset=%d`, ts, i%3, i)
		case 17, 18:
			line = fmt.Sprintf(`%s INFO  [main] o.a.k.c.ReplicaManager - Replica %d caught up after %d ms`, ts, i%5, i%100)
		default:
			line = fmt.Sprintf("%s \x1b[31mERROR\x1b[0m \x9b2J bad \xff byte timeout after %dms", ts, i%1000)
		}
		out = append(out, []byte(line))
	}
	return out
}

// BenchmarkParseSanitizeFilter is the per-line cost of the pipeline: parse,
// sanitize, filter. Target: >= 200k lines/s on one core.
func BenchmarkParseSanitizeFilter(b *testing.B) {
	lines := realisticMix(10_000)
	f := MustCompileFilter(`svc:survey* level>=info "submitted"`)
	meta := Meta{Time: time.Now(), Service: "", Container: "stt-survey-service-1", Source: "engine", Stream: "stdout"}
	var bytes int
	for _, l := range lines {
		bytes += len(l)
	}
	b.SetBytes(int64(bytes / len(lines)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	matched := 0
	for i := 0; i < b.N; i++ {
		e := DefaultParser.Parse(lines[i%len(lines)], meta)
		if f.Match(&e) {
			matched++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
	if matched == 0 {
		b.Fatal("filter matched nothing")
	}
}

var bigBuffer *Buffer

func millionEntries(b *testing.B) *Buffer {
	if bigBuffer != nil {
		return bigBuffer
	}
	const n = 1_000_000
	buf := NewBuffer(n, 1<<40)
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	batch := make([]Entry, 0, 10_000)
	svcs := []string{"survey-service", "analytics-service", "notification-service", "audit-consumer-service", "gateway"}
	for i := 0; i < n; i++ {
		batch = append(batch, Entry{
			Time:          base.Add(time.Duration(i) * time.Millisecond),
			Service:       svcs[i%len(svcs)],
			Level:         Level(1 + i%6),
			CorrelationID: fmt.Sprintf("%08x-4c1d-4a7e-9f00-%012x", i/7, i/7),
			Message:       "Survey response submitted",
			Raw:           `{"level":"info","message":"Survey response submitted"}`,
		})
		if len(batch) == cap(batch) {
			buf.Append(batch)
			batch = batch[:0]
		}
	}
	buf.Append(batch)
	bigBuffer = buf
	return buf
}

// BenchmarkFilterMillionByCID filters 1M buffered entries by correlation
// ID. Target: <= 100 ms per run.
func BenchmarkFilterMillionByCID(b *testing.B) {
	buf := millionEntries(b)
	f := MustCompileFilter(fmt.Sprintf("cid:%08x-4c1d-4a7e-9f00-%012x", 123456, 123456))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if n := buf.Count(f); n != 7 {
			b.Fatalf("matched %d, want 7", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/filter")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/filter")
	}
}

// BenchmarkTraceOfMillion builds a trace view from 1M entries.
func BenchmarkTraceOfMillion(b *testing.B) {
	buf := millionEntries(b)
	cid := fmt.Sprintf("%08x-4c1d-4a7e-9f00-%012x", 99999, 99999)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if tr := TraceOf(buf, cid); len(tr.Entries) != 7 {
			b.Fatalf("trace has %d entries", len(tr.Entries))
		}
	}
}

func BenchmarkSanitizeClean(b *testing.B) {
	s := `{"level":"info","message":"Survey response submitted","service":"survey-service","note":"déjà vu"}`
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Sanitize(s)
	}
}

func BenchmarkSanitizeHostile(b *testing.B) {
	s := "\x1b[31mERROR\x1b[0m \x9b2J bad \xff byte \u009b and \x1b]52;c;ZXZpbA==\x07"
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = Sanitize(s)
	}
}

// BenchmarkBufferAppend is the cost of buffering at the limit (evicting).
func BenchmarkBufferAppend(b *testing.B) {
	buf := NewBuffer(100_000, 0)
	lines := realisticMix(1000)
	entries := make([]Entry, len(lines))
	for i, l := range lines {
		entries[i] = Parse(l, Meta{})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(entries) {
		buf.Append(entries)
	}
}

// BenchmarkBufferFullHeap fills a buffer at its default byte limit with
// parsed realistic lines and reports the live heap it holds, to check that
// the byte accounting (Entry.Size) tracks real memory: the target is RSS
// within 64 MiB of the limit.
func BenchmarkBufferFullHeap(b *testing.B) {
	lines := realisticMix(10_000)
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		buf := NewBuffer(1<<30, DefaultBufferBytes)
		for j := 0; buf.Evicted() == 0 || j < 2*len(lines); j++ {
			meta := Meta{Time: time.Now(), Container: "stt-survey-service-1", Source: "engine", Stream: "stdout"}
			buf.Append([]Entry{DefaultParser.Parse(lines[j%len(lines)], meta)})
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(buf.Bytes())/(1<<20), "accounted-MiB")
		b.ReportMetric(float64(buf.Len()), "entries")
		runtime.KeepAlive(buf)
	}
}
