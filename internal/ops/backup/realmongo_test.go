package backup

import (
	"context"
	"maps"
	"os"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// TestRealMongoDBRoundTrip covers what FerretDB cannot hold, so the FerretDB tests leave it
// out: Decimal128 values, a collection validator, a view and a TTL index. It needs a real
// MongoDB server (none can run on the machines these tests were written on):
//
//	SURVEYTUI_TEST_MONGODB_URI=mongodb://127.0.0.1:27017/ go test -run RealMongoDB ./internal/ops/backup/
//
// It writes into a database named stt_backup_<random> and drops it afterwards.
func TestRealMongoDBRoundTrip(t *testing.T) {
	uri := os.Getenv("SURVEYTUI_TEST_MONGODB_URI")
	if uri == "" {
		t.Skip("FerretDB has no Decimal128, validators, views or TTL indexes: set SURVEYTUI_TEST_MONGODB_URI to a real MongoDB to test them")
	}
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	dbName := "stt_backup_" + time.Now().Format("150405")
	db := client.Database(dbName)
	t.Cleanup(func() { db.Drop(context.Background()) })
	dec, _ := bson.ParseDecimal128("1234.5678")
	validator := bson.D{{Key: "$jsonSchema", Value: bson.D{{Key: "bsonType", Value: "object"}, {Key: "required", Value: bson.A{"price"}}}}}
	if err := db.CreateCollection(ctx, "prices", options.CreateCollection().SetValidator(validator)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("prices").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: 1}, {Key: "price", Value: dec}, {Key: "at", Value: bson.DateTime(1700000000000)}},
		bson.D{{Key: "_id", Value: 2}, {Key: "price", Value: dec}, {Key: "at", Value: bson.DateTime(1700000001000)}},
	}); err != nil {
		t.Fatal(err)
	}
	mustIndex(t, db.Collection("prices"), mongo.IndexModel{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetExpireAfterSeconds(1 << 30)})
	if err := db.CreateView(ctx, "cheap", "prices", mongo.Pipeline{{{Key: "$match", Value: bson.D{{Key: "price", Value: bson.D{{Key: "$lt", Value: dec}}}}}}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, err := Backup(ctx, Options{Dir: dir, Project: "survey", Mongo: client, Databases: []string{dbName}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	src, err := OpenSource(ctx, first.Path, "survey", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RestoreMongo(ctx, client, src, nil, nil); err != nil {
		t.Fatal(err)
	}
	second, err := Backup(ctx, Options{Dir: dir, Project: "survey", Mongo: client, Databases: []string{dbName}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := bsonSums(first.Manifest), bsonSums(second.Manifest); !maps.Equal(a, b) {
		t.Errorf("documents differ:\n%v\n%v", a, b)
	}
	if a, b := collSummary(first.Manifest), collSummary(second.Manifest); !slices.Equal(a, b) {
		t.Errorf("collections differ:\n%v\n%v", a, b)
	}
	for _, name := range []string{dbName + "/prices", dbName + "/cheap"} {
		a, b := readMeta(t, first.Path, name), readMeta(t, second.Path, name)
		a.UUID, b.UUID = "", ""
		ja, _ := bson.MarshalExtJSON(a, true, false)
		jb, _ := bson.MarshalExtJSON(b, true, false)
		if string(ja) != string(jb) {
			t.Errorf("%s metadata differs:\n%s\n%s", name, ja, jb)
		}
	}
}
