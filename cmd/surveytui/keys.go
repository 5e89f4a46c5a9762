package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/ui"
)

func newKeysCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "keys",
		Short: "Print the TUI's key bindings (after the config file's remapping) as a Markdown table",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			km := ui.DefaultKeyMap()
			var remap map[string][]string
			if err := g.file.section("keys", &remap); err != nil {
				return &exitError{code: exitUsage, msg: err.Error()}
			}
			if err := km.Remap(remap); err != nil {
				return &exitError{code: exitUsage, msg: err.Error()}
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), km.MarkdownTable())
			return err
		},
	}
}
