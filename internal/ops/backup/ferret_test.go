package backup

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var uris = map[*mongo.Client]string{}

// uriOf is the URI startFerret connected client to.
func uriOf(tb testing.TB, client *mongo.Client) string { return uris[client] }

// startFerret runs a real MongoDB wire-protocol server (FerretDB on SQLite) in-process for the
// test and returns a connected client.
func startFerret(tb testing.TB) *mongo.Client {
	tb.Helper()
	client, _ := startStoppableFerret(tb)
	return client
}

// startStoppableFerret is startFerret that also returns a function stopping the server (as
// when MongoDB goes away); it is safe to call more than once.
func startStoppableFerret(tb testing.TB) (*mongo.Client, func()) {
	tb.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + tb.TempDir() + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	uri := f.MongoDBURI()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(2 * time.Minute))
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	uris[client] = uri
	stop := func() {
		cancel()
		<-done
	}
	tb.Cleanup(func() {
		client.Disconnect(context.Background())
		stop()
	})
	return client, stop
}
