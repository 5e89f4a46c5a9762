package monitor

import (
	"math"
	"testing"
	"time"
)

func TestRates(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	base := RawSample{At: t0, CPUUsageNs: 10e9, NetRx: 1000, NetTx: 2000, BlkRead: 0, BlkWrite: 4096}
	tests := []struct {
		name                string
		prev, cur           RawSample
		cpu, rx, tx, br, bw float64
	}{
		{"half a core over 2 s", base, RawSample{At: t0.Add(2 * time.Second), CPUUsageNs: 11e9,
			NetRx: 3000, NetTx: 2000, BlkRead: 8192, BlkWrite: 4096}, 50, 1000, 0, 4096, 0},
		{"two full cores", base, RawSample{At: t0.Add(time.Second), CPUUsageNs: 12e9,
			NetRx: 1000, NetTx: 2000, BlkWrite: 4096}, 200, 0, 0, 0, 0},
		{"counters reset by a restart", base, RawSample{At: t0.Add(time.Second), CPUUsageNs: 1e9,
			NetRx: 10, NetTx: 3000, BlkWrite: 5120}, 0, 0, 1000, 0, 1024},
		{"same time", base, base, 0, 0, 0, 0, 0},
		{"out of order", base, RawSample{At: t0.Add(-time.Second), CPUUsageNs: 11e9}, 0, 0, 0, 0, 0},
		{"no previous sample", RawSample{}, base, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cpu, rx, tx, br, bw := Rates(tc.prev, tc.cur)
			got := []float64{cpu, rx, tx, br, bw}
			want := []float64{tc.cpu, tc.rx, tc.tx, tc.br, tc.bw}
			for i := range got {
				if math.Abs(got[i]-want[i]) > 1e-9 {
					t.Fatalf("Rates = %v, want %v", got, want)
				}
			}
		})
	}
}
