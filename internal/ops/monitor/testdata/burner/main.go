// Command burner is the monitor tests' stand-in container: a static binary for a FROM scratch
// image that burns a fraction of one core and holds some memory, so the samplers have known
// figures to read. Knobs (same names as the project's app stand-in): STANDIN_CPU_BURN (fraction
// of one core, e.g. 0.5) and STANDIN_MEMORY_MB (resident megabytes).
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

// spin keeps one goroutine busy for burn of every 10 ms slice and asleep for the rest.
func spin(burn float64) {
	if burn > 1 {
		burn = 1
	}
	const slice = 10 * time.Millisecond
	busy := time.Duration(float64(slice) * burn)
	for {
		start := time.Now()
		for time.Since(start) < busy {
		}
		if rest := slice - time.Since(start); rest > 0 {
			time.Sleep(rest)
		}
	}
}
