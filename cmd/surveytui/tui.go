package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/monitor"
	"github.com/survey-platform/surveytui/internal/ops/platform"
	"github.com/survey-platform/surveytui/internal/ui"
)

// runTUI opens the console. An unreachable engine does not stop it: the monitor shows that
// and keeps retrying, so the console recovers when dockerd comes back.
func runTUI(ctx context.Context, g *globals) error {
	relaxedGC := os.Getenv("GOGC") == ""
	if relaxedGC {
		// The console lives for days on a shared host: collecting at 50 % heap growth keeps
		// its resident memory about 2 MB lower for no measurable CPU (see docs/BENCHMARKS.md).
		debug.SetGCPercent(50)
	}
	// The first screen waits on the compose files, so they are read without the schema check
	// and from the cache when unchanged (see loadForConsole), and checked in full by a child
	// process in the background (below): a schema problem is reported in the status bar
	// instead of delaying every start.
	decl, err := g.loadForConsole(ctx)
	if err != nil {
		return err
	}
	if relaxedGC {
		// Until the first screen is up it collects rarely instead: the terminal start and
		// first frames allocate a lot that lives briefly, and collections then delay the
		// first screen. (Not while loading: parsing compose files afresh allocates some
		// 18 MB, which would raise the peak.)
		debug.SetGCPercent(400)
		time.AfterFunc(checkDelay, func() { debug.SetGCPercent(50) })
	}
	eng, err := engine.New(engine.Options{Host: g.dockerHost})
	if err != nil {
		return &exitError{code: exitUnreachable, msg: err.Error()}
	}
	defer eng.Close()
	journal, err := audit.Open(audit.DefaultPath())
	if err != nil {
		return err
	}
	mopts, err := g.monitorOptions(ctx, eng)
	if err != nil {
		return err
	}
	mon := monitor.New(eng, decl, mopts)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go mon.Run(ctx)

	keys := ui.DefaultKeyMap()
	var remap map[string][]string
	if err := g.file.section("keys", &remap); err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	if err := keys.Remap(remap); err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	scanner, err := newUIScanner(ctx, g, eng, decl)
	if err != nil {
		return err
	}
	defer scanner.Close()
	backups := newUIBackups(g, eng, decl.Project, decl.Volumes)
	defer backups.Close()
	logSources, logOpts, err := newUILogSources(ctx, g, eng, decl.Project)
	if err != nil {
		return err
	}
	dark := lipgloss.HasDarkBackground(os.Stdin, os.Stdout)
	app := ui.New(ui.Deps{
		Project: decl.Project, Version: version, EngineHost: eng.Host(),
		Snapshots: mon.Updates(), ReadOnly: g.readOnly, Keys: keys, Styles: ui.NewStyles(dark),
		Ops:   &uiOps{eng: eng, project: decl.Project, journal: journal, mon: mon},
		Panes: []ui.Pane{ui.NewLogsPane(logSources, logOpts), ui.NewScanPane(scanner), ui.NewRestorePane(backups)},
	})
	g.logger.Info("tui start", "project", decl.Project, "host", eng.Host())
	// The patched renderer (third_party/bubbletea) draws only while views keep changing, so
	// the frame rate caps a busy console (the logs pane batches lines) and costs an idle one
	// nothing; 60 keeps a new view at most 16 ms from the screen.
	prog := tea.NewProgram(app, tea.WithContext(ctx), tea.WithFPS(60))
	if len(g.composeFiles()) > 0 {
		go func() {
			// After the first screen: the check is a whole second process parsing and
			// validating, which on a small host would compete with the first screen for the CPU.
			select {
			case <-ctx.Done():
				return
			case <-time.After(checkDelay):
			}
			if msg := checkInChild(ctx, g); msg != "" && ctx.Err() == nil {
				prog.Send(ui.StatusError(msg))
			}
		}()
	}
	if _, err := prog.Run(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("the terminal UI stopped: %v", err)
	}
	return nil
}

// uiOps adapts ops functions to the UI's Operations interface.
type uiOps struct {
	eng     *engine.Client
	project string
	journal *audit.Journal
	mon     *monitor.Monitor
}

var _ ui.Operations = (*uiOps)(nil)

func (o *uiOps) Restart(ctx context.Context, service string, progress func(string)) error {
	return platform.RestartService(ctx, o.eng, o.journal, o.project, service, progress)
}

func (o *uiOps) Describe(ctx context.Context, service string) ([]monitor.ContainerInfo, error) {
	cs, err := o.eng.ListProjectContainers(ctx, o.project)
	if err != nil {
		return nil, err
	}
	var out []monitor.ContainerInfo
	for _, c := range cs {
		if c.Service != service {
			continue
		}
		d, err := o.eng.Details(ctx, c.ID)
		if err != nil {
			return out, err
		}
		out = append(out, monitor.Describe(d))
	}
	return out, nil
}

func (o *uiOps) RefreshVolumes() { o.mon.RefreshVolumes() }

// checkDelay is how long after the start the compose files are checked in full.
const checkDelay = 2 * time.Second

// loadForConsole reads the compose files for the console: without the schema check (a child
// process does that, see checkInChild) and from the cache of parsed models when every input is
// unchanged, so a start usually runs no compose parsing at all (it took 40-90 ms of the first
// screen and a few MB of memory that the console kept). The cached model has no Raw; the scan
// pane loads the full model when it needs it.
func (g *globals) loadForConsole(ctx context.Context) (*platform.Declared, error) {
	if len(g.composeFiles()) == 0 {
		return g.load(ctx, true)
	}
	cacheDir := ""
	if dir, err := os.UserCacheDir(); err == nil {
		cacheDir = filepath.Join(dir, "surveytui", "compose")
	}
	d, hit, err := platform.CachedLoad(ctx, platform.LoadOptions{Files: g.composeFiles(), Project: g.project,
		EnvFiles: g.envFiles, SkipValidation: true}, cacheDir, version+" "+commit)
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	g.logger.Debug("compose model", "cached", hit, "cache", cacheDir)
	return d, nil
}
