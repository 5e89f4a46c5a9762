// Package backup makes, checks, lists, prunes and restores surveytui's backup archives: one
// .tar.gz per backup holding MongoDB in mongodump's directory layout and Docker volumes as tar
// streams, described by a manifest with every file's size and SHA-256.
//
// Archive layout, in stream order:
//
//	surveytui.json                 header: format, project, kind, time, what it holds
//	mongo/<db>/<coll>.bson         documents, raw BSON concatenated (as mongodump writes)
//	mongo/<db>/<coll>.metadata.json options, indexes, uuid (as mongodump writes)
//	volumes/<name>.tar             the volume's content as the engine's tar stream
//	manifest.json                  everything: sizes, SHA-256, counts, indexes, versions
//
// The manifest is the LAST entry because the data is streamed: sizes, checksums and counts are
// only known once each file has been written, and holding the data back to put the manifest
// first would cost either memory or a second copy of the whole archive on disk. Verification
// reads the whole stream anyway. The small header entry comes FIRST so that list, and the
// "archive of another project" check, need to decompress only a few hundred bytes.
//
// Extracted, `mongo/` is a mongodump output directory: `mongorestore --dir mongo/`.
package backup

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/gzip"
)

// FormatVersion is the archive format this code writes; Verify refuses newer ones.
const FormatVersion = 1

// Entry names with a fixed meaning inside an archive.
const (
	HeaderName   = "surveytui.json"
	ManifestName = "manifest.json"
	mongoPrefix  = "mongo/"
	volumePrefix = "volumes/"
)

// Kinds of archive, the last part of the file name.
const (
	KindFull    = "full"
	KindMongo   = "mongo"
	KindVolumes = "volumes"
	KindSafety  = "safety"
)

// errArchiveExists: names have a one-second resolution; Backup waits for the next second.
var errArchiveExists = errors.New("already exists; wait a second and try again")

// ToolVersion is written into every manifest; cmd/surveytui sets it from its build version.
var ToolVersion = "dev"

// Header is the first entry of an archive: what it is, cheap to read.
type Header struct {
	FormatVersion int       `json:"format_version"`
	Project       string    `json:"project"`
	Kind          string    `json:"kind"`
	Created       time.Time `json:"created"`
	Host          string    `json:"host"`
	ToolVersion   string    `json:"tool_version"`
	Contents      Contents  `json:"contents"`
}

// Contents says which databases and volumes an archive holds.
type Contents struct {
	Databases []string `json:"databases,omitempty"`
	Volumes   []string `json:"volumes,omitempty"`
}

// String is the short human form: "mongo(survey,auth) + volumes(uploads)".
func (c Contents) String() string {
	var parts []string
	if len(c.Databases) > 0 {
		parts = append(parts, "mongo("+strings.Join(c.Databases, ",")+")")
	}
	if len(c.Volumes) > 0 {
		parts = append(parts, "volumes("+strings.Join(c.Volumes, ",")+")")
	}
	if len(parts) == 0 {
		return "empty"
	}
	return strings.Join(parts, " + ")
}

// Manifest is the last entry of an archive and the authority on what it holds.
type Manifest struct {
	Header
	ServerVersion  string           `json:"server_version,omitempty"`
	WritersStopped bool             `json:"writers_stopped"`
	Files          []FileSum        `json:"files"`
	Collections    []CollectionInfo `json:"collections,omitempty"`
	Volumes        []VolumeInfo     `json:"volumes,omitempty"`
	// Absent lists "db.collection" names that did not exist when a safety backup was taken:
	// restoring the safety archive drops them, so it puts back exactly the state before.
	Absent []string `json:"absent,omitempty"`
}

// FileSum is one data file of the archive.
type FileSum struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// CollectionInfo is one dumped collection (or view).
type CollectionInfo struct {
	DB        string   `json:"db"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Documents int64    `json:"documents"`
	Bytes     int64    `json:"bytes"`
	Indexes   []string `json:"indexes"`
}

// VolumeInfo is one archived volume.
type VolumeInfo struct {
	Name  string `json:"name"`
	Files int64  `json:"files"`
	Bytes int64  `json:"bytes"`
}

var (
	nameRE    = regexp.MustCompile(`^surveytui-([a-z0-9][a-z0-9_.-]*)-(\d{8}T\d{6}Z)-([a-z]+)\.tar\.gz$`)
	projectRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
)

const stampLayout = "20060102T150405Z"

// ArchiveName is surveytui-<project>-<UTC yyyymmddThhmmssZ>-<kind>.tar.gz.
func ArchiveName(project string, t time.Time, kind string) string {
	return fmt.Sprintf("surveytui-%s-%s-%s.tar.gz", project, t.UTC().Format(stampLayout), kind)
}

// ParseArchiveName splits an archive file name into project, time and kind.
func ParseArchiveName(name string) (project string, t time.Time, kind string, ok bool) {
	m := nameRE.FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return "", time.Time{}, "", false
	}
	t, err := time.Parse(stampLayout, m[2])
	if err != nil {
		return "", time.Time{}, "", false
	}
	return m[1], t, m[3], true
}

// Temporary files in the backup directory start with this; a name that does not end in
// .tar.gz can never be mistaken for an archive.
const tmpPrefix = ".surveytui-tmp-"

// Writer builds one archive under a temporary name; Commit makes it appear whole under its final
// name, Abort removes every trace.
type Writer struct {
	dir      string
	final    string
	tmp      *os.File
	gz       *gzip.Writer
	tw       *tar.Writer
	manifest Manifest
	names    map[string]bool
	done     bool
}

// NewWriter starts an archive in dir (created 0700 if missing) for h's project and kind.
func NewWriter(dir string, h Header) (*Writer, error) {
	if !projectRE.MatchString(h.Project) {
		return nil, fmt.Errorf("project name %q is not usable in an archive name; use lowercase letters, digits, '-', '_' or '.'", h.Project)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create backup directory %s: %v; choose another with --backup-dir", dir, err)
	}
	if h.Created.IsZero() {
		h.Created = time.Now()
	}
	h.Created = h.Created.UTC().Truncate(time.Second)
	h.FormatVersion = FormatVersion
	if h.Host == "" {
		h.Host, _ = os.Hostname()
	}
	if h.ToolVersion == "" {
		h.ToolVersion = ToolVersion
	}
	final := filepath.Join(dir, ArchiveName(h.Project, h.Created, h.Kind))
	if _, err := os.Lstat(final); err == nil {
		return nil, fmt.Errorf("archive %s: %w", final, errArchiveExists)
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*.partial")
	if err != nil {
		return nil, writeErr(dir, err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, writeErr(dir, err)
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	w := &Writer{dir: dir, final: final, tmp: f, gz: gz, tw: tar.NewWriter(gz), names: map[string]bool{}}
	w.manifest.Header = h
	hdr, _ := json.MarshalIndent(h, "", "  ")
	if err := w.addBytes(HeaderName, hdr); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// Dir is the backup directory the archive is written to.
func (w *Writer) Dir() string { return w.dir }

// FinalPath is where the archive appears after Commit.
func (w *Writer) FinalPath() string { return w.final }

// Manifest gives access to the manifest being built (collections, volumes, flags).
func (w *Writer) Manifest() *Manifest { return &w.manifest }

func (w *Writer) addBytes(name string, data []byte) error {
	return w.writeEntry(name, int64(len(data)), strings.NewReader(string(data)), false)
}

// AddFile stores size bytes read from r under name, recording its SHA-256 in the manifest.
func (w *Writer) AddFile(name string, size int64, r io.Reader) error {
	return w.writeEntry(name, size, r, true)
}

func (w *Writer) writeEntry(name string, size int64, r io.Reader, record bool) error {
	if w.done {
		return errors.New("archive already finished")
	}
	if w.names[name] {
		return fmt.Errorf("archive entry %s written twice", name)
	}
	w.names[name] = true
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, Typeflag: tar.TypeReg,
		ModTime: w.manifest.Created, Format: tar.FormatPAX}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return writeErr(w.dir, err)
	}
	h := sha256.New()
	n, err := io.Copy(w.tw, io.TeeReader(io.LimitReader(r, size), h))
	if err != nil {
		return writeErr(w.dir, err)
	}
	if n != size {
		return fmt.Errorf("archive entry %s: source gave %d bytes, %d expected", name, n, size)
	}
	if record {
		w.manifest.Files = append(w.manifest.Files, FileSum{Name: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	return nil
}

// Spool is a temporary file in the backup directory that collects one entry whose size is not
// known in advance (a collection streamed from a cursor, a volume's tar stream). Spooling on
// disk keeps memory flat whatever the size; the disk cost is one entry at a time.
type Spool struct {
	*os.File
	dir string
}

// NewSpool creates an empty spool beside the archive.
func (w *Writer) NewSpool() (*Spool, error) {
	f, err := os.CreateTemp(w.dir, tmpPrefix+"*.spool")
	if err != nil {
		return nil, writeErr(w.dir, err)
	}
	return &Spool{File: f, dir: w.dir}, nil
}

// Discard closes and removes the spool.
func (s *Spool) Discard() {
	s.File.Close()
	os.Remove(s.File.Name())
}

// AddSpool copies the spool into the archive under name and discards it.
func (w *Writer) AddSpool(name string, s *Spool) error {
	defer s.Discard()
	size, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return writeErr(w.dir, err)
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return writeErr(w.dir, err)
	}
	return w.AddFile(name, size, s)
}

// Commit writes the manifest, flushes and fsyncs the archive, gives it its final name (never
// replacing an existing file), fsyncs the directory and writes the .sha256 file beside it.
func (w *Writer) Commit() (string, error) {
	if w.done {
		return "", errors.New("archive already finished")
	}
	m, _ := json.MarshalIndent(w.manifest, "", "  ")
	if err := w.addBytes(ManifestName, m); err != nil {
		w.Abort()
		return "", err
	}
	w.done = true
	err := errors.Join(w.tw.Close(), w.gz.Close())
	if err == nil {
		err = w.tmp.Sync()
	}
	if cerr := w.tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(w.tmp.Name())
		return "", writeErr(w.dir, err)
	}
	sum, err := fileSHA256(w.tmp.Name())
	if err != nil {
		os.Remove(w.tmp.Name())
		return "", writeErr(w.dir, err)
	}
	// A hard link never replaces an existing file, unlike rename; fall back to rename where the
	// file system has no hard links.
	if err := os.Link(w.tmp.Name(), w.final); err != nil {
		if errors.Is(err, os.ErrExist) {
			os.Remove(w.tmp.Name())
			return "", fmt.Errorf("archive %s already exists; wait a second and try again", w.final)
		}
		if err := os.Rename(w.tmp.Name(), w.final); err != nil {
			os.Remove(w.tmp.Name())
			return "", writeErr(w.dir, err)
		}
	} else {
		os.Remove(w.tmp.Name())
	}
	if err := syncDir(w.dir); err != nil {
		return "", writeErr(w.dir, err)
	}
	if err := writeSumFile(w.final, sum); err != nil {
		return "", err
	}
	return w.final, nil
}

// Abort removes the partial archive. Safe to call after Commit (it does nothing then).
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.tmp.Close()
	os.Remove(w.tmp.Name())
}

// writeSumFile writes "<hex>  <basename>\n" (what `sha256sum -c` reads) atomically.
func writeSumFile(archive, sum string) error {
	dir := filepath.Dir(archive)
	line := sum + "  " + filepath.Base(archive) + "\n"
	f, err := os.CreateTemp(dir, tmpPrefix+"*.sha256")
	if err != nil {
		return writeErr(dir, err)
	}
	_, err = f.WriteString(line)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Rename(f.Name(), archive+".sha256")
	}
	if err != nil {
		os.Remove(f.Name())
		return writeErr(dir, err)
	}
	return syncDir(dir)
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// writeErr names the directory, and says so plainly when it is full.
func writeErr(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("backup directory %s is full (%v); the partial archive was removed; free space or choose another --backup-dir", dir, err)
	}
	if errors.Is(err, syscall.EFBIG) {
		return fmt.Errorf("writing to backup directory %s failed: file too large (%v); the partial archive was removed", dir, err)
	}
	return fmt.Errorf("writing to backup directory %s failed: %v; the partial archive was removed", dir, err)
}

// cleanEntryName reports whether name is a plain relative path inside the archive.
func cleanEntryName(name string) error {
	switch {
	case name == "":
		return errors.New("empty entry name")
	case strings.HasPrefix(name, "/") || filepath.IsAbs(name):
		return fmt.Errorf("entry %q has an absolute path", name)
	case strings.Contains(name, "\\"):
		return fmt.Errorf("entry %q contains a backslash", name)
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if part == ".." {
			return fmt.Errorf("entry %q climbs out of the archive with '..'", name)
		}
	}
	if c := path.Clean(name); c != strings.TrimSuffix(name, "/") && c+"/" != name && name != "./" {
		return fmt.Errorf("entry %q is not a clean path", name)
	}
	return nil
}
