package sim_test

import "github.com/loyaltykit/loyalty/internal/cputime"

// cpuTime is the CPU time the process has used (0 where it is not measured).
var cpuTime = cputime.Used
