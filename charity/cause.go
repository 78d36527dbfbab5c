package charity

import (
	"strconv"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/definition"
	"github.com/loyaltykit/loyalty/ledger"
)

// Accounts, actions and attributes the package uses.
const (
	// PledgeAccount is the prefix of the per-cause pledge accounts:
	// "pledge:ocean". They count minor units of the program's currency.
	PledgeAccount ledger.Account = "pledge"
	// DonateAction is the kind of the action that turns points into a
	// pledge (see Donate).
	DonateAction loyalty.ActionKind = "donate"
	// ChoiceAttribute is the member attribute (loyalty.Member.Attributes)
	// holding the ID of the cause the member chose, unless Causes.Attribute
	// names another.
	ChoiceAttribute = "cause"
)

// Sources of the entries on a cause's pledge account (ledger.Entry.Source):
// what ImpactOf and Totals, and a host's own statement, branch on.
const (
	// SourcePurchase is the source of an order's pledge (Pledge): the
	// engine's source of what an order earns.
	SourcePurchase = "order"
	// SourceDonation is the source of points a member gave (Donation): the
	// kind of the DonateAction. The points it spent leave the points account
	// in an entry whose source is the Donation rule's name.
	SourceDonation = string(DonateAction)
	// SourceReturn is the source of what a return took back from a pledge.
	SourceReturn = "return"
)

// Account returns the pledge account of cause: "pledge:" + cause.
func Account(cause string) ledger.Account { return PledgeAccount + ":" + ledger.Account(cause) }

// Cause is a good cause a program pledges to.
type Cause struct {
	// ID is stable: it names the cause's pledge account.
	ID string
	// Name is what members and reports read ("Ocean Cleanup").
	Name string
}

func (c Cause) String() string {
	if c.Name == "" {
		return c.ID
	}
	return c.Name
}

// Causes are the causes a program pledges to and how a member's pledge
// finds its cause.
type Causes struct {
	// List declares the causes. Pledges go only to declared causes.
	List []Cause
	// Default is the ID of the cause pledged to when the member chose none.
	Default string
	// Attribute is the member attribute holding the member's choice (a cause
	// ID); empty means members cannot choose. A choice that names no declared
	// cause (a cause the program retired) pledges to Default, and the
	// explanation says so: an order is never refused for it.
	Attribute string
}

// Validate reports the first problem as an error wrapping
// loyalty.ErrInvalidProgram: no cause, a cause without ID, a duplicate ID, or
// a default that is not a declared cause.
func (cs *Causes) Validate() error {
	if len(cs.List) == 0 {
		return definition.Invalid("causes", "declares no cause")
	}
	for i, c := range cs.List {
		f := "causes[" + strconv.Itoa(i) + "]"
		if c.ID == "" {
			return definition.Invalid(f+".id", "is empty")
		}
		for _, d := range cs.List[:i] {
			if d.ID == c.ID {
				return definition.Invalid(f+".id", "duplicate cause "+strconv.Quote(c.ID))
			}
		}
	}
	if cs.Default == "" {
		return definition.Invalid("causes.default", "a program pledges to a default cause; it is empty")
	}
	if _, ok := cs.Lookup(cs.Default); !ok {
		return definition.Invalid("causes.default", "pledges to the unknown cause "+strconv.Quote(cs.Default))
	}
	return nil
}

// Lookup returns the declared cause with ID id.
func (cs *Causes) Lookup(id string) (Cause, bool) {
	for _, c := range cs.List {
		if c.ID == id {
			return c, true
		}
	}
	return Cause{}, false
}

// For returns the cause a pledge of member m goes to, and a note saying why
// ("member's choice", "program's cause", or that the member's choice is not
// a declared cause).
func (cs *Causes) For(m *loyalty.Member) (Cause, string) {
	if cs.Attribute != "" && m != nil {
		if id := m.Attributes[cs.Attribute]; id != "" {
			if c, ok := cs.Lookup(id); ok {
				return c, "member's choice"
			}
			def, _ := cs.Lookup(cs.Default)
			return def, "member's choice " + strconv.Quote(id) + " is not a cause of the program"
		}
	}
	def, _ := cs.Lookup(cs.Default)
	return def, "program's cause"
}

func (cs Causes) clone() Causes {
	cs.List = append([]Cause(nil), cs.List...)
	return cs
}
