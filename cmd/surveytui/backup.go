package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	err = j.RecordWith(ctx, audit.Entry{Action: "backup", Target: target, Archive: opts.Dir}, func(ctx context.Context, e *audit.Entry) error {
		res, err = backup.Backup(ctx, opts)
		if err == nil {
			e.Archive = res.Path
		}
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

var _ backup.Engine = (*engine.Client)(nil)
