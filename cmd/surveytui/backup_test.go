package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/survey-platform/surveytui/internal/ops/backup"
	"github.com/survey-platform/surveytui/internal/testenv"
)

// ferret starts FerretDB (SQLite) in-process and returns its URI and a client.
func ferret(t *testing.T) (string, *mongo.Client) {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"}, Handler: "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.Run(ctx); close(done) }()
	uri := f.MongoDBURI()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()); cancel(); <-done })
	return uri, client
}

// noTerminal replaces stdin with a pipe, as under cron or CI.
func noTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() { os.Stdin = old; r.Close(); w.Close() })
}

func TestBackupAndRestoreCommands(t *testing.T) {
	testenv.RequireEngine(t)
	uri, client := ferret(t)
	ctx := context.Background()
	coll := client.Database("survey").Collection("responses")
	for i := range 120 {
		coll.InsertOne(ctx, bson.D{{Key: "_id", Value: int32(i)}, {Key: "answer", Value: "yes"}})
	}
	dir := t.TempDir()
	t.Setenv("SURVEYTUI_MONGO_URI", uri)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	noTerminal(t)
	common := []string{"--project", "survey", "--backup-dir", dir}

	code, stdout, stderr := runCLI(t, append([]string{"backup", "create", "--mongo"}, common...)...)
	if code != 0 || !strings.Contains(stdout, "surveytui-survey-") || !strings.Contains(stdout, "120 documents") {
		t.Fatalf("create: %d %q %q", code, stdout, stderr)
	}
	archive := strings.Fields(stdout)[0]

	code, stdout, _ = runCLI(t, append([]string{"backup", "list"}, common...)...)
	if code != 0 || !strings.Contains(stdout, "mongo(survey)") || !strings.Contains(stdout, "yes ") {
		t.Fatalf("list: %d %q", code, stdout)
	}
	code, stdout, stderr = runCLI(t, append([]string{"backup", "verify", archive}, common...)...)
	if code != 0 || !strings.Contains(stdout, "OK") {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}

	coll.DeleteMany(ctx, bson.D{})
	code, _, stderr = runCLI(t, append([]string{"restore", archive}, common...)...)
	if code != exitUsage || !strings.Contains(stderr, "without a terminal") {
		t.Fatalf("restore without a terminal nor --yes: %d %q", code, stderr)
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatal("a refused restore changed data")
	}
	code, stdout, stderr = runCLI(t, append([]string{"restore", archive, "--yes"}, common...)...)
	if code != 0 || !strings.Contains(stdout, "survey.responses") || !strings.Contains(stdout, "safety") {
		t.Fatalf("restore --yes: %d %q %q", code, stdout, stderr)
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 120 {
		t.Fatalf("%d documents after restore, want 120", n)
	}

	code, stdout, _ = runCLI(t, append([]string{"backup", "prune", "--keep-days", "1", "--dry-run"}, common...)...)
	if code != 0 || !strings.Contains(stdout, "would delete 0, kept 2") {
		t.Fatalf("prune: %d %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, append([]string{"--compose", smallCompose, "backup", "schedule", "--cron", "30 3 * * *"}, common...)...)
	if code != 0 || !strings.HasPrefix(stdout, "30 3 * * * ") || !strings.Contains(stdout, "backup create") || !strings.Contains(stdout, "# surveytui-backup survey") {
		t.Fatalf("schedule: %d %q", code, stdout)
	}
	// cron starts in the home directory: the compose file must be named absolutely.
	if i := strings.Index(stdout, "--compose "); i < 0 || !strings.HasPrefix(strings.Trim(stdout[i+len("--compose "):], "'"), "/") {
		t.Errorf("schedule names the compose file relatively: %q", stdout)
	}
	code, _, stderr = runCLI(t, append([]string{"backup", "schedule", "--cron", "every night"}, common...)...)
	if code != exitUsage || !strings.Contains(stderr, "five fields") {
		t.Fatalf("bad cron: %d %q", code, stderr)
	}
}

func TestMongoPasswordNeverFromTheCommandLine(t *testing.T) {
	t.Setenv("SURVEYTUI_MONGO_URI", "") // restored after the test
	os.Unsetenv("SURVEYTUI_MONGO_URI")
	code, _, stderr := runCLI(t, "backup", "create", "--mongo", "--project", "survey", "--backup-dir", t.TempDir(),
		"--mongo-uri", "mongodb://admin:s3cret@127.0.0.1:1/")
	if code != exitUsage || !strings.Contains(stderr, "refusing a password in --mongo-uri") || strings.Contains(stderr, "s3cret") {
		t.Fatalf("%d %q", code, stderr)
	}
}

func TestProgressLine(t *testing.T) {
	for _, c := range []struct {
		p    backup.Progress
		took time.Duration
		want string
	}{
		{backup.Progress{Phase: "dump", Item: "survey.responses", Docs: 500, TotalDocs: 2000, Bytes: 1 << 20}, 10 * time.Second,
			"dump survey.responses [#####...............]  25% 500/2000 docs 1.0 MiB ETA 30s"},
		{backup.Progress{Phase: "volume", Item: "uploads\x1b[2J", Message: "copying"}, 0, `volume uploads\x1b[2J: copying`},
		{backup.Progress{Phase: "restore", Item: "v", Bytes: 4 << 20, TotalBytes: 4 << 20}, time.Minute, "restore v [####################] 100% 4.0 MiB"},
	} {
		if got := progressLine(c.p, c.took); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
