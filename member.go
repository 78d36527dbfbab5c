package loyalty

import (
	"slices"
	"time"
)

// Member is a customer enrolled in a program. Only ID is required.
type Member struct {
	ID       string
	JoinedAt time.Time
	// Birthday is the member's date of birth; only its month and day are used.
	// The zero value means unknown.
	Birthday time.Time
	// Segments are host-defined groups ("staff", "wholesale", "newsletter").
	Segments []string
	// Attributes are host-defined facts a custom rule may read.
	Attributes map[string]string
}

// Validate reports whether m can be enrolled.
func (m *Member) Validate() error {
	if m.ID == "" {
		return invalidEvent("member.id", "is empty")
	}
	return nil
}

// InSegment reports whether the member belongs to segment s.
func (m *Member) InSegment(s string) bool { return slices.Contains(m.Segments, s) }

// HasBirthdayOn reports whether day (in its own location) is the member's
// birthday. A 29 February birthday is celebrated on 28 February in other years.
func (m *Member) HasBirthdayOn(day time.Time) bool {
	if m.Birthday.IsZero() {
		return false
	}
	bm, bd := m.Birthday.Month(), m.Birthday.Day()
	if bm == time.February && bd == 29 && !isLeap(day.Year()) {
		bd = 28
	}
	return day.Month() == bm && day.Day() == bd
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
