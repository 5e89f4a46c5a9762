package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/survey-platform/surveytui/internal/ops/engine"
	"github.com/survey-platform/surveytui/internal/testenv"
)

func TestUnreachableErrorsSayWhereAndWhy(t *testing.T) {
	cases := map[string]string{
		"unix:///nonexistent.sock": "cannot reach Docker at unix:///nonexistent.sock: no such file; is dockerd running? set --docker-host or DOCKER_HOST",
		"tcp://127.0.0.1:1":        "cannot reach Docker at tcp://127.0.0.1:1: connection refused; is dockerd running? set --docker-host or DOCKER_HOST",
	}
	for host, want := range cases {
		c, err := engine.New(engine.Options{Host: host})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = c.Ping(ctx)
		cancel()
		if !engine.IsUnreachable(err) || err.Error() != want {
			t.Errorf("%s: got %v, want %q", host, err, want)
		}
	}
}

func TestBadHostURL(t *testing.T) {
	_, err := engine.New(engine.Options{Host: "ssh://"})
	if err == nil || !strings.Contains(err.Error(), "ssh://USER@HOST") {
		t.Errorf("got %v", err)
	}
}

func TestNegotiatesWithTheRealEngine(t *testing.T) {
	testenv.RequireEngine(t)
	c, err := engine.New(engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	ev, api, err := c.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The client speaks the engine's API version, not its own newer default.
	if c.APIVersion() != api || ev == "" {
		t.Errorf("negotiated %q, engine %s speaks %q", c.APIVersion(), ev, api)
	}
}
