package main

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// startFerret runs the same server as the image (FerretDB, SQLite handler)
// on 127.0.0.1:0 with its data in a temporary directory.
func startFerret(t *testing.T) string {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return f.MongoDBURI()
}

func TestSeedOnceWithIndexes(t *testing.T) {
	uri := startFerret(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, err := seed(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	if n != 297 {
		t.Fatalf("seeded %d documents, want 297", n)
	}
	c, err := connect(uri)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(context.Background())
	db := c.Database(seedDB)
	for coll, want := range map[string]int64{"projects": 5, "users": 12, "surveys": 20, "responses": 200, "audit_logs": 60} {
		got, err := db.Collection(coll).CountDocuments(ctx, bson.D{})
		if err != nil || got != want {
			t.Errorf("%s: %d documents (%v), want %d", coll, got, err, want)
		}
	}
	// The unique index on users.email must really be there and enforced.
	_, err = db.Collection("users").InsertOne(ctx, bson.D{{Key: "_id", Value: "dup"}, {Key: "email", Value: "user1@example.org"}})
	if err == nil {
		t.Error("duplicate email accepted: unique index missing")
	}
	if n, err := seed(ctx, uri); err != nil || n != 0 {
		t.Fatalf("second seed inserted %d (%v), want 0: existing data must be left alone", n, err)
	}
}

func TestHealthcheck(t *testing.T) {
	u, err := url.Parse(startFerret(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := healthcheck("0.0.0.0:" + u.Port()); err != nil {
		t.Fatalf("healthcheck against a running server: %v", err)
	}
	// A port nobody listens on must fail, within the 2 s budget.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	if err := healthcheck("0.0.0.0:" + port); err == nil {
		t.Fatal("healthcheck passed with no server")
	}
}
