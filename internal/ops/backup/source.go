package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Source kinds a restore accepts.
const (
	SourceArchive  = "surveytui archive"
	SourceDumpDir  = "mongodump directory"
	SourceDumpTgz  = "mongodump .tar.gz"
	dumpDataExt    = ".bson"
	dumpMetaExt    = ".metadata.json"
	dumpGzipSuffix = ".gz"
)

// Source is something to restore from: a surveytui archive (already verified), a mongodump
// output directory, or a .tar.gz of one (either with plain or --gzip'd files).
type Source struct {
	Path     string
	Kind     string
	Manifest *Manifest // surveytui archives only
	colls    map[string]*sourceColl
	depth    int // path segments of <db>/<coll>.bson below the source's root, leading dirs included
}

type sourceColl struct {
	db, name string
	meta     *Metadata
	file     string // mongodump directory: the data file
	hasData  bool
	depth    int
	docs     int64 // documents in the source
}

func collKey(db, name string) string { return db + "." + name }

// Collections lists the collections the source holds, as db.name, sorted.
func (s *Source) Collections() []string {
	out := make([]string, 0, len(s.colls))
	for k := range s.colls {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Databases lists the databases the source holds, sorted.
func (s *Source) Databases() []string {
	var out []string
	for _, c := range s.colls {
		if !slices.Contains(out, c.db) {
			out = append(out, c.db)
		}
	}
	slices.Sort(out)
	return out
}

// OpenSource identifies and checks what is at p. A surveytui archive is fully verified (and
// must belong to project when project is not empty); a mongodump directory or tarball has
// every metadata file parsed and every BSON document validated before anything is restored.
func OpenSource(ctx context.Context, p, project string, progress ProgressFunc) (*Source, error) {
	s, err := openSource(ctx, p, project, progress)
	return s, sanitizeErr(err)
}

func openSource(ctx context.Context, p, project string, progress ProgressFunc) (*Source, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot open restore source: %v", err)
	}
	s := &Source{Path: p, colls: map[string]*sourceColl{}}
	if st.IsDir() {
		s.Kind = SourceDumpDir
		return s, s.scanDir(ctx)
	}
	isOurs, err := isSurveytuiArchive(p)
	if err != nil {
		return nil, err
	}
	if isOurs {
		s.Kind = SourceArchive
		metas := map[string]*Metadata{}
		m, err := verify(ctx, p, project, progress, metas)
		if err != nil {
			return nil, err
		}
		s.Manifest = m
		for _, c := range m.Collections {
			sc := s.coll(c.DB, c.Name)
			sc.meta = metas[collKey(c.DB, c.Name)]
			sc.hasData = c.Type == "collection"
			sc.docs = c.Documents
		}
		return s, nil
	}
	s.Kind = SourceDumpTgz
	return s, s.scanTarball(ctx)
}

func (s *Source) coll(db, name string) *sourceColl {
	k := collKey(db, name)
	c := s.colls[k]
	if c == nil {
		c = &sourceColl{db: db, name: name}
		s.colls[k] = c
	}
	return c
}

// isSurveytuiArchive reports whether the first tar entry is our header.
func isSurveytuiArchive(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, fmt.Errorf("cannot open restore source: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return false, fmt.Errorf("%s is neither a directory nor a .tar.gz (%v); give a surveytui archive, a mongodump directory or its .tar.gz", filepath.Base(p), err)
	}
	hdr, err := tar.NewReader(gz).Next()
	if err != nil {
		return false, fmt.Errorf("%s is not a tar.gz archive (%v); give a surveytui archive, a mongodump directory or its .tar.gz", filepath.Base(p), cleanIOErr(err))
	}
	return hdr.Name == HeaderName, nil
}

// dumpEntry splits a path inside a mongodump output into db, collection and file kind. Any
// leading directories (dump/, backup-2024-01-01/dump/) are ignored: the database is the
// parent directory of the file. Top-level files of the dump (oplog.bson) look like a
// collection of a database named after the leading directory; keepDeepest drops them.
func dumpEntry(p string) (db, coll string, isMeta, gz, ok bool) {
	base := path.Base(p)
	dir := path.Base(path.Dir(p))
	if dir == "." || dir == "/" || dir == "" {
		return "", "", false, false, false // top-level files: oplog.bson, prelude.json
	}
	if strings.HasSuffix(base, dumpGzipSuffix) {
		gz = true
		base = strings.TrimSuffix(base, dumpGzipSuffix)
	}
	switch {
	case strings.HasSuffix(base, dumpMetaExt):
		coll, isMeta = strings.TrimSuffix(base, dumpMetaExt), true
	case strings.HasSuffix(base, dumpDataExt):
		coll = strings.TrimSuffix(base, dumpDataExt)
	default:
		return "", "", false, false, false
	}
	if coll == "" || slices.Contains(systemDatabases, dir) || strings.HasPrefix(coll, "system.") {
		return "", "", false, false, false
	}
	return dir, coll, isMeta, gz, true
}

func (s *Source) scanDir(ctx context.Context) error {
	err := filepath.WalkDir(s.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link; a dump directory holds only plain files", p)
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(s.Path, p)
		db, coll, isMeta, gz, ok := dumpEntry(filepath.ToSlash(rel))
		if !ok {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		r, closeR, err := maybeGunzip(f, gz, rel)
		if err != nil {
			return err
		}
		defer closeR()
		c := s.coll(db, coll)
		c.depth = strings.Count(filepath.ToSlash(rel), "/")
		if isMeta {
			meta, err := readMetadata(r, 0, rel)
			if err != nil {
				return err
			}
			c.meta = &meta
			return nil
		}
		c.file, c.hasData = p, true
		c.docs, _, err = countDocs(r, rel)
		return err
	})
	if err != nil {
		return fmt.Errorf("mongodump directory %s: %v", s.Path, err)
	}
	s.keepDeepest()
	if len(s.colls) == 0 {
		return fmt.Errorf("%s holds no <db>/<collection>.bson files; point at mongodump's output directory", s.Path)
	}
	return nil
}

func (s *Source) scanTarball(ctx context.Context) error {
	err := s.walkTarball(ctx, func(db, coll string, isMeta bool, r io.Reader, name string) error {
		c := s.coll(db, coll)
		c.depth = strings.Count(name, "/")
		if isMeta {
			meta, err := readMetadata(r, 0, name)
			if err != nil {
				return err
			}
			c.meta = &meta
			return nil
		}
		c.hasData = true
		var err error
		c.docs, _, err = countDocs(r, name)
		return err
	})
	if err != nil {
		return err
	}
	s.keepDeepest()
	if len(s.colls) == 0 {
		return fmt.Errorf("%s holds no <db>/<collection>.bson files; is it a mongodump output?", filepath.Base(s.Path))
	}
	return nil
}

// keepDeepest keeps the files at the depth of the deepest ones: <db>/<coll>.bson sits one
// level below the dump's top-level files (oplog.bson, prelude.json), whatever leads the paths.
func (s *Source) keepDeepest() {
	for _, c := range s.colls {
		s.depth = max(s.depth, c.depth)
	}
	for k, c := range s.colls {
		if c.depth != s.depth {
			delete(s.colls, k)
		}
	}
}

// walkTarball visits each mongodump file of a .tar.gz, decompressing --gzip'd files.
func (s *Source) walkTarball(ctx context.Context, visit func(db, coll string, isMeta bool, r io.Reader, name string) error) error {
	base := filepath.Base(s.Path)
	f, err := os.Open(s.Path)
	if err != nil {
		return fmt.Errorf("cannot open restore source: %v", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: not gzip-compressed: %v", base, err)
	}
	tr := tar.NewReader(gz)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: damaged tar: %v", base, cleanIOErr(err))
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		if err := cleanEntryName(name); err != nil {
			return fmt.Errorf("%s: %v", base, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			if hdr.Typeflag == tar.TypeDir {
				continue
			}
			return fmt.Errorf("%s: entry %q is a %s; a dump holds only files and directories", base, hdr.Name, typeName(hdr.Typeflag))
		}
		db, coll, isMeta, isGz, ok := dumpEntry(name)
		if !ok {
			continue
		}
		r, closeR, err := maybeGunzip(tr, isGz, name)
		if err != nil {
			return fmt.Errorf("%s: %v", base, err)
		}
		err = visit(db, coll, isMeta, r, name)
		closeR()
		if err != nil {
			return fmt.Errorf("%s: %v", base, err)
		}
	}
}

func maybeGunzip(r io.Reader, gz bool, name string) (io.Reader, func(), error) {
	if !gz {
		return r, func() {}, nil
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not gzip-compressed: %v", name, err)
	}
	return zr, func() { zr.Close() }, nil
}

// streamData calls fn for each collection with documents, with a reader of its raw BSON.
func (s *Source) streamData(ctx context.Context, fn func(c *sourceColl, r io.Reader) error) error {
	switch s.Kind {
	case SourceArchive:
		_, err := readArchive(ctx, s.Path, s.Manifest.Project, func(name string, _ int64, r io.Reader) error {
			if !strings.HasPrefix(name, mongoPrefix) || !strings.HasSuffix(name, dumpDataExt) {
				return nil
			}
			db, coll, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(name, mongoPrefix), dumpDataExt), "/")
			return fn(s.coll(db, coll), r)
		})
		return err
	case SourceDumpTgz:
		return s.walkTarball(ctx, func(db, coll string, isMeta bool, r io.Reader, name string) error {
			if isMeta || strings.Count(name, "/") != s.depth {
				return nil
			}
			return fn(s.coll(db, coll), r)
		})
	default:
		for _, k := range s.Collections() {
			c := s.colls[k]
			if !c.hasData {
				continue
			}
			if err := streamFile(c, fn); err != nil {
				return err
			}
		}
		return nil
	}
}

func streamFile(c *sourceColl, fn func(c *sourceColl, r io.Reader) error) error {
	f, err := os.Open(c.file)
	if err != nil {
		return err
	}
	defer f.Close()
	r, closeR, err := maybeGunzip(f, strings.HasSuffix(c.file, dumpGzipSuffix), c.file)
	if err != nil {
		return err
	}
	defer closeR()
	return fn(c, r)
}
