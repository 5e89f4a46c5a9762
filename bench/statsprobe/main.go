// Command statsprobe runs the monitor's container sampler the way the console will: every
// interval over the running containers of one compose project, with CPU % and I/O rates from
// deltas between rounds. It stands in for surveytui in bench/stats-overhead.sh until the
// console itself is wired to the monitor; it prints one line per round (to /dev/null in the
// benchmark) and, on stderr, how long the first full round took.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// relistEvery is how often the container list is refreshed, as the monitor's drift repair does.
const relistEvery = 30 * time.Second

func main() {
	project := flag.String("project", "", "compose project whose running containers are sampled (required)")
	interval := flag.Duration("interval", 2*time.Second, "time between rounds")
	which := flag.String("sampler", "auto", "auto (cgroup files when visible, else engine API), cgroup, or api")
	rounds := flag.Int("rounds", 0, "stop after this many rounds (0: until interrupted)")
	concurrency := flag.Int("concurrency", 0, "engine API requests in flight (0: the monitor's default)")
	flag.Parse()
	if *project == "" || *interval <= 0 {
		fmt.Fprintln(os.Stderr, "statsprobe: give -project NAME (and a positive -interval)")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if err := run(ctx, *project, *interval, *which, *rounds, *concurrency); err != nil {
		fmt.Fprintln(os.Stderr, "statsprobe:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, project string, interval time.Duration, which string, rounds, concurrency int) error {
	start := time.Now()
	cli, err := engine.New(engine.Options{})
	if err != nil {
		return err
	}
	defer cli.Close()
	ids, err := running(ctx, cli, project)
	if err != nil {
		return err
	}
	api := monitor.NewEngineSampler(cli, concurrency)
	var sampler monitor.Sampler
	switch which {
	case "api":
		sampler = api
	case "cgroup":
		if sampler, err = monitor.NewLocalSampler(""); err != nil {
			return err
		}
	case "auto":
		var why string
		sampler, why = monitor.ChooseSampler(ctx, "", api, ids)
		fmt.Fprintln(os.Stderr, "statsprobe:", why)
	default:
		return fmt.Errorf("-sampler %q: want auto, cgroup or api", which)
	}

	prev := map[string]monitor.RawSample{}
	listed := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for round := 1; ; round++ {
		if time.Since(listed) >= relistEvery {
			if fresh, err := running(ctx, cli, project); err == nil {
				ids, listed = fresh, time.Now()
			}
		}
		roundStart := time.Now()
		cur, err := sampler.Sample(ctx, ids)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			fmt.Printf("round %d: %v\n", round, err)
		} else {
			report(round, sampler.Name(), ids, prev, cur)
			prev = cur
		}
		if round == 1 {
			fmt.Fprintf(os.Stderr, "statsprobe: first round of %d containers (%s) %d ms after start\n",
				len(cur), sampler.Name(), time.Since(start).Milliseconds())
		}
		if round <= 3 {
			fmt.Fprintf(os.Stderr, "statsprobe: round %d took %d ms\n", round, time.Since(roundStart).Milliseconds())
		}
		if rounds > 0 && round >= rounds {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func running(ctx context.Context, cli *engine.Client, project string) ([]string, error) {
	list, err := cli.ListProjectContainers(ctx, project)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range list {
		if c.State == "running" {
			ids = append(ids, c.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// report prints one line per round: what the console's services pane would show, summed.
func report(round int, name string, ids []string, prev, cur map[string]monitor.RawSample) {
	var cpu, mem, rx, tx float64
	for _, id := range ids {
		s, ok := cur[id]
		if !ok {
			continue
		}
		mem += float64(s.MemUsage)
		if p, ok := prev[id]; ok {
			c, r, t, _, _ := monitor.Rates(p, s)
			cpu, rx, tx = cpu+c, rx+r, tx+t
		}
	}
	fmt.Printf("round %d (%s): %d/%d containers, cpu %.1f%%, mem %.1f MiB, net %.0f/%.0f B/s\n",
		round, name, len(cur), len(ids), cpu, mem/(1<<20), rx, tx)
}
