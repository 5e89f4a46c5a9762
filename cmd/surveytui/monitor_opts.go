package main

import (
	"context"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

// monitorOptions reads the monitor's settings: thresholds from the config file's
// `thresholds:` section over the defaults, probe paths from `probes:`.
func (g *globals) monitorOptions(_ context.Context, _ *engine.Client) (monitor.Options, error) {
	th := monitor.DefaultThresholds()
	if err := g.file.section("thresholds", &th); err != nil {
		return monitor.Options{}, &exitError{code: exitUsage, msg: err.Error()}
	}
	var probes map[string]string
	if err := g.file.section("probes", &probes); err != nil {
		return monitor.Options{}, &exitError{code: exitUsage, msg: err.Error()}
	}
	return monitor.Options{Interval: 2 * time.Second, Thresholds: th, ProbePaths: probes}, nil
}
