package backup

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Archive is one archive file in the backup directory, as list shows it.
type Archive struct {
	Path       string
	Name       string
	Project    string
	Kind       string
	Created    time.Time
	Size       int64
	Contents   Contents
	Verified   bool
	VerifiedAt time.Time
	// Problem is why the header could not be read (the archive is then unusable).
	Problem string
}

// Age is how long ago the archive was made.
func (a Archive) Age(now time.Time) time.Duration { return now.Sub(a.Created) }

// List returns the archives of project (every project when empty) in dir, newest first. Only
// each archive's first entry is read, so listing is fast whatever the sizes.
func List(dir, project string) ([]Archive, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read backup directory %s: %v", dir, err)
	}
	var out []Archive
	for _, e := range entries {
		proj, created, kind, ok := ParseArchiveName(e.Name())
		if !ok || !e.Type().IsRegular() || (project != "" && proj != project) {
			continue
		}
		a := Archive{Path: filepath.Join(dir, e.Name()), Name: e.Name(), Project: proj, Kind: kind, Created: created}
		if st, err := e.Info(); err == nil {
			a.Size = st.Size()
		}
		if h, err := ReadHeader(a.Path); err != nil {
			a.Problem = err.Error()
		} else {
			a.Contents = h.Contents
		}
		a.VerifiedAt, a.Verified = verifiedAt(a.Path)
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Archive) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// ReadHeader reads just the first entry of an archive.
func ReadHeader(path string) (Header, error) {
	var h Header
	f, err := os.Open(path)
	if err != nil {
		return h, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return h, fmt.Errorf("not gzip-compressed: %v", err)
	}
	hdr, err := tar.NewReader(gz).Next()
	if err != nil {
		return h, fmt.Errorf("not a tar stream: %v", cleanIOErr(err))
	}
	if hdr.Name != HeaderName {
		return h, fmt.Errorf("not a surveytui archive (first entry %q)", hdr.Name)
	}
	if err := json.NewDecoder(io.LimitReader(gz, maxMetaSize)).Decode(&h); err != nil {
		return h, fmt.Errorf("header unreadable: %v", err)
	}
	return h, nil
}

// PrunePolicy says which archives to keep. An archive is kept when any rule keeps it.
type PrunePolicy struct {
	KeepDays int // keep archives younger than this many days (0: no age rule)
	KeepLast int // keep the newest N archives (0: no count rule)
	DryRun   bool
}

// PruneResult lists what was (or, in a dry run, would be) deleted and what was kept.
type PruneResult struct {
	Deleted []Archive
	Kept    []Archive
}

// Prune deletes the archives of project that no rule keeps, with their .sha256 and .verified
// files. The newest verified archive is always kept, whatever the rules say. The caller holds
// the lock.
func Prune(dir, project string, p PrunePolicy, now time.Time) (PruneResult, error) {
	var res PruneResult
	if p.KeepDays < 0 || p.KeepLast < 0 {
		return res, errors.New("--keep-days and --keep-last must not be negative")
	}
	if p.KeepDays == 0 && p.KeepLast == 0 {
		return res, errors.New("give --keep-days or --keep-last (or both); pruning with no rule would delete every archive but one")
	}
	list, err := List(dir, project)
	if err != nil {
		return res, err
	}
	newestVerified := -1
	for i, a := range list {
		if a.Verified {
			newestVerified = i
			break
		}
	}
	for i, a := range list {
		keep := i == newestVerified ||
			(p.KeepLast > 0 && i < p.KeepLast) ||
			(p.KeepDays > 0 && a.Age(now) < time.Duration(p.KeepDays)*24*time.Hour)
		if keep {
			res.Kept = append(res.Kept, a)
			continue
		}
		if !p.DryRun {
			if err := os.Remove(a.Path); err != nil {
				return res, fmt.Errorf("cannot delete %s: %v (deleted so far: %d)", a.Name, err, len(res.Deleted))
			}
			os.Remove(a.Path + ".sha256")
			os.Remove(a.Path + ".verified")
		}
		res.Deleted = append(res.Deleted, a)
	}
	if !p.DryRun && len(res.Deleted) > 0 {
		_ = syncDir(dir)
	}
	return res, nil
}
