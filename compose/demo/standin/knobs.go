package main

import (
	"context"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// exit is os.Exit, replaceable in tests of STANDIN_CRASH_AFTER.
var exit = os.Exit

// startTimers arms STANDIN_UNHEALTHY_AFTER and STANDIN_CRASH_AFTER.
func (s *service) startTimers() {
	if d := s.cfg.UnhealthyAfter; d > 0 {
		time.AfterFunc(d, func() {
			// Log first: whoever sees the 503 can then find the reason.
			s.log.Error("Health check failing: database connection pool exhausted", "",
				field{"unhealthyAfter", d.String()})
			s.unhealthy.Store(true)
		})
	}
	if d := s.cfg.CrashAfter; d > 0 {
		time.AfterFunc(d, func() {
			s.log.Error("Uncaught exception: TypeError: Cannot read properties of undefined (reading 'id'); process exiting", "",
				field{"crashAfter", d.String()}, field{"exitCode", 1})
			exit(1)
		})
	}
}

// burnSlice is how long a burner spins or sleeps before it looks at the clock again.
const burnSlice = 10 * time.Millisecond

// burnCPU keeps `fraction` of one core busy until ctx ends, measured in CPU time rather than
// wall time: on a busy host a wall-clock duty cycle is not scheduled as often as it asks and
// reads low, while this one catches up (a debt over a second, e.g. after a pause, is forgiven).
// Fractions above one spread over ceil(fraction) goroutines.
func burnCPU(ctx context.Context, fraction float64) {
	if fraction <= 0 {
		return
	}
	n := int(math.Ceil(fraction))
	start, cpu0 := time.Now(), processCPU()
	var mu sync.Mutex
	debt := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		d := time.Duration(fraction*float64(time.Since(start))) - (processCPU() - cpu0)
		if d > time.Second {
			start, cpu0 = time.Now(), processCPU()
			d = 0
		}
		return d
	}
	for range n {
		go func() {
			x := 1.0
			for ctx.Err() == nil {
				if debt() <= 0 {
					select {
					case <-ctx.Done():
					case <-time.After(burnSlice):
					}
					continue
				}
				for t := time.Now(); time.Since(t) < burnSlice; {
					for range 1000 {
						x = x*1.0000001 + 1e-9
					}
				}
			}
			_ = x
		}()
	}
}

// processCPU is the CPU time this process used so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocate takes mb megabytes and writes to every page, so they count as
// resident memory in docker stats, not just reserved address space.
func (s *service) allocate(mb int) {
	for range mb {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		s.ballast = append(s.ballast, b)
	}
	s.mu.Lock()
	s.ballastMB = mb
	s.mu.Unlock()
	if mb > 0 {
		s.log.Info("Cache warmed", "", field{"memoryMB", mb})
	}
}

// writeFiles writes mb files of 1 MB of incompressible data into dir, named
// after the service so two services sharing a volume do not collide.
func writeFiles(dir, service string, mb int) error {
	if mb == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := mrand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, 1<<20)
	for i := range mb {
		_, _ = rng.Read(buf)
		name := filepath.Join(dir, fmt.Sprintf("%s-%04d.bin", service, i))
		if err := os.WriteFile(name, buf, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noise are the extra lines STANDIN_LOG_RATE adds, a realistic mix of levels.
var noise = []struct {
	lv  level
	msg string
	kv  []field
}{
	{levelDebug, "Cache lookup", []field{{"cache", "redis"}, {"hit", true}}},
	{levelDebug, "Cache lookup", []field{{"cache", "redis"}, {"hit", false}}},
	{levelInfo, "Connection pool stats", []field{{"active", 4}, {"idle", 6}}},
	{levelDebug, "Kafka consumer heartbeat", []field{{"topic", "survey-analytics"}, {"partition", 0}}},
	{levelInfo, "Scheduled job finished", []field{{"job", "cleanup-expired-sessions"}}},
	{levelWarn, "Event loop lag high", []field{{"lagMs", 180}}},
	{levelWarn, "Slow MongoDB query", []field{{"collection", "responses"}, {"durationMs", 1240}}},
	{levelError, "Redis command timeout", []field{{"command", "GET"}, {"timeoutMs", 1000}}},
}

// logNoise writes `rate` extra lines per second until ctx ends.
func (s *service) logNoise(ctx context.Context, rate float64) {
	if rate <= 0 {
		return
	}
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n := noise[i%len(noise)]
			cid := ""
			if i%2 == 0 {
				cid = newCorrelationID()
			}
			s.log.log(n.lv, n.msg, cid, n.kv...)
		}
	}
}
