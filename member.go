package loyalty

import (
	"slices"
	"time"
)

// Member is a customer enrolled in a program. Only ID is required.
type Member struct {
	ID       string
	JoinedAt time.Time
	// Birthday is the member's date of birth; only its month and day are used,
	// as written (Enroll keeps its date in its own location, stored as
	// midnight UTC). The zero value means unknown.
	Birthday time.Time
	// Segments are host-defined groups ("staff", "wholesale", "newsletter").
	Segments []string
	// Attributes are host-defined facts a custom rule may read.
	Attributes map[string]string
}

// Validate reports whether m can be enrolled: ID is required, ID, the
// segments and the attribute keys pass CheckID, JoinedAt and Birthday lie
// in years 1 to 9999 UTC.
func (m *Member) Validate() error {
	if err := checkRequiredID("member.id", m.ID); err != nil {
		return err
	}
	if err := checkIDs("member.segments", m.Segments); err != nil {
		return err
	}
	for k := range m.Attributes {
		if err := CheckID("member.attributes", k); err != nil {
			return err
		}
	}
	if err := checkTime("member.joined_at", m.JoinedAt); err != nil {
		return err
	}
	return checkTime("member.birthday", m.Birthday)
}

// InSegment reports whether the member belongs to segment s.
func (m *Member) InSegment(s string) bool { return slices.Contains(m.Segments, s) }

// HasBirthdayOn reports whether day, read in its own location, is the
// member's birthday: the month and day of Birthday's date. A 29 February
// birthday is celebrated on 28 February in other years. Judge "today" in the
// program's zone: m.HasBirthdayOn(now.In(program.Zone())), which is what the
// birthday rule and Engine.RunJobs do.
func (m *Member) HasBirthdayOn(day time.Time) bool {
	if m.Birthday.IsZero() {
		return false
	}
	return sameDay(m.Birthday.Month(), m.Birthday.Day(), day)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }
