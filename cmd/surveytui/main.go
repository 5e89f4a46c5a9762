// Command surveytui is the terminal ops console of the Survey Platform. With no subcommand it
// opens the TUI; every action it offers is also a plain subcommand for cron and CI.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/survey-platform/surveytui/internal/ops/backup"
	"github.com/survey-platform/surveytui/internal/ops/engine"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes. 1 and 2 follow the Nagios convention for status (warning, critical); 3 says the
// engine could not be reached at all.
const (
	exitOK          = 0
	exitWarning     = 1
	exitCritical    = 2
	exitUnreachable = 3
	exitUsage       = 64
)

// exitError carries an exit code through cobra without printing anything more than its
// message (which may be empty when the command printed its own report).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	// Inside the volume helper container the binary only empties the volume (see engine).
	engine.RunVolumeHelperIfAsked(os.Args)
	backup.ToolVersion = version
	stop := startProfile(os.Getenv("SURVEYTUI_CPUPROFILE"), os.Getenv("SURVEYTUI_MEMPROFILE"))
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code; errors are one line on stderr.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, cancel := signalContext(context.Background())
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCodeOf(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "surveytui: "+oneLine(msg))
	}
	return code
}

func exitCodeOf(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case engine.IsUnreachable(err):
		return exitUnreachable
	case isUsageError(err):
		return exitUsage
	}
	return exitWarning
}
