package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfile writes a CPU profile to cpuPath (SURVEYTUI_CPUPROFILE) and, when the program
// ends, a heap profile to heapPath (SURVEYTUI_MEMPROFILE), for the benchmarks: where the
// console's CPU and memory go is measured, not guessed. The returned function stops them.
func startProfile(cpuPath, heapPath string) func() {
	stopCPU := func() {}
	if heapPath != "" {
		runtime.MemProfileRate = 4096 // fine enough to name every sizeable holder
	} else {
		// Off otherwise: every sampled allocation would otherwise add a stack to the
		// profiler's table for good, which in a console left running for days is resident
		// memory that only grows.
		runtime.MemProfileRate = 0
	}
	if cpuPath != "" {
		stopCPU = startCPUProfile(cpuPath)
	}
	return func() {
		stopCPU()
		if heapPath != "" {
			writeHeapProfile(heapPath)
		}
	}
}

func startCPUProfile(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "surveytui: cannot write the CPU profile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "surveytui: cannot start the CPU profile:", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "surveytui: cannot write the heap profile:", err)
		return
	}
	defer f.Close()
	runtime.GC() // the profile shows what is live, as of the last collection
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, "surveytui: cannot write the heap profile:", err)
	}
}
