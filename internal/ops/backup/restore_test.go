package backup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/survey-platform/surveytui/internal/ops/audit"
)

// withFailingCollection copies a verified archive and adds survey.zz, whose TTL index FerretDB
// refuses: a restore of the copy fails after it has replaced the collections sorted before it.
func withFailingCollection(t *testing.T, src string) string {
	t.Helper()
	ctx := context.Background()
	m, err := Verify(ctx, src, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(t.TempDir(), m.Header)
	if err != nil {
		t.Fatal(err)
	}
	_, err = readArchive(ctx, src, "", func(name string, size int64, r io.Reader) error {
		return w.AddFile(name, size, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	docs := append(doc(t, bson.D{{Key: "_id", Value: 1}}), doc(t, bson.D{{Key: "_id", Value: 2}})...)
	meta := `{"options":{},"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},` +
		`{"v":{"$numberInt":"2"},"key":{"at":{"$numberInt":"1"}},"name":"at_ttl","expireAfterSeconds":{"$numberInt":"60"}}],"collectionName":"zz","type":"collection"}`
	if err := w.AddFile("mongo/survey/zz.bson", int64(len(docs)), bytes.NewReader(docs)); err != nil {
		t.Fatal(err)
	}
	if err := w.AddFile("mongo/survey/zz.metadata.json", int64(len(meta)), strings.NewReader(meta)); err != nil {
		t.Fatal(err)
	}
	wm := w.Manifest()
	wm.ServerVersion, wm.Volumes = m.ServerVersion, m.Volumes
	wm.Collections = append(slices.Clone(m.Collections), CollectionInfo{DB: "survey", Name: "zz", Type: "collection", Documents: 2, Bytes: int64(len(docs)), Indexes: []string{"_id_", "at_ttl"}})
	p, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFailedRestoreThenSafetyPutsBackEverything(t *testing.T) {
	ctx := context.Background()
	client := startFerret(t)
	eng := requireEngine(t)
	vol := testVolume(t, eng)
	seed(t, client, 400)
	if err := eng.ImportVolume(ctx, vol, bytes.NewReader(volumeSample(t))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	old, err := Backup(ctx, Options{Dir: dir, Project: "survey", Mongo: client, Engine: eng, Volumes: []string{vol}})
	if err != nil {
		t.Fatal(err)
	}
	// Life goes on after the backup: this is the state a failed restore must not lose.
	survey := client.Database("survey")
	for i := range 25 {
		survey.Collection("responses").InsertOne(ctx, bson.D{{Key: "late", Value: int32(i)}, {Key: "name", Value: "late-" + string(rune('a'+i))}})
	}
	client.Database("auth").Collection("users").DeleteOne(ctx, bson.D{{Key: "_id", Value: "u2"}})
	survey.Collection("untouched").InsertOne(ctx, bson.D{{Key: "_id", Value: "keep"}})
	if err := eng.ImportVolume(ctx, vol, bytes.NewReader(tarBytes(t, []entry{{name: "new.txt", body: []byte("written after the backup")}}))); err != nil {
		t.Fatal(err)
	}
	before, err := Backup(ctx, Options{Dir: t.TempDir(), Project: "survey", Mongo: client})
	if err != nil {
		t.Fatal(err)
	}
	volBefore := volumeTree(t, eng, vol)

	journal, err := audit.Open(filepath.Join(t.TempDir(), "journal.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	req := RestoreRequest{Source: withFailingCollection(t, old.Path), Project: "survey", Dir: dir,
		Mongo: client, Engine: eng, Volumes: []string{vol}, Journal: journal}
	plan, err := PrepareRestore(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string][2]int64{}
	for _, c := range plan.Collections {
		changes[c.DB+"."+c.Name] = [2]int64{c.DocsNow, c.DocsThen}
	}
	want := map[string][2]int64{"auth.users": {1, 2}, "empty.nothing": {0, 0}, "survey.events": {20, 20}, "survey.responses": {425, 400}, "survey.zz": {-1, 2}}
	if !maps.Equal(changes, want) {
		t.Fatalf("plan %v, want %v", changes, want)
	}
	if len(plan.Volumes) != 1 || plan.Volumes[0].BytesThen != 26 {
		t.Fatalf("volume plan %+v", plan.Volumes)
	}
	_, err = ExecuteRestore(ctx, req, plan)
	var failed *RestoreFailedError
	if !errors.As(err, &failed) {
		t.Fatalf("restore did not fail as planned: %v", err)
	}
	t.Log(err)
	if !strings.Contains(err.Error(), "at_ttl") && !strings.Contains(err.Error(), "expireAfterSeconds") {
		t.Errorf("error does not say what failed: %v", err)
	}
	wantCmd := "surveytui restore " + failed.Safety + " --mongo --volume " + vol + " --yes"
	if failed.Command != wantCmd || !strings.Contains(err.Error(), wantCmd) {
		t.Fatalf("put-back command %q, want %q (error: %v)", failed.Command, wantCmd, err)
	}
	if got := volumeTree(t, eng, vol); !slices.Equal(got, volBefore) {
		t.Fatal("the volume was touched after MongoDB's restore failed")
	}
	if n, _ := survey.Collection("responses").CountDocuments(ctx, bson.D{}); n != 400 {
		t.Fatalf("responses has %d documents: the part before the failure was not restored", n)
	}

	// The command the error gives, as a request: the safety archive puts everything back.
	back := RestoreRequest{Source: failed.Safety, Project: "survey", Dir: dir, Mongo: client, Engine: eng, Volumes: []string{vol}, Journal: journal}
	plan, err = PrepareRestore(ctx, back)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ExecuteRestore(ctx, back, plan); err != nil {
		t.Fatal(err)
	}
	after, err := Backup(ctx, Options{Dir: t.TempDir(), Project: "survey", Mongo: client})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := bsonSums(before.Manifest), bsonSums(after.Manifest); !maps.Equal(a, b) {
		t.Errorf("documents differ from before the failed restore:\n%v\n%v", a, b)
	}
	if a, b := collSummary(before.Manifest), collSummary(after.Manifest); !slices.Equal(a, b) {
		t.Errorf("collections differ from before the failed restore:\n%v\n%v", a, b)
	}
	if got := volumeTree(t, eng, vol); !slices.Equal(got, volBefore) {
		t.Errorf("volume differs from before the failed restore:\n%v\n%v", volBefore, got)
	}
	entries, _ := journal.Read()
	var outcomes []string
	for _, e := range entries {
		outcomes = append(outcomes, e.Action+"/"+e.Phase+"/"+e.Outcome)
	}
	if !slices.Equal(outcomes, []string{"restore/start/", "restore/end/failed", "restore/start/", "restore/end/ok"}) {
		t.Errorf("journal %v", outcomes)
	}
	if _, err := os.Stat(failed.Safety + ".sha256"); err != nil {
		t.Errorf("safety archive has no .sha256: %v", err)
	}
}
