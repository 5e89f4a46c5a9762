package main

import (
	"bufio"
	"fmt"
	"github.com/survey-platform/surveytui/internal/logs"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/platform"
)

func newRestartCmd(g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "restart SERVICE...",
		Short: "Restart every container of the named services (asks first; --yes for scripts)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, services []string) error {
			if g.readOnly {
				return &exitError{code: exitUsage, msg: "restart is disabled under --read-only"}
			}
			ctx := cmd.Context()
			decl, err := g.declared(ctx)
			if err != nil {
				return err
			}
			for _, s := range services {
				if _, ok := decl.Service(s); !ok {
					return &exitError{code: exitUsage, msg: fmt.Sprintf("service %q is not in %s; run surveytui status to see the names", s, strings.Join(decl.Files, ", "))}
				}
			}
			if err := confirm(cmd.InOrStdin(), cmd.ErrOrStderr(), yes, fmt.Sprintf("Restart %s in project %s?", strings.Join(services, ", "), decl.Project)); err != nil {
				return err
			}
			eng, err := g.engine(ctx)
			if err != nil {
				return err
			}
			defer eng.Close()
			j, err := audit.Open(audit.DefaultPath())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, s := range services {
				err := platform.RestartService(ctx, eng, j, decl.Project, s, func(line string) { fmt.Fprintln(out, logs.Sanitize(line)) })
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask (needed without a terminal)")
	return cmd
}

// confirm asks on a terminal; without one it refuses unless --yes, so a script never restarts
// or restores by accident. No is the default.
func confirm(in io.Reader, prompt io.Writer, yes bool, question string) error {
	if yes {
		return nil
	}
	f, ok := in.(*os.File)
	if !ok || !isTerminal(f) {
		return &exitError{code: exitUsage, msg: "refusing without a terminal to confirm on; pass --yes"}
	}
	fmt.Fprintf(prompt, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return &exitError{code: exitWarning, msg: "cancelled"}
	}
	return nil
}
