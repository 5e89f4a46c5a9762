package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
)

type checkReport struct {
	OK       bool     `json:"ok"`
	Project  string   `json:"project,omitempty"`
	Files    []string `json:"files,omitempty"`
	Services int      `json:"services"`
	Volumes  int      `json:"volumes"`
	Error    string   `json:"error,omitempty"`
}

// newCheckCmd checks the compose files in full, the Compose Specification's schema included,
// and the config file (read before any command runs). The console runs it in a child process
// so that the schema compiler never lives in the long-running console's memory.
func newCheckCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the compose files (schema included) and the config file; exit 0 when usable, 64 when not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep := checkReport{Files: g.composeFiles()}
			var err error
			if len(rep.Files) == 0 {
				err = &exitError{code: exitUsage, msg: "no compose file to check; pass --compose FILE or run from the directory that holds docker-compose.production.yml"}
			} else if d, lerr := g.load(cmd.Context(), false); lerr != nil {
				err = lerr
			} else {
				rep.OK, rep.Project, rep.Services, rep.Volumes = true, d.Project, len(d.Services), len(d.Volumes)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err != nil {
					rep.Error = oneLine(err.Error())
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if eerr := enc.Encode(rep); eerr != nil {
					return eerr
				}
			} else if err == nil {
				fmt.Fprintf(out, "%s: project %s, %d services, %d volumes: valid\n", strings.Join(rep.Files, ", "), rep.Project, rep.Services, rep.Volumes)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// checkInChild runs `surveytui check` on the console's files in a child process and returns
// its one-line complaint, or "" when the files are valid. A child that cannot be started at all
// is replaced by the same check in this process.
func checkInChild(ctx context.Context, g *globals) string {
	exe, err := os.Executable()
	if err == nil {
		var stderr bytes.Buffer
		child := exec.CommandContext(ctx, exe, append(g.childArgs(), "check")...)
		child.Stderr = &stderr
		if err = child.Start(); err == nil {
			if werr := child.Wait(); werr == nil || ctx.Err() != nil {
				return ""
			}
			line, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
			if line = strings.TrimPrefix(line, "surveytui: "); line != "" {
				return line
			}
			return "the compose check failed without saying why; run surveytui check"
		}
	}
	if _, lerr := g.load(ctx, false); lerr != nil {
		return lerr.Error()
	}
	return ""
}

// childArgs are the global flags that make a child surveytui read the same files as this one.
func (g *globals) childArgs() []string {
	var args []string
	for _, f := range g.composeFiles() {
		args = append(args, "--compose", f)
	}
	for _, f := range g.envFiles {
		args = append(args, "--env-file", f)
	}
	if g.project != "" {
		args = append(args, "--project", g.project)
	}
	if g.configFile != "" {
		args = append(args, "--config", g.configFile)
	}
	return args
}
