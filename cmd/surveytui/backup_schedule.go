package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

func newBackupScheduleCmd(s *backupSettings) *cobra.Command {
	var (
		spec, logFile string
		install       bool
		keepDays      int
	)
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Print (or --install into the crontab) an entry that runs backup create then prune",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkCron(spec); err != nil {
				return &exitError{code: exitUsage, msg: err.Error()}
			}
			project, _, err := s.project(cmd.Context())
			if err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			if logFile == "" {
				logFile = filepath.Join(s.dir, "backup.log")
			}
			base := []string{shellQuote(exe), "--project", shellQuote(project)}
			// cron runs in the user's home directory: every path must be absolute.
			for _, f := range s.g.composeFiles() {
				if abs, err := filepath.Abs(f); err == nil {
					f = abs
				}
				base = append(base, "--compose", shellQuote(f))
			}
			for _, f := range s.g.envFiles {
				if abs, err := filepath.Abs(f); err == nil {
					f = abs
				}
				base = append(base, "--env-file", shellQuote(f))
			}
			run := strings.Join(base, " ")
			line := fmt.Sprintf("%s %s backup create --backup-dir %s >> %s 2>&1 && %s backup prune --backup-dir %s --keep-days %d >> %s 2>&1 %s",
				spec, run, shellQuote(s.dir), shellQuote(logFile), run, shellQuote(s.dir), keepDays, shellQuote(logFile), cronMarker(project))
			if !install {
				fmt.Fprintln(cmd.OutOrStdout(), line)
				return nil
			}
			if s.g.readOnly {
				return &exitError{code: exitUsage, msg: "--install is disabled under --read-only"}
			}
			if err := installCron(cmd.Context(), line, cronMarker(project)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed in the crontab of %s:\n%s\n", os.Getenv("USER"), line)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec, "cron", "0 2 * * *", "when, in crontab's five fields")
	f.BoolVar(&install, "install", false, "install into the current user's crontab (replacing this project's previous entry)")
	f.StringVar(&logFile, "log", "", "log file (default BACKUP-DIR/backup.log)")
	f.IntVar(&keepDays, "keep-days", 30, "prune archives older than this many days")
	return cmd
}

func cronMarker(project string) string { return "# surveytui-backup " + project }

// checkCron accepts five fields of digits, *, ranges, lists and steps (or an @ shortcut).
func checkCron(spec string) error {
	if slices.Contains([]string{"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}, spec) {
		return nil
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return fmt.Errorf("--cron %q needs five fields (minute hour day month weekday), e.g. \"0 2 * * *\"", spec)
	}
	for _, f := range fields {
		if strings.Trim(f, "0123456789*,-/") != "" && strings.Trim(strings.ToLower(f), "abcdefghijklmnopqrstuvwxyz0123456789,-/*") != "" {
			return fmt.Errorf("--cron field %q is not a cron field", f)
		}
	}
	return nil
}

func installCron(ctx context.Context, line, marker string) error {
	current, err := exec.CommandContext(ctx, "crontab", "-l").Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) { // exit 1 means "no crontab yet"
		return fmt.Errorf("cannot read the crontab: %v; is cron installed?", err)
	}
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(string(current), "\n"), "\n") {
		if l != "" && !strings.HasSuffix(l, marker) {
			keep = append(keep, l)
		}
	}
	keep = append(keep, line)
	c := exec.CommandContext(ctx, "crontab", "-")
	c.Stdin = strings.NewReader(strings.Join(keep, "\n") + "\n")
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot install the crontab: %v %s", err, oneLine(string(out)))
	}
	return nil
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
