package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/survey-platform/surveytui/internal/logs"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/backup"
	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// backupSettings are the flags backup and restore share.
type backupSettings struct {
	g            *globals
	dir          string
	mongoURI     string
	passwordFile string
	stopWriters  bool
}

func (s *backupSettings) register(fs *pflag.FlagSet, stopWritersFlag bool) {
	fs.StringVar(&s.dir, "backup-dir", defaultBackupDir(), "directory of the archives (created 0700)")
	fs.StringVar(&s.mongoURI, "mongo-uri", "mongodb://127.0.0.1:27017/", "MongoDB URI; put a password in SURVEYTUI_MONGO_URI, SURVEYTUI_MONGO_PASSWORD or --mongo-password-file, never on the command line")
	fs.StringVar(&s.passwordFile, "mongo-password-file", "", "file holding the MongoDB password (for the URI's user)")
	if stopWritersFlag {
		fs.BoolVar(&s.stopWriters, "stop-writers", true, "stop the containers using a volume while it is copied, start them again after")
	}
}

// defaultBackupDir is $XDG_DATA_HOME/surveytui/backups (~/.local/share when unset).
func defaultBackupDir() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "surveytui", "backups")
}

// mongo connects with the password from the URI (env or config only), the environment or a
// file: a password typed into --mongo-uri would be visible to every user through ps.
func (s *backupSettings) mongo(ctx context.Context, cmd *cobra.Command) (*mongo.Client, error) {
	u, err := url.Parse(s.mongoURI)
	if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		return nil, &exitError{code: exitUsage, msg: fmt.Sprintf("--mongo-uri must look like mongodb://USER@HOST:27017/ (got %q)", redact(s.mongoURI))}
	}
	if _, has := u.User.Password(); has && flagFromCommandLine(cmd, "mongo-uri", s.g) {
		return nil, &exitError{code: exitUsage, msg: "refusing a password in --mongo-uri on the command line (ps shows it); use SURVEYTUI_MONGO_URI, SURVEYTUI_MONGO_PASSWORD or --mongo-password-file"}
	}
	password, hasPassword := os.LookupEnv("SURVEYTUI_MONGO_PASSWORD")
	if s.passwordFile != "" {
		data, err := os.ReadFile(s.passwordFile)
		if err != nil {
			return nil, &exitError{code: exitUsage, msg: fmt.Sprintf("cannot read --mongo-password-file: %v", err)}
		}
		password, hasPassword = strings.TrimRight(string(data), "\r\n"), true
	}
	if hasPassword {
		if u.User == nil {
			return nil, &exitError{code: exitUsage, msg: "a MongoDB password was given but --mongo-uri names no user (mongodb://USER@HOST/)"}
		}
		u.User = url.UserPassword(u.User.Username(), password)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(u.String()).SetConnectTimeout(10 * time.Second).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("cannot use MongoDB at %s: %v", redact(s.mongoURI), err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx, nil); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("MongoDB at %s does not answer: %s; check --mongo-uri", redact(s.mongoURI), oneLine(err.Error()))
	}
	return client, nil
}

// flagFromCommandLine tells a flag typed by the user from one filled from env or config.
func flagFromCommandLine(cmd *cobra.Command, name string, g *globals) bool {
	if cmd == nil {
		return false
	}
	f := cmd.Flags().Lookup(name)
	if f == nil || !f.Changed {
		return false
	}
	if _, env := os.LookupEnv("SURVEYTUI_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); env {
		return false
	}
	_, inFile := g.file[name]
	return !inFile
}

func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return uri
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// project is the compose project: from the compose file when there is one, else --project.
func (s *backupSettings) project(ctx context.Context) (string, map[string]string, error) {
	decl, err := s.g.declared(ctx)
	if err != nil {
		if s.g.project != "" {
			return s.g.project, nil, nil
		}
		return "", nil, err
	}
	return decl.Project, decl.Volumes, nil
}

// resolveVolumes maps compose volume names to engine names; engine names pass as they are.
func resolveVolumes(names []string, declared map[string]string) []string {
	var out []string
	for _, n := range names {
		if engineName, ok := declared[n]; ok {
			n = engineName
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func newBackupCmd(g *globals) *cobra.Command {
	s := &backupSettings{g: g}
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Create, list, verify, prune and schedule backups of MongoDB and the volumes",
	}
	s.register(cmd.PersistentFlags(), true)
	cmd.AddCommand(newBackupCreateCmd(s), newBackupListCmd(s), newBackupVerifyCmd(s), newBackupPruneCmd(s), newBackupScheduleCmd(s))
	return cmd
}

func newBackupCreateCmd(s *backupSettings) *cobra.Command {
	var (
		withMongo, allVolumes bool
		volumes, dbs          []string
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Write one verified archive (default: MongoDB and every volume of the project)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.g.readOnly && s.stopWriters && (allVolumes || len(volumes) > 0 || !withMongo) {
				return &exitError{code: exitUsage, msg: "--stop-writers stops containers, which --read-only forbids; add --stop-writers=false"}
			}
			ctx := cmd.Context()
			project, declared, err := s.project(ctx)
			if err != nil {
				return err
			}
			everything := !withMongo && !allVolumes && len(volumes) == 0
			progress, done := printBackupProgress(cmd.ErrOrStderr())
			defer done()
			opts := backup.Options{Dir: s.dir, Project: project, Databases: dbs, Progress: progress}
			if withMongo || everything {
				client, err := s.mongo(ctx, cmd)
				if err != nil {
					return err
				}
				defer client.Disconnect(context.Background())
				opts.Mongo = client
			}
			if allVolumes || everything {
				for name := range declared {
					volumes = append(volumes, name)
				}
				slices.Sort(volumes)
			}
			if len(volumes) > 0 {
				eng, err := s.g.engine(ctx)
				if err != nil {
					return err
				}
				defer eng.Close()
				opts.Engine, opts.Volumes = eng, resolveVolumes(volumes, declared)
				if s.stopWriters {
					if opts.AroundVolume, opts.WritersStopped, err = s.aroundVolume(eng, declared, opts.Progress); err != nil {
						return err
					}
				}
			}
			return runBackup(ctx, opts, cmd.OutOrStdout(), done)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&withMongo, "mongo", false, "back up MongoDB")
	f.StringSliceVar(&volumes, "volumes", nil, "back up these volumes (compose or engine names, comma-separated)")
	f.BoolVar(&allVolumes, "all-volumes", false, "back up every volume of the project")
	f.StringSliceVar(&dbs, "db", nil, "only these databases (default: all but admin, local, config)")
	cmd.MarkFlagsMutuallyExclusive("volumes", "all-volumes")
	return cmd
}

// aroundVolume stops the writers of each volume around its copy, unless the config file's
// backup section says otherwise for that volume (compose or engine name):
//
//	backup:
//	  stop_writers: {uploads: false}
//
// all says whether every volume's writers are stopped (the manifest's writers_stopped).
func (s *backupSettings) aroundVolume(eng *engine.Client, declared map[string]string, progress backup.ProgressFunc) (around func(context.Context, string, func() error) error, all bool, err error) {
	var cfg struct {
		StopWriters map[string]bool `yaml:"stop_writers"`
	}
	if err := s.g.file.section("backup", &cfg); err != nil {
		return nil, false, &exitError{code: exitUsage, msg: err.Error()}
	}
	perVolume := map[string]bool{}
	all = true
	for name, stop := range cfg.StopWriters {
		all = all && stop
		perVolume[name] = stop
		if engineName, ok := declared[name]; ok {
			perVolume[engineName] = stop
		}
	}
	stopping := backup.StopWritersAround(eng, 30*time.Second, 2*time.Minute, progress)
	return func(ctx context.Context, volume string, copy func() error) error {
		if stop, set := perVolume[volume]; set && !stop {
			return copy()
		}
		return stopping(ctx, volume, copy)
	}, all, nil
}

// takeBackup takes the lock, writes and verifies the archive, and journals it.
func takeBackup(ctx context.Context, opts backup.Options) (backup.Result, error) {
	lock, err := backup.AcquireLock(opts.Dir, "backup")
	if err != nil {
		return backup.Result{}, err
	}
	defer lock.Release()
	j, err := audit.Open(audit.DefaultPath())
	if err != nil {
		return backup.Result{}, err
	}
	var res backup.Result
	target := opts.Project
	if opts.Mongo != nil {
		target += " mongo"
	}
	for _, v := range opts.Volumes {
		target += " volume " + v
	}
	err = j.Record(ctx, audit.Entry{Action: "backup", Target: target, Archive: opts.Dir}, func(ctx context.Context) error {
		res, err = backup.Backup(ctx, opts)
		return err
	})
	return res, err
}

// runBackup takes a backup and prints where it went and what it holds, after ending the
// progress line with done.
func runBackup(ctx context.Context, opts backup.Options, out io.Writer, done func()) error {
	res, err := takeBackup(ctx, opts)
	done()
	if err != nil {
		return err
	}
	var docs int64
	for _, c := range res.Manifest.Collections {
		docs += c.Documents
	}
	fmt.Fprintf(out, "%s\n  %s, %d collections, %d documents, %d volumes, verified\n", res.Path,
		humanize.IBytes(uint64(res.Size)), len(res.Manifest.Collections), docs, len(res.Manifest.Volumes))
	return nil
}

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
			for _, f := range s.g.compose {
				base = append(base, "--compose", shellQuote(f))
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

// printBackupProgress shows progress: on a terminal one line redrawn in place with a bar and an ETA
// when the total is known; otherwise plain lines, at most one a second per item plus every
// change of phase or item. done ends the last line.
func printBackupProgress(w io.Writer) (progress backup.ProgressFunc, done func()) {
	tty := isTerminal(w)
	var (
		last      backup.Progress
		lastAt    time.Time
		itemStart time.Time
		open      bool
	)
	interval := time.Second
	if tty {
		interval = 100 * time.Millisecond
	}
	progress = func(p backup.Progress) {
		same := p.Phase == last.Phase && p.Item == last.Item
		if !same {
			itemStart = time.Now()
		}
		if same && time.Since(lastAt) < interval {
			return
		}
		line := progressLine(p, time.Since(itemStart))
		if tty {
			if open && !same {
				fmt.Fprintln(w)
			}
			fmt.Fprint(w, "\r\x1b[K"+line)
			open = true
		} else {
			fmt.Fprintln(w, line)
		}
		last, lastAt = p, time.Now()
	}
	done = func() {
		if open {
			fmt.Fprintln(w)
		}
		open, last = false, backup.Progress{}
	}
	return progress, done
}

// progressLine is "phase item [bar] 45% 1200/2600 docs 12 MiB ETA 8s: message".
func progressLine(p backup.Progress, elapsed time.Duration) string {
	line := p.Phase
	if p.Item != "" {
		line += " " + logs.Sanitize(p.Item)
	}
	frac := -1.0
	switch {
	case p.TotalDocs > 0:
		frac = float64(p.Docs) / float64(p.TotalDocs)
	case p.TotalBytes > 0:
		frac = float64(p.Bytes) / float64(p.TotalBytes)
	}
	if frac >= 0 {
		frac = min(frac, 1)
		n := int(frac * 20)
		line += fmt.Sprintf(" [%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(".", 20-n), int(frac*100))
	}
	if p.Docs > 0 {
		line += fmt.Sprintf(" %d", p.Docs)
		if p.TotalDocs > 0 {
			line += fmt.Sprintf("/%d", p.TotalDocs)
		}
		line += " docs"
	}
	if p.Bytes > 0 {
		line += " " + humanize.IBytes(uint64(p.Bytes))
	}
	if frac > 0.01 && frac < 1 && elapsed > time.Second {
		eta := time.Duration(float64(elapsed) * (1 - frac) / frac).Round(time.Second)
		line += " ETA " + eta.String()
	}
	if p.Message != "" && !strings.Contains(line, p.Message) {
		line += ": " + logs.Sanitize(p.Message)
	}
	return line
}

var _ backup.Engine = (*engine.Client)(nil)
