package sim

import (
	"sync"
	"time"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/ledger"
	"github.com/shopspring/decimal"
)

// KPI is what a program did over one period (a month, or the whole run):
// flows over the period and stocks at its end. Points are int64; money is
// exact, in the program's currency; rates and shares are floats.
type KPI struct {
	// From and To bound the period [From, To).
	From, To time.Time

	// Revenue is what all customers paid, members and non-members, net of
	// returns; MemberRevenue is the members' part. Orders count orders
	// placed (returned ones included).
	Revenue, MemberRevenue        decimal.Decimal
	MemberOrders, NonMemberOrders int64
	// MemberAOV and NonMemberAOV are the average order values (gross of
	// returns); MemberFrequency and NonMemberFrequency orders per customer
	// per month of the period (30.44 days), over the customers that could buy
	// (not yet churned) as members or non-members at the period's end.
	MemberAOV, NonMemberAOV             decimal.Decimal
	MemberFrequency, NonMemberFrequency decimal.Decimal

	// Points issued by source (orders, actions such as welcome and birthday
	// points and the periodic jobs' grants, operators' adjustments), then
	// redeemed (spent at checkout or on rewards), expired (breakage),
	// voided (held points cancelled and earned points taken back by
	// returns) and outstanding at the period's end (available plus held).
	PointsIssued        int64
	PointsFromOrders    int64
	PointsFromActions   int64
	PointsFromAdjusting int64
	PointsRedeemed      int64
	PointsExpired       int64
	PointsVoided        int64
	PointsOutstanding   int64

	// The same for money accounts (cashback accruals, store credit, reward
	// certificates), in the currency: a payout moves money between them and
	// issues nothing.
	MoneyIssued, MoneyRedeemed, MoneyExpired, MoneyVoided, MoneyOutstanding decimal.Decimal

	// Liability is what is outstanding at the period's end, in money: the
	// outstanding points at the point value plus the outstanding money.
	Liability decimal.Decimal
	// Cost is the programme's cost in the period: the value of the points
	// redeemed (at checkout, what the redemption took off the order; on
	// rewards, at the point value) plus the money redeemed.
	Cost decimal.Decimal
	// CostShareOfRevenue is Cost over Revenue (0 without revenue).
	CostShareOfRevenue decimal.Decimal
	// RedemptionRate is points redeemed over points issued, BreakageRate
	// points expired over points issued, in the period (0 without issues).
	RedemptionRate, BreakageRate decimal.Decimal

	// EnrolledMembers is how many customers were members at the period's
	// end, ActiveMembers how many of them earned or redeemed in the period,
	// ActiveShare the one over the other.
	EnrolledMembers, ActiveMembers int
	ActiveShare                    decimal.Decimal

	// Tiers is how many members stood on each tier at the period's end, in
	// the ladders' order (for every rule that is a loyalty.StandingRule);
	// members on no tier are not counted.
	Tiers []TierCount
}

// TierCount is how many members stand on one tier of one ladder.
type TierCount struct {
	Ladder, Tier string
	Members      int
}

// flows are a period's running sums, in points and minor units.
type flows struct {
	revenue, memberRevenue          int64 // minor units, net of returns
	memberGross, nonMemberGross     int64
	memberOrders, nonMemberOrders   int64
	issued, fromOrders, fromActions int64
	fromAdjust                      int64
	redeemed, expired, voided       int64
	moneyIssued, moneyRedeemed      int64
	moneyExpired, moneyVoided       int64
	cost                            decimal.Decimal // exact: redemption values are decimals
	pointsSpentOnRewards            int64
}

// tally turns the receipts of every committed write (EngineOptions.AfterCommit)
// into the flows of the current period and the stocks of the whole ledger.
// It is the seam where package economics' KPIs over the store take over.
type tally struct {
	mu                      sync.Mutex // observe is called by the workers' writes
	cur                     flows
	pointsStock, moneyStock int64
	onReceipt               func(*loyalty.Receipt)
	writes                  int64
}

func isMoney(a ledger.Account) bool {
	return a != ledger.PointsAccount && a != ledger.RewardsAccount
}

// observe adds one receipt to the tally.
func (t *tally) observe(r *loyalty.Receipt) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writes++
	f := &t.cur
	redeem := r.Operation == loyalty.OpRedeem || r.Operation == loyalty.OpCancel
	for i := range r.Entries {
		e := &r.Entries[i]
		v := e.Amount + e.Pending
		switch {
		case e.Account == ledger.PointsAccount:
			t.pointsStock += v
			switch e.Kind {
			case ledger.EntryEarn, ledger.EntryAdjust:
				f.issued += v
				switch r.Operation {
				case loyalty.OpEarn:
					f.fromOrders += v
				case loyalty.OpAdjust:
					f.fromAdjust += v
				default:
					f.fromActions += v
				}
			case ledger.EntryRedeem, ledger.EntryRestore:
				f.redeemed -= v
				if !redeem {
					f.pointsSpentOnRewards -= v
				}
			case ledger.EntryExpire:
				f.expired -= v
			case ledger.EntryVoid, ledger.EntryReverse:
				f.voided -= v
			}
		case isMoney(e.Account):
			t.moneyStock += v
			switch e.Kind {
			case ledger.EntryExpire:
				f.moneyExpired -= v
			case ledger.EntryVoid, ledger.EntryReverse:
				f.moneyVoided -= v
			case ledger.EntryRedeem, ledger.EntryRestore:
				if redeem {
					f.moneyRedeemed -= v
				} else {
					f.moneyIssued += v // a payout's debit of the accrual it pays
				}
			case ledger.EntryEarn, ledger.EntryAdjust:
				f.moneyIssued += v
			}
		}
	}
	if redeem && r.Redemption != nil && r.Redemption.Account == ledger.PointsAccount || redeem && r.Redemption != nil && r.Redemption.Account == "" {
		if r.Operation == loyalty.OpRedeem {
			f.cost = f.cost.Add(r.Redemption.Value.Amount)
		} else {
			f.cost = f.cost.Sub(r.Redemption.Value.Amount)
		}
	}
	if t.onReceipt != nil {
		t.onReceipt(r)
	}
}
