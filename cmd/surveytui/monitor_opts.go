package main

import (
	"context"
	"strings"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// monitorOptions reads the monitor's settings: thresholds from the config file's
// `thresholds:` section over the defaults, probe paths from `probes:`, and the sampler: the
// containers' cgroup files when the engine is local (no load on the daemon), the engine API
// otherwise.
func (g *globals) monitorOptions(_ context.Context, eng *engine.Client) (monitor.Options, error) {
	th := monitor.DefaultThresholds()
	if err := g.file.section("thresholds", &th); err != nil {
		return monitor.Options{}, &exitError{code: exitUsage, msg: err.Error()}
	}
	var probes map[string]string
	if err := g.file.section("probes", &probes); err != nil {
		return monitor.Options{}, &exitError{code: exitUsage, msg: err.Error()}
	}
	remote := !strings.HasPrefix(eng.Host(), "unix://")
	sampler := monitor.NewAutoSampler(monitor.NewEngineSampler(eng, 0), remote, "")
	return monitor.Options{Interval: g.interval, Thresholds: th, ProbePaths: probes, Sampler: sampler}, nil
}
