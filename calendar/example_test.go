package calendar_test

import (
	"fmt"
	"time"

	"github.com/loyaltykit/loyalty/calendar"
)

// The same instant falls in different days, months and years in a shop in
// Auckland and one in Los Angeles.
func ExamplePeriod_Key() {
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	for _, zone := range []string{"Pacific/Auckland", "America/Los_Angeles"} {
		loc, _ := time.LoadLocation(zone)
		t := at.In(loc)
		fmt.Println(zone, calendar.Day.Key(t), calendar.Month.Key(t), calendar.Quarter.Key(t), calendar.Week.Key(t))
	}
	// Output:
	// Pacific/Auckland 2027-01-01 2027-01 2027-Q1 2026-W53
	// America/Los_Angeles 2026-12-31 2026-12 2026-Q4 2026-W53
}

func ExampleAddMonths() {
	jan31 := time.Date(2028, 1, 31, 9, 0, 0, 0, time.UTC)
	fmt.Println(calendar.AddMonths(jan31, 1).Format("2006-01-02 15:04"))
	fmt.Println(calendar.AddMonths(jan31, 13).Format("2006-01-02 15:04"))
	// Output:
	// 2028-02-29 09:00
	// 2029-02-28 09:00
}
