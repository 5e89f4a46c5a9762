package monitor

import (
	"context"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/testenv"
)

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// runContainer starts image with env and returns its full ID; it is removed when the test ends.
func runContainer(t *testing.T, image string, env ...string) string {
	t.Helper()
	name := testenv.UniqueName("stt-monitor-")
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
	args := []string{"run", "-d", "--name", name}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	return docker(t, append(args, image)...)
}

// TestSamplersAgainstTheEngine runs the app stand-in burning half a core and holding 100 MB,
// and reads it with both samplers and with `docker stats`.
func TestSamplersAgainstTheEngine(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	quiet := []string{"STANDIN_SERVICE=survey-service", "STANDIN_TRAFFIC=off", "LOG_LEVEL=warn"}
	burn := runContainer(t, image, append(quiet, "STANDIN_CPU_BURN=0.5", "STANDIN_MEMORY_MB=100")...)
	stopped := runContainer(t, image, quiet...)
	removed := runContainer(t, image, quiet...)
	docker(t, "stop", "-t", "2", stopped)
	docker(t, "rm", "-f", removed)

	local, err := NewLocalSampler("")
	if err != nil {
		t.Fatalf("this test runs on the Docker host: %v", err)
	}
	api, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	samplers := []Sampler{local, NewEngineSampler(api, 0)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ids := []string{burn, stopped, removed}

	// The stand-in touches its 100 MB at start; wait until it is resident.
	deadline := time.Now().Add(15 * time.Second)
	for {
		s, err := local.Sample(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if s[burn].MemUsage >= 100<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stand-in memory never reached 100 MiB: %+v", s[burn])
		}
		time.Sleep(200 * time.Millisecond)
	}

	sampleAll := func() []map[string]RawSample {
		out := make([]map[string]RawSample, len(samplers))
		for i, s := range samplers {
			got, err := s.Sample(ctx, ids)
			if err != nil {
				t.Fatalf("%s: a stopped and a removed container failed the batch: %v", s.Name(), err)
			}
			if len(got) != 1 {
				t.Fatalf("%s: want only the running container, got %d", s.Name(), len(got))
			}
			out[i] = got
		}
		return out
	}
	// The host is shared: when it is saturated the stand-in cannot get its half core, and that
	// is the scheduler's doing, not the samplers'. So each window is also measured from the
	// stand-in's own /proc/PID/stat, the samplers must agree with it every time, and the 30-70 %
	// reading is given up to three windows.
	pid := docker(t, "inspect", "-f", "{{.State.Pid}}", burn)
	var first, second []map[string]RawSample
	cpu := make([]float64, len(samplers))
	for attempt := 1; ; attempt++ {
		truth0, at0 := procCPU(t, pid), time.Now()
		first = sampleAll()
		time.Sleep(2 * time.Second)
		second = sampleAll()
		truth := float64(procCPU(t, pid)-truth0) / time.Since(at0).Seconds() / 1e9 * 100
		inRange := true
		for i, s := range samplers {
			cpu[i], _, _, _, _ = Rates(first[i][burn], second[i][burn])
			t.Logf("window %d: %s reads %.1f %% CPU; /proc/%s/stat says %.1f %%", attempt, s.Name(), cpu[i], pid, truth)
			if math.Abs(cpu[i]-truth) > 10 {
				t.Errorf("%s reads %.1f %% CPU, the process itself used %.1f %%", s.Name(), cpu[i], truth)
			}
			inRange = inRange && cpu[i] >= 30 && cpu[i] <= 70
		}
		if inRange {
			break
		}
		if attempt == 3 {
			t.Fatalf("a container burning half a core read outside 30-70 %% in 3 windows: %.1f", cpu)
		}
	}
	for i, s := range samplers {
		cur := second[i][burn]
		t.Logf("%s: mem %.1f MiB, limit %d, net %d/%d, pids %d, online CPUs %d",
			s.Name(), float64(cur.MemUsage)/(1<<20), cur.MemLimit, cur.NetRx, cur.NetTx, cur.PIDs, cur.OnlineCPUs)
		if cur.MemUsage < 100<<20 {
			t.Errorf("%s: memory %d bytes, want >= 100 MiB", s.Name(), cur.MemUsage)
		}
		if cur.MemLimit != 0 {
			t.Errorf("%s: memory limit %d, want 0 (no limit)", s.Name(), cur.MemLimit)
		}
		if cur.PIDs == 0 || cur.OnlineCPUs == 0 {
			t.Errorf("%s: pids %d, online CPUs %d", s.Name(), cur.PIDs, cur.OnlineCPUs)
		}
	}
	l, e := second[0][burn], second[1][burn]
	if math.Abs(cpu[0]-cpu[1]) > 15 {
		t.Errorf("samplers disagree on CPU: %s %.1f, %s %.1f", local.Name(), cpu[0], samplers[1].Name(), cpu[1])
	}
	if relDiff(float64(l.MemUsage), float64(e.MemUsage)) > 0.05 {
		t.Errorf("samplers disagree on memory: %d vs %d", l.MemUsage, e.MemUsage)
	}
	if l.NetRx != e.NetRx || l.NetTx != e.NetTx {
		// An idle container's counters do not move; the engine counts the same interfaces.
		t.Errorf("samplers disagree on network: %d/%d vs %d/%d", l.NetRx, l.NetTx, e.NetRx, e.NetTx)
	}

	// docker stats' own figures, for the same container.
	line := docker(t, "stats", "--no-stream", "--format", "{{.CPUPerc}}|{{.MemUsage}}", burn)
	cliCPU, cliMem, err := parseDockerStatsLine(line)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("docker stats: cpu %.1f%%, mem %.1f MiB", cliCPU, cliMem/(1<<20))
	// docker stats reads its own (shorter) window: only gross disagreement is a failure.
	if math.Abs(cliCPU-cpu[0]) > 25 {
		t.Errorf("docker stats says %.1f %% CPU, the cgroup sampler %.1f", cliCPU, cpu[0])
	}
	// docker stats rounds to 0.1 MiB; the stand-in's usage barely moves.
	if relDiff(cliMem, float64(l.MemUsage)) > 0.05 {
		t.Errorf("docker stats says %.0f bytes, the cgroup sampler %d", cliMem, l.MemUsage)
	}
}

// procCPU is the CPU time (user + system) of process pid from /proc/PID/stat, in nanoseconds.
func procCPU(t *testing.T, pid string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which may hold spaces) start at state, field 3.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return (utime + stime) * int64(time.Second) / 100 // USER_HZ is 100 on Linux
}

func relDiff(a, b float64) float64 {
	return math.Abs(a-b) / math.Max(math.Max(a, b), 1)
}

var sizeRE = regexp.MustCompile(`^([0-9.]+)\s*([KMGT]?i?B)$`)

// parseDockerStatsLine reads "45.43%|102.6MiB / 23.54GiB".
func parseDockerStatsLine(line string) (cpu, mem float64, err error) {
	cpuText, memText, _ := strings.Cut(line, "|")
	if cpu, err = strconv.ParseFloat(strings.TrimSuffix(cpuText, "%"), 64); err != nil {
		return 0, 0, err
	}
	usage, _, _ := strings.Cut(memText, " / ")
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(usage))
	if m == nil {
		return 0, 0, &strconv.NumError{Func: "parseDockerStatsLine", Num: line, Err: strconv.ErrSyntax}
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	mult := map[string]float64{"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]
	return cpu, v * mult, nil
}

// TestCgroupSamplerFollowsARestartedContainer: the sampler keeps a container's counter files
// open between rounds, and a restart gives the container a new cgroup at the same path. The
// round after the restart must read the new cgroup (counters starting again near zero, a new
// process for the network), not fail and not skip the container.
func TestCgroupSamplerFollowsARestartedContainer(t *testing.T) {
	testenv.RequireEngine(t)
	image := testenv.StandinImage(t)
	id := runContainer(t, image, "STANDIN_SERVICE=survey-service", "STANDIN_TRAFFIC=off",
		"LOG_LEVEL=warn", "STANDIN_CPU_BURN=0.5")
	local, err := NewLocalSampler("")
	if err != nil {
		t.Fatalf("this test runs on the Docker host: %v", err)
	}
	t.Cleanup(func() { _ = local.Close() })
	ctx := context.Background()
	var before RawSample
	deadline := time.Now().Add(20 * time.Second)
	for before.CPUUsageNs < 5e8 { // half a second of CPU used: a restart's new counter is below
		got, err := local.Sample(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		before = got[id]
		if time.Now().After(deadline) {
			t.Fatalf("the stand-in never used 0.5 s of CPU: %+v", before)
		}
		time.Sleep(200 * time.Millisecond)
	}
	pidBefore := docker(t, "inspect", "-f", "{{.State.Pid}}", id)
	docker(t, "restart", "-t", "1", id)
	got, err := local.Sample(ctx, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	after, ok := got[id]
	if !ok {
		t.Fatalf("the restarted container is missing from the round after the restart")
	}
	if after.CPUUsageNs >= before.CPUUsageNs {
		t.Errorf("CPU usage %d after the restart, %d before: the old cgroup's files were read", after.CPUUsageNs, before.CPUUsageNs)
	}
	if pidAfter := docker(t, "inspect", "-f", "{{.State.Pid}}", id); pidAfter == pidBefore {
		t.Fatalf("docker restart kept PID %s", pidAfter)
	}
	if local.dirs[id].netPID != docker(t, "inspect", "-f", "{{.State.Pid}}", id) {
		t.Errorf("network counters read from PID %s, the container's process is now %s",
			local.dirs[id].netPID, docker(t, "inspect", "-f", "{{.State.Pid}}", id))
	}
}
