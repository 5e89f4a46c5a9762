//go:build !unix

package scan

import "os/exec"

// killGroup is a no-op where process groups do not exist; exec's default kill applies.
func killGroup(*exec.Cmd) {}
