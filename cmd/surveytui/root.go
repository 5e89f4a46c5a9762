package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// globals are the settings every command shares.
type globals struct {
	compose    []string
	envFiles   []string
	project    string
	dockerHost string
	readOnly   bool
	configFile string
	debugLog   string
	interval   time.Duration

	file   fileConfig
	logger *slog.Logger
	closer io.Closer
}

func newRootCmd() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "surveytui",
		Short: "Terminal ops console for the Survey Platform",
		Long: "surveytui watches and operates the Survey Platform's Docker Compose deployment.\n" +
			"With no subcommand it opens the TUI; every action is also a plain subcommand with --json\n" +
			"and exit codes for cron and CI.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return g.prepare(cmd)
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			if g.closer != nil {
				_ = g.closer.Close()
			}
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTUI(cmd.Context(), g)
		},
	}
	pf := root.PersistentFlags()
	pf.StringSliceVar(&g.compose, "compose", nil, "compose file (repeatable); default docker-compose.production.yml, then compose/docker-compose.production.yml")
	pf.StringSliceVar(&g.envFiles, "env-file", nil, "env file for the compose files' variables (repeatable; default .env and .env.production beside the first compose file)")
	pf.StringVar(&g.project, "project", "", "compose project name (default: as Compose decides: name in the file, COMPOSE_PROJECT_NAME, directory name)")
	pf.StringVar(&g.dockerHost, "docker-host", "", "Docker engine address (default: DOCKER_HOST, then "+engine.DefaultHost+"); ssh:// and tcp:// with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH work")
	pf.BoolVar(&g.readOnly, "read-only", false, "disable every action that changes the platform")
	pf.StringVar(&g.configFile, "config", "", "config file (default $XDG_CONFIG_HOME/surveytui/config.yaml)")
	pf.DurationVar(&g.interval, "interval", 2*time.Second, "CPU/memory sampling interval of the live view")
	pf.StringVar(&g.debugLog, "debug-log", "", "write a debug log to this file (the TUI never logs to the terminal)")

	root.AddCommand(newVersionCmd(g), newStatusCmd(g), newRestartCmd(g), newDescribeCmd(g), newKeysCmd(g), newScanCmd(g),
		newBackupCmd(g), newRestoreCmd(g), newLogsCmd(g), newCheckCmd(g))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &exitError{code: exitUsage, msg: err.Error()} })
	return root
}

// prepare layers env and file settings under the flags, and opens the debug log.
func (g *globals) prepare(cmd *cobra.Command) error {
	path, explicit := g.configFile, true
	if path == "" {
		path, explicit = os.Getenv("SURVEYTUI_CONFIG"), true
	}
	if path == "" {
		path, explicit = defaultConfigPath(), false
	}
	cfg, err := loadConfigFile(path, explicit)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	g.file = cfg
	if err := applyLayers(cmd.Flags(), cfg); err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	g.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	// compose-go warns through logrus on stderr (unset variables...): that would scribble
	// over the TUI, so it goes to the debug log like everything else.
	logrus.SetOutput(io.Discard)
	if g.debugLog != "" {
		f, err := os.OpenFile(g.debugLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return &exitError{code: exitUsage, msg: fmt.Sprintf("cannot open debug log %s: %v", g.debugLog, err)}
		}
		g.closer = f
		g.logger = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
		logrus.SetOutput(f)
	}
	return nil
}

// composeFiles resolves the compose files: the flag, else the production file where it
// usually lives.
func (g *globals) composeFiles() []string {
	if len(g.compose) > 0 {
		return g.compose
	}
	for _, f := range []string{"docker-compose.production.yml", "compose/docker-compose.production.yml"} {
		if _, err := os.Stat(f); err == nil {
			return []string{f}
		}
	}
	return nil
}

// declared loads the compose files.
func (g *globals) declared(ctx context.Context) (*platform.Declared, error) {
	return g.load(ctx, false)
}

// load reads the compose files, with or without the schema check.
func (g *globals) load(ctx context.Context, skipValidation bool) (*platform.Declared, error) {
	if len(g.composeFiles()) == 0 && g.project != "" {
		// No compose file at hand (another host, a bare project): watch the project's
		// containers as they are; every one shows as not declared.
		return &platform.Declared{Project: g.project, Volumes: map[string]string{}}, nil
	}
	d, err := platform.Load(ctx, platform.LoadOptions{Files: g.composeFiles(), Project: g.project, EnvFiles: g.envFiles, SkipValidation: skipValidation})
	if err != nil {
		return nil, &exitError{code: exitUsage, msg: err.Error()}
	}
	return d, nil
}

// engine connects to the engine and checks it answers, so that every command that needs it
// fails the same way (exit 3, one line) when it does not.
func (g *globals) engine(ctx context.Context) (*engine.Client, error) {
	c, err := engine.New(engine.Options{Host: g.dockerHost})
	if err != nil {
		return nil, &exitError{code: exitUnreachable, msg: err.Error()}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Ping(pctx); err != nil {
		return nil, err
	}
	return c, nil
}

// connect loads the compose files and reaches the engine: what every command that looks at
// the live platform starts with. The caller closes the engine.
func (g *globals) connect(ctx context.Context) (*platform.Declared, *engine.Client, error) {
	decl, err := g.declared(ctx)
	if err != nil {
		return nil, nil, err
	}
	eng, err := g.engine(ctx)
	if err != nil {
		return nil, nil, err
	}
	return decl, eng, nil
}

// signalContext is cancelled on SIGINT/SIGTERM so long commands stop cleanly.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}
