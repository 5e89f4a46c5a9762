// Command volumehelper is the smallest program that carries engine's volume helper: tests
// build it with CGO_ENABLED=0 and use it as the helper binary (the test binary itself is not
// static). The surveytui binary plays this part in production.
package main

import (
	"fmt"
	"os"

	"github.com/survey-platform/surveytui/internal/ops/engine"
)

func main() {
	engine.RunVolumeHelperIfAsked(os.Args)
	fmt.Fprintln(os.Stderr, "volumehelper: run as", engine.VolumeHelperCommand, "empty DIR")
	os.Exit(2)
}
