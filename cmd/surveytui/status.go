package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/platform"
)

// statusReport is the stable JSON form of `surveytui status --json` (see docs/STATUS-JSON.md).
type statusReport struct {
	Schema     int             `json:"schema"`
	Project    string          `json:"project"`
	DockerHost string          `json:"docker_host"`
	Time       time.Time       `json:"time"`
	Level      string          `json:"level"` // ok, warning, critical
	Services   []serviceReport `json:"services"`
}

type serviceReport struct {
	Name       string            `json:"name"`
	Role       string            `json:"role"`
	State      string            `json:"state"`
	Health     string            `json:"health"`
	Extra      bool              `json:"extra"`
	Containers []containerReport `json:"containers"`
}

type containerReport struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	State  string `json:"state"`
	Health string `json:"health"`
	Status string `json:"status"`
}

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every service's state and health; exit 0 ok, 1 warning, 2 critical, 3 engine unreachable",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			decl, err := g.declared(ctx)
			if err != nil {
				return err
			}
			eng, err := g.engine(ctx)
			if err != nil {
				return err
			}
			defer eng.Close()
			topo, err := platform.Discover(ctx, eng, decl)
			if err != nil {
				return err
			}
			rep := buildStatusReport(topo, eng.Host(), time.Now().UTC())
			if asJSON {
				err = writeJSON(cmd.OutOrStdout(), rep)
			} else {
				err = writeStatusTable(cmd.OutOrStdout(), rep)
			}
			if err != nil {
				return err
			}
			return levelExit(rep.Level)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON (schema in docs/STATUS-JSON.md)")
	return cmd
}

func buildStatusReport(topo platform.Topology, host string, now time.Time) statusReport {
	rep := statusReport{Schema: 1, Project: topo.Project, DockerHost: host, Time: now, Level: "ok"}
	for _, s := range topo.Services {
		sr := serviceReport{Name: s.Name, Role: string(s.Role), State: string(s.State), Extra: s.Extra, Containers: []containerReport{}}
		for _, c := range s.Containers {
			sr.Containers = append(sr.Containers, containerReport{ID: shortID(c.ID), Name: c.Name, State: c.State, Health: c.Health, Status: c.Status})
			if sr.Health == "" || c.Health != "healthy" {
				sr.Health = c.Health
			}
		}
		rep.Services = append(rep.Services, sr)
		rep.Level = worseLevel(rep.Level, levelOfState(s.State))
	}
	return rep
}

// levelOfState: a service that is down is critical; one on its way up or down is a warning.
func levelOfState(s platform.State) string {
	switch s {
	case platform.StateHealthy, platform.StateRunning:
		return "ok"
	case platform.StateStarting, platform.StatePaused, platform.StateCreated, platform.StateRestarting:
		return "warning"
	}
	return "critical"
}

func worseLevel(a, b string) string {
	rank := map[string]int{"ok": 0, "warning": 1, "critical": 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func levelExit(level string) error {
	switch level {
	case "warning":
		return &exitError{code: exitWarning}
	case "critical":
		return &exitError{code: exitCritical}
	}
	return nil
}

func writeStatusTable(w io.Writer, rep statusReport) error {
	fmt.Fprintf(w, "project %s on %s: %s\n\n", rep.Project, rep.DockerHost, strings.ToUpper(rep.Level))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tROLE\tSTATE\tHEALTH\tCONTAINERS")
	for _, s := range rep.Services {
		name := s.Name
		if s.Extra {
			name += " (extra)"
		}
		health := s.Health
		if health == "" {
			health = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", name, s.Role, s.State, health, len(s.Containers))
	}
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
