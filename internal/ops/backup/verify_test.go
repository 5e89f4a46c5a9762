package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// entry is one tar entry of a crafted archive.
type entry struct {
	name     string
	typeflag byte
	body     []byte
	link     string
}

func tarBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		tf := e.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: tf, Mode: 0o644, Linkname: e.link, ModTime: time.Unix(1700000000, 0)}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if tf == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

func doc(t testing.TB, d bson.D) []byte {
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// craft writes a surveytui-looking archive of project with the given data entries and a
// manifest that correctly describes them (unless tamper changes it afterwards), and returns its
// path. Raw tar writing lets the test put in what our writer never would.
func craft(t testing.TB, project string, data []entry, tamper func(m *Manifest)) string {
	t.Helper()
	h := Header{FormatVersion: FormatVersion, Project: project, Kind: KindMongo, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Host: "h", ToolVersion: "test"}
	m := Manifest{Header: h}
	for _, e := range data {
		if e.typeflag == 0 || e.typeflag == tar.TypeReg {
			sum := sha256.Sum256(e.body)
			m.Files = append(m.Files, FileSum{Name: e.name, Size: int64(len(e.body)), SHA256: hex.EncodeToString(sum[:])})
		}
	}
	if tamper != nil {
		tamper(&m)
	}
	hj, _ := json.Marshal(h)
	mj, _ := json.Marshal(m)
	all := append([]entry{{name: HeaderName, body: hj}}, data...)
	all = append(all, entry{name: ManifestName, body: mj})
	p := filepath.Join(t.TempDir(), ArchiveName(project, h.Created, KindMongo))
	if err := os.WriteFile(p, gz(t, tarBytes(t, all)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func validBSON(t testing.TB) []byte {
	return append(doc(t, bson.D{{Key: "_id", Value: 1}}), doc(t, bson.D{{Key: "_id", Value: 2}, {Key: "s", Value: "x"}})...)
}

func TestVerifyRejectsBadArchives(t *testing.T) {
	ctx := context.Background()
	good := craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: validBSON(t)}}, func(m *Manifest) {
		m.Collections = []CollectionInfo{{DB: "db", Name: "c", Type: "collection", Documents: 2}}
	})
	if _, err := Verify(ctx, good, "survey", nil); err != nil {
		t.Fatalf("the well-formed crafted archive fails: %v", err)
	}
	goodBytes, _ := os.ReadFile(good)
	write := func(name string, data []byte) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, data, 0o600)
		return p
	}
	longDoc := doc(t, bson.D{{Key: "s", Value: strings.Repeat("a", 100)}})
	binary.LittleEndian.PutUint32(longDoc, 5000) // claims more bytes than the file holds
	flipped := bytes.Clone(goodBytes)
	flipped[len(flipped)/2] ^= 0xff
	volTar := func(entries ...entry) []byte { return tarBytes(t, entries) }

	cases := []struct {
		name string
		path string
		want string
	}{
		{"not an archive", write("notes.tar.gz", []byte("hello, this is text\n")), "not gzip-compressed"},
		{"gzip but not tar", write("x.tar.gz", gz(t, bytes.Repeat([]byte("not a tar "), 100))), "not a tar stream"},
		{"truncated", write(filepath.Base(good), goodBytes[:len(goodBytes)*2/3]), "truncated"},
		{"byte flipped", write(filepath.Base(good), flipped), "archive"},
		{"other project", craft(t, "shop", nil, nil), `belongs to project "shop", not "survey"`},
		{"absolute path", craft(t, "survey", []entry{{name: "/etc/passwd", body: []byte("x")}}, nil), "absolute path"},
		{"dot dot", craft(t, "survey", []entry{{name: "mongo/../../evil.bson", body: []byte("x")}}, nil), "climbs out"},
		{"symlink entry", craft(t, "survey", []entry{{name: "mongo/db/c.bson", typeflag: tar.TypeSymlink, link: "/etc/shadow"}}, nil), "symbolic link"},
		{"device entry", craft(t, "survey", []entry{{name: "mongo/db/c.bson", typeflag: tar.TypeChar}}, nil), "device file"},
		{"document beyond its file", craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: longDoc}}, nil), "claims 5000 bytes but only"},
		{"invalid bson", craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: []byte{9, 0, 0, 0, 0x7f, 'a', 0, 0, 0}}}, nil), "not valid BSON"},
		{"tampered data", craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: validBSON(t)}}, func(m *Manifest) { m.Files[0].SHA256 = strings.Repeat("0", 64) }), "fails its SHA-256 check"},
		{"entry not in manifest", craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: validBSON(t)}}, func(m *Manifest) { m.Files = nil }), "not in the manifest"},
		{"count mismatch", craft(t, "survey", []entry{{name: "mongo/db/c.bson", body: validBSON(t)}}, func(m *Manifest) {
			m.Collections = []CollectionInfo{{DB: "db", Name: "c", Type: "collection", Documents: 3}}
		}), "holds 2 documents, the manifest says 3"},
		{"volume link outside", craft(t, "survey", []entry{{name: "volumes/v.tar", body: volTar(entry{name: "./", typeflag: tar.TypeDir}, entry{name: "a/up", typeflag: tar.TypeSymlink, link: "../../../etc/passwd"})}}, nil), "points outside the volume"},
		{"volume hard link outside", craft(t, "survey", []entry{{name: "volumes/v.tar", body: volTar(entry{name: "h", typeflag: tar.TypeLink, link: "../etc/passwd"})}}, nil), "points outside the volume"},
		{"volume device", craft(t, "survey", []entry{{name: "volumes/v.tar", body: volTar(entry{name: "dev/sda", typeflag: tar.TypeBlock})}}, nil), "device file"},
		{"volume truncated", craft(t, "survey", []entry{{name: "volumes/v.tar", body: volTar(entry{name: "big", body: bytes.Repeat([]byte("z"), 4096)})[:1500]}}, nil), "truncated"},
		{"unknown entry", craft(t, "survey", []entry{{name: "etc/cron.d/x", body: []byte("x")}}, nil), "unexpected entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(ctx, tc.path, "survey", nil)
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestVerifyChecksSumFile(t *testing.T) {
	dir := t.TempDir()
	res, err := Backup(context.Background(), Options{Dir: dir, Project: "survey", Kind: KindVolumes})
	if err != nil {
		t.Fatal(err)
	}
	line, _ := os.ReadFile(res.Path + ".sha256")
	sum, _ := fileSHA256(res.Path)
	if want := sum + "  " + filepath.Base(res.Path) + "\n"; string(line) != want {
		t.Fatalf(".sha256 is %q, want %q", line, want)
	}
	os.WriteFile(res.Path+".sha256", []byte(strings.Repeat("ab", 32)+"  "+filepath.Base(res.Path)+"\n"), 0o600)
	if _, err := Verify(context.Background(), res.Path, "survey", nil); err == nil || !strings.Contains(err.Error(), ".sha256 says abababababab") {
		t.Fatalf("altered .sha256 not detected: %v", err)
	}
}

func TestHostileNamesInErrorsAreEscaped(t *testing.T) {
	p := craft(t, "survey", []entry{{name: "mongo/db/\x1b]0;pwned\x07c.bson", body: []byte{9, 0, 0, 0, 0x7f, 'a', 0, 0, 0}}}, nil)
	_, err := Verify(context.Background(), p, "survey", nil)
	if err == nil {
		t.Fatal("accepted")
	}
	if strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), `\x1b]0;pwned\x07`) {
		t.Fatalf("control characters not escaped: %q", err)
	}
}
