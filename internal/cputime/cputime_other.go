//go:build !unix

package cputime

import "time"

// Used is not measured on this platform: it returns 0, and benchmarks
// report 0 CPU time.
func Used() time.Duration { return 0 }
