package backup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Benchmarks run against the in-process FerretDB (SQLite), scaled by environment variables:
//
//	SURVEYTUI_BENCH_DOCS      documents for backup/restore throughput (default 20000, ~1 KB each)
//	SURVEYTUI_BENCH_LARGE_MB  collection size for the peak-memory dump (default 64 and 256)
//
// Example: SURVEYTUI_BENCH_DOCS=1000000 go test -run '^$' -bench . -benchtime 1x ./internal/ops/backup/

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// fill inserts n documents of about size bytes into db.coll, in batches.
func fill(tb testing.TB, client *mongo.Client, db, coll string, n, size int) int64 {
	tb.Helper()
	ctx := context.Background()
	pad := strings.Repeat("x", max(size-120, 1))
	var batch []any
	var total int64
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := client.Database(db).Collection(coll).InsertMany(ctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
			tb.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		d := bson.D{{Key: "_id", Value: int64(i)}, {Key: "survey", Value: "s" + strconv.Itoa(i%50)},
			{Key: "score", Value: float64(i) / 3}, {Key: "at", Value: bson.DateTime(1700000000000 + int64(i))}, {Key: "pad", Value: pad}}
		raw, _ := bson.Marshal(d)
		total += int64(len(raw))
		batch = append(batch, bson.Raw(raw))
		if len(batch) == 1000 {
			flush()
		}
	}
	flush()
	return total
}

func BenchmarkBackup(b *testing.B) {
	client := startFerret(b)
	n := envInt("SURVEYTUI_BENCH_DOCS", 20000)
	bytes := fill(b, client, "bench", "responses", n, 1024)
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		dir := b.TempDir()
		if _, err := Backup(context.Background(), Options{Dir: dir, Project: "bench", Mongo: client}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkRestore(b *testing.B) {
	client := startFerret(b)
	n := envInt("SURVEYTUI_BENCH_DOCS", 20000)
	bytes := fill(b, client, "bench", "responses", n, 1024)
	res, err := Backup(context.Background(), Options{Dir: b.TempDir(), Project: "bench", Mongo: client})
	if err != nil {
		b.Fatal(err)
	}
	src, err := OpenSource(context.Background(), res.Path, "bench", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		if _, err := RestoreMongo(context.Background(), client, src, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkDumpPeakMemory dumps one large collection in a child process (the FerretDB server
// stays in this one, so its memory is not counted) and reports the child's peak RSS and peak
// Go heap. Flat figures across sizes show memory does not grow with the collection.
func BenchmarkDumpPeakMemory(b *testing.B) {
	sizes := []int{64, 256}
	if mb := envInt("SURVEYTUI_BENCH_LARGE_MB", 0); mb > 0 {
		sizes = []int{mb}
	}
	for _, mb := range sizes {
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			client := startFerret(b)
			const docSize = 64 << 10
			bytes := fill(b, client, "big", "blobs", mb<<20/docSize, docSize)
			b.SetBytes(bytes)
			b.ResetTimer()
			var rss, heap float64
			for b.Loop() {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), childEnv+"=dump", "DIR="+b.TempDir(), "URI="+uriOf(b, client))
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("dump child: %v %s", err, out)
				}
				// The child's own VmHWM: rusage's maxrss would include this (large) process,
				// whose memory high-water mark Linux carries over into the child at exec.
				var h, r float64
				fmt.Sscanf(string(out), "peak-heap-bytes %g peak-rss-kb %g", &h, &r)
				heap = max(heap, h/(1<<20))
				rss = max(rss, r/1024)
			}
			b.ReportMetric(rss, "peak-RSS-MB")
			b.ReportMetric(heap, "peak-heap-MB")
		})
	}
}

// dumpChild backs up every database of URI into DIR and prints its peak heap in use, sampled
// every 5 ms.
func dumpChild() int {
	client, err := mongo.Connect(options.Client().ApplyURI(os.Getenv("URI")))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	_, err = Backup(context.Background(), Options{Dir: os.Getenv("DIR"), Project: "bench", Mongo: client})
	close(stop)
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Printf("peak-heap-bytes %d peak-rss-kb %d\n", peak.Load(), vmHWM())
	return 0
}

// vmHWM is this process's peak resident set size in KiB, from /proc/self/status.
func vmHWM() int {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
