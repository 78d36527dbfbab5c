// Package cputime reads the CPU time the process has used, for benchmarks
// that report it beside the wall clock (cpu-s/op, cpu-ns/member): on a
// machine shared with other work, CPU time does not grow while the process
// waits for a core, so it says more than b.Elapsed.
//
// It is the project's own benchmark support, under internal so that no host
// depends on it.
package cputime
