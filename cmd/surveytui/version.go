package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

type versionInfo struct {
	Version       string `json:"version"`
	Commit        string `json:"commit"`
	Go            string `json:"go"`
	DockerHost    string `json:"docker_host"`
	APIVersion    string `json:"docker_api_version,omitempty"`
	EngineVersion string `json:"docker_engine_version,omitempty"`
	EngineError   string `json:"docker_error,omitempty"`
}

func newVersionCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, Go version and the Docker API version negotiated",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{Version: version, Commit: commit, Go: runtime.Version()}
			// version must work without an engine (it is what you run first when things are
			// wrong), so the engine part is best effort and says why it is missing.
			if c, err := engine.New(engine.Options{Host: g.dockerHost}); err != nil {
				info.EngineError = err.Error()
			} else {
				info.DockerHost = c.Host()
				ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Second)
				defer cancel()
				if ev, _, err := c.ServerVersion(ctx); err != nil {
					info.EngineError = err.Error()
				} else {
					info.EngineVersion, info.APIVersion = ev, c.APIVersion()
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(out, "surveytui %s (commit %s, %s)\n", info.Version, info.Commit, info.Go)
			if info.EngineError != "" {
				fmt.Fprintf(out, "docker: %s\n", info.EngineError)
			} else {
				fmt.Fprintf(out, "docker: %s, engine %s, API %s (negotiated)\n", info.DockerHost, info.EngineVersion, info.APIVersion)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
