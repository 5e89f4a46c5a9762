package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/survey-platform/surveytui/internal/logs"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/backup"
	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/ui"
)

func newRestoreCmd(g *globals) *cobra.Command {
	s := &backupSettings{g: g}
	var (
		withMongo, yes bool
		volumes, dbs   []string
		stop           []string
	)
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Guided restore of an archive, mongodump directory or mongodump .tar.gz (asks first; --yes for scripts)",
		Long: "restore verifies the source (and refuses on any mismatch), shows what will change, takes a\n" +
			"safety backup of exactly what will be overwritten, asks you to type the project's name,\n" +
			"stops the services that write the target, restores, starts them, waits until healthy and\n" +
			"checks the counts. On failure it stops and prints the command that puts the safety backup back.\n" +
			"Without --mongo or --volume it restores everything the source holds.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if g.readOnly {
				return &exitError{code: exitUsage, msg: "restore is disabled under --read-only"}
			}
			ctx := cmd.Context()
			project, declared, err := s.project(ctx)
			if err != nil {
				return err
			}
			progress, done := printBackupProgress(cmd.ErrOrStderr())
			defer done()
			req := backup.RestoreRequest{Source: args[0], Project: project, Dir: s.dir, Databases: dbs, Progress: progress,
				PutBackFlags: []string{"--project", project}}
			if s.dir != defaultBackupDir() {
				req.PutBackFlags = append(req.PutBackFlags, "--backup-dir", s.dir)
			}
			everything := !withMongo && len(volumes) == 0
			if everything {
				// Which volumes the archive holds is known only once it is read: peek at its header.
				if h, err := backup.ReadHeader(args[0]); err == nil {
					volumes = h.Contents.Volumes
					// a safety archive may hold only the collections to drop (absent before)
					withMongo = len(h.Contents.Databases) > 0 || h.Kind == backup.KindSafety
				} else {
					withMongo = true // a mongodump directory or tarball
				}
			}
			if withMongo {
				client, err := s.mongo(ctx, cmd)
				if err != nil {
					return err
				}
				defer client.Disconnect(context.Background())
				req.Mongo = client
			}
			eng, err := g.engine(ctx)
			if err != nil {
				return err
			}
			defer eng.Close()
			req.Engine = eng
			req.Volumes = resolveVolumes(volumes, declared)
			if withMongo {
				writers, err := mongoWriters(ctx, g, stop, project)
				if err != nil {
					return err
				}
				req.Writers = writers
			}
			if req.Journal, err = audit.Open(audit.DefaultPath()); err != nil {
				return err
			}
			plan, err := backup.PrepareRestore(ctx, req)
			if err != nil {
				return &exitError{code: exitCritical, msg: err.Error()}
			}
			done()
			writePlan(cmd.OutOrStdout(), plan)
			if err := confirmTyped(cmd.InOrStdin(), cmd.ErrOrStderr(), yes, plan.Target); err != nil {
				return err
			}
			out, err := backup.ExecuteRestore(ctx, req, plan)
			done()
			if err != nil {
				var failed *backup.RestoreFailedError
				if errors.As(err, &failed) {
					return &exitError{code: exitCritical, msg: err.Error()}
				}
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored; the previous state is kept in %s\n", out.Safety)
			return nil
		},
	}
	s.register(cmd.Flags(), false)
	f := cmd.Flags()
	f.BoolVar(&withMongo, "mongo", false, "restore MongoDB")
	f.StringSliceVar(&volumes, "volume", nil, "restore this volume (repeatable; compose or engine name)")
	f.StringSliceVar(&dbs, "db", nil, "only these databases")
	f.StringSliceVar(&stop, "stop", nil, "services that write MongoDB, stopped during the restore (default: the services that depend on a mongo service)")
	f.BoolVarP(&yes, "yes", "y", false, "do not ask (needed without a terminal)")
	return cmd
}

// mongoWriters turns services into their containers' names; by default the services that
// depend on a service whose name or image says mongo.
func mongoWriters(ctx context.Context, g *globals, services []string, project string) ([]string, error) {
	decl, err := g.declared(ctx)
	if err != nil {
		if len(services) > 0 {
			return nil, err
		}
		return nil, nil // no compose file: nothing known to stop
	}
	if len(services) == 0 {
		var mongos []string
		for _, s := range decl.Services {
			if strings.Contains(strings.ToLower(s.Name+" "+s.Image), "mongo") {
				mongos = append(mongos, s.Name)
			}
		}
		for _, s := range decl.Services {
			for _, d := range s.DependsOn {
				if slices.Contains(mongos, d) && !slices.Contains(services, s.Name) {
					services = append(services, s.Name)
				}
			}
		}
	}
	eng, err := g.engine(ctx)
	if err != nil {
		return nil, err
	}
	defer eng.Close()
	list, err := eng.ListProjectContainers(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range services {
		if _, ok := decl.Service(s); !ok {
			return nil, &exitError{code: exitUsage, msg: fmt.Sprintf("--stop %q is not a service of %s", s, project)}
		}
		for _, c := range list {
			if c.Service == s && c.State == "running" {
				out = append(out, c.Name)
			}
		}
	}
	return out, nil
}

func writePlan(w io.Writer, p *backup.Plan) {
	fmt.Fprintf(w, "Restore from %s (%s) into project %s:\n", logs.Sanitize(p.Source.Path), p.Source.Kind, logs.Sanitize(p.Target))
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	if len(p.Collections) > 0 {
		fmt.Fprintln(tw, "  COLLECTION\tDOCUMENTS NOW\tAFTER RESTORE")
		for _, c := range p.Collections {
			fmt.Fprintf(tw, "  %s.%s\t%s\t%s\n", logs.Sanitize(c.DB), logs.Sanitize(c.Name), count(c.DocsNow, "absent"), count(c.DocsThen, "dropped"))
		}
	}
	if len(p.Volumes) > 0 {
		fmt.Fprintln(tw, "  VOLUME\tBYTES NOW\tAFTER RESTORE")
		for _, v := range p.Volumes {
			now := "absent"
			if v.BytesNow >= 0 {
				now = humanize.IBytes(uint64(v.BytesNow))
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", logs.Sanitize(v.Name), now, humanize.IBytes(uint64(v.BytesThen)))
		}
	}
	tw.Flush()
	if len(p.Writers) > 0 {
		fmt.Fprintf(w, "Stopped during the restore, started after: %s\n", logs.Sanitize(strings.Join(p.Writers, ", ")))
	}
	fmt.Fprintln(w, "A safety backup of what is replaced is taken first.")
}

func count(n int64, negative string) string {
	if n < 0 {
		return negative
	}
	return fmt.Sprint(n)
}

// confirmTyped asks for the target's name to be typed; without a terminal it refuses unless
// --yes.
func confirmTyped(in io.Reader, prompt io.Writer, yes bool, target string) error {
	if yes {
		return nil
	}
	f, ok := in.(*os.File)
	if !ok || !isTerminal(f) {
		return &exitError{code: exitUsage, msg: "refusing to restore without a terminal to confirm on; pass --yes"}
	}
	fmt.Fprintf(prompt, "Type the project name (%s) to restore, anything else cancels: ", target)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(answer) != target {
		return &exitError{code: exitWarning, msg: "cancelled; nothing was changed"}
	}
	return nil
}

// uiBackups adapts ops/backup to the TUI's Backups tab. The TUI has no backup flags, so the
// settings come from SURVEYTUI_BACKUP_DIR, SURVEYTUI_MONGO_URI... or the config file.
type uiBackups struct {
	s        *backupSettings
	eng      *engine.Client
	project  string
	declared map[string]string

	mu     sync.Mutex
	client *mongo.Client
	reqs   map[*backup.Plan]backup.RestoreRequest
}

var _ ui.BackupOps = (*uiBackups)(nil)

func newUIBackups(g *globals, eng *engine.Client, project string, declared map[string]string) *uiBackups {
	setting := func(name, def string) string {
		if v, ok := os.LookupEnv("SURVEYTUI_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); ok {
			return v
		}
		if v, ok := g.file[name]; ok {
			return fmt.Sprint(v)
		}
		return def
	}
	s := &backupSettings{g: g, dir: setting("backup-dir", defaultBackupDir()), mongoURI: setting("mongo-uri", "mongodb://127.0.0.1:27017/"),
		passwordFile: setting("mongo-password-file", ""), stopWriters: setting("stop-writers", "true") == "true"}
	return &uiBackups{s: s, eng: eng, project: project, declared: declared, reqs: map[*backup.Plan]backup.RestoreRequest{}}
}

func (u *uiBackups) mongo(ctx context.Context) (*mongo.Client, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.client == nil {
		c, err := u.s.mongo(ctx, nil)
		if err != nil {
			return nil, err
		}
		u.client = c
	}
	return u.client, nil
}

// Close disconnects from MongoDB if the tab connected.
func (u *uiBackups) Close() {
	if u.client != nil {
		u.client.Disconnect(context.Background())
	}
}

func (u *uiBackups) ListArchives(context.Context) ([]backup.Archive, error) {
	return backup.List(u.s.dir, u.project)
}

func (u *uiBackups) CreateBackup(ctx context.Context, progress backup.ProgressFunc) (string, error) {
	client, err := u.mongo(ctx)
	if err != nil {
		return "", err
	}
	opts := backup.Options{Dir: u.s.dir, Project: u.project, Mongo: client, Engine: u.eng, Progress: progress}
	for name := range u.declared {
		opts.Volumes = append(opts.Volumes, u.declared[name])
	}
	slices.Sort(opts.Volumes)
	if u.s.stopWriters && len(opts.Volumes) > 0 {
		if opts.AroundVolume, opts.WritersStopped, err = u.s.aroundVolume(u.eng, u.declared, progress); err != nil {
			return "", err
		}
	}
	res, err := takeBackup(ctx, opts)
	return res.Path, err
}

func (u *uiBackups) PrepareRestore(ctx context.Context, archive string) (*backup.Plan, error) {
	h, err := backup.ReadHeader(archive)
	if err != nil {
		return nil, err
	}
	req := backup.RestoreRequest{Source: archive, Project: u.project, Dir: u.s.dir, Engine: u.eng,
		Volumes: h.Contents.Volumes, PutBackFlags: []string{"--project", u.project}}
	if u.s.dir != defaultBackupDir() {
		req.PutBackFlags = append(req.PutBackFlags, "--backup-dir", u.s.dir)
	}
	if len(h.Contents.Databases) > 0 || h.Kind == backup.KindSafety {
		if req.Mongo, err = u.mongo(ctx); err != nil {
			return nil, err
		}
		if req.Writers, err = mongoWriters(ctx, u.s.g, nil, u.project); err != nil {
			return nil, err
		}
	}
	if req.Journal, err = audit.Open(audit.DefaultPath()); err != nil {
		return nil, err
	}
	plan, err := backup.PrepareRestore(ctx, req)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	u.reqs[plan] = req
	u.mu.Unlock()
	return plan, nil
}

func (u *uiBackups) ExecuteRestore(ctx context.Context, plan *backup.Plan, progress backup.ProgressFunc) (backup.RestoreOutcome, error) {
	u.mu.Lock()
	req, ok := u.reqs[plan]
	delete(u.reqs, plan)
	u.mu.Unlock()
	if !ok {
		return backup.RestoreOutcome{}, errors.New("this restore plan was not prepared here; start the restore again")
	}
	req.Progress = progress
	return backup.ExecuteRestore(ctx, req, plan)
}
