package main

import (
	"context"
	"errors"
)

func runTUI(ctx context.Context, g *globals) error {
	return errors.New("the TUI is not wired yet")
}
