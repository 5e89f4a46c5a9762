package backup

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// seed fills three databases with documents of many BSON types, secondary indexes (unique,
// compound, sparse; FerretDB has no TTL indexes) and a capped collection. FerretDB has no Decimal128, so none is used
// here: the Decimal128 round trip is skipped against it (see TestDecimal128NeedsMongoDB).
func seed(t testing.TB, client *mongo.Client, n int) {
	t.Helper()
	ctx := context.Background()
	survey := client.Database("survey")
	var docs []any
	for i := range n {
		docs = append(docs, bson.D{
			{Key: "_id", Value: bson.NewObjectIDFromTimestamp(time.Unix(1700000000+int64(i), 0))},
			{Key: "n", Value: int32(i)},
			{Key: "big", Value: int64(i) << 40},
			{Key: "score", Value: float64(i) / 7},
			{Key: "name", Value: fmt.Sprintf("respondent-%05d", i)},
			{Key: "at", Value: bson.DateTime(1700000000000 + int64(i))},
			{Key: "answers", Value: bson.A{"yes", int32(i % 5), bson.D{{Key: "q", Value: "free text ü"}}}},
			{Key: "blob", Value: bson.Binary{Subtype: 0, Data: []byte{byte(i), 0, 255}}},
			{Key: "ok", Value: i%2 == 0},
			{Key: "none", Value: nil},
		})
	}
	if _, err := survey.Collection("responses").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	mustIndex(t, survey.Collection("responses"),
		mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}}, Options: options.Index().SetUnique(true).SetName("name_unique")},
		mongo.IndexModel{Keys: bson.D{{Key: "n", Value: 1}, {Key: "score", Value: -1}}},
		// TTL (expireAfterSeconds) is not implemented by FerretDB 1.24; sparse is.
		mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetSparse(true)},
	)
	if err := survey.CreateCollection(ctx, "events", options.CreateCollection().SetCapped(true).SetSizeInBytes(1<<20)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := survey.Collection("events").InsertOne(ctx, bson.D{{Key: "_id", Value: int32(i)}, {Key: "kind", Value: "e"}}); err != nil {
			t.Fatal(err)
		}
	}
	auth := client.Database("auth")
	if _, err := auth.Collection("users").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "u1"}, {Key: "email", Value: "a@example.org"}, {Key: "roles", Value: bson.A{"admin"}}},
		bson.D{{Key: "_id", Value: "u2"}, {Key: "email", Value: "b@example.org"}},
	}); err != nil {
		t.Fatal(err)
	}
	mustIndex(t, auth.Collection("users"), mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)})
	if err := client.Database("empty").CreateCollection(ctx, "nothing"); err != nil {
		t.Fatal(err)
	}
}

func mustIndex(t testing.TB, c *mongo.Collection, models ...mongo.IndexModel) {
	t.Helper()
	if _, err := c.Indexes().CreateMany(context.Background(), models); err != nil {
		t.Fatal(err)
	}
}

func mongoOpts(t testing.TB, client *mongo.Client, dir string) Options {
	return Options{Dir: dir, Project: "survey", Mongo: client}
}

// bsonSums maps each .bson entry of a manifest to its SHA-256.
func bsonSums(m *Manifest) map[string]string {
	out := map[string]string{}
	for _, f := range m.Files {
		if strings.HasSuffix(f.Name, ".bson") {
			out[f.Name] = f.SHA256
		}
	}
	return out
}

func collSummary(m *Manifest) []string {
	var out []string
	for _, c := range m.Collections {
		idx := slices.Clone(c.Indexes)
		slices.Sort(idx)
		out = append(out, fmt.Sprintf("%s.%s %s docs=%d bytes=%d idx=%v", c.DB, c.Name, c.Type, c.Documents, c.Bytes, idx))
	}
	return out
}

func TestMongoRoundTrip(t *testing.T) {
	ctx := context.Background()
	client := startFerret(t)
	seed(t, client, 500)
	dir := filepath.Join(t.TempDir(), "backups")
	first, err := Backup(ctx, mongoOpts(t, client, dir))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := first.Manifest.Contents.Databases, []string{"auth", "empty", "survey"}; !slices.Equal(got, want) {
		t.Fatalf("databases %v, want %v", got, want)
	}
	// Damage the live data: the restore must put it back exactly.
	if err := client.Database("survey").Collection("responses").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Database("auth").Collection("users").InsertOne(ctx, bson.D{{Key: "_id", Value: "intruder"}}); err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(ctx, first.Path, "survey", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := RestoreMongo(ctx, client, src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, r := range res {
		counts[r.DB+"."+r.Name] = r.Documents
	}
	want := map[string]int64{"auth.users": 2, "empty.nothing": 0, "survey.events": 20, "survey.responses": 500}
	if !maps.Equal(counts, want) {
		t.Fatalf("restored counts %v, want %v", counts, want)
	}
	second, err := Backup(ctx, Options{Dir: dir, Project: "survey", Mongo: client, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := bsonSums(first.Manifest), bsonSums(second.Manifest); !maps.Equal(a, b) {
		t.Errorf("documents differ after the round trip:\n%v\n%v", a, b)
	}
	if a, b := collSummary(first.Manifest), collSummary(second.Manifest); !slices.Equal(a, b) {
		t.Errorf("collections differ after the round trip:\n%v\n%v", a, b)
	}
	// Options and index definitions survive too (uuids are new: compare without them).
	for _, name := range []string{"survey/events", "survey/responses", "auth/users"} {
		a, b := readMeta(t, first.Path, name), readMeta(t, second.Path, name)
		a.UUID, b.UUID = "", ""
		ja, _ := bson.MarshalExtJSON(a, true, false)
		jb, _ := bson.MarshalExtJSON(b, true, false)
		if string(ja) != string(jb) {
			t.Errorf("%s metadata differs:\n%s\n%s", name, ja, jb)
		}
	}
	if meta := readMeta(t, first.Path, "survey/events"); !strings.Contains(fmt.Sprint(meta.Options), "capped") {
		t.Errorf("capped option lost: %v", meta.Options)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("backup dir mode %v, want 0700", st.Mode())
	}
	st, _ = os.Stat(first.Path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", st.Mode())
	}
}

// readMeta returns the metadata of mongo/<name>.metadata.json in an archive.
func readMeta(t testing.TB, archive, name string) Metadata {
	t.Helper()
	metas := map[string]*Metadata{}
	if _, err := verify(context.Background(), archive, "", nil, metas); err != nil {
		t.Fatal(err)
	}
	m := metas[strings.Replace(name, "/", ".", 1)]
	if m == nil {
		t.Fatalf("%s: no metadata for %s", archive, name)
	}
	return *m
}

// TestMongoGoesAwayMidBackup stops the server while a collection is being read: the backup
// fails with a one-line error that says so, and leaves no archive and no temporary file.
func TestMongoGoesAwayMidBackup(t *testing.T) {
	client, stop := startStoppableFerret(t)
	seed(t, client, 6000)
	dir := t.TempDir()
	var once bool
	_, err := Backup(context.Background(), Options{Dir: dir, Project: "survey", Mongo: client,
		Progress: func(p Progress) {
			if p.Phase == "dump" && p.Item == "survey.responses" && !once {
				once = true
				stop()
			}
		}})
	if err == nil {
		t.Fatal("backup succeeded without its server")
	}
	if !strings.Contains(err.Error(), "survey.responses") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q does not name what failed in one line", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
	t.Log(err)
}
