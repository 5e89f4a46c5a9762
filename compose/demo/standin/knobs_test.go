package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

var osExit = os.Exit

func TestWriteFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "volume")
	if err := writeFiles(dir, "analytics-service", 3); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Name() != "analytics-service-0000.bin" {
		t.Fatalf("files = %v", entries)
	}
	a, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	b, _ := os.ReadFile(filepath.Join(dir, entries[1].Name()))
	if len(a) != 1<<20 || bytes.Equal(a, b) {
		t.Fatal("want 1 MB files of differing (incompressible) content")
	}
	if err := writeFiles(dir, "x", 0); err != nil {
		t.Fatal(err)
	}
	if err := writeFiles("/proc/forbidden", "x", 1); err == nil {
		t.Fatal("writing into an unwritable directory did not fail")
	}
}

func TestAllocateHoldsMemory(t *testing.T) {
	s, _, buf := startService(t, "survey-service")
	s.allocate(4)
	if len(s.ballast) != 4 || s.ballastMB != 4 || s.ballast[3][4096] != 1 {
		t.Fatalf("ballast = %d MB, recorded %d", len(s.ballast), s.ballastMB)
	}
	if lines := buf.lines(t); len(lines) != 1 || lines[0]["memoryMB"] != float64(4) {
		t.Fatalf("allocation not logged: %v", lines)
	}
}
