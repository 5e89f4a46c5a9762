package monitor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkCgroupSample15 is one sampling round of a 15-container project on cgroup v1 (the
// demo stack's size), read from a fixture tree: the sampler's own cost per round, without the
// kernel's cost of producing the real files.
func BenchmarkCgroupSample15(b *testing.B) {
	s, dir := fixtureSampler(b, "v1")
	src := filepath.Join("testdata", "v1")
	ids := make([]string, 15)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", i+1)
		for _, c := range []string{"cpu,cpuacct", "memory", "blkio", "pids"} {
			if err := os.CopyFS(filepath.Join(dir, "cgroup", c, "docker", ids[i]),
				os.DirFS(filepath.Join(src, "cgroup", c, "docker", idA))); err != nil {
				b.Fatal(err)
			}
		}
	}
	ctx := context.Background()
	got, err := s.Sample(ctx, ids)
	if err != nil || len(got) != len(ids) {
		b.Fatalf("fixture round: %d containers, %v", len(got), err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Sample(ctx, ids); err != nil {
			b.Fatal(err)
		}
	}
}
