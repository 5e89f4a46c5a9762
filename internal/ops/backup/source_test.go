package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Metadata exactly as mongodump 100.x writes it for an old server: index specs carry "v" and
// "ns" (which FerretDB and newer servers reject on create), no "options" key at all.
const dumpOrdersMeta = `{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_","ns":"shop.orders"},` +
	`{"v":{"$numberInt":"2"},"unique":true,"key":{"ref":{"$numberInt":"1"}},"name":"ref_1","ns":"shop.orders"}],` +
	`"uuid":"4b1f0c1e2a3d4e5f60718293a4b5c6d7","collectionName":"orders","type":"collection"}`

func dumpFiles(t *testing.T) map[string][]byte {
	var orders []byte
	for i := range 250 {
		orders = append(orders, doc(t, bson.D{{Key: "_id", Value: int32(i)}, {Key: "ref", Value: "R" + strings.Repeat("0", 3) + string(rune('a'+i%26)) + string(rune('0'+i/26))}})...)
	}
	return map[string][]byte{
		"shop/orders.bson":          orders,
		"shop/orders.metadata.json": []byte(dumpOrdersMeta),
		"shop/notes.bson":           doc(t, bson.D{{Key: "_id", Value: "n1"}, {Key: "text", Value: "hello"}}),
		"admin/system.version.bson": doc(t, bson.D{{Key: "_id", Value: "featureCompatibilityVersion"}}),
		"oplog.bson":                nil,
	}
}

func writeDumpDir(t *testing.T, files map[string][]byte, gzipped bool) string {
	dir := filepath.Join(t.TempDir(), "dump")
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if gzipped && !strings.HasPrefix(name, "oplog") {
			p += ".gz"
			data = gzBytes(data)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func gzBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// tarDir packs dir as `tar czf x.tar.gz dump` would: a leading "dump/" on every name.
func tarDir(t *testing.T, dir string) string {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(filepath.Dir(dir), p)
		h, _ := tar.FileInfoHeader(fi, "")
		h.Name = filepath.ToSlash(rel)
		if fi.IsDir() {
			h.Name += "/"
		}
		tw.WriteHeader(h)
		if !fi.IsDir() {
			data, _ := os.ReadFile(p)
			tw.Write(data)
		}
		return nil
	})
	tw.Close()
	out := filepath.Join(t.TempDir(), "mongodb-backup-20240101.tar.gz")
	os.WriteFile(out, gzBytes(buf.Bytes()), 0o600)
	return out
}

func TestRestoreFromMongodumpLayout(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		path func(t *testing.T) string
		kind string
	}{
		{"directory", func(t *testing.T) string { return writeDumpDir(t, dumpFiles(t), false) }, SourceDumpDir},
		{"directory --gzip", func(t *testing.T) string { return writeDumpDir(t, dumpFiles(t), true) }, SourceDumpDir},
		{"tar.gz", func(t *testing.T) string { return tarDir(t, writeDumpDir(t, dumpFiles(t), false)) }, SourceDumpTgz},
		{"tar.gz of --gzip", func(t *testing.T) string { return tarDir(t, writeDumpDir(t, dumpFiles(t), true)) }, SourceDumpTgz},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client := startFerret(t)
			shop := client.Database("shop")
			shop.Collection("orders").InsertOne(ctx, bson.D{{Key: "_id", Value: "stale"}})
			src, err := OpenSource(ctx, tc.path(t), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if src.Kind != tc.kind {
				t.Fatalf("kind %q, want %q", src.Kind, tc.kind)
			}
			if got := src.Collections(); !slices.Equal(got, []string{"shop.notes", "shop.orders"}) {
				t.Fatalf("collections %v (admin and oplog must be left out)", got)
			}
			res, err := RestoreMongo(ctx, client, src, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 2 || res[0].Documents != 1 || res[1].Documents != 250 {
				t.Fatalf("restored %+v", res)
			}
			specs, err := shop.Collection("orders").Indexes().ListSpecifications(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range specs {
				names = append(names, s.Name)
				if s.Name == "ref_1" && (s.Unique == nil || !*s.Unique) {
					t.Errorf("ref_1 lost its unique option")
				}
			}
			if slices.Sort(names); !slices.Equal(names, []string{"_id_", "ref_1"}) {
				t.Fatalf("indexes %v", names)
			}
			if n, _ := shop.Collection("orders").CountDocuments(ctx, bson.D{{Key: "_id", Value: "stale"}}); n != 0 {
				t.Fatal("the stale document survived: the collection was not dropped")
			}
		})
	}
}

func TestOpenSourceRejects(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	bad := dumpFiles(t)
	bad["shop/orders.bson"] = bad["shop/orders.bson"][:100]
	text := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(text, []byte("hello"), 0o600)
	for _, tc := range []struct{ name, path, want string }{
		{"empty dir", empty, "holds no <db>/<collection>.bson files"},
		{"truncated dump", writeDumpDir(t, bad, false), "truncated"},
		{"text file", text, "neither a directory nor a .tar.gz"},
		{"missing", filepath.Join(empty, "nope"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenSource(ctx, tc.path, "", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
