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
// per second and the heap the run holds at its end. SIM_MEMBERS (a comma
// list) sets the sizes; the default is 1,000 and 10,000.
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
			var res *sim.Result
			for b.Loop() {
				var err error
				if res, err = sim.Run(context.Background(), pointsAndTiers(b), cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*12)*float64(b.N)/b.Elapsed().Seconds(), "member-months/s")
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapAlloc)/float64(n), "heap-B/member")
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
