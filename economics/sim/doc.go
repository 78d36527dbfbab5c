// Package sim simulates a shop's customers under a loyalty program, so that
// a team can unit-test its reward economics before launch: a seeded
// synthetic customer base (segments with a purchase frequency, a basket
// size and category mix at exact prices, churn, the share that joins and
// when, and how members respond: redemption propensity, extra frequency,
// returns) shops day by day through the real loyalty.Engine on a fresh
// storage/memory store with a loyalty.ManualClock, the nightly
// Engine.RunJobs included, and Run returns the KPIs per month and over the
// run (points issued, redeemed, expired, voided, outstanding, store credit,
// liability, programme cost and its share of revenue, redemption and
// breakage rates, active members, members' orders against non-members',
// tier distribution), with package economics' report over the simulated
// ledger beside them (Result.Ledger).
//
// The same Config and program give the same Result, byte for byte; Compare
// runs two programs on the very same customers, baskets and days:
//
//	cmp, err := sim.Compare(ctx, onePointPerDollar, twoPercentCashback, cfg)
//	require.NoError(t, err)
//	require.True(t, cmp.B.Total.CostShareOfRevenue.LessThan(decimal.RequireFromString("0.03")))
//
// Money, points, rates and shares are exact (decimal.Decimal, int64; a
// rate or share is economics.Ratio, to 6 places); only the customer
// model's parameters (weights, frequencies, probabilities) are floats,
// and no amount passes through one. A bad Config is a *ConfigError before
// anything runs. Config.Progress reports every simulated day; the example
// go run ./examples/economics draws a progress bar and writes a report with
// charts.
package sim
