package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/survey-platform/surveytui/internal/logs"
	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/backup"
)

func newBackupListCmd(s *backupSettings) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the archives: size, age, contents, verified or not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			project := ""
			if !all {
				p, _, err := s.project(cmd.Context())
				if err != nil {
					return err
				}
				project = p
			}
			list, err := backup.List(s.dir, project)
			if err != nil {
				return err
			}
			writeArchiveTable(cmd.OutOrStdout(), list, time.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all-projects", false, "list the archives of every project")
	return cmd
}

func writeArchiveTable(w io.Writer, list []backup.Archive, now time.Time) {
	if len(list) == 0 {
		fmt.Fprintln(w, "no archives")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "ARCHIVE\tSIZE\tAGE\tCONTENTS\tVERIFIED")
	for _, a := range list {
		verified := "no"
		if a.Verified {
			verified = "yes " + a.VerifiedAt.Local().Format("2006-01-02 15:04")
		}
		contents := a.Contents.String()
		if a.Problem != "" {
			contents, verified = "UNREADABLE: "+a.Problem, "no"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", logs.Sanitize(a.Name), humanize.IBytes(uint64(a.Size)), age(a.Age(now)), logs.Sanitize(contents), verified)
	}
	tw.Flush()
}

func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func newBackupVerifyCmd(s *backupSettings) *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE",
		Short: "Check an archive: checksums and a full parse of every BSON document and tar header",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project := ""
			if p, _, err := s.project(cmd.Context()); err == nil {
				project = p
			}
			m, err := backup.Verify(cmd.Context(), args[0], project, nil)
			if err != nil {
				return &exitError{code: exitCritical, msg: err.Error()}
			}
			if err := backup.MarkVerified(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: OK, %d files, %d collections, %d volumes, project %s, made %s on %s\n",
				args[0], len(m.Files), len(m.Collections), len(m.Volumes), logs.Sanitize(m.Project), m.Created.Local().Format("2006-01-02 15:04:05"), logs.Sanitize(m.Host))
			return nil
		},
	}
}

func newBackupPruneCmd(s *backupSettings) *cobra.Command {
	var p backup.PrunePolicy
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete old archives (never the newest verified one); says what it deleted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.g.readOnly && !p.DryRun {
				return &exitError{code: exitUsage, msg: "prune is disabled under --read-only (try --dry-run)"}
			}
			project, _, err := s.project(cmd.Context())
			if err != nil {
				return err
			}
			lock, err := backup.AcquireLock(s.dir, "prune")
			if err != nil {
				return err
			}
			defer lock.Release()
			var res backup.PruneResult
			action := func(context.Context) error {
				res, err = backup.Prune(s.dir, project, p, time.Now())
				return err
			}
			if p.DryRun {
				err = action(cmd.Context())
			} else {
				j, jerr := audit.Open(audit.DefaultPath())
				if jerr != nil {
					return jerr
				}
				err = j.Record(cmd.Context(), audit.Entry{Action: "prune", Target: project, Archive: s.dir}, action)
			}
			out := cmd.OutOrStdout()
			verb := "deleted"
			if p.DryRun {
				verb = "would delete"
			}
			for _, a := range res.Deleted {
				fmt.Fprintf(out, "%s %s (%s)\n", verb, logs.Sanitize(a.Name), humanize.IBytes(uint64(a.Size)))
			}
			fmt.Fprintf(out, "%s %d, kept %d\n", verb, len(res.Deleted), len(res.Kept))
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&p.KeepDays, "keep-days", 30, "keep archives younger than this many days")
	f.IntVar(&p.KeepLast, "keep-last", 0, "keep the newest N archives whatever their age")
	f.BoolVar(&p.DryRun, "dry-run", false, "say what would be deleted, delete nothing")
	return cmd
}
