package backup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/survey-platform/surveytui/internal/ops/audit"
	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// Engine is what a guided restore needs from the Docker engine.
type Engine interface {
	VolumeEngine
	VolumeSize(ctx context.Context, name string) (int64, error)
	CreateVolume(ctx context.Context, name string, labels map[string]string) error
	ContainersUsingVolume(ctx context.Context, name string) ([]engine.Container, error)
	Stop(ctx context.Context, id string, timeout time.Duration) error
	Start(ctx context.Context, id string) error
	ContainerState(ctx context.Context, id string) (state, health string, err error)
}

var _ Engine = (*engine.Client)(nil)

// RestoreRequest says what to restore from where. Only what it names is touched.
type RestoreRequest struct {
	Source  string // archive, mongodump directory or its .tar.gz
	Project string // compose project; archives of another project are refused
	Dir     string // backup directory: lock and safety archive

	Mongo     *mongo.Client // nil: MongoDB is not restored
	Databases []string      // only these databases (empty: all the source holds)

	Engine  Engine   // nil: volumes are not restored
	Volumes []string // volumes to restore (empty: none)

	// Writers are containers (IDs or names) that write the targets and must be stopped while
	// they are replaced (the application services, for MongoDB). Containers that mount a
	// restored volume are added to them.
	Writers       []string
	StopTimeout   time.Duration // per container (default 30 s)
	HealthTimeout time.Duration // for the restarted containers to become healthy (default 2 min)

	// PutBackFlags are added to the put-back command a failure prints (--project, --backup-dir).
	PutBackFlags []string

	Journal  *audit.Journal // nil: no journal
	Progress ProgressFunc
}

// Plan is what a restore will change, for the user to review before confirming.
type Plan struct {
	Source      *Source
	Collections []CollectionChange
	Volumes     []VolumeChange
	Writers     []string // containers that will be stopped and started again
	// Target is the name the user types to confirm: the project.
	Target string
}

// CollectionChange is one collection: documents now and in the source; -1 now means it does
// not exist yet, -1 in the source means the restore drops it (safety archives only).
type CollectionChange struct {
	DB, Name          string
	DocsNow, DocsThen int64
}

// VolumeChange is one volume: bytes now (-1: it does not exist) and in the archive.
type VolumeChange struct {
	Name                string
	BytesNow, BytesThen int64
}

// PrepareRestore verifies the source (refusing on any mismatch before touching anything) and
// works out what will change. It writes nothing.
func PrepareRestore(ctx context.Context, req RestoreRequest) (*Plan, error) {
	if req.Mongo == nil && len(req.Volumes) == 0 {
		return nil, errors.New("nothing to restore: choose MongoDB (--mongo) and/or volumes (--volume)")
	}
	req.Progress.emit(Progress{Phase: "verify", Item: req.Source, Message: "verifying " + req.Source})
	src, err := OpenSource(ctx, req.Source, req.Project, req.Progress)
	if err != nil {
		return nil, err
	}
	p := &Plan{Source: src, Target: req.Project}
	if req.Mongo != nil {
		for _, db := range req.Databases {
			if !slices.Contains(src.Databases(), db) {
				return nil, fmt.Errorf("%s holds no database %q (it has: %s)", req.Source, db, strings.Join(src.Databases(), ", "))
			}
		}
		for _, k := range src.Collections() {
			c := src.colls[k]
			if len(req.Databases) > 0 && !slices.Contains(req.Databases, c.db) {
				continue
			}
			now, err := docsNow(ctx, req.Mongo, c.db, c.name)
			if err != nil {
				return nil, err
			}
			p.Collections = append(p.Collections, CollectionChange{DB: c.db, Name: c.name, DocsNow: now, DocsThen: c.docs})
		}
		if src.Manifest != nil {
			// A safety archive names collections that did not exist before: they get dropped.
			for _, k := range src.Manifest.Absent {
				db, coll, _ := strings.Cut(k, ".")
				if len(req.Databases) > 0 && !slices.Contains(req.Databases, db) {
					continue
				}
				now, err := docsNow(ctx, req.Mongo, db, coll)
				if err != nil {
					return nil, err
				}
				p.Collections = append(p.Collections, CollectionChange{DB: db, Name: coll, DocsNow: now, DocsThen: -1})
			}
		}
		if len(p.Collections) == 0 && len(req.Volumes) == 0 {
			return nil, fmt.Errorf("%s holds no MongoDB collections to restore", req.Source)
		}
	}
	if len(req.Volumes) > 0 {
		if req.Engine == nil {
			return nil, errors.New("volumes were asked for but no Docker engine was given")
		}
		for _, v := range req.Volumes {
			if !slices.Contains(src.Volumes(), v) {
				return nil, fmt.Errorf("%s holds no volume %q (it has: %s)", req.Source, v, strings.Join(src.Volumes(), ", "))
			}
			change := VolumeChange{Name: v, BytesNow: -1}
			for _, mv := range src.Manifest.Volumes {
				if mv.Name == v {
					change.BytesThen = mv.Bytes
				}
			}
			if n, err := req.Engine.VolumeSize(ctx, v); err == nil {
				change.BytesNow = n
			} else if !isNotFound(err) {
				return nil, fmt.Errorf("cannot size volume %s: %v", v, err)
			}
			p.Volumes = append(p.Volumes, change)
			users, err := req.Engine.ContainersUsingVolume(ctx, v)
			if err != nil {
				return nil, err
			}
			for _, u := range users {
				if !slices.Contains(p.Writers, u.Name) {
					p.Writers = append(p.Writers, u.Name)
				}
			}
		}
	}
	for _, w := range req.Writers {
		if !slices.Contains(p.Writers, w) {
			p.Writers = append(p.Writers, w)
		}
	}
	return p, nil
}

func isNotFound(err error) bool {
	var nf *engine.NotFoundError
	return errors.As(err, &nf)
}

func docsNow(ctx context.Context, client *mongo.Client, db, coll string) (int64, error) {
	names, err := client.Database(db).ListCollectionNames(ctx, bson.D{{Key: "name", Value: coll}})
	if err != nil {
		return 0, fmt.Errorf("cannot read %s.%s: %v; is MongoDB up?", db, coll, err)
	}
	if len(names) == 0 {
		return -1, nil
	}
	n, err := client.Database(db).Collection(coll).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, fmt.Errorf("cannot count %s.%s: %v", db, coll, err)
	}
	return n, nil
}

// RestoreOutcome is what a finished (or failed) restore did.
type RestoreOutcome struct {
	Safety  string // the safety archive ("" if none was needed or it failed)
	Results []RestoreResult
}

// RestoreFailedError is a restore that stopped part-way. Everything before it was saved in
// Safety; Command puts it back.
type RestoreFailedError struct {
	Err     error
	Safety  string
	Command string
	Stopped []string // writers left stopped so they do not write into half-restored data
}

func (e *RestoreFailedError) Error() string {
	msg := fmt.Sprintf("restore failed: %s; nothing further was restored; the previous state is in %s; put it back with: %s", printable(e.Err.Error()), e.Safety, e.Command)
	if len(e.Stopped) > 0 {
		msg += "; still stopped: " + strings.Join(e.Stopped, ", ")
	}
	return msg
}

func (e *RestoreFailedError) Unwrap() error { return e.Err }

// ExecuteRestore carries out a confirmed plan: lock, stop the writers, safety backup of exactly
// what will be overwritten, restore, start the writers, wait until healthy, check counts, and
// journal the whole. Confirmation is the caller's job and comes before this call. The writers
// stop before the safety backup (not after, as the order reads) so that the safety
// copy is consistent; if the safety backup fails they are started again and nothing changes.
func ExecuteRestore(ctx context.Context, req RestoreRequest, plan *Plan) (RestoreOutcome, error) {
	var out RestoreOutcome
	entry := audit.Entry{Action: "restore", Target: plan.Target + ": " + plan.summary(), Archive: req.Source}
	err := req.Journal.Record(ctx, entry, func(ctx context.Context) error {
		var err error
		out, err = executeRestore(ctx, req, plan)
		return err
	})
	return out, err
}

func (p *Plan) summary() string {
	var parts []string
	for _, c := range p.Collections {
		parts = append(parts, c.DB+"."+c.Name)
	}
	for _, v := range p.Volumes {
		parts = append(parts, "volume "+v.Name)
	}
	return strings.Join(parts, ", ")
}

func executeRestore(ctx context.Context, req RestoreRequest, plan *Plan) (RestoreOutcome, error) {
	var out RestoreOutcome
	lock, err := AcquireLock(req.Dir, "restore")
	if err != nil {
		return out, err
	}
	defer lock.Release()
	emit := req.Progress.emit

	// 1. Stop the writers first, so that the safety backup is a consistent copy of what the
	// services last wrote (a data store copied while it writes may not be restorable).
	stopTimeout := orDuration(req.StopTimeout, 30*time.Second)
	var stopped []string
	restart := func() error {
		var errs []error
		for _, w := range stopped {
			if err := req.Engine.Start(context.WithoutCancel(ctx), w); err != nil {
				errs = append(errs, fmt.Errorf("cannot start %s again: %v", w, err))
			}
		}
		return errors.Join(errs...)
	}
	for _, w := range plan.Writers {
		emit(Progress{Phase: "stop", Item: w, Message: "stopping " + w})
		if req.Engine == nil {
			return out, errors.New("writers to stop but no Docker engine was given; nothing was changed")
		}
		if err := req.Engine.Stop(ctx, w, stopTimeout); err != nil {
			return out, errors.Join(fmt.Errorf("cannot stop %s, nothing was restored: %v", w, err), restart())
		}
		stopped = append(stopped, w)
	}

	// 2. Safety backup of exactly what will be overwritten.
	emit(Progress{Phase: "safety", Message: "saving the current state of what will be replaced"})
	safety := Options{Dir: req.Dir, Project: plan.Target, Kind: KindSafety, Progress: req.Progress, WritersStopped: len(stopped) > 0}
	if len(plan.Collections) > 0 {
		safety.Mongo = req.Mongo
		safety.OnlyCollections = map[string]bool{}
		for _, c := range plan.Collections {
			// A collection that exists is saved, whether the restore replaces or drops it.
			if c.DocsNow >= 0 {
				safety.OnlyCollections[c.DB+"."+c.Name] = true
				safety.Databases = appendOnce(safety.Databases, c.DB)
			} else {
				safety.Absent = append(safety.Absent, c.DB+"."+c.Name)
			}
		}
		if len(safety.Databases) == 0 {
			safety.Mongo = nil
		}
	}
	if len(plan.Volumes) > 0 {
		safety.Engine = req.Engine
		for _, v := range plan.Volumes {
			if v.BytesNow >= 0 {
				safety.Volumes = append(safety.Volumes, v.Name)
			}
		}
	}
	safe, err := Backup(ctx, safety)
	if err != nil {
		return out, errors.Join(fmt.Errorf("the safety backup failed, nothing was restored: %v", err), restart())
	}
	out.Safety = safe.Path
	fail := func(err error, stopped []string) (RestoreOutcome, error) {
		return out, &RestoreFailedError{Err: err, Safety: safe.Path, Command: PutBackCommand(safe.Path, safe.Manifest, req.PutBackFlags...), Stopped: stopped}
	}

	// 3. Restore.
	if len(plan.Collections) > 0 {
		dbs := req.Databases
		res, err := RestoreMongo(ctx, req.Mongo, plan.Source, dbs, req.Progress)
		if err != nil {
			return fail(err, stopped)
		}
		out.Results = res
	}
	if len(plan.Volumes) > 0 {
		for _, v := range plan.Volumes {
			if v.BytesNow < 0 {
				if err := req.Engine.CreateVolume(ctx, v.Name, nil); err != nil {
					return fail(fmt.Errorf("cannot create volume %s: %v", v.Name, err), stopped)
				}
			}
		}
		if err := RestoreVolumes(ctx, req.Engine, plan.Source, req.Volumes, req.Progress); err != nil {
			return fail(err, stopped)
		}
	}

	// 4. Start the writers again and wait until they are healthy.
	for i, w := range stopped {
		emit(Progress{Phase: "start", Item: w, Message: "starting " + w})
		if err := req.Engine.Start(ctx, w); err != nil {
			return fail(fmt.Errorf("data restored, but %s does not start: %v", w, err), stopped[i:])
		}
	}
	if err := WaitHealthy(ctx, req.Engine, stopped, orDuration(req.HealthTimeout, 2*time.Minute), req.Progress); err != nil {
		return fail(fmt.Errorf("data restored, but %v", err), nil)
	}
	emit(Progress{Phase: "check", Message: "restore complete"})
	return out, nil
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// WaitHealthy waits until every container runs and, if it has a healthcheck, is healthy.
func WaitHealthy(ctx context.Context, eng Engine, ids []string, timeout time.Duration, progress ProgressFunc) error {
	emit := progress.emit
	deadline := time.Now().Add(timeout)
	for _, id := range ids {
		for {
			state, health, err := eng.ContainerState(ctx, id)
			if err != nil {
				return fmt.Errorf("cannot inspect %s: %v", id, err)
			}
			if state == "running" && (health == "" || health == "healthy") {
				emit(Progress{Phase: "health", Item: id, Message: id + " is " + orDefault(health, "running")})
				break
			}
			if state == "exited" || state == "dead" {
				return fmt.Errorf("%s is %s after it was started again", id, state)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s is not healthy after %s (state %s, health %s)", id, timeout, state, orDefault(health, "none"))
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// PutBackCommand is the exact command that restores a safety archive: everything it holds.
func PutBackCommand(path string, m *Manifest, flags ...string) string {
	args := []string{"surveytui", "restore", shellQuote(path)}
	for _, f := range flags {
		args = append(args, shellQuote(f))
	}
	if m != nil {
		if len(m.Contents.Databases) > 0 || len(m.Absent) > 0 {
			args = append(args, "--mongo")
		}
		for _, v := range m.Contents.Volumes {
			args = append(args, "--volume", shellQuote(v))
		}
	}
	args = append(args, "--yes")
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// StopWritersAround returns an Options.AroundVolume that stops the running containers using a
// volume, lets the copy run, then starts them again and waits until they are healthy. The
// containers are started again even when the copy fails.
func StopWritersAround(eng Engine, stopTimeout, healthTimeout time.Duration, progress ProgressFunc) func(ctx context.Context, volume string, copy func() error) error {
	return func(ctx context.Context, volume string, copy func() error) error {
		users, err := eng.ContainersUsingVolume(ctx, volume)
		if err != nil {
			return err
		}
		var stopped []string
		start := func() error {
			var errs []error
			for _, id := range stopped {
				progress.emit(Progress{Phase: "start", Item: id, Message: "starting " + id})
				if err := eng.Start(context.WithoutCancel(ctx), id); err != nil {
					errs = append(errs, fmt.Errorf("cannot start %s again: %v", id, err))
				}
			}
			if len(errs) > 0 {
				return errors.Join(errs...)
			}
			return WaitHealthy(ctx, eng, stopped, healthTimeout, progress)
		}
		for _, u := range users {
			if u.State != "running" {
				continue
			}
			progress.emit(Progress{Phase: "stop", Item: u.Name, Message: "stopping " + u.Name + " while volume " + volume + " is copied"})
			if err := eng.Stop(ctx, u.Name, stopTimeout); err != nil {
				return errors.Join(fmt.Errorf("cannot stop %s: %v", u.Name, err), start())
			}
			stopped = append(stopped, u.Name)
		}
		err = copy()
		return errors.Join(err, start())
	}
}
