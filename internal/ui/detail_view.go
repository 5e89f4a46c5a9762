package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// detailView shows one service: its containers' image, command, ports, mounts, limits, health
// log, recent events and environment (secrets masked by ops before they reach the UI).
type detailView struct {
	service string
	loading bool
	infos   []monitor.ContainerInfo
	err     error
	scroll  int
}

// Render draws the detail of the service into width x height.
func (d *detailView) Render(snap *monitor.Snapshot, st Styles, width, height int, now time.Time) string {
	var svc *monitor.ServiceStatus
	for i := range snap.Services {
		if snap.Services[i].Name == d.service {
			svc = &snap.Services[i]
		}
	}
	var lines []string
	add := func(label, value string) {
		lines = append(lines, st.Muted.Render(fit(label, 14))+clean(value))
	}
	section := func(title string) { lines = append(lines, "", st.Title.Render(title)) }
	if svc != nil {
		add("service", fmt.Sprintf("%s (%s)", svc.Name, svc.Role))
		add("state", fmt.Sprintf("%s  restarts %d  uptime %s", svc.State, svc.Restarts, humanDuration(svc.Uptime(now))))
		add("cpu", fmt.Sprintf("%.1f%% of one core", svc.CPUPercent))
		switch {
		case svc.MemLimit > 0 && svc.MemPercent >= 0:
			add("memory", fmt.Sprintf("%s of %s (%.0f%%)", humanBytes(svc.MemUsage), humanBytes(svc.MemLimit), svc.MemPercent))
		case svc.MemLimit > 0:
			add("memory", fmt.Sprintf("%s of %s", humanBytes(svc.MemUsage), humanBytes(svc.MemLimit)))
		default:
			add("memory", humanBytes(svc.MemUsage)+" (no limit)")
		}
		add("i/o", fmt.Sprintf("net rx %s/s tx %s/s · block read %s/s write %s/s", humanBytes(uint64(svc.NetRxRate)),
			humanBytes(uint64(svc.NetTxRate)), humanBytes(uint64(svc.BlkReadRate)), humanBytes(uint64(svc.BlkWriteRate))))
		if svc.OOMKilled {
			add("oom", "the kernel killed it for lack of memory (OOM)")
		}
		if p := svc.Probe; p != nil {
			res := fmt.Sprintf("HTTP %d in %dms", p.Status, p.Latency.Milliseconds())
			if p.Error != "" {
				res = p.Error
			}
			add("probe", p.URL+" → "+res)
			if p.Body != "" {
				add("", oneLine(p.Body))
			}
		}
	}
	if a := snap.Admin; a != nil && d.service == "admin-service" {
		section("admin-service's own figures (" + a.At.Format("15:04:05") + ")")
		if a.Error != "" {
			add("error", a.Error)
		}
		for _, kv := range flatten("health", a.Health, 2) {
			add("", kv)
		}
		for _, kv := range flatten("stats", a.Stats, 2) {
			add("", kv)
		}
	}
	switch {
	case d.loading:
		lines = append(lines, "", st.Muted.Render("inspecting…"))
	case d.err != nil:
		lines = append(lines, "", st.Critical.Render("inspect failed: "+clean(oneLine(d.err.Error()))))
	}
	for _, info := range d.infos {
		section("container " + clean(info.Name))
		add("image", info.Image)
		add("command", strings.Join(info.Command, " "))
		add("user", orDash(info.User))
		add("ports", orDash(strings.Join(info.Ports, ", ")))
		limits := fmt.Sprintf("cpu %s  memory %s  pids %s  restart %s", limitStr(info.CPULimit), bytesOrNone(info.MemLimit), countOrNone(info.PIDs), orDash(info.Restart))
		add("limits", limits)
		for _, m := range info.Mounts {
			add("mount", m)
		}
		if svc != nil {
			for _, c := range svc.Containers {
				if c.ID != info.ID {
					continue
				}
				for _, h := range c.HealthLog {
					add("health", fmt.Sprintf("%s exit %d %s", h.Start.Format("15:04:05"), h.ExitCode, oneLine(h.Output)))
				}
				for _, e := range c.Events {
					add("event", e.Time.Format("15:04:05")+" "+e.Action)
				}
			}
		}
		section("environment")
		for _, e := range info.Env {
			lines = append(lines, "  "+clean(e))
		}
	}
	d.scroll = min(d.scroll, max(0, len(lines)-height))
	end := min(len(lines), d.scroll+height)
	return strings.Join(lines[d.scroll:end], "\n")
}

func limitStr(cpus float64) string {
	if cpus <= 0 {
		return "none"
	}
	return fmt.Sprintf("%.2g", cpus)
}

func bytesOrNone(n int64) string {
	if n <= 0 {
		return "none"
	}
	return humanBytes(uint64(n))
}

func countOrNone(n int64) string {
	if n <= 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

// flatten lists a decoded JSON object as "path: value" lines, sorted, down to depth levels.
func flatten(prefix string, v any, depth int) []string {
	m, ok := v.(map[string]any)
	if !ok || depth == 0 {
		if v == nil {
			return nil
		}
		return []string{prefix + ": " + oneLine(fmt.Sprint(v))}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, flatten(prefix+"."+k, m[k], depth-1)...)
	}
	return out
}
