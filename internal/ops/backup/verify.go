package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// maxMetaSize bounds what is read into memory from the archive: header, manifest, metadata.
const maxMetaSize = 64 << 20

// entryFunc receives one data entry of an archive; it may read r partly or not at all.
type entryFunc func(name string, size int64, r io.Reader) error

// readArchive streams the archive at path once, checking its structure as it goes: gzip and tar
// framing, entry names and types, the header first and the manifest last, every entry's size
// and SHA-256 against the manifest, and (when present) the whole file against <path>.sha256.
// visit sees each data entry before its checksum is known, so callers that act on data must
// verify first (Verify) and treat an error here as "stop".
func readArchive(ctx context.Context, file, project string, visit entryFunc) (*Manifest, error) {
	base := filepath.Base(file)
	fail := func(format string, a ...any) error {
		return fmt.Errorf("archive %s: %s", base, fmt.Sprintf(format, a...))
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot open archive: %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fail("not a regular file")
	}
	wantSum, sumErr := readSumFile(file)
	if sumErr != nil {
		return nil, sumErr
	}
	// Every byte of the file passes once through this hash, so the .sha256 check costs no
	// second read.
	fileHash := sha256.New()
	tee := io.TeeReader(bufio.NewReaderSize(f, 1<<20), fileHash)
	gz, err := gzip.NewReader(tee)
	if err != nil {
		return nil, fail("not a surveytui archive (not gzip-compressed: %v)", err)
	}
	gz.Multistream(false)
	tr := tar.NewReader(gz)
	var (
		header   *Header
		manifest *Manifest
		seen     []FileSum
	)
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if i == 0 {
				return nil, fail("not a surveytui archive (not a tar stream: %v)", cleanIOErr(err))
			}
			return nil, fail("damaged after entry %d: %v", i, cleanIOErr(err))
		}
		if err := cleanEntryName(hdr.Name); err != nil {
			return nil, fail("%v", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, fail("entry %q is a %s; archives hold only regular files", hdr.Name, typeName(hdr.Typeflag))
		}
		if manifest != nil {
			return nil, fail("entry %q follows the manifest; the archive was altered", hdr.Name)
		}
		switch {
		case i == 0:
			if hdr.Name != HeaderName {
				return nil, fail("not a surveytui archive (first entry is %q, not %s)", hdr.Name, HeaderName)
			}
			var h Header
			if err := readJSON(tr, hdr.Size, &h); err != nil {
				return nil, fail("header unreadable: %v", err)
			}
			if h.FormatVersion < 1 || h.FormatVersion > FormatVersion {
				return nil, fail("format version %d is not supported (this surveytui reads up to %d); use a newer surveytui", h.FormatVersion, FormatVersion)
			}
			if project != "" && h.Project != project {
				return nil, fail("belongs to project %q, not %q; pick an archive of %s or pass --project %s", h.Project, project, project, h.Project)
			}
			header = &h
		case hdr.Name == ManifestName:
			var m Manifest
			if err := readJSON(tr, hdr.Size, &m); err != nil {
				return nil, fail("manifest unreadable: %v", err)
			}
			manifest = &m
		default:
			h := sha256.New()
			cr := &countingReader{r: io.TeeReader(tr, h)}
			if visit != nil {
				if err := visit(hdr.Name, hdr.Size, cr); err != nil {
					return nil, fail("%v", err)
				}
			}
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return nil, fail("entry %q is truncated: %v", hdr.Name, cleanIOErr(err))
			}
			if cr.n != hdr.Size {
				return nil, fail("entry %q holds %d bytes, its header says %d", hdr.Name, cr.n, hdr.Size)
			}
			seen = append(seen, FileSum{Name: hdr.Name, Size: hdr.Size, SHA256: sumHex(h)})
		}
	}
	if manifest == nil {
		return nil, fail("has no manifest; it is truncated or was not written by surveytui")
	}
	// The tar end marker is followed by gzip's own trailer: reading to EOF checks its CRC.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, fail("damaged at the end: %v", cleanIOErr(err))
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return nil, fail("%v", err)
	}
	if !sameHeader(manifest.Header, *header) {
		return nil, fail("header and manifest disagree; the archive was altered")
	}
	if err := compareSums(manifest.Files, seen); err != nil {
		return nil, fail("%v", err)
	}
	if got := sumHex(fileHash); wantSum != "" {
		if got != wantSum {
			return nil, fail("SHA-256 is %s but %s.sha256 says %s; the file was altered or damaged", got[:12], base, wantSum[:12])
		}
	}
	return manifest, nil
}

func sameHeader(a, b Header) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func compareSums(want, got []FileSum) error {
	idx := make(map[string]FileSum, len(want))
	for _, w := range want {
		idx[w.Name] = w
	}
	for _, g := range got {
		w, ok := idx[g.Name]
		if !ok {
			return fmt.Errorf("entry %q is not in the manifest; the archive was altered", g.Name)
		}
		if w.Size != g.Size {
			return fmt.Errorf("entry %q has %d bytes, the manifest says %d", g.Name, g.Size, w.Size)
		}
		if w.SHA256 != g.SHA256 {
			return fmt.Errorf("entry %q fails its SHA-256 check; the archive was altered or damaged", g.Name)
		}
		delete(idx, g.Name)
	}
	for name := range idx {
		return fmt.Errorf("entry %q is in the manifest but missing from the archive", name)
	}
	return nil
}

// readSumFile returns the hex digest of <file>.sha256, or "" when there is none.
func readSumFile(file string) (string, error) {
	data, err := os.ReadFile(file + ".sha256")
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot read %s.sha256: %v", filepath.Base(file), err)
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 || len(fields[0]) != 64 || strings.TrimPrefix(fields[1], "*") != filepath.Base(file) {
		return "", fmt.Errorf("%s.sha256 is not a sha256sum line for %s; delete it or fix it", filepath.Base(file), filepath.Base(file))
	}
	if _, err := hex.DecodeString(fields[0]); err != nil {
		return "", fmt.Errorf("%s.sha256 holds no hex digest", filepath.Base(file))
	}
	return strings.ToLower(fields[0]), nil
}

// Verify reads the whole archive: gzip and tar framing, every checksum, every BSON document,
// every metadata file and every volume's tar headers, and checks the counts against the
// manifest. project, when not empty, must be the archive's project.
func Verify(ctx context.Context, file, project string, progress ProgressFunc) (*Manifest, error) {
	return verify(ctx, file, project, progress, nil)
}

// verify is Verify that also hands back every collection's metadata (keyed db.name) when
// metas is not nil.
func verify(ctx context.Context, file, project string, progress ProgressFunc, metas map[string]*Metadata) (*Manifest, error) {
	m, err := verifyRaw(ctx, file, project, progress, metas)
	return m, sanitizeErr(err)
}

func verifyRaw(ctx context.Context, file, project string, progress ProgressFunc, metas map[string]*Metadata) (*Manifest, error) {
	type found struct{ docs, bytes int64 }
	colls := map[string]found{}
	vols := map[string]VolumeInfo{}
	var done int64
	m, err := readArchive(ctx, file, project, func(name string, size int64, r io.Reader) error {
		defer func() { done += size; progress.emit(Progress{Phase: "verify", Item: name, Bytes: done}) }()
		switch {
		case strings.HasPrefix(name, mongoPrefix) && strings.HasSuffix(name, ".bson"):
			docs, bytes, err := countDocs(r, name)
			if err != nil {
				return err
			}
			colls[strings.TrimSuffix(strings.TrimPrefix(name, mongoPrefix), ".bson")] = found{docs, bytes}
		case strings.HasPrefix(name, mongoPrefix) && strings.HasSuffix(name, ".metadata.json"):
			meta, err := readMetadata(r, size, name)
			if err != nil {
				return err
			}
			if metas != nil {
				db, coll, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(name, mongoPrefix), dumpMetaExt), "/")
				metas[collKey(db, coll)] = &meta
			}
		case strings.HasPrefix(name, volumePrefix) && strings.HasSuffix(name, ".tar"):
			v, err := ScanVolumeTar(r)
			if err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			v.Name = strings.TrimSuffix(strings.TrimPrefix(name, volumePrefix), ".tar")
			vols[v.Name] = v
		default:
			return fmt.Errorf("unexpected entry %q", name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	base := filepath.Base(file)
	for _, c := range m.Collections {
		if c.Type != "collection" {
			continue
		}
		got, ok := colls[c.DB+"/"+c.Name]
		if !ok {
			return nil, fmt.Errorf("archive %s: collection %s.%s is in the manifest but has no .bson file", base, c.DB, c.Name)
		}
		if got.docs != c.Documents {
			return nil, fmt.Errorf("archive %s: %s.%s holds %d documents, the manifest says %d", base, c.DB, c.Name, got.docs, c.Documents)
		}
	}
	for _, v := range m.Volumes {
		got, ok := vols[v.Name]
		if !ok {
			return nil, fmt.Errorf("archive %s: volume %s is in the manifest but has no tar", base, v.Name)
		}
		if got.Files != v.Files || got.Bytes != v.Bytes {
			return nil, fmt.Errorf("archive %s: volume %s holds %d files/%d bytes, the manifest says %d/%d", base, v.Name, got.Files, got.Bytes, v.Files, v.Bytes)
		}
	}
	return m, nil
}

// readMetadata parses a mongodump metadata file (Extended JSON, canonical or relaxed).
func readMetadata(r io.Reader, size int64, name string) (Metadata, error) {
	var meta Metadata
	if size > maxMetaSize {
		return meta, fmt.Errorf("%s is %d bytes, too large for collection metadata", name, size)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMetaSize))
	if err != nil {
		return meta, fmt.Errorf("%s: %v", name, cleanIOErr(err))
	}
	if err := bson.UnmarshalExtJSON(data, false, &meta); err != nil {
		return meta, fmt.Errorf("%s is not valid mongodump metadata: %v", name, err)
	}
	return meta, nil
}

// ScanVolumeTar checks a volume's tar stream (as the engine produces it and ImportVolume takes
// it): clean relative names, no device files, no link leaving the volume, sizes that match the
// data. It returns the number of entries and the bytes of regular files.
func ScanVolumeTar(r io.Reader) (VolumeInfo, error) {
	var v VolumeInfo
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return v, nil
		}
		if err != nil {
			return v, fmt.Errorf("damaged tar after %d entries: %v", v.Files, cleanIOErr(err))
		}
		if err := cleanEntryName(hdr.Name); err != nil {
			return v, err
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeDir, tar.TypeFifo:
		case tar.TypeSymlink, tar.TypeLink:
			if err := linkInside(hdr); err != nil {
				return v, err
			}
		case tar.TypeChar, tar.TypeBlock:
			return v, fmt.Errorf("entry %q is a device file; volumes may not carry devices", hdr.Name)
		case tar.TypeXGlobalHeader:
			continue
		default:
			return v, fmt.Errorf("entry %q has unsupported type %q", hdr.Name, string(hdr.Typeflag))
		}
		n, err := io.Copy(io.Discard, tr)
		if err != nil {
			return v, fmt.Errorf("entry %q is truncated: %v", hdr.Name, cleanIOErr(err))
		}
		if n != hdr.Size && hdr.Typeflag == tar.TypeReg {
			return v, fmt.Errorf("entry %q holds %d bytes, its header says %d", hdr.Name, n, hdr.Size)
		}
		v.Files++
		v.Bytes += n
	}
}

// linkInside applies the engine's own rule for extraction: a link's target, taken relative to
// the link's directory (absolute targets relative to the volume root), must stay in the volume.
// Hard links must name an entry inside the volume.
func linkInside(hdr *tar.Header) error {
	const root = "/volume-root"
	var target string
	if hdr.Typeflag == tar.TypeLink {
		if err := cleanEntryName(hdr.Linkname); err != nil {
			return fmt.Errorf("hard link %q points outside the volume (%s)", hdr.Name, hdr.Linkname)
		}
		target = path.Join(root, hdr.Linkname)
	} else {
		target = path.Join(root, path.Dir(hdr.Name), hdr.Linkname)
		if path.IsAbs(hdr.Linkname) {
			target = path.Join(root, hdr.Linkname)
		}
	}
	if target != root && !strings.HasPrefix(target, root+"/") {
		return fmt.Errorf("link %q points outside the volume (%s)", hdr.Name, hdr.Linkname)
	}
	return nil
}

func readJSON(r io.Reader, size int64, v any) error {
	if size > maxMetaSize {
		return fmt.Errorf("%d bytes is too large", size)
	}
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return cleanIOErr(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func sumHex(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func cleanIOErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of data (the file is truncated)")
	}
	return err
}

func typeName(t byte) string {
	switch t {
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device file"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("entry of type %q", string(t))
}
