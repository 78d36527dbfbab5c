package sim_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/loyaltykit/loyalty/economics/sim"
)

// members is a base of n customers who are all members from the first
// day, buying 1.5 times a month on average.
func members(n int) *sim.Config {
	cfg := shoppers(n)
	cfg.EnrolledAtStart = 1
	for i := range cfg.Customers.Segments {
		cfg.Customers.Segments[i].JoinShare = 1
	}
	return cfg
}

// BenchmarkSimulatePointsPlusTiers simulates N members over 12 months with
// a points-plus-tiers program (jobs every day) and reports members×months
// per second and the heap the run holds at its end (HeapAlloc and
// HeapInuse after a collection on the last day, per member). SIM_MEMBERS (a comma
// list) sets the sizes, 1,000 and 10,000 by default; SIM_JOBS_EVERY and
// SIM_WORKERS set Config.JobsEvery and Config.Workers.
func BenchmarkSimulatePointsPlusTiers(b *testing.B) {
	sizes := []int{1000, 10000}
	if s := os.Getenv("SIM_MEMBERS"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatal(err)
			}
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cfg := members(n)
			if s := os.Getenv("SIM_JOBS_EVERY"); s != "" {
				var err error
				if cfg.JobsEvery, err = strconv.Atoi(s); err != nil {
					b.Fatal(err)
				}
			}
			if s := os.Getenv("SIM_WORKERS"); s != "" {
				var err error
				if cfg.Workers, err = strconv.Atoi(s); err != nil {
					b.Fatal(err)
				}
			}
			// The heap the run holds on its last day, the store alive.
			var heap, inuse uint64
			cfg.Progress = func(p sim.Progress) {
				if p.Day == p.Days {
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					heap, inuse = ms.HeapAlloc, ms.HeapInuse
				}
			}
			var res *sim.Result
			cpu0 := cpuTime()
			for b.Loop() {
				var err error
				if res, err = sim.Run(context.Background(), pointsAndTiers(b), cfg); err != nil {
					b.Fatal(err)
				}
			}
			cpu := (cpuTime() - cpu0).Seconds()
			b.ReportMetric(float64(n*12)*float64(b.N)/b.Elapsed().Seconds(), "member-months/s")
			// CPU time of the process (all threads, the collector's too): on a
			// machine shared with other work it says more than the wall clock.
			b.ReportMetric(cpu/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(heap)/float64(n), "heap-B/member")
			b.ReportMetric(float64(inuse)/float64(n), "inuse-B/member")
			b.ReportMetric(float64(res.Writes), "writes")
			runtime.KeepAlive(res)
		})
	}
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
