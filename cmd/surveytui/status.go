package main

import (
	"fmt"
	"github.com/survey-platform/surveytui/internal/logs"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

func newStatusCmd(g *globals) *cobra.Command {
	var (
		asJSON, watch, noVolumes bool
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Services, volumes and alerts; exit 0 ok, 1 warning, 2 critical, 3 engine unreachable",
		Long: "status prints every service's state, health, probe, CPU and memory against limits, restarts,\n" +
			"the project's volumes and the alerts, as a table or --json (schema in docs/STATUS-JSON.md).\n" +
			"Exit codes follow the Nagios convention: 0 ok, 1 warning, 2 critical, 3 engine unreachable.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			decl, eng, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer eng.Close()
			mopts, err := g.monitorOptions(ctx, eng)
			if err != nil {
				return err
			}
			mon := monitor.New(eng, decl, mopts)
			out := cmd.OutOrStdout()
			clear := watch && !asJSON && isTerminal(out)
			var last monitor.Severity
			for {
				snap, err := mon.Collect(ctx, monitor.CollectOptions{Volumes: !noVolumes})
				if err != nil && !watch {
					return err
				}
				if clear {
					fmt.Fprint(out, "\x1b[H\x1b[2J")
				}
				rep := buildStatusReport(snap)
				if asJSON {
					err = writeJSON(out, rep, !watch)
				} else {
					err = writeStatusTable(out, rep)
				}
				if err != nil {
					return err
				}
				last = monitor.Level(snap.Alerts)
				if !watch {
					break
				}
				select {
				case <-ctx.Done():
					return levelExit(last)
				case <-time.After(g.interval):
				}
			}
			return levelExit(last)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (one object per line with --watch)")
	cmd.Flags().BoolVar(&watch, "watch", false, "print a new report every --interval (global flag, default 2s) until interrupted")
	cmd.Flags().BoolVar(&noVolumes, "no-volumes", false, "skip measuring volume sizes (the engine walks every file)")
	return cmd
}

func levelExit(level monitor.Severity) error {
	switch level {
	case monitor.SeverityWarning:
		return &exitError{code: exitWarning}
	case monitor.SeverityCritical:
		return &exitError{code: exitCritical}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

func writeStatusTable(w io.Writer, rep statusReport) error {
	eng := "engine " + rep.Engine.Host + " API " + rep.Engine.APIVersion
	if !rep.Engine.Reachable {
		eng = "engine UNREACHABLE: " + rep.Engine.Error
	}
	fmt.Fprintf(w, "project %s · %s · %s · %s\n\n", logs.Sanitize(rep.Project), logs.Sanitize(eng), strings.ToUpper(rep.Level), rep.Time.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tROLE\tSTATE\tHEALTH\tPROBE\tCPU%\tMEM/LIMIT\tRESTARTS\tUPTIME")
	for _, s := range rep.Services {
		name := logs.Sanitize(s.Name)
		if s.Extra {
			name += " (extra)"
		}
		probe := "-"
		if s.Probe != nil {
			probe = fmt.Sprintf("%dms", s.Probe.LatencyMS)
			if s.Probe.Error != "" || s.Probe.Status >= 300 {
				probe = "fail"
			}
		}
		mem := "-"
		if s.MemoryBytes > 0 {
			mem = monitor.HumanBytes(int64(s.MemoryBytes))
			if s.MemoryLimitBytes > 0 {
				mem += "/" + monitor.HumanBytes(int64(s.MemoryLimitBytes))
			}
		}
		uptime := "-"
		if s.UptimeSeconds > 0 {
			uptime = (time.Duration(s.UptimeSeconds) * time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1f\t%s\t%d\t%s\n", name, s.Role, s.State, orDash(logs.Sanitize(s.Health)), probe, s.CPUPercent, mem, s.Restarts, uptime)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.Volumes) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VOLUME\tSIZE\tGROWTH\tOWNERS")
		for _, v := range rep.Volumes {
			size := "-"
			switch {
			case v.Missing:
				size = "missing"
			case v.SizeBytes >= 0:
				size = monitor.HumanBytes(v.SizeBytes)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", logs.Sanitize(v.Name), size, monitor.HumanBytes(v.GrowthBytes), logs.Sanitize(strings.Join(v.Owners, ",")))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(rep.Alerts) == 0 {
		fmt.Fprintln(w, "no alerts")
	}
	for _, a := range rep.Alerts {
		fmt.Fprintf(w, "%-8s %s\n", strings.ToUpper(a.Severity), logs.Sanitize(a.Message))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
