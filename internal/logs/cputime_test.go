//go:build unix

package logs

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user+system) used by this process so far.
// The benchmarks report throughput per CPU second as well as per wall
// second: on a shared machine (CI runners, the 2-core hosts this project is
// built on) wall time mostly measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
