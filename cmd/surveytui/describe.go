package main

import (
	"fmt"
	"github.com/survey-platform/surveytui/internal/logs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/monitor"
)

func newDescribeCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "describe SERVICE",
		Short: "Show a service's containers: image, command, ports, mounts, limits, environment (secrets masked)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			decl, eng, err := g.connect(ctx)
			if err != nil {
				return err
			}
			defer eng.Close()
			ops := &uiOps{eng: eng, project: decl.Project}
			infos, err := ops.Describe(ctx, args[0])
			if err != nil {
				return err
			}
			if len(infos) == 0 {
				return &exitError{code: exitCritical, msg: fmt.Sprintf("service %q has no container in project %q", args[0], decl.Project)}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, infos, true)
			}
			for _, in := range infos {
				printInfo(out, in)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func printInfo(out interface{ Write([]byte) (int, error) }, in monitor.ContainerInfo) {
	line := func(k, v string) { fmt.Fprintf(out, "%-10s %s\n", k, logs.Sanitize(v)) }
	line("container", in.Name)
	line("image", in.Image)
	line("command", strings.Join(in.Command, " "))
	line("user", in.User)
	line("ports", strings.Join(in.Ports, ", "))
	line("limits", fmt.Sprintf("cpu %.2g, memory %d, pids %d, restart %s", in.CPULimit, in.MemLimit, in.PIDs, in.Restart))
	for _, m := range in.Mounts {
		line("mount", m)
	}
	for _, e := range in.Env {
		line("env", e)
	}
	fmt.Fprintln(out)
}
