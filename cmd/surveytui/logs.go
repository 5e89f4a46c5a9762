package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ui"
)

// logsFileConfig is the config file's `logs:` section. Flags of `surveytui logs` override it.
type logsFileConfig struct {
	Source            string   `yaml:"source"`
	CorrelationFields []string `yaml:"correlation_fields"`
	BufferLines       int      `yaml:"buffer_lines"`
	BufferBytes       int      `yaml:"buffer_bytes"`
	Since             string   `yaml:"since"`
	ES                struct {
		URLs     []string `yaml:"urls"`
		User     string   `yaml:"user"`
		Password string   `yaml:"password"`
		APIKey   string   `yaml:"api_key"`
		CAFile   string   `yaml:"ca_file"`
		Index    string   `yaml:"index"`
		Poll     string   `yaml:"poll"`
		Overlap  string   `yaml:"overlap"`
		Fields   struct {
			Timestamp   string   `yaml:"timestamp"`
			Service     string   `yaml:"service"`
			Container   string   `yaml:"container"`
			Level       []string `yaml:"level"`
			Message     string   `yaml:"message"`
			Correlation string   `yaml:"correlation"`
		} `yaml:"fields"`
	} `yaml:"es"`
}

// logsFlags are the flags of `surveytui logs` that also shape the TUI's source.
type logsFlags struct {
	cid, level, since, source, esIndex, esUser, esPassword, esAPIKey, esCAFile string
	services, esURLs                                                           []string
	follow, asJSON                                                             bool
}

func newLogsCmd(g *globals) *cobra.Command {
	f := &logsFlags{}
	cmd := &cobra.Command{
		Use:   "logs [QUERY...]",
		Short: "Print (or follow) the platform's logs from Elasticsearch or the container engine",
		Long: "logs prints the platform's log lines, oldest first, from Elasticsearch when es urls are\n" +
			"configured (falling back to the engine when it is unreachable) or from the containers.\n" +
			"Extra arguments are a query in the syntax of docs/LOGS-QUERY.md, e.g.\n" +
			"  surveytui logs --since 1h level>=warn timeout\n" +
			"Output is sanitized: control characters from logs are shown as escapes such as \\x1b.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLogs(cmd.Context(), g, f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cid, "correlation-id", "", "only lines of this correlation ID, across services")
	fl.StringSliceVar(&f.services, "service", nil, "only this compose service (repeatable)")
	fl.StringVar(&f.level, "level", "", "minimum level: trace, debug, info, warn, error, fatal")
	fl.StringVar(&f.since, "since", "", "how far back to start, e.g. 15m, 2h, 1d (default 15m, or logs.since in the config)")
	fl.BoolVarP(&f.follow, "follow", "f", false, "keep printing new lines until interrupted")
	fl.StringVar(&f.source, "source", "", "es, engine or auto (default auto: es when configured, else the engine)")
	fl.BoolVar(&f.asJSON, "json", false, "one JSON object per line")
	fl.StringSliceVar(&f.esURLs, "es-url", nil, "Elasticsearch URL (repeatable)")
	fl.StringVar(&f.esUser, "es-user", "", "Elasticsearch user")
	fl.StringVar(&f.esPassword, "es-password", "", "Elasticsearch password (better: SURVEYTUI_ES_PASSWORD or the config file)")
	fl.StringVar(&f.esAPIKey, "es-api-key", "", "Elasticsearch API key (base64 id:key)")
	fl.StringVar(&f.esCAFile, "es-ca-file", "", "PEM file of the CA of the cluster's certificate")
	fl.StringVar(&f.esIndex, "es-index", "", "index pattern (default "+logs.DefaultESIndex+")")
	return cmd
}

// logsConfig merges the config file's logs section, the flags and the engine into a
// logs.Config. streamer may be nil (no engine reachable).
func logsConfig(g *globals, f *logsFlags, streamer logs.ContainerLogStreamer, project string) (logs.Config, *logsFileConfig, error) {
	var fc logsFileConfig
	if err := g.file.section("logs", &fc); err != nil {
		return logs.Config{}, nil, err
	}
	pick := func(flag, file string) string {
		if flag != "" {
			return flag
		}
		return file
	}
	cfg := logs.Config{Kind: pick(f.source, fc.Source)}
	cfg.ES = logs.ESConfig{
		URLs: fc.ES.URLs, Username: pick(f.esUser, fc.ES.User), Password: pick(f.esPassword, fc.ES.Password),
		APIKey: pick(f.esAPIKey, fc.ES.APIKey), CAFile: pick(f.esCAFile, fc.ES.CAFile), Index: pick(f.esIndex, fc.ES.Index),
		Fields: logs.ESFields{Timestamp: fc.ES.Fields.Timestamp, Service: fc.ES.Fields.Service, Container: fc.ES.Fields.Container,
			Level: fc.ES.Fields.Level, Message: fc.ES.Fields.Message, Correlation: fc.ES.Fields.Correlation},
	}
	if len(f.esURLs) > 0 {
		cfg.ES.URLs = f.esURLs
	}
	durations := []struct {
		name, v string
		dst     *time.Duration
	}{
		{"logs.es.poll", fc.ES.Poll, &cfg.ES.PollInterval},
		{"logs.es.overlap", fc.ES.Overlap, &cfg.ES.Overlap},
		{"--since", pick(f.since, fc.Since), &cfg.ES.Since},
	}
	for _, d := range durations {
		if d.v == "" {
			continue
		}
		v, err := parseDays(d.v)
		if err != nil || v <= 0 {
			return logs.Config{}, nil, fmt.Errorf("%s=%q: want a duration such as 30s, 15m, 2h or 1d", d.name, d.v)
		}
		*d.dst = v
	}
	cfg.Engine = logs.EngineConfig{Project: project, Services: f.services, Since: cfg.ES.Since}
	if streamer != nil {
		cfg.Engine.Streamer = streamer
	}
	cfg.Parser = logs.NewParser(fc.CorrelationFields, 0)
	return cfg, &fc, nil
}

// parseDays is time.ParseDuration plus a "d" (days) unit.
func parseDays(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	return time.ParseDuration(s)
}

// logsQuery builds the filter query from the flags and the positional query.
func logsQuery(f *logsFlags, args []string) string {
	var terms []string
	if f.cid != "" {
		terms = append(terms, "cid:"+f.cid)
	}
	for _, s := range f.services {
		terms = append(terms, "svc:"+s)
	}
	if f.level != "" {
		terms = append(terms, "level>="+f.level)
	}
	return strings.TrimSpace(strings.Join(append(terms, args...), " "))
}

func runLogs(ctx context.Context, g *globals, f *logsFlags, args []string, stdout, stderr io.Writer) error {
	filter, err := logs.CompileFilter(logsQuery(f, args), time.Now())
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	// The engine is needed unless the source is Elasticsearch only; an unreachable engine is
	// only an error when nothing else can serve.
	var streamer logs.ContainerLogStreamer
	var engErr error
	project := g.project
	if f.source != logs.KindES {
		decl, derr := g.declared(ctx)
		if derr == nil {
			project = decl.Project
		} else if project == "" {
			engErr = derr
		}
		if engErr == nil {
			eng, err := g.engine(ctx)
			if err != nil {
				engErr = err
			} else {
				defer eng.Close()
				streamer = eng.LogStreamer()
			}
		}
	}
	cfg, _, err := logsConfig(g, f, streamer, project)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	cfg.Filter = filter
	if streamer == nil && (cfg.Kind == logs.KindEngine || len(cfg.ES.URLs) == 0) {
		if engErr != nil {
			return engErr
		}
		return &exitError{code: exitUsage, msg: "no log source: configure logs.es.urls (or --es-url) or reach the Docker engine"}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src, err := logs.Open(ctx, cfg)
	if err != nil {
		return &exitError{code: exitUsage, msg: err.Error()}
	}
	defer src.Close()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	for b := range src.Batches() {
		for i := range b.Entries {
			e := &b.Entries[i]
			if !filter.Match(e) {
				continue
			}
			if f.asJSON {
				w.Write(logs.JSONLine(e))
			} else {
				w.WriteString(logs.PlainLine(e, true))
			}
			w.WriteByte('\n')
		}
		if b.Dropped > 0 {
			fmt.Fprintf(stderr, "surveytui: %d lines dropped (output too slow)\n", b.Dropped)
		}
		if err := w.Flush(); err != nil {
			return err // stdout closed (e.g. piped into head)
		}
		for _, st := range b.Transitions {
			g.logger.Info("logs source", "status", st.String())
			switch st.State {
			case logs.StateBackoff, logs.StateUnreachable:
				fmt.Fprintln(stderr, "surveytui: "+st.String())
			case logs.StateOK:
				if st.Message != "" {
					fmt.Fprintln(stderr, "surveytui: "+st.String())
				}
			}
		}
		if !f.follow {
			if b.HistoryDone {
				return nil
			}
			if b.Status != nil && b.Status.State == logs.StateUnreachable && src.Name() == logs.KindES && cfg.Engine.Streamer == nil {
				return &exitError{code: exitUnreachable, msg: b.Status.String()}
			}
		}
	}
	if ctx.Err() != nil || !f.follow {
		return nil
	}
	return fmt.Errorf("log source stopped: %s", src.Status())
}

// uiLogSources opens the logs pane's stream for the session: the same configuration as
// `surveytui logs`, tied to the session's context so quitting stops it.
type uiLogSources struct {
	ctx context.Context
	cfg logs.Config
}

var _ ui.LogSources = (*uiLogSources)(nil)

func (s *uiLogSources) Open(context.Context) (logs.Source, error) { return logs.Open(s.ctx, s.cfg) }

// newUILogSources builds the TUI's log source from the config file's logs section.
func newUILogSources(ctx context.Context, g *globals, eng *engine.Client, project string) (ui.LogSources, ui.LogsPaneOptions, error) {
	cfg, fc, err := logsConfig(g, &logsFlags{}, eng.LogStreamer(), project)
	if err != nil {
		return nil, ui.LogsPaneOptions{}, &exitError{code: exitUsage, msg: err.Error()}
	}
	if cfg.ES.Since == 0 {
		cfg.ES.Since, cfg.Engine.Since = 15*time.Minute, 15*time.Minute
	}
	wd, _ := os.Getwd()
	return &uiLogSources{ctx: ctx, cfg: cfg}, ui.LogsPaneOptions{BufferLines: fc.BufferLines, BufferBytes: fc.BufferBytes, SaveDir: wd}, nil
}
