// Command standin plays one service of the Survey Platform demo, chosen by
// STANDIN_SERVICE: one of the ten app services (a /health endpoint,
// Winston-style JSON logs, simulated user requests whose correlation ID
// really travels from service to service over HTTP, admin endpoints, and
// knobs to make it unhealthy, crash, burn CPU, hold memory or write data),
// or a health-only infrastructure service (redis, kafka, zookeeper,
// kafka-ui). `standin healthcheck` is the image's Docker HEALTHCHECK.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(healthPort(getenv)))
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(2)
	}
}

func run() error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(os.Stdout, cfg.Service, cfg.LogLevel)
	s := newService(cfg, log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.Port))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// Infrastructure stand-ins write data too, so their volumes have
	// something to back up.
	go func() {
		if err := writeFiles(cfg.DataDir, cfg.Service, cfg.WriteMB); err != nil {
			log.Error("Failed to write data files", "", field{"dir", cfg.DataDir}, field{"error", err.Error()})
		} else if cfg.WriteMB > 0 {
			log.Info("Data files written", "", field{"dir", cfg.DataDir}, field{"mb", cfg.WriteMB})
		}
	}()
	if cfg.Infra {
		log.Info(infraReady[cfg.Service], "", field{"port", cfg.Port})
	} else {
		log.Info("Server started", "", field{"port", cfg.Port}, field{"version", cfg.Version},
			field{"downstreams", len(cfg.Calls)}, field{"env", "production"})
		s.startTimers()
		burnCPU(ctx, cfg.CPUBurn)
		s.allocate(cfg.MemoryMB)
		go s.logNoise(ctx, cfg.LogRate)
		if cfg.Traffic {
			go s.trafficLoop(ctx)
		}
		if cfg.Service == "admin-service" {
			go s.adminPollLoop(ctx)
		}
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Docker sends SIGTERM and waits; finish within a second.
	log.Info("SIGTERM received, shutting down gracefully", "")
	sctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// infraReady is the start-up line of each infrastructure stand-in.
var infraReady = map[string]string{
	"redis":     "Ready to accept connections (stand-in: HTTP health only)",
	"kafka":     "Kafka server started (stand-in: HTTP health only)",
	"zookeeper": "Zookeeper server started (stand-in: HTTP health only)",
	"kafka-ui":  "Kafka UI started (stand-in: HTTP health only)",
}

// healthPort is the port the healthcheck probes: PORT, else the service's
// default port. It ignores every other knob so a bad one cannot hide health.
func healthPort(getenv func(string) string) int {
	if p, err := strconv.Atoi(getenv("PORT")); err == nil && p > 0 && p < 65536 {
		return p
	}
	name := getenv("STANDIN_SERVICE")
	if p, ok := appPorts[name]; ok {
		return p
	}
	if p, ok := infraPorts[name]; ok {
		return p
	}
	return 3000
}

// healthcheck GETs /health on the local port within 2 s: 0 if it answers
// 200, 1 otherwise (Docker's HEALTHCHECK convention).
func healthcheck(port int) int {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/health")
	if err != nil {
		fmt.Fprintln(os.Stderr, "unhealthy:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(os.Stderr, "unhealthy: HTTP", resp.StatusCode)
		return 1
	}
	return 0
}
