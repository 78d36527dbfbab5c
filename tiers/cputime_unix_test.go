//go:build unix

package tiers_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process used so far, which
// unlike wall time does not grow when other jobs share the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
