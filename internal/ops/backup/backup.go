package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// VolumeEngine copies a Docker volume's content out and in as a tar stream. engine.Client
// implements it through the Docker API (a container that is never started mounts the volume).
type VolumeEngine interface {
	ExportVolume(ctx context.Context, name string, w io.Writer) error
	ImportVolume(ctx context.Context, name string, r io.Reader) error
}

// Options say what one backup holds and where it goes.
type Options struct {
	Dir     string // backup directory
	Project string // compose project: part of the name, checked on restore
	Kind    string // full, mongo, volumes or safety; derived from the contents when empty

	Mongo     *mongo.Client // nil: no MongoDB in this backup
	Databases []string      // empty: every database but admin, local, config
	// OnlyCollections, when not nil, limits the dump to the "db.coll" names it holds (and their
	// databases); a safety backup uses it to save exactly what a restore will overwrite.
	OnlyCollections map[string]bool

	Engine  VolumeEngine
	Volumes []string

	// AroundVolume, when set, wraps each volume's copy (stop the containers writing it, copy,
	// start them again); see StopWritersAround.
	AroundVolume   func(ctx context.Context, volume string, copy func() error) error
	WritersStopped bool     // the caller stopped the services writing these stores
	Absent         []string // safety backups: "db.coll" names that do not exist now
	Now            func() time.Time
	Progress       ProgressFunc
}

// Result is a finished, verified backup.
type Result struct {
	Path     string
	Size     int64
	Manifest *Manifest
}

// Backup writes one archive, then reads it back and verifies it, marking it verified. On any
// error no file with the final name exists and the partial file is gone. The caller holds the
// lock (see Lock).
func Backup(ctx context.Context, opts Options) (Result, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	h := Header{Project: opts.Project, Kind: opts.Kind, Created: now()}
	var dbs []string
	if opts.Mongo != nil {
		var err error
		dbs, err = DatabasesToDump(ctx, opts.Mongo, opts.Databases)
		if err != nil {
			return Result{}, err
		}
		if opts.OnlyCollections != nil {
			var keep []string
			for _, db := range dbs {
				for k := range opts.OnlyCollections {
					if len(k) > len(db) && k[:len(db)+1] == db+"." {
						keep = append(keep, db)
						break
					}
				}
			}
			dbs = keep
		}
		h.Contents.Databases = dbs
	}
	if len(opts.Volumes) > 0 && opts.Engine == nil {
		return Result{}, errors.New("volumes were asked for but no Docker engine was given")
	}
	h.Contents.Volumes = opts.Volumes
	if h.Kind == "" {
		switch {
		case opts.Mongo != nil && len(opts.Volumes) > 0:
			h.Kind = KindFull
		case opts.Mongo != nil:
			h.Kind = KindMongo
		default:
			h.Kind = KindVolumes
		}
	}
	w, err := NewWriter(opts.Dir, h)
	for try := 0; errors.Is(err, errArchiveExists) && try < 3 && opts.Now == nil; try++ {
		// Names have one-second resolution (two quick backups, or a safety backup right after
		// a backup): take the next second rather than fail.
		time.Sleep(time.Until(h.Created.Truncate(time.Second).Add(time.Second)))
		h.Created = now()
		w, err = NewWriter(opts.Dir, h)
	}
	if err != nil {
		return Result{}, err
	}
	defer w.Abort()
	w.Manifest().WritersStopped = opts.WritersStopped
	w.Manifest().Absent = opts.Absent
	if opts.Mongo != nil {
		var only func(db, coll string) bool
		if opts.OnlyCollections != nil {
			only = func(db, coll string) bool { return opts.OnlyCollections[db+"."+coll] }
		}
		if err := DumpMongo(ctx, opts.Mongo, w, dbs, only, opts.Progress); err != nil {
			return Result{}, err
		}
	}
	for _, v := range opts.Volumes {
		dump := func() error { return DumpVolume(ctx, opts.Engine, w, v, opts.Progress) }
		var err error
		if opts.AroundVolume != nil {
			err = opts.AroundVolume(ctx, v, dump)
		} else {
			err = dump()
		}
		if err != nil {
			return Result{}, err
		}
	}
	opts.Progress.emit(Progress{Phase: "write", Message: "finishing " + filepath.Base(w.FinalPath())})
	path, err := w.Commit()
	if err != nil {
		return Result{}, err
	}
	m, err := Verify(ctx, path, opts.Project, opts.Progress)
	if err != nil {
		return Result{Path: path}, fmt.Errorf("the new archive does not verify: %v", err)
	}
	if err := MarkVerified(path); err != nil {
		return Result{Path: path}, err
	}
	st, _ := os.Stat(path)
	return Result{Path: path, Size: st.Size(), Manifest: m}, nil
}

// DumpVolume copies one volume through the engine into volumes/<name>.tar, recording its
// file count and bytes.
func DumpVolume(ctx context.Context, eng VolumeEngine, w *Writer, name string, progress ProgressFunc) error {
	progress.emit(Progress{Phase: "volume", Item: name, Message: "copying volume " + name})
	spool, err := w.NewSpool()
	if err != nil {
		return err
	}
	if err := eng.ExportVolume(ctx, name, spool); err != nil {
		spool.Discard()
		return fmt.Errorf("cannot copy volume %s: %v", name, err)
	}
	size, _ := spool.Seek(0, io.SeekCurrent)
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		spool.Discard()
		return writeErr(w.Dir(), err)
	}
	info, err := ScanVolumeTar(io.LimitReader(spool, size))
	if err != nil {
		spool.Discard()
		return fmt.Errorf("volume %s: %v", name, err)
	}
	info.Name = name
	if _, err := spool.Seek(size, io.SeekStart); err != nil {
		spool.Discard()
		return writeErr(w.Dir(), err)
	}
	if err := w.AddSpool(volumePrefix+name+".tar", spool); err != nil {
		return err
	}
	w.Manifest().Volumes = append(w.Manifest().Volumes, info)
	progress.emit(Progress{Phase: "volume", Item: name, Bytes: info.Bytes, TotalBytes: info.Bytes})
	return nil
}

// verifiedMark is <archive>.verified: when the archive last passed Verify and the SHA-256 it
// had then, so list and prune know without reading the archive again.
type verifiedMark struct {
	Time   time.Time `json:"verified_at"`
	SHA256 string    `json:"sha256"`
}

// MarkVerified records that path passed Verify just now.
func MarkVerified(path string) error {
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(verifiedMark{Time: time.Now().UTC(), SHA256: sum})
	tmp := path + ".verified.tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		os.Remove(tmp)
		return writeErr(filepath.Dir(path), err)
	}
	return os.Rename(tmp, path+".verified")
}

// verifiedAt returns when path was last verified, if its .verified mark agrees with its
// .sha256 file (a replaced archive loses its mark).
func verifiedAt(path string) (time.Time, bool) {
	data, err := os.ReadFile(path + ".verified")
	if err != nil {
		return time.Time{}, false
	}
	var m verifiedMark
	if json.Unmarshal(data, &m) != nil {
		return time.Time{}, false
	}
	sum, err := readSumFile(path)
	if err != nil || sum != m.SHA256 {
		return time.Time{}, false
	}
	return m.Time, true
}
