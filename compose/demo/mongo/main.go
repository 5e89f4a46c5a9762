// Command mongo is the MongoDB stand-in of the Survey Platform demo: FerretDB
// (embedded, SQLite handler) speaking the MongoDB wire protocol on port
// 27017, with its data under /data/db so a named volume holds it. On first
// start it seeds a small survey_platform database so backups have something
// to copy. `mongo healthcheck` is the image's Docker HEALTHCHECK.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Environment knobs, with the defaults the demo image uses.
const (
	envListen  = "MONGO_LISTEN"   // TCP address, default 0.0.0.0:27017
	envDataDir = "MONGO_DATA_DIR" // SQLite directory, default /data/db
	envSeed    = "MONGO_SEED"     // "off" disables seeding
	envLevel   = "MONGO_LOG_LEVEL"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := healthcheck(envOr(envListen, "0.0.0.0:27017")); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mongo stand-in:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run() error {
	// FerretDB logs every connection at info and dumps every failed command
	// at warn (the driver's endSessions, sent by each healthcheck, is one),
	// so its own logger defaults to error to keep the demo's logs readable.
	var level slog.Level
	if err := level.UnmarshalText([]byte(envOr(envLevel, "error"))); err != nil {
		return fmt.Errorf("%s=%q: want debug, info, warn or error", envLevel, os.Getenv(envLevel))
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", "mongodb")
	ferretLogger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level})).
		With("service", "mongodb")

	dataDir := envOr(envDataDir, "/data/db")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return fmt.Errorf("data directory %s: %w", dataDir, err)
	}
	listen := envOr(envListen, "0.0.0.0:27017")
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    ferretLogger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dataDir + "/",
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	if os.Getenv(envSeed) != "off" {
		go func() {
			sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			n, err := seed(sctx, f.MongoDBURI())
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				logger.Error("seeding survey_platform failed", "error", err.Error())
			case n > 0:
				logger.Info("seeded survey_platform", "documents", n)
			}
		}()
	}
	logger.Info("MongoDB stand-in (FerretDB sqlite) listening", "address", listen, "dataDir", dataDir)
	err = <-done
	logger.Info("MongoDB stand-in stopped")
	return err
}
