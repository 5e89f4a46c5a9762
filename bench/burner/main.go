// Command burner is the stats benchmark's default container: a static binary for a FROM scratch
// image that idles (or burns a fraction of one core and holds some memory), with no HTTP server,
// health check or logs, so the daemon-side figures show the cost of stats alone. Knobs (same
// names as the app stand-in's): STANDIN_CPU_BURN (fraction of one core, e.g. 0.5) and
// STANDIN_MEMORY_MB (resident megabytes).
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	burn, _ := strconv.ParseFloat(os.Getenv("STANDIN_CPU_BURN"), 64)
	memMB, _ := strconv.Atoi(os.Getenv("STANDIN_MEMORY_MB"))

	// Touch every page so the memory is resident, not just reserved.
	held := make([][]byte, memMB)
	for i := range held {
		held[i] = make([]byte, 1<<20)
		for j := 0; j < len(held[i]); j += 4096 {
			held[i][j] = 1
		}
	}
	fmt.Printf("burner: cpu=%.2f memory=%dMB\n", burn, memMB)

	if burn > 0 {
		go spin(burn)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	fmt.Println("burner: stopping", len(held))
}

// spin burns burn of one core, measured in CPU time rather than wall time, so the container
// still uses its share when the host is busy and the burner is not scheduled as often as it
// asks: every 10 ms it spins while its CPU time is behind burn x elapsed, and sleeps otherwise.
// A debt of more than a second (the container was paused) is forgiven, not caught up.
func spin(burn float64) {
	if burn > 1 {
		burn = 1
	}
	const slice = 10 * time.Millisecond
	start, cpu0 := time.Now(), cpuTime()
	for {
		elapsed := time.Since(start)
		debt := time.Duration(burn*float64(elapsed)) - (cpuTime() - cpu0)
		switch {
		case debt > time.Second:
			start, cpu0 = time.Now(), cpuTime()
		case debt > 0:
			for t := time.Now(); time.Since(t) < slice; {
			}
		default:
			time.Sleep(slice)
		}
	}
}

// cpuTime is the CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
