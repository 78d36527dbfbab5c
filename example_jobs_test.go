package loyalty_test

import (
	"context"
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/points"
	"github.com/loyaltykit/loyalty/storage/memory"
)

// A shop in Auckland runs its periodic jobs once a day. At 01:00 on
// 7 December there (still the 6th in UTC) Ann's birthday gift is due; the
// second run of the day writes nothing.
func ExampleEngine_RunJobs() {
	ctx := context.Background()
	akl, _ := time.LoadLocation("Pacific/Auckland")
	gift, _ := points.NewBirthday("birthday", 500)
	store := memory.New()
	clock := loyalty.NewManualClock(time.Date(2026, 12, 7, 1, 0, 0, 0, akl))
	e, _ := loyalty.NewEngine(&loyalty.Program{Name: "shop", Currency: "NZD", Location: akl,
		Rules: []loyalty.Rule{gift}}, store, &loyalty.EngineOptions{Clock: clock})
	e.Enroll(ctx, "enroll-ann", loyalty.Member{ID: "ann", Birthday: time.Date(1990, 12, 7, 0, 0, 0, 0, time.UTC)})
	e.Enroll(ctx, "enroll-bob", loyalty.Member{ID: "bob"})

	for range 2 {
		rep, err := e.RunJobs(ctx, store, nil)
		fmt.Println(rep.Members, "members,", rep.Written, "writes", rep.Jobs, err)
	}
	b, _ := e.Balance(ctx, "ann")
	fmt.Println("ann:", b.Available, "points")
	// Output:
	// 2 members, 1 writes map[birthday:1] <nil>
	// 2 members, 0 writes map[] <nil>
	// ann: 500 points
}
